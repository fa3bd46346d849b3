from __future__ import annotations

import csv
import io

import pytest

from bot.hub import Hub
from bot.proposals import moderation, service
from bot.proposals.export import COLUMNS, safe_cell
from tests.support.proposals import answers, ctx_for, host, moderator

pytestmark = pytest.mark.both_backends

ODD = {
    "host_name": "Çağrı İlkay Işık",
    "organisation": "Belediye — Kütahya, Türkiye 🇹🇷",
    "title": "مدن وسيطة: الماء والمرونة 🌍",
    "description": 'Línea uno, "citada", con coma;\nlínea dos: résumé, Ñandú, ıİ, 👩‍👩‍👧.',
    "cohosts": '=HYPERLINK("http://evil")',
    "email": "",
}


def _read(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: what Excel needs for accents
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


async def _export(hub: Hub, lang: str | None = None) -> bytes:
    reply = await moderation.export(ctx_for(hub, moderator(locale=lang)))
    (attachment,) = reply.attachments
    assert attachment.filename == "proposals-20211006-1150.csv"
    assert attachment.mime == "text/csv"
    return attachment.data


async def test_the_export_holds_every_field_status_and_time_with_any_script_intact(
    hub: Hub,
) -> None:
    await service.submit(ctx_for(hub, host()), 0, answers(**ODD))
    await moderation.decide(ctx_for(hub, moderator()), 1, "approved", slot="hub-oct-7")
    rows = _read(await _export(hub))
    header, row = rows
    assert len(header) == len(row) == len(COLUMNS)
    cell = dict(zip(COLUMNS, row, strict=True))
    for key in ("host_name", "organisation", "title", "description"):
        assert cell[key] == ODD[key]
    assert cell["cohosts"] == '\'=HYPERLINK("http://evil")'
    assert cell["status"] == "approved"
    assert cell["submitted"] == "2021-10-06 11:50:00" and cell["decided"] == "2021-10-06 11:50:00"
    assert cell["slot"] == "2021-10-06 12:00–12:45" and cell["slot_id"] == "hub-oct-6"
    assert cell["approved_slot"] == "2021-10-07 12:00–12:45"
    assert (cell["language"], cell["capitals"], cell["format"]) == (
        "Español",
        "Social, Environmental",
        "Workshop",
    )
    assert header[2] == "Submitted (Europe/Madrid)"


async def test_export_headers_follow_the_moderators_language(hub: Hub) -> None:
    header, *_ = _read(await _export(hub, "fr"))
    assert header[:3] == ["Proposition", "État", "Envoyée (Europe/Madrid)"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [("=1+1", "'=1+1"), ("+34 600", "'+34 600"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"),
     ("\tx", "'\tx"), ("ana@example.org", "ana@example.org"), ("", ""), (None, "")],
)  # fmt: skip
def test_cells_a_spreadsheet_would_run_as_formulas_are_quoted(value: object, expected: str) -> None:
    assert safe_cell(value) == expected
