"""The one clock every component asks for the time.

Everything that needs "now" receives a :class:`Clock`; nothing calls ``datetime.now`` itself.
Times are always timezone-aware and in UTC.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    #: How many clock seconds pass per real second (0: the clock only moves when told to).
    speed: float

    def now(self) -> datetime:
        """The current instant, aware, in UTC."""
        ...


def real_seconds_until(clock: Clock, at: datetime) -> float | None:
    """Real seconds to wait until ``clock`` shows ``at`` (0 if it already has); ``None`` for a
    clock that does not run by itself (tests move it and run due work explicitly)."""
    if clock.speed <= 0:
        return None
    return max(0.0, (at - clock.now()).total_seconds() / clock.speed)


def _require_aware(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"naive datetime {at.isoformat()}: a time zone or offset is required")
    return at.astimezone(UTC)


class SystemClock:
    """The real wall clock."""

    speed = 1.0

    def now(self) -> datetime:
        return datetime.now(UTC)


class RehearsalClock:
    """Starts at a chosen instant and runs on, ``speed`` times faster than real time."""

    def __init__(self, start: datetime, speed: float = 1.0) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.start = _require_aware(start)
        self.speed = speed
        self._origin = time.monotonic()

    def now(self) -> datetime:
        elapsed = (time.monotonic() - self._origin) * self.speed
        return self.start + timedelta(seconds=elapsed)


class FrozenClock:
    """A clock that moves only when told to (tests)."""

    speed = 0.0

    def __init__(self, at: datetime) -> None:
        self._now = _require_aware(at)

    def now(self) -> datetime:
        return self._now

    def set(self, at: datetime) -> None:
        self._now = _require_aware(at)

    def advance(self, delta: timedelta) -> None:
        self._now += delta


def parse_instant(text: str) -> datetime:
    """Parse an ISO-8601 instant given on the command line; it must carry an offset or ``Z``."""
    try:
        at = datetime.fromisoformat(text.strip().replace("z", "Z"))
    except ValueError as exc:
        raise ValueError(
            f"{text!r} is not an ISO-8601 instant (example: 2021-10-06T11:50:00+02:00)"
        ) from exc
    if at.tzinfo is None:
        raise ValueError(f"{text!r} has no offset: add one, e.g. {text}+02:00 or {text}Z")
    return at.astimezone(UTC)
