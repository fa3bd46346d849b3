"""The programme as a CSV sheet with the columns ``l4a-bot import`` reads (UTF-8 with a BOM for
Excel; times are wall times of the forum's zone; cells a spreadsheet would run as formulas are
quoted). Timed sessions only."""

from __future__ import annotations

import csv
import io

from bot.interchange.frab_out import _kind, _room
from bot.programme import Programme
from bot.sheet import safe_cell

COLUMNS = (
    "id",
    "date",
    "start",
    "end",
    "title",
    "room",
    "type",
    "track",
    "speakers",
    "language",
    "subtitle",
    "abstract",
    "description",
    "url",
)


def programme_csv(programme: Programme, lang: str) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    zone = programme.zone
    for s in programme.sessions:
        if s.starts_at is None or s.ends_at is None:
            continue
        start, end = s.starts_at.astimezone(zone), s.ends_at.astimezone(zone)
        end_text = f"{end:%H:%M}" if end.date() == s.date else f"{end:%Y-%m-%d %H:%M}"
        start_text = f"{start:%H:%M}" if start.date() == s.date else None
        row = {
            "id": s.id,
            "date": s.date.isoformat() if start_text else start.date().isoformat(),
            "start": start_text or f"{start:%H:%M}",
            "end": end_text if start_text else f"{end:%Y-%m-%d %H:%M}",
            "title": s.title.get(lang),
            "room": _room(s, programme, lang),
            "type": _kind(s, lang),
            "track": s.track_name.get(lang) if s.track_name else "",
            "speakers": ", ".join([*s.speakers, *([s.host] if s.host else [])]),
            "language": s.language or "",
            "subtitle": s.subtitle.get(lang) if s.subtitle else "",
            "abstract": s.summary.get(lang) if s.summary else "",
            "description": s.description.get(lang) if s.description else "",
            "url": s.url or "",
        }
        writer.writerow([safe_cell(row[c]) for c in COLUMNS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
