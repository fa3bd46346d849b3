"""Digest: several reminders of one person due in the same minutes go as one message, and stay
exactly once through their per-session ledger keys across restarts."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.announce import digest, follows
from bot.clock import FrozenClock
from bot.config import Config
from bot.programme import Programme
from tests.conftest import NewDb
from tests.support.announce import FakeOutbox, person, running_bot
from tests.support.db import execute, query

pytestmark = pytest.mark.both_backends

T = datetime(2021, 10, 6, 9, 40, tzinfo=UTC)  # 11:40 CEST; hub-oct-6 starts at 12:00 CEST
HUB = "rem:console:ana:hub-oct-6:20211006T1000Z"
TWIN = "rem:console:ana:twin-plenary:20211006T1000Z"


@pytest.fixture
def twins(programme: Programme) -> Programme:
    """The programme plus a plenary starting at the same time as the 6 October open space."""
    hub = programme.by_id["hub-oct-6"]
    twin = dataclasses.replace(
        programme.by_id["opening-plenary"],
        id="twin-plenary",
        starts_at=hub.starts_at,
        ends_at=hub.ends_at,
    )
    return Programme(programme.forum, programme.places, programme.days, [*programme.sessions, twin])


def _config(**announcements: object) -> Config:
    return Config.model_validate({"announcements": {"retry_seconds": 0, **announcements}})


async def _ledger(db: Path | str) -> dict[str, tuple[str, int]]:
    rows = await query(db, "SELECT key, status, attempts FROM announce_ledger")
    return {r[0]: (r[1], r[2]) for r in rows}


async def _follow_both(hub: object, user: str = "ana", leads: tuple[int, int] = (10, 10)) -> None:
    ctx = hub.context(person(user))  # type: ignore[attr-defined]
    await follows.remind(ctx, f"hub-oct-6 {leads[0]}")
    await follows.remind(ctx, f"twin-plenary {leads[1]}")


async def test_two_sessions_at_the_same_time_come_as_one_message_listing_both(
    twins: Programme, db: Path | str
) -> None:
    clock, outbox = FrozenClock(T), FakeOutbox()
    async with running_bot(_config(), twins, db, clock, outbox) as hub:
        await _follow_both(hub)
        await follows.remind(hub.context(person("bo")), "hub-oct-6 10")
        clock.set(T + timedelta(minutes=10))
        await hub.announcer.deliver_due()  # type: ignore[union-attr]
        (text,) = outbox.to("ana")
        assert "Reminder: 2 sessions you follow are starting" in text
        assert "LOCAL4ACTION Hub · Open space on Wonder" in text and "Zoom" in text
        assert "Intermediary Cities for Equal Territories" in text
        assert "in 10 minutes" in text and "hub-oct-6, twin-plenary" in text
        (single,) = outbox.to("bo")  # one reminder stays a plain reminder
        assert "Reminder: starting in 10 minutes" in single
        [key] = [s.key for s in outbox.sent if s.target == "ana"]
        assert key is not None and key.startswith("dig:console:ana:")
    ledger = await _ledger(db)
    assert ledger[HUB] == ("sent", 1) and ledger[TWIN] == ("sent", 1)
    assert not any(k.startswith("dig:") for k in ledger)  # only the per-session keys are stored


async def test_leads_that_meet_within_the_window_bring_the_later_one_along(
    twins: Programme, db: Path | str
) -> None:
    clock, outbox = FrozenClock(T), FakeOutbox()
    async with running_bot(_config(digest_minutes=2), twins, db, clock, outbox) as hub:
        await _follow_both(hub, leads=(10, 9))  # due 11:50 and 11:51 CEST
        clock.set(T + timedelta(minutes=10))
        await hub.announcer.deliver_due()  # type: ignore[union-attr]
        clock.set(T + timedelta(minutes=11))
        await hub.announcer.deliver_due()  # type: ignore[union-attr]
        (text,) = outbox.to("ana")
        assert "2 sessions you follow" in text


async def test_reminders_further_apart_than_the_window_or_with_digests_off_go_alone(
    twins: Programme, db: Path | str, new_db: NewDb
) -> None:
    clock, outbox = FrozenClock(T), FakeOutbox()
    async with running_bot(_config(digest_minutes=0), twins, db, clock, outbox) as hub:
        await _follow_both(hub)
        clock.set(T + timedelta(minutes=10))
        await hub.announcer.deliver_due()  # type: ignore[union-attr]
    assert sorted(s.key or "" for s in outbox.sent if s.target == "ana") == [HUB, TWIN]
    outbox = FakeOutbox()
    other = new_db("apart")
    async with running_bot(_config(digest_minutes=2), twins, other, clock, outbox) as hub:
        clock.set(T)
        await _follow_both(hub, leads=(10, 7))  # 11:50 and 11:53: three minutes apart
        for minute in range(10, 14):
            clock.set(T + timedelta(minutes=minute))
            await hub.announcer.deliver_due()  # type: ignore[union-attr]
    assert [s.key for s in outbox.sent if s.target == "ana"] == [HUB, TWIN]


async def test_a_restart_after_the_digest_went_out_sends_nothing_again(
    twins: Programme, db: Path | str
) -> None:
    clock, outbox = FrozenClock(T), FakeOutbox()
    async with running_bot(_config(), twins, db, clock, outbox) as hub:
        await _follow_both(hub)
        clock.set(T + timedelta(minutes=10))
        await hub.announcer.deliver_due()  # type: ignore[union-attr]
    assert len(outbox.to("ana")) == 1
    again = FakeOutbox()
    for minute in (10, 11, 15):  # back at once, a minute later, at the 11:55 announcement
        clock.set(T + timedelta(minutes=minute))
        async with running_bot(_config(), twins, db, clock, again) as hub:
            await hub.announcer.deliver_due()  # type: ignore[union-attr]
    assert again.to("ana") == []


async def test_a_crash_between_sending_and_recording_resends_the_same_digest_never_a_single(
    twins: Programme, db: Path | str
) -> None:
    clock, outbox = FrozenClock(T), FakeOutbox()
    async with running_bot(_config(), twins, db, clock, outbox) as hub:
        await _follow_both(hub)
        clock.set(T + timedelta(minutes=10))
        await hub.announcer.deliver_due()  # type: ignore[union-attr]
    [first] = [s.key for s in outbox.sent if s.target == "ana"]
    # The process died after the message left and before its outcome was saved.
    await execute(
        db, "UPDATE announce_ledger SET status = 'sending' WHERE key IN (?, ?)", (HUB, TWIN)
    )
    again = FakeOutbox()
    clock.set(T + timedelta(minutes=11))
    async with running_bot(_config(), twins, db, clock, again) as hub:
        await hub.announcer.drain()  # type: ignore[union-attr]
    # The same key again (the platform's nonce / transaction id drops the copy), no single one.
    assert [s.key for s in again.sent if s.target == "ana"] == [first]
    ledger = await _ledger(db)
    assert ledger[HUB] == ("sent", 2) and ledger[TWIN] == ("sent", 2)


async def test_a_session_moved_after_planning_is_left_out_of_the_digest(
    twins: Programme, db: Path | str
) -> None:
    clock, outbox = FrozenClock(T), FakeOutbox()
    async with running_bot(_config(), twins, db, clock, outbox, start=False) as hub:
        await _follow_both(hub)
        announcer = hub.announcer
        assert announcer is not None
        clock.set(T + timedelta(minutes=10))
        planned = announcer.plan(clock.now(), clock.now() + timedelta(minutes=1), {"console"})
        (both,) = digest.bundle([d for d in planned if d.private], timedelta(minutes=2))
        assert [p.key for p in both.parts] == [HUB, TWIN]
        moved = dataclasses.replace(
            twins.by_id["twin-plenary"], starts_at=datetime(2021, 10, 6, 11, 0, tzinfo=UTC)
        )
        sessions = [moved if s.id == "twin-plenary" else s for s in twins.sessions]
        hub.programme = Programme(twins.forum, twins.places, twins.days, sessions)
        assert await announcer._send(both) == "sent"
        hub.programme = Programme(twins.forum, twins.places, twins.days, twins.sessions[:1])
        assert await announcer._send(both) == "skipped"  # both gone: nothing to say
    (text,) = outbox.to("ana")  # what is left is a plain reminder of the one still on time
    assert "Reminder: starting in 10 minutes" in text and "twin-plenary" not in text


@pytest.mark.parametrize("value", [-1, 61, "soon"])
def test_digest_minutes_out_of_range_is_refused_with_a_clear_reason(value: object) -> None:
    with pytest.raises(ValidationError, match="digest_minutes"):
        Config.model_validate({"announcements": {"digest_minutes": value}})
