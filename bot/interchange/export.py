"""``l4a-bot export --format frab-xml|frab-json|csv|ics``: one entry point for every format."""

from __future__ import annotations

from datetime import datetime

from bot.programme import Programme


def export_bytes(programme: Programme, fmt: str, lang: str, *, now: datetime) -> bytes:
    if fmt == "frab-json":
        from bot.interchange.frab_out import frab_json

        return frab_json(programme, lang)
    if fmt == "frab-xml":
        from bot.interchange.frab_out import frab_xml

        return frab_xml(programme, lang)
    if fmt == "csv":
        from bot.interchange.csv_out import programme_csv

        return programme_csv(programme, lang)
    if fmt == "ics":
        from bot.calendar import calendar_bytes

        return calendar_bytes(programme.sessions, programme, lang, now=now)
    raise ValueError(f"unknown export format {fmt!r}")
