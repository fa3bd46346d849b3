"""frab / c3voc / pretalx ``schedule.xml``: ``<schedule><conference/><day><room><event/>…``.

An event's ``<date>`` (an ISO instant with its offset) says exactly when it starts; without one,
``<start>`` is a wall time of the conference's ``time_zone_name`` on its ``<day>``'s date, or on
the next date when it is before the day's own start (frab's ``day_change``: a session at 01:00
belongs to the previous conference day). Each event stays on the day that lists it.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.interchange.draft import Draft, SourceEvent, parse_duration
from bot.interchange.xmlsafe import XmlError, parse_xml
from bot.interchange.zones import source_zone


def _text(el: ET.Element | None, tag: str) -> str | None:
    if el is None:
        return None
    child = el.find(tag)
    if child is None or child.text is None:
        return None
    return child.text.strip() or None


def _instant(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        return None


def read_frab_xml(data: bytes, source: str, zone_override: str | None = None) -> Draft:
    try:
        root, lines = parse_xml(data)
    except XmlError as exc:
        draft = Draft(source, ZoneInfo("UTC"), source)
        draft.problem(exc.line, exc.message)
        return draft
    conference = root.find("conference")
    if root.tag != "schedule" or conference is None:
        draft = Draft(source, ZoneInfo("UTC"), source)
        draft.problem(lines.get(root, 1), "not a frab schedule (<schedule><conference>…)")
        return draft
    zone_name = zone_override or _text(conference, "time_zone_name")
    zone, zone_problem = source_zone(zone_name)
    title = _text(conference, "title") or source
    draft = Draft(source, zone, title, acronym=_text(conference, "acronym"))
    if zone_problem:
        draft.problem(lines.get(conference, 1), zone_problem)
        return draft
    for day in root.findall("day"):
        _read_day(draft, day, lines, zone)
    return draft


def _read_day(draft: Draft, day: ET.Element, lines: dict[ET.Element, int], zone: ZoneInfo) -> None:
    line = lines.get(day, 1)
    try:
        day_date = date.fromisoformat(day.get("date", ""))
    except ValueError:
        draft.problem(line, f"day {day.get('index', '?')}: date {day.get('date')!r} is not a date")
        return
    draft.days.add(day_date)  # an empty day stays a day of the programme
    day_start = _instant(day.get("start"))
    for room in day.findall("room"):
        for event in room.findall("event"):
            draft.add(_event(draft, event, lines, day_date, day_start, room.get("name"), zone))


def _event(
    draft: Draft,
    event: ET.Element,
    lines: dict[ET.Element, int],
    day: date,
    day_start: datetime | None,
    room_name: str | None,
    zone: ZoneInfo,
) -> SourceEvent:
    where = str(lines.get(event, 1))
    title = _text(event, "title")
    start = _instant(_text(event, "date"))
    if start is not None and start.tzinfo is None:
        start = start.replace(tzinfo=zone)
    start_text = _text(event, "start")
    broken = False
    if start is None and start_text:
        try:
            wall = time.fromisoformat(start_text)
        except ValueError:
            draft.problem(where, f"event {title!r}: start {start_text!r} is not a time")
            wall, broken = None, True
        if wall is not None:
            start = datetime.combine(day, wall, tzinfo=zone)
            if day_start is not None and start < day_start:
                start += timedelta(days=1)  # after midnight: still this conference day
    duration_text = _text(event, "duration")
    duration = parse_duration(duration_text) if duration_text else None
    if duration_text and duration is None:
        draft.problem(where, f"event {title!r}: duration {duration_text!r} is not HH:MM")
        broken = True
    persons = event.find("persons")
    speakers = [p.text or "" for p in persons.findall("person")] if persons is not None else []
    links_el = event.find("links")
    links = (
        [(link.get("href") or "", (link.text or "").strip() or None) for link in links_el]
        if links_el is not None
        else []
    )
    return SourceEvent(
        where=where,
        title=title,
        start=start,
        room=_text(event, "room") or room_name,
        duration=duration,
        source_id=event.get("guid") or event.get("id"),
        slug=_text(event, "slug"),
        day=day,
        kind=_text(event, "type"),
        track=_text(event, "track"),
        subtitle=_text(event, "subtitle"),
        abstract=_text(event, "abstract"),
        description=_text(event, "description"),
        language=_text(event, "language"),
        url=_text(event, "url"),
        speakers=speakers,
        links=links,
        broken=broken,
    )
