"""The programme as frab / c3voc ``schedule.json`` and ``schedule.xml`` (for schedule apps and
recording teams), valid against the c3voc schemas (see ``tests/data/c3voc``).

Timed sessions only (the format has no untimed items). Each session's ``slug`` is its id, so an
export imports back to the same ids; ``guid`` and the integer ``id`` are derived from the id, so
they stay the same from one export to the next. ``type`` is the kind's id (built-in kinds) or
name (declared kinds); ``track`` the track's name.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
import xml.etree.ElementTree as ET
from datetime import datetime, time, timedelta
from typing import Any

from bot.interchange.draft import slugify
from bot.programme import KINDS, Programme, Session

NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://l4a-bot.local4action-hub/")
_ACRONYM = re.compile(r"^[a-z0-9_-][a-z0-9_]{3,}(-2[0-9]{3}-[a-z]+)?$")


def session_guid(session_id: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"session:{session_id}"))


def _numbers(sessions: list[Session]) -> dict[str, int]:
    """A positive integer per session id, stable across exports (a hash; a collision takes the
    next free number)."""
    out: dict[str, int] = {}
    used: set[int] = set()
    for s in sorted(sessions, key=lambda s: s.id):
        n = int.from_bytes(hashlib.blake2b(s.id.encode(), digest_size=4).digest()) % 2_000_000_000
        n = max(n, 1)
        while n in used:
            n += 1
        used.add(n)
        out[s.id] = n
    return out


def acronym(programme: Programme) -> str:
    forum = programme.forum
    if forum.acronym and _ACRONYM.match(forum.acronym):
        return forum.acronym
    text = slugify(forum.acronym or forum.name.en, 40).replace("-", "_")
    return text if _ACRONYM.match(text) else f"event_{text}"


def _duration(delta: timedelta) -> str:
    minutes = int(delta.total_seconds()) // 60
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _room(session: Session, programme: Programme, lang: str) -> str:
    names = [programme.places[p].name.get(lang) for p in session.places if p in programme.places]
    return " / ".join(names) or session.places[0]


def _kind(session: Session, lang: str) -> str:
    if session.kind in KINDS or session.kind_name is None:
        return session.kind
    return session.kind_name.get(lang)


def _day_bounds(programme: Programme, day: Any, sessions: list[Session]) -> tuple[datetime, ...]:
    zone = programme.zone
    start = datetime.combine(day, time(0), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    for s in sessions:
        assert s.starts_at is not None and s.ends_at is not None
        start = min(start, s.starts_at.astimezone(zone))
        end = max(end, s.ends_at.astimezone(zone))
    return start, end


def _days(programme: Programme) -> list[tuple[Any, list[Session]]]:
    timed = [s for s in programme.sessions if s.starts_at and s.ends_at]
    dates = sorted({d.date for d in programme.days} | {s.date for s in timed})
    return [(d, [s for s in timed if s.date == d]) for d in dates]


def _event(s: Session, programme: Programme, lang: str, number: int) -> dict[str, Any]:
    assert s.starts_at is not None and s.ends_at is not None
    local = s.starts_at.astimezone(programme.zone)
    persons = [*s.speakers, *([s.host] if s.host else [])]
    return {
        "id": number,
        "guid": session_guid(s.id),
        "date": local.isoformat(),
        "start": f"{local:%H:%M}",
        "duration": _duration(s.ends_at - s.starts_at),
        "room": _room(s, programme, lang),
        "slug": s.id.rstrip("-"),
        "url": s.url or f"urn:uuid:{session_guid(s.id)}",
        "title": s.title.get(lang),
        "subtitle": s.subtitle.get(lang) if s.subtitle else "",
        "track": s.track_name.get(lang) if s.track_name else None,
        "type": _kind(s, lang),
        "language": s.language or "",
        "abstract": s.summary.get(lang) if s.summary else "",
        "description": s.description.get(lang) if s.description else "",
        "persons": [{"name": name} for name in persons],
        "links": [{"url": link.url, "title": link.title or link.url} for link in s.links],
    }


def frab_dict(programme: Programme, lang: str) -> dict[str, Any]:
    days = _days(programme)
    numbers = _numbers([s for _, ss in days for s in ss])
    rooms: dict[str, None] = {}
    tracks: dict[str, None] = {}
    out_days = []
    for index, (day, sessions) in enumerate(days, start=1):
        start, end = _day_bounds(programme, day, sessions)
        by_room: dict[str, list[dict[str, Any]]] = {}
        for s in sessions:
            event = _event(s, programme, lang, numbers[s.id])
            by_room.setdefault(event["room"], []).append(event)
            rooms[event["room"]] = None
            if event["track"]:
                tracks[event["track"]] = None
        out_days.append(
            {
                "index": index,
                "date": day.isoformat(),
                "day_start": start.isoformat(),
                "day_end": end.isoformat(),
                "rooms": by_room,
            }
        )
    forum = programme.forum
    body = json.dumps(out_days, sort_keys=True, ensure_ascii=False).encode()
    return {
        "$schema": "https://c3voc.de/schedule/schema.json",
        "generator": {"name": "l4a-bot", "version": "0.1.0"},
        "schedule": {
            "version": hashlib.blake2b(body, digest_size=6).hexdigest(),
            "conference": {
                "acronym": acronym(programme),
                "title": forum.name.get(lang),
                "start": forum.start_date.isoformat(),
                "end": forum.end_date.isoformat(),
                "daysCount": len(out_days),
                "timeslot_duration": "00:15",
                "time_zone_name": programme.zone.key,
                "rooms": [
                    {"name": name, "guid": str(uuid.uuid5(NAMESPACE, f"room:{name}"))}
                    for name in rooms
                ],
                "tracks": [{"name": name} for name in tracks],
                "days": out_days,
            },
        },
    }


def frab_json(programme: Programme, lang: str) -> bytes:
    return json.dumps(frab_dict(programme, lang), ensure_ascii=False, indent=1).encode("utf-8")


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, tag, attrs)
    if text is not None:
        el.text = text
    return el


def frab_xml(programme: Programme, lang: str) -> bytes:
    """``schedule.xml`` as the c3voc XSD has it (its ``<conference>`` has no time zone: every
    ``<date>`` carries its offset)."""
    data = frab_dict(programme, lang)["schedule"]
    conf = data["conference"]
    root = ET.Element("schedule")
    _sub(root, "version", data["version"])
    c = _sub(root, "conference")
    for key in ("acronym", "title", "start", "end"):
        _sub(c, key, conf[key])
    _sub(c, "days", str(conf["daysCount"]))
    _sub(c, "timeslot_duration", conf["timeslot_duration"])
    for day in conf["days"]:
        d = _sub(
            root,
            "day",
            index=str(day["index"]),
            date=day["date"],
            start=day["day_start"],
            end=day["day_end"],
        )
        for room, events in day["rooms"].items():
            r = _sub(d, "room", name=room)
            for e in events:
                ev = _sub(r, "event", id=str(e["id"]), guid=e["guid"])
                for key in ("date", "start", "duration", "room", "slug", "title", "subtitle"):
                    _sub(ev, key, e[key])
                _sub(ev, "track", e["track"] or "")
                _sub(ev, "type", e["type"])
                if e["language"]:
                    _sub(ev, "language", e["language"])
                _sub(ev, "abstract", e["abstract"])
                _sub(ev, "description", e["description"])
                persons = _sub(ev, "persons")
                for p in e["persons"]:
                    _sub(persons, "person", p["name"])
                links = _sub(ev, "links")
                for link in e["links"]:
                    _sub(links, "link", link["title"], href=link["url"])
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"
