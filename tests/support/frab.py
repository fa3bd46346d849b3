"""frab / c3voc schedules built by the tests (no network): small ones with the awkward cases,
written by hand from the c3voc schema (``tests/data/c3voc``), and a large congress-shaped one.
"""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime, timedelta
from typing import Any
from xml.sax.saxutils import escape, quoteattr
from zoneinfo import ZoneInfo

ZONE = "America/New_York"  # not the forum's zone (Europe/Madrid)


def event(
    n: int,
    title: str,
    start: datetime,
    duration: str,
    room: str,
    *,
    persons: tuple[str, ...] = (),
    track: str | None = None,
    kind: str = "lecture",
    with_date: bool = True,
    guid: str | None = None,
) -> dict[str, Any]:
    return {
        "id": n,
        "guid": guid or str(uuid.UUID(int=n)),
        "date": start.isoformat() if with_date else None,
        "start": f"{start:%H:%M}",
        "duration": duration,
        "room": room,
        "slug": f"democon-{n}-{title.lower().replace(' ', '-')[:20].strip('-')}",
        "url": f"https://democon.example/talk/{n}",
        "title": title,
        "subtitle": "",
        "track": track,
        "type": kind,
        "language": "en",
        "abstract": f"About {title}.",
        "description": "",
        "persons": [{"id": i + 1, "public_name": p} for i, p in enumerate(persons)],
        "links": [],
    }


def awkward_days() -> list[tuple[date, datetime, list[dict[str, Any]]]]:
    """Three days in New York: a session past midnight (still day 1), a room with ``&``, a
    session over 24 h, and an empty day 2."""
    ny = ZoneInfo(ZONE)
    d1, d2, d3 = date(2021, 10, 5), date(2021, 10, 6), date(2021, 10, 7)

    def at(d: date, h: int, m: int = 0) -> datetime:
        return datetime(d.year, d.month, d.day, h, m, tzinfo=ny)

    day1 = [
        event(1, "Opening", at(d1, 10), "01:00", "Hall A & B", persons=("Ana Ruiz", "Bo Li")),
        event(2, "Late night", at(d2, 0, 30), "00:45", "Hall A & B", track="Security"),
        event(3, "Hackathon", at(d1, 20), "26:00", "Lab <1>", kind="workshop"),
    ]
    day3 = [event(4, "Closing", at(d3, 16), "00:30", "Hall A & B")]
    return [(d1, at(d1, 6), day1), (d2, at(d2, 6), []), (d3, at(d3, 6), day3)]


def frab_json(days: list[tuple[date, datetime, list[dict[str, Any]]]] | None = None) -> bytes:
    days = awkward_days() if days is None else days
    out_days = []
    for i, (d, start, events) in enumerate(days, start=1):
        rooms: dict[str, list[dict[str, Any]]] = {}
        for e in events:
            rooms.setdefault(e["room"], []).append(e)
        out_days.append(
            {
                "index": i,
                "date": d.isoformat(),
                "day_start": start.isoformat(),
                "day_end": (start + timedelta(hours=22)).isoformat(),
                "rooms": rooms,
            }
        )
    doc = {
        "$schema": "https://c3voc.de/schedule/schema.json",
        "schedule": {
            "version": "1.0",
            "conference": {
                "acronym": "democon",
                "title": "Demo Con",
                "start": days[0][0].isoformat(),
                "end": days[-1][0].isoformat(),
                "daysCount": len(days),
                "timeslot_duration": "00:15",
                "time_zone_name": ZONE,
                "days": out_days,
            },
        },
    }
    return json.dumps(doc, indent=2).encode()


def frab_xml(
    days: list[tuple[date, datetime, list[dict[str, Any]]]] | None = None,
    *,
    zone: str | None = ZONE,
) -> bytes:
    days = awkward_days() if days is None else days
    out = ['<?xml version="1.0" encoding="utf-8"?>', "<schedule>", "  <version>1.0</version>"]
    out += [
        "  <conference>",
        "    <acronym>democon</acronym>",
        "    <title>Demo Con</title>",
        f"    <start>{days[0][0]}</start>",
        f"    <end>{days[-1][0]}</end>",
        f"    <days>{len(days)}</days>",
        "    <timeslot_duration>00:15</timeslot_duration>",
    ]
    if zone:
        out.append(f"    <time_zone_name>{zone}</time_zone_name>")
    out.append("  </conference>")
    for i, (d, start, events) in enumerate(days, start=1):
        end = start + timedelta(hours=22)
        out.append(
            f'  <day index="{i}" date="{d}" start="{start.isoformat()}" end="{end.isoformat()}">'
        )
        rooms: dict[str, list[dict[str, Any]]] = {}
        for e in events:
            rooms.setdefault(e["room"], []).append(e)
        for room, evs in rooms.items():
            out.append(f"    <room name={quoteattr(room)}>")
            for e in evs:
                out.append(f'      <event guid="{e["guid"]}" id="{e["id"]}">')
                if e["date"]:
                    out.append(f"        <date>{e['date']}</date>")
                for key in ("start", "duration", "room", "slug", "url", "title", "subtitle"):
                    out.append(f"        <{key}>{escape(str(e[key]))}</{key}>")
                out.append(f"        <track>{escape(e['track'] or '')}</track>")
                for key in ("type", "language", "abstract", "description"):
                    out.append(f"        <{key}>{escape(str(e[key]))}</{key}>")
                out.append("        <persons>")
                for p in e["persons"]:
                    out.append(
                        f'          <person id="{p["id"]}">{escape(p["public_name"])}</person>'
                    )
                out.append("        </persons>")
                out.append("        <links/>")
                out.append("      </event>")
            out.append("    </room>")
        out.append("  </day>")
    out.append("</schedule>")
    return ("\n".join(out) + "\n").encode()


def congress(n_sessions: int = 1_000, n_rooms: int = 10, n_days: int = 4) -> bytes:
    """A frab XML shaped like a large congress: talks of 30–90 minutes in parallel rooms from
    11:00 to past midnight, some speakers and tracks."""
    ny = ZoneInfo("Europe/Berlin")
    per_day = n_sessions // n_days
    days = []
    n = 0
    for di in range(n_days):
        d = date(2023, 12, 27) + timedelta(days=di)
        start = datetime(d.year, d.month, d.day, 10, tzinfo=ny)
        events = []
        for k in range(per_day):
            room = f"Saal {k % n_rooms + 1}"
            slot = k // n_rooms
            at = datetime(d.year, d.month, d.day, 11, tzinfo=ny) + timedelta(minutes=50 * slot)
            n += 1
            events.append(
                event(
                    n,
                    f"Talk {n} on topic {n % 37}",
                    at,
                    "00:40" if n % 3 else "01:30",
                    room,
                    persons=(f"Speaker {n % 211}", f"Speaker {(n * 7) % 211}"),
                    track=f"Track {n % 8}",
                )
            )
        days.append((d, start, events))
    return frab_xml(days, zone="Europe/Berlin")
