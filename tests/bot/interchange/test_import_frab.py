"""frab / c3voc / pretalx XML and JSON become a programme that ``check`` accepts, at the right
instants; what cannot be mapped is one ``SOURCE:LINE`` problem."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.interchange import import_bytes
from bot.interchange.draft import SourceError
from bot.programme import parse_programme
from tests.support import frab


def _problems(data: bytes, name: str, **kw: str) -> list[str]:
    with pytest.raises(SourceError) as info:
        import_bytes(data, name, **kw)
    return [str(p) for p in info.value.problems]


@pytest.mark.parametrize(
    ("name", "data"), [("s.xml", frab.frab_xml()), ("s.json", frab.frab_json())]
)
def test_awkward_frab_schedule_imports_at_the_right_instants(name: str, data: bytes) -> None:
    result = import_bytes(data, name)
    programme = parse_programme(result.yaml_text, "schedule.yaml")  # what `check` runs
    by_id = programme.by_id
    late = next(s for s in programme.sessions if s.title.en == "Late night")
    # 00:30 on 6 Oct in New York (EDT, UTC−4) is 04:30 UTC; it belongs to conference day 1.
    assert late.starts_at == datetime(2021, 10, 6, 4, 30, tzinfo=UTC)
    assert late.date == date(2021, 10, 5)
    hack = next(s for s in programme.sessions if s.title.en == "Hackathon")
    assert hack.ends_at is not None and hack.starts_at is not None
    assert (hack.ends_at - hack.starts_at).total_seconds() == 26 * 3600
    opening = next(s for s in programme.sessions if s.title.en == "Opening")
    assert opening.speakers == ("Ana Ruiz", "Bo Li")
    assert programme.places[opening.places[0]].name.en == "Hall A & B"
    assert programme.places[hack.places[0]].name.en == "Lab <1>"
    assert programme.forum.timezone == "America/New_York"
    assert date(2021, 10, 6) in {d.date for d in programme.days}  # the empty day stays
    assert late.track == "security" and programme.kinds["security"].en == "Security"
    assert len(by_id) == 4


def test_frab_xml_event_without_date_after_day_change_is_the_next_morning() -> None:
    days = frab.awkward_days()
    for _, _, events in days:
        for e in events:
            e["date"] = None  # only <start>: 00:30 is before the day's 06:00 start
    result = import_bytes(frab.frab_xml(days), "s.xml")
    late = next(s for s in result.programme.sessions if s.title.en == "Late night")
    assert late.starts_at == datetime(2021, 10, 6, 4, 30, tzinfo=UTC)
    assert late.date == date(2021, 10, 5)


def test_a_zone_given_on_the_command_line_rewrites_wall_times_not_instants() -> None:
    result = import_bytes(frab.frab_xml(), "s.xml", timezone="Europe/Madrid")
    assert 'timezone: "Europe/Madrid"' in result.yaml_text
    late = next(s for s in result.programme.sessions if s.title.en == "Late night")
    assert late.starts_at == datetime(2021, 10, 6, 4, 30, tzinfo=UTC)
    assert 'start: "2021-10-06T06:30"' in result.yaml_text  # 04:30 UTC in Madrid (CEST)


def test_duplicate_ids_are_reported_on_both_lines() -> None:
    days = frab.awkward_days()
    days[2][2][0]["guid"] = days[0][2][0]["guid"]
    data = frab.frab_xml(days)
    lines = data.decode().splitlines()
    guid = days[0][2][0]["guid"]
    first, second = [i + 1 for i, line in enumerate(lines) if f'guid="{guid}"' in line]
    assert _problems(data, "s.xml") == [
        f"s.xml:{second}: duplicate id '{guid}' (first used at {first})"
    ]
    json_data = frab.frab_json(days)
    json_lines = json_data.decode().splitlines()
    j1, j2 = [i + 1 for i, line in enumerate(json_lines) if f'"guid": "{guid}"' in line]
    assert _problems(json_data, "s.json") == [
        f"s.json:{j2}: duplicate id '{guid}' (first used at {j1})"
    ]


def test_an_event_without_duration_is_a_problem_on_its_line_not_a_guess() -> None:
    data = frab.frab_xml().decode()
    data = data.replace("<duration>00:45</duration>", "", 1)
    line = next(i + 1 for i, x in enumerate(data.splitlines()) if "Late night" in x)
    problems = _problems(data.encode(), "s.xml")
    assert len(problems) == 1
    event_line = max(i + 1 for i, x in enumerate(data.splitlines()[:line]) if "<event " in x)
    assert problems[0] == f"s.xml:{event_line}: session 'Late night': no end and no duration"


def test_a_bad_duration_is_one_problem() -> None:
    data = frab.frab_json().decode().replace('"26:00"', '"a day"')
    problems = _problems(data.encode(), "s.json")
    assert len(problems) == 1 and "duration 'a day' is not HH:MM" in problems[0]


def test_a_source_without_zone_asks_for_one() -> None:
    problems = _problems(frab.frab_xml(zone=None), "s.xml")
    assert problems == [
        "s.xml:4: the source names no time zone: give one with --timezone (e.g. Europe/Berlin)"
    ]


def test_entity_expansion_is_refused_with_its_line() -> None:
    bomb = (
        b'<?xml version="1.0"?>\n<!DOCTYPE s [\n <!ENTITY a "aaaaaaaaaa">\n'
        b' <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">\n]>\n<schedule>&b;</schedule>\n'
    )
    problems = _problems(bomb, "bomb.xml")
    assert len(problems) == 1
    assert problems[0].startswith("bomb.xml:3: refused: the XML declares entities")


def test_broken_xml_names_its_line() -> None:
    text = frab.frab_xml().decode().replace("</title>", "", 1)
    line = next(i + 1 for i, x in enumerate(text.splitlines()) if "</conference>" in x)
    problems = _problems(text.encode(), "s.xml")  # the parser notices at </conference>
    assert problems == [
        f"s.xml:{line}: not well-formed XML (mismatched tag: line {line}, column 4)"
    ]


def test_not_a_schedule() -> None:
    assert _problems(b'{"a": 1}', "x.json") == [
        'x.json:1: not a frab schedule.json ({"schedule": {"conference": {"days": …}}})'
    ]
    assert _problems(b"<html/>", "x.xml") == [
        "x.xml:1: not a frab schedule (<schedule><conference>…)"
    ]


def test_pretalx_persons_and_links_are_read() -> None:
    days = frab.awkward_days()
    e = days[0][2][0]
    e["persons"] = [{"code": "ABC", "name": "Chris Doe", "biography": "…"}]
    e["links"] = [{"url": "https://slides.example/1", "title": "Slides", "type": "related"}]
    result = import_bytes(frab.frab_json(days), "pretalx.json")
    opening = next(s for s in result.programme.sessions if s.title.en == "Opening")
    assert opening.speakers == ("Chris Doe",)
    assert [(link.url, link.title) for link in opening.links] == [
        ("https://slides.example/1", "Slides")
    ]
    assert opening.url == "https://democon.example/talk/1"


def test_an_instant_in_the_repeated_hour_of_a_clock_change_is_a_problem() -> None:
    # Madrid's clocks go back at 03:00 CEST on 31 Oct 2021: 02:30 happens twice. The second
    # 02:30 (+01:00) cannot be written as a wall time; the first (+02:00) can.
    days = frab.awkward_days()
    first, second = days[0][2][0], days[0][2][1]
    first["date"], first["duration"] = "2021-10-31T02:00:00+02:00", "00:30"
    second["date"] = "2021-10-31T02:30:00+01:00"
    data = frab.frab_xml(days)
    line = next(
        i + 1 for i, x in enumerate(data.decode().splitlines()) if f'guid="{second["guid"]}"' in x
    )
    assert _problems(data, "s.xml", timezone="Europe/Madrid") == [
        f"s.xml:{line}: session 'Late night': its start falls in the hour repeated by a clock "
        "change in Europe/Madrid: a wall time cannot say which one"
    ]


def test_hostile_json_nesting_is_one_problem() -> None:
    assert _problems(b"[" * 200_000 + b"]" * 200_000, "deep.json") == [
        "deep.json:1: not a schedule: arrays or objects nested too deeply"
    ]


def test_a_source_name_with_a_line_break_cannot_break_the_written_file() -> None:
    result = import_bytes(frab.frab_json(), "evil\nforum: x.json")
    assert result.yaml_text.startswith("# Imported by `l4a-bot import` from evil?forum: x.json.")
