from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import FrozenClock, RehearsalClock, parse_instant, real_seconds_until


def test_rehearsal_clock_starts_at_the_instant_and_runs_on() -> None:
    start = datetime(2021, 10, 6, 9, 50, tzinfo=UTC)
    clock = RehearsalClock(start, speed=1000)
    time.sleep(0.01)
    assert start + timedelta(seconds=5) <= clock.now() < start + timedelta(minutes=5)


def test_clocks_refuse_naive_datetimes() -> None:
    with pytest.raises(ValueError, match="naive"):
        FrozenClock(datetime(2021, 10, 6, 9, 50))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2021-10-06T11:50:00+02:00", datetime(2021, 10, 6, 9, 50, tzinfo=UTC)),
        ("2021-10-06T09:50Z", datetime(2021, 10, 6, 9, 50, tzinfo=UTC)),
    ],
)
def test_instants_are_read_in_utc(text: str, expected: datetime) -> None:
    assert parse_instant(text) == expected


@pytest.mark.parametrize("text", ["2021-10-06T11:50", "tomorrow", ""])
def test_instants_without_offset_or_unreadable_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_instant(text)


def test_real_wait_is_scaled_by_the_rehearsal_speed() -> None:
    start = datetime(2021, 10, 6, 9, 50, tzinfo=UTC)
    clock = RehearsalClock(start, speed=60)
    wait = real_seconds_until(clock, start + timedelta(minutes=10))
    assert wait is not None and 9.0 < wait <= 10.0
    assert real_seconds_until(clock, start - timedelta(hours=1)) == 0.0


def test_a_frozen_clock_never_waits_by_itself() -> None:
    clock = FrozenClock(datetime(2021, 10, 6, 9, 50, tzinfo=UTC))
    assert real_seconds_until(clock, datetime(2021, 10, 6, 10, 0, tzinfo=UTC)) is None
