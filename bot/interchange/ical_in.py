"""An iCalendar file (``.ics``): one session per ``VEVENT``.

``SUMMARY`` is the title, ``DTSTART`` and ``DTEND`` (or ``DURATION``) the times, ``LOCATION``
the room, ``CATEGORIES`` the type (the first) and track (the second), ``DESCRIPTION`` the
summary, ``URL`` the link; an all-day event (``VALUE=DATE``, one day) is an untimed item.
Cancelled events are left out. The forum's zone is ``X-WR-TIMEZONE`` or ``--timezone``.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import icalendar

from bot.interchange.draft import Draft, SourceEvent
from bot.interchange.zones import source_zone


class _Lines:
    """The line of each ``BEGIN:VEVENT`` (events are read in the text's order)."""

    def __init__(self, text: str) -> None:
        self.lines = [
            text.count("\n", 0, m.start()) + 1
            for m in re.finditer(r"^BEGIN:VEVENT", text, re.MULTILINE)
        ]

    def of(self, n: int) -> str:
        return str(self.lines[n]) if n < len(self.lines) else "1"


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def read_ical(data: bytes, source: str, zone_override: str | None = None) -> Draft:
    try:
        text = data.decode("utf-8-sig")
        cal = icalendar.Calendar.from_ical(text)
    except UnicodeDecodeError as exc:
        draft = Draft(source, ZoneInfo("UTC"), source)
        draft.problem(1, f"not UTF-8 text ({exc.reason})")
        return draft
    except ValueError as exc:
        draft = Draft(source, ZoneInfo("UTC"), source)
        draft.problem(1, f"not a valid iCalendar file ({exc})")
        return draft
    zone, zone_problem = source_zone(zone_override or _text(cal.get("X-WR-TIMEZONE")))
    title = _text(cal.get("X-WR-CALNAME")) or source
    draft = Draft(source, zone, title)
    if zone_problem:
        draft.problem(1, zone_problem)
        return draft
    lines = _Lines(text)
    for n, event in enumerate(cal.walk("VEVENT")):
        where = lines.of(n)
        if str(event.get("STATUS", "")).upper() == "CANCELLED":
            continue
        draft.add(_event(draft, event, where, zone))
    return draft


def _when(value: Any) -> date | datetime | None:
    return getattr(value, "dt", None)


def _event(draft: Draft, event: Any, where: str, zone: ZoneInfo) -> SourceEvent:
    title = _text(event.get("SUMMARY"))
    broken = False

    def problem(message: str) -> None:
        nonlocal broken
        draft.problem(where, f"event {title!r}: {message}")
        broken = True

    if event.get("RRULE") is not None or event.get("RDATE") is not None:
        problem("repeats (RRULE/RDATE): give each session as its own event")
    start, end = _when(event.get("DTSTART")), _when(event.get("DTEND"))
    duration = _when(event.get("DURATION"))
    all_day = None
    if isinstance(start, date) and not isinstance(start, datetime):
        last = end if isinstance(end, date) and not isinstance(end, datetime) else None
        if last is not None and last - start > timedelta(days=1):
            problem("an all-day event over several days: give each day's sessions")
        all_day, start, end = start, None, None
    elif isinstance(start, datetime) and start.tzinfo is None:
        problem("DTSTART has no time zone (floating time): add TZID or Z")
    categories: list[str] = []
    cats = event.get("CATEGORIES")
    for item in cats if isinstance(cats, list) else [cats] if cats is not None else []:
        categories += [str(c) for c in getattr(item, "cats", [])]
    return SourceEvent(
        where=where,
        title=title,
        start=start if isinstance(start, datetime) else None,
        end=end if isinstance(end, datetime) else None,
        duration=duration if isinstance(duration, timedelta) else None,
        room=_text(event.get("LOCATION")),
        source_id=_text(event.get("UID")),
        kind=categories[0] if categories else None,
        track=categories[1] if len(categories) > 1 else None,
        abstract=_text(event.get("DESCRIPTION")),
        url=_text(event.get("URL")),
        all_day=all_day,
        broken=broken,
    )
