"""Exports of the programme validate against the c3voc schemas and import back to the same
sessions; approved open-space sessions are part of them."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest
import xmlschema

from bot.interchange import import_bytes
from bot.interchange.export import export_bytes
from bot.programme import LocalText, Programme, Session
from tests.support import frab

C3VOC = Path(__file__).parents[2] / "data" / "c3voc"
NOW = datetime(2021, 10, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def json_schema() -> jsonschema.protocols.Validator:
    schema = json.loads((C3VOC / "schema.json").read_text())
    return jsonschema.Draft6Validator(
        schema, format_checker=jsonschema.Draft6Validator.FORMAT_CHECKER
    )


@pytest.fixture(scope="module")
def xsd() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(C3VOC / "schedule.xml.xsd"))


def _same_sessions(a: Programme, b: Programme, lang: str = "en") -> None:
    timed_a = {s.id: s for s in a.sessions if s.timed}
    assert set(b.by_id) == set(timed_a)
    for sid, s in timed_a.items():
        t = b.by_id[sid]
        assert (t.starts_at, t.ends_at, t.date) == (s.starts_at, s.ends_at, s.date), sid
        assert t.title.get(lang) == s.title.get(lang)
        assert (t.summary.get(lang) if t.summary else None) == (
            s.summary.get(lang) if s.summary else None
        )
        assert t.kind == s.kind


def test_bundled_programme_as_frab_json_validates_and_imports_back(
    programme: Programme, json_schema: jsonschema.protocols.Validator
) -> None:
    data = export_bytes(programme, "frab-json", "en", now=NOW)
    json_schema.validate(json.loads(data))
    back = import_bytes(data, "export.json").programme
    _same_sessions(programme, back)
    assert back.forum.timezone == "Europe/Madrid"


def test_an_invalid_export_would_be_caught_by_the_schema(
    programme: Programme, json_schema: jsonschema.protocols.Validator
) -> None:
    doc = json.loads(export_bytes(programme, "frab-json", "en", now=NOW))
    event = next(iter(doc["schedule"]["conference"]["days"][0]["rooms"].values()))[0]
    del event["guid"]
    with pytest.raises(jsonschema.ValidationError):
        json_schema.validate(doc)


def test_bundled_programme_as_frab_xml_validates_against_the_xsd(
    programme: Programme, xsd: xmlschema.XMLSchema
) -> None:
    data = export_bytes(programme, "frab-xml", "es", now=NOW)
    xsd.validate(data.decode())
    back = import_bytes(data, "export.xml", timezone="Europe/Madrid").programme
    _same_sessions(programme, back, "es")


def test_csv_export_imports_back(programme: Programme) -> None:
    data = export_bytes(programme, "csv", "fr", now=NOW)
    assert data.startswith("\ufeff".encode())
    back = import_bytes(data, "export.csv", timezone="Europe/Madrid").programme
    _same_sessions(programme, back, "fr")


def test_imported_awkward_programme_exports_valid_frab(
    json_schema: jsonschema.protocols.Validator, xsd: xmlschema.XMLSchema
) -> None:
    imported = import_bytes(frab.frab_json(), "s.json").programme
    data = export_bytes(imported, "frab-json", "en", now=NOW)
    json_schema.validate(json.loads(data))
    xsd.validate(export_bytes(imported, "frab-xml", "en", now=NOW).decode())
    again = import_bytes(data, "again.json").programme
    _same_sessions(imported, again)
    opening = next(s for s in again.sessions if s.title.en == "Opening")
    assert opening.speakers == ("Ana Ruiz", "Bo Li")
    assert again.places[opening.places[0]].name.en == "Hall A & B"
    late = next(s for s in again.sessions if s.title.en == "Late night")
    assert late.track_name is not None and late.track_name.en == "Security"


def test_approved_open_space_sessions_are_exported(programme: Programme) -> None:
    slot = programme.by_id["hub-oct-6"]
    text = LocalText(es="Huertos urbanos", en="Huertos urbanos", fr="Huertos urbanos")
    approved = Session(
        id="proposal-7",
        kind="open_space",
        date=slot.date,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        format=slot.format,
        places=slot.places,
        title=text,
        summary=text,
        host="Ana Ruiz (Ciudad Verde)",
    )
    data = export_bytes(programme.with_sessions([approved]), "frab-json", "en", now=NOW)
    events = [
        e
        for day in json.loads(data)["schedule"]["conference"]["days"]
        for evs in day["rooms"].values()
        for e in evs
    ]
    mine = next(e for e in events if e["slug"] == "proposal-7")
    assert mine["title"] == "Huertos urbanos"
    assert mine["persons"] == [{"name": "Ana Ruiz (Ciudad Verde)"}]
