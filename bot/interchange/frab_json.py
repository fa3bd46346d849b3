"""frab / c3voc / pretalx ``schedule.json``: ``{"schedule": {"conference": {"days": [{"rooms":
{"Room": [event, …]}}]}}}`` (pretalx's ``/schedule/export/schedule.json`` is this format).

Times as in :mod:`bot.interchange.frab_xml`. JSON has no lines: a problem names the line where
the event's ``guid`` (else ``id``) is written, found in the text only when there is a problem.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.interchange.draft import Draft, SourceEvent, parse_duration
from bot.interchange.zones import source_zone


class _Lines:
    """Lines of events in the JSON text, by ``guid`` (else ``id``): one pass over the text,
    made on first use."""

    _GUID = re.compile(r'"guid"\s*:\s*"([^"\\]*)"')
    _ID = re.compile(r'"id"\s*:\s*(\d+)')

    def __init__(self, text: str) -> None:
        self.text = text
        self._maps: dict[str, dict[str, list[int]]] = {}
        self._used: dict[tuple[str, str], int] = {}

    def _map(self, key: str, pattern: re.Pattern[str]) -> dict[str, list[int]]:
        if key not in self._maps:
            found: dict[str, list[int]] = {}
            line, pos = 1, 0
            for m in pattern.finditer(self.text):
                line += self.text.count("\n", pos, m.start())
                pos = m.start()
                found.setdefault(m[1], []).append(line)
            self._maps[key] = found
        return self._maps[key]

    def of(self, event: dict[str, Any]) -> str:
        """Events are read in the text's order: the n-th event with a guid is on the line of
        the n-th time that guid is written (duplicates get their own lines)."""
        guid, eid = event.get("guid"), event.get("id")
        for key, value, pattern in (("guid", guid, self._GUID), ("id", eid, self._ID)):
            if isinstance(value, str | int) and not isinstance(value, bool):
                found = self._map(key, pattern).get(str(value))
                if found:
                    n = self._used.get((key, str(value)), 0)
                    self._used[(key, str(value))] = n + 1
                    return str(found[min(n, len(found) - 1)])
        return "1"


def _str(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str | int | float):
        text = str(value).strip()
        return text or None
    return None


def _instant(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _person(p: Any) -> str | None:
    if isinstance(p, str):
        return p
    if isinstance(p, dict):
        return _str(p.get("public_name")) or _str(p.get("name"))
    return None


def _link(link: Any) -> tuple[str, str | None] | None:
    if isinstance(link, str):
        return (link, None)
    if isinstance(link, dict) and _str(link.get("url")):
        return (str(link["url"]), _str(link.get("title")))
    return None


def read_frab_json(data: bytes, source: str, zone_override: str | None = None) -> Draft:
    try:
        text = data.decode("utf-8-sig")
        doc = json.loads(text)
    except UnicodeDecodeError as exc:
        draft = Draft(source, ZoneInfo("UTC"), source)
        draft.problem(1, f"not UTF-8 text ({exc.reason})")
        return draft
    except json.JSONDecodeError as exc:
        draft = Draft(source, ZoneInfo("UTC"), source)
        draft.problem(exc.lineno, f"not valid JSON ({exc.msg})")
        return draft
    except RecursionError:  # "[[[[…" a hundred thousand deep
        draft = Draft(source, ZoneInfo("UTC"), source)
        draft.problem(1, "not a schedule: arrays or objects nested too deeply")
        return draft
    schedule = doc.get("schedule") if isinstance(doc, dict) else None
    conference = schedule.get("conference") if isinstance(schedule, dict) else None
    if not isinstance(conference, dict) or not isinstance(conference.get("days"), list):
        draft = Draft(source, ZoneInfo("UTC"), source)
        draft.problem(1, 'not a frab schedule.json ({"schedule": {"conference": {"days": …}}})')
        return draft
    zone, zone_problem = source_zone(zone_override or _str(conference.get("time_zone_name")))
    title = _str(conference.get("title")) or source
    draft = Draft(source, zone, title, acronym=_str(conference.get("acronym")))
    if zone_problem:
        draft.problem(1, zone_problem)
        return draft
    lines = _Lines(text)
    for i, day in enumerate(conference["days"]):
        _read_day(draft, day, i, lines, zone)
    return draft


def _read_day(draft: Draft, day: Any, i: int, lines: _Lines, zone: ZoneInfo) -> None:
    if not isinstance(day, dict):
        draft.problem(1, f"day #{i + 1}: expected an object")
        return
    try:
        day_date = date.fromisoformat(str(day.get("date", "")))
    except ValueError:
        draft.problem(1, f"day #{i + 1}: date {day.get('date')!r} is not a date")
        return
    draft.days.add(day_date)
    day_start = _instant(_str(day.get("day_start")))
    rooms = day.get("rooms")
    if not isinstance(rooms, dict):
        draft.problem(1, f"day {day_date}: rooms must be an object of room name → events")
        return
    for room_name, events in rooms.items():
        for event in events if isinstance(events, list) else []:
            if isinstance(event, dict):
                draft.add(_event(draft, event, lines, day_date, day_start, room_name, zone))


def _event(
    draft: Draft,
    event: dict[str, Any],
    lines: _Lines,
    day: date,
    day_start: datetime | None,
    room_name: str,
    zone: ZoneInfo,
) -> SourceEvent:
    title = _str(event.get("title"))
    where = lines.of(event)
    broken = False

    def problem(message: str) -> None:
        nonlocal broken
        draft.problem(where, f"event {title!r}: {message}")
        broken = True

    start = _instant(_str(event.get("date")))
    if start is not None and start.tzinfo is None:
        start = start.replace(tzinfo=zone)
    start_text = _str(event.get("start"))
    if start is None and start_text:
        try:
            start = datetime.combine(day, time.fromisoformat(start_text), tzinfo=zone)
            if day_start is not None and start < day_start:
                start += timedelta(days=1)  # after midnight: still this conference day
        except ValueError:
            problem(f"start {start_text!r} is not a time")
    duration_text = _str(event.get("duration"))
    duration = parse_duration(duration_text) if duration_text else None
    if duration_text and duration is None:
        problem(f"duration {duration_text!r} is not HH:MM")
    persons = found if isinstance(found := event.get("persons"), list) else []
    links = found if isinstance(found := event.get("links"), list) else []
    source_id = _str(event.get("guid")) or _str(event.get("id"))

    return SourceEvent(
        where=where,
        title=title,
        start=start,
        room=_str(event.get("room")) or room_name,
        duration=duration,
        source_id=source_id,
        slug=_str(event.get("slug")),
        day=day,
        kind=_str(event.get("type")),
        track=_str(event.get("track")),
        subtitle=_str(event.get("subtitle")),
        abstract=_str(event.get("abstract")),
        description=_str(event.get("description")),
        language=_str(event.get("language")),
        url=_str(event.get("url")),
        speakers=[name for p in persons if (name := _person(p))],
        links=[x for link in links if (x := _link(link))],
        broken=broken,
    )
