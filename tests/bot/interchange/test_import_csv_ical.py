"""CSV sheets (Excel's BOM and ``;``) and iCalendar files become programmes; problems name
``SOURCE:row N`` or ``SOURCE:LINE``."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.interchange import import_bytes
from bot.interchange.draft import SourceError


def _problems(data: bytes, name: str, **kw: str) -> list[str]:
    with pytest.raises(SourceError) as info:
        import_bytes(data, name, **kw)
    return [str(p) for p in info.value.problems]


EXCEL = (
    "\ufeffdate;start;end;duration;title;room;type;track;speakers\r\n"
    "2021-10-05;23:30;2021-10-06 00:15;;Late talk;Room A & B;Talk;Cities;Ana Ruiz, Bo Li\r\n"
    "2021-10-06;09:00;;1:30;Breakfast panel;Room A & B;;;\r\n"
    ";;;;;;;;\r\n"
    "2021-10-07;10:00;;2000;Marathon;Hall;Talk;;\r\n"
).encode()


def test_an_excel_sheet_with_bom_and_semicolons_imports() -> None:
    result = import_bytes(EXCEL, "sheet.csv", timezone="Asia/Kathmandu")
    p = result.programme
    late = p.by_id["late-talk"]
    assert late.starts_at == datetime(2021, 10, 5, 17, 45, tzinfo=UTC)  # UTC+05:45
    assert late.ends_at == datetime(2021, 10, 5, 18, 30, tzinfo=UTC)
    assert late.speakers == ("Ana Ruiz", "Bo Li")
    assert p.places[late.places[0]].name.en == "Room A & B"
    assert p.kinds[late.kind].en == "Talk" and p.kinds[late.track].en == "Cities"  # type: ignore[index]
    panel = p.by_id["breakfast-panel"]
    assert panel.kind == "session" and panel.ends_at - panel.starts_at == (  # type: ignore[operator]
        datetime(2021, 10, 6, 1, 30) - datetime(2021, 10, 6)
    )
    marathon = p.by_id["marathon"]
    assert (marathon.ends_at - marathon.starts_at).total_seconds() == 2000 * 60  # type: ignore[operator]
    assert p.forum.timezone == "Asia/Kathmandu"


def test_csv_problems_name_their_rows_and_nothing_is_guessed() -> None:
    sheet = (
        b"date,start,end,title,room\n"
        b"2021-10-05,23:30,00:15,Late talk,Room\n"
        b"5/10/2021,10:00,11:00,Bad date,Room\n"
        b"2021-10-05,10:00,11:00,No room,\n"
        b"2021-10-05,10:00,,No end,Room\n"
    )
    assert _problems(sheet, "s.csv", timezone="Europe/Madrid") == [
        "s.csv:row 2: end 00:15 is not after start 23:30: write the end's date "
        "(2021-10-06 00:15) or a duration",
        "s.csv:row 3: date '5/10/2021' is not a date (use YYYY-MM-DD)",
        "s.csv:row 4: session 'No room': no room (every session needs a place)",
        "s.csv:row 5: session 'No end': no end and no duration",
    ]


def test_csv_without_zone_or_with_unknown_columns_says_so() -> None:
    assert _problems(b"date,start,end,title,room\n", "s.csv") == [
        "s.csv:row 1: a CSV file has no time zone: give one with --timezone"
    ]
    problems = _problems(b"date,start,end,title,room,colour\n", "s.csv", timezone="UTC")
    assert problems[0].startswith("s.csv:row 1: unknown column 'colour' (columns: date, start")


def test_duplicate_csv_ids_are_problems() -> None:
    sheet = (
        b"id,date,start,end,title,room\n"
        b"a1,2021-10-05,10:00,11:00,One,Room\n"
        b"a1,2021-10-05,12:00,13:00,Two,Room\n"
    )
    assert _problems(sheet, "s.csv", timezone="UTC") == [
        "s.csv:row 3: duplicate id 'a1' (first used at row 2)"
    ]


ICS = """BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//test//test//EN\r
X-WR-TIMEZONE:Europe/Madrid\r
X-WR-CALNAME:Ical Fest\r
BEGIN:VEVENT\r
UID:one@test\r
DTSTAMP:20210901T000000Z\r
DTSTART;TZID=America/Sao_Paulo:20211005T220000\r
DTEND;TZID=America/Sao_Paulo:20211006T000000\r
SUMMARY:Night session\r
LOCATION:Sala 1 & 2\r
CATEGORIES:Workshop,Water\r
DESCRIPTION:About water.\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:two@test\r
DTSTAMP:20210901T000000Z\r
DTSTART;VALUE=DATE:20211007\r
SUMMARY:Visits\r
LOCATION:Old town\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:three@test\r
DTSTAMP:20210901T000000Z\r
DTSTART:20211006T100000Z\r
SUMMARY:Cancelled one\r
STATUS:CANCELLED\r
END:VEVENT\r
END:VCALENDAR\r
"""


def test_icalendar_events_import_in_the_calendars_zone() -> None:
    p = import_bytes(ICS.encode(), "fest.ics").programme
    night = p.by_id["night-session"]
    assert night.starts_at == datetime(2021, 10, 6, 1, 0, tzinfo=UTC)  # 22:00 UTC−3
    assert night.date == date(2021, 10, 6)  # 03:00 in Madrid
    assert p.kinds[night.kind].en == "Workshop" and p.kinds[night.track].en == "Water"  # type: ignore[index]
    assert night.summary is not None and night.summary.en == "About water."
    visits = p.by_id["visits"]
    assert visits.starts_at is None and visits.date == date(2021, 10, 7)
    assert "cancelled-one" not in p.by_id
    assert p.forum.name.en == "Ical Fest"


def test_icalendar_problems_name_the_event_line() -> None:
    bad = ICS.replace("LOCATION:Old town\r\n", "").replace(
        "SUMMARY:Night session\r\n", "SUMMARY:Night session\r\nRRULE:FREQ=DAILY\r\n"
    )
    lines = bad.split("\r\n")
    first = lines.index("BEGIN:VEVENT") + 1
    second = lines.index("BEGIN:VEVENT", first) + 1
    assert _problems(bad.encode(), "fest.ics") == [
        f"fest.ics:{first}: event 'Night session': repeats (RRULE/RDATE): give each session "
        "as its own event",
        f"fest.ics:{second}: session 'Visits': no room (every session needs a place)",
    ]
