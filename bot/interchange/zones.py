"""The zone a source's wall times are in: its own (frab ``time_zone_name``, iCalendar
``X-WR-TIMEZONE``) or the one given with ``--timezone``; never guessed."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.zones import ZoneError, load_zone


def source_zone(name: str | None) -> tuple[ZoneInfo, str | None]:
    """``(zone, None)``, or ``(UTC, why not)`` when ``name`` is missing or unknown."""
    if not name or not name.strip():
        return ZoneInfo("UTC"), (
            "the source names no time zone: give one with --timezone (e.g. Europe/Berlin)"
        )
    try:
        zone = load_zone(name.strip()).tzinfo
    except (ZoneError, ValueError, OSError, KeyError):
        zone = None
    if not isinstance(zone, ZoneInfo):
        return ZoneInfo("UTC"), (
            f"unknown time zone {name.strip()!r} (use an IANA name such as Europe/Berlin)"
        )
    return zone, None
