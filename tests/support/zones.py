"""Instants and a helper shared by the zone tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.zones import UserZone

MADRID = ZoneInfo("Europe/Madrid")
FORUM = datetime(2021, 10, 6, 12, 0, tzinfo=UTC)  # 14:00 CEST, forum day 2
WINTER = datetime(2021, 12, 15, 12, 0, tzinfo=UTC)


def offset_at(zone: UserZone, at: datetime) -> timedelta | None:
    return at.astimezone(zone.tzinfo).utcoffset()
