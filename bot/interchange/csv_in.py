"""A spreadsheet of sessions, one row each (see README, "Importing your programme").

Columns (header names, any case and order): ``date`` (YYYY-MM-DD), ``start`` (HH:MM), ``end``
(HH:MM on the same date, or ``YYYY-MM-DD HH:MM``) or ``duration`` (H:MM, or minutes),
``title``, ``room``; optional ``id``, ``type``, ``track``, ``speakers`` (comma-separated),
``language``, ``subtitle``, ``abstract``, ``description``, ``url``. Times are wall times of
``--timezone``. Excel's UTF-8 BOM and ``;`` separators are understood.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.interchange.draft import Draft, SourceEvent, parse_duration
from bot.interchange.zones import source_zone

REQUIRED = ("date", "start", "title", "room")
OPTIONAL = (
    "end",
    "duration",
    "id",
    "type",
    "track",
    "speakers",
    "language",
    "subtitle",
    "abstract",
    "description",
    "url",
)
COLUMNS = (*REQUIRED, *OPTIONAL)
_MINUTES = re.compile(r"^\d{1,5}$")


def _delimiter(text: str) -> str:
    head = text.split("\n", 1)[0]
    return ";" if head.count(";") > head.count(",") else ","


def read_csv(data: bytes, source: str, zone_name: str | None, title: str | None = None) -> Draft:
    try:
        text = data.decode("utf-8-sig")  # Excel writes a BOM before UTF-8 text
    except UnicodeDecodeError as exc:
        draft = Draft(source, ZoneInfo("UTC"), source)
        draft.problem("row 1", f"not UTF-8 text ({exc.reason}); save the sheet as CSV UTF-8")
        return draft
    zone, zone_problem = source_zone(zone_name)
    draft = Draft(source, zone, title or source)
    if zone_problem:
        draft.problem("row 1", "a CSV file has no time zone: give one with --timezone")
        return draft
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    header = next(reader, None)
    if header is None:
        draft.problem("row 1", "empty file: expected a header row")
        return draft
    names = [h.strip().lower() for h in header]
    for name in names:
        if name and name not in COLUMNS:
            draft.problem("row 1", f"unknown column {name!r} (columns: {', '.join(COLUMNS)})")
    for name in REQUIRED:
        if name not in names:
            draft.problem("row 1", f"missing column {name!r}")
    if "end" not in names and "duration" not in names:
        draft.problem("row 1", "missing column 'end' or 'duration'")
    if draft.problems:
        return draft
    for n, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue  # a blank row
        row = {name: _cell(cells, i) for i, name in enumerate(names)}
        draft.add(_event(draft, row, f"row {n}", zone))
    return draft


def _cell(cells: list[str], i: int) -> str:
    """A cell's text; a ``'`` that a spreadsheet export put before ``=``, ``+``, ``-``, ``@``
    (so that it is not run as a formula) is taken off again."""
    text = cells[i].strip() if i < len(cells) else ""
    if text.startswith("'") and text[1:2] in ("=", "+", "-", "@"):
        return text[1:]
    return text


def _event(draft: Draft, row: dict[str, str], where: str, zone: ZoneInfo) -> SourceEvent:
    title = row.get("title") or None
    broken = False

    def problem(message: str) -> None:
        nonlocal broken
        draft.problem(where, message)
        broken = True

    start = end = None
    duration = None
    try:
        day = date.fromisoformat(row["date"])
    except ValueError:
        problem(f"date {row['date']!r} is not a date (use YYYY-MM-DD)")
        day = None
    try:
        start_time = time.fromisoformat(row["start"]) if row["start"] else None
    except ValueError:
        problem(f"start {row['start']!r} is not a time (use HH:MM)")
        start_time = None
    if day and start_time:
        start = datetime.combine(day, start_time, tzinfo=zone)
    end_text, duration_text = row.get("end", ""), row.get("duration", "")
    if end_text and day:
        try:
            if len(end_text) > 8:
                end = datetime.fromisoformat(end_text).replace(tzinfo=zone)
            else:
                end = datetime.combine(day, time.fromisoformat(end_text), tzinfo=zone)
        except ValueError:
            problem(f"end {end_text!r} is not a time (HH:MM, or YYYY-MM-DD HH:MM)")
        if start and end and end <= start:
            problem(
                f"end {end_text} is not after start {row['start']}: write the end's date "
                f"({(day + timedelta(days=1)).isoformat()} {end_text}) or a duration"
            )
    elif duration_text:
        if _MINUTES.match(duration_text):
            duration = timedelta(minutes=int(duration_text))
        else:
            duration = parse_duration(duration_text)
            if duration is None:
                problem(f"duration {duration_text!r} is not H:MM or a number of minutes")
    elif not broken:
        problem(f"session {title!r}: no end and no duration")
    return SourceEvent(
        where=where,
        title=title,
        start=start,
        end=end,
        duration=duration,
        room=row.get("room") or None,
        source_id=row.get("id") or None,
        slug=row.get("id") or None,
        day=day,
        kind=row.get("type") or None,
        track=row.get("track") or None,
        subtitle=row.get("subtitle") or None,
        abstract=row.get("abstract") or None,
        description=row.get("description") or None,
        language=row.get("language") or None,
        url=row.get("url") or None,
        speakers=[s for s in (row.get("speakers") or "").split(",") if s.strip()],
        broken=broken,
    )
