"""Exactly once across restarts, the grace after downtime, retries, and closed DMs."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.announce import follows
from bot.announce.repo import AnnounceRepo
from bot.clock import FrozenClock
from bot.config import Config
from bot.doc import Reply
from bot.programme import Programme
from tests.conftest import NewDb, text_of
from tests.support.announce import FakeOutbox, person, running_bot
from tests.support.db import query

pytestmark = pytest.mark.both_backends

Outcome = tuple[str, str, str | None]
T = datetime(2021, 10, 6, 9, 40, tzinfo=UTC)  # 11:40 CEST, day 2; hub-oct-6 starts at 12:00 CEST


def _config(**announcements: object) -> Config:
    return Config.model_validate({"announcements": {"retry_seconds": 0, **announcements}})


async def _status(db: Path | str) -> dict[str, tuple[str, int]]:
    rows = await query(db, "SELECT key, status, attempts FROM announce_ledger")
    return {r[0]: (r[1], r[2]) for r in rows}


async def test_a_reminder_arrives_at_its_lead_in_the_followers_zone(
    programme: Programme, db: Path | str
) -> None:
    clock, outbox = FrozenClock(T), FakeOutbox()
    async with running_bot(_config(), programme, db, clock, outbox) as hub:
        ctx = hub.context(person("ana"))
        await hub.store.set_zone("console", "ana", "Asia/Kathmandu")
        await follows.remind(hub.context(person("ana")), "hub-oct-6")
        clock.set(T + timedelta(minutes=9))
        await hub.announcer.deliver_due()  # type: ignore[union-attr]
        assert outbox.to("ana") == []
        clock.set(T + timedelta(minutes=10))
        await hub.announcer.deliver_due()  # type: ignore[union-attr]
        (text,) = outbox.to("ana")
        assert "Reminder: starting in 10 minutes" in text
        assert "3:45 PM–4:30 PM UTC+05:45" in text and "Wonder" in text
        assert ctx.caller.user_id == "ana"


async def test_a_restart_in_the_announcement_window_sends_nothing_twice(
    programme: Programme, db: Path | str
) -> None:
    clock = FrozenClock(T)
    first = FakeOutbox()
    async with running_bot(_config(), programme, db, clock, first) as hub:
        await follows.remind(hub.context(person("ana")), "hub-oct-6")
        clock.set(T + timedelta(minutes=10))  # 11:50: the 15-minute announcement and reminder
        await hub.announcer.deliver_due()  # type: ignore[union-attr]
    assert len(first.sent) == 2
    second = FakeOutbox()
    async with running_bot(_config(), programme, db, clock, second) as hub:
        await hub.announcer.deliver_due()  # type: ignore[union-attr]
        assert second.sent == []
        clock.set(T + timedelta(minutes=20))
        await hub.announcer.deliver_due()  # type: ignore[union-attr]
    assert [s.key for s in second.sent] == ["ann:console:hub-oct-6:0:20211006T1000Z"]
    statuses = await _status(db)
    assert all(status == ("sent", 1) for status in statuses.values()), statuses


async def test_what_fell_due_while_down_is_sent_once_within_the_grace_saying_how_late(
    programme: Programme, db: Path | str
) -> None:
    clock = FrozenClock(T)
    async with running_bot(_config(), programme, db, clock, FakeOutbox()):
        pass  # the bot ran at 11:40, then went down
    clock.set(datetime(2021, 10, 6, 10, 5, tzinfo=UTC))  # back at 12:05 CEST
    outbox = FakeOutbox()
    async with running_bot(_config(grace_minutes=30), programme, db, clock, outbox) as hub:
        await hub.announcer.drain()  # type: ignore[union-attr]
    # The 11:45 and 12:00 announcements both fell due (20 and 5 minutes late): one post says it,
    # the earlier one is recorded as superseded instead of repeating the same words.
    (text,) = outbox.to("announcements")
    assert "Started 5 minutes ago" in text
    assert outbox.keys() == ["ann:console:hub-oct-6:0:20211006T1000Z"]
    statuses = await _status(db)
    assert statuses["ann:console:hub-oct-6:15:20211006T1000Z"] == ("skipped", 0)


async def test_what_is_later_than_the_grace_is_skipped_and_recorded(
    programme: Programme, db: Path | str
) -> None:
    clock = FrozenClock(T)
    async with running_bot(_config(), programme, db, clock, FakeOutbox()):
        pass
    clock.set(datetime(2021, 10, 6, 10, 10, tzinfo=UTC))  # 12:10: 25 and 10 minutes late
    outbox = FakeOutbox()
    async with running_bot(_config(grace_minutes=15), programme, db, clock, outbox) as hub:
        await hub.announcer.drain()  # type: ignore[union-attr]
    assert outbox.keys() == ["ann:console:hub-oct-6:0:20211006T1000Z"]
    statuses = await _status(db)
    assert statuses["ann:console:hub-oct-6:15:20211006T1000Z"] == ("skipped", 0)


async def test_a_delivery_left_sending_by_a_crash_is_resent_with_the_same_key(
    programme: Programme, db: Path | str
) -> None:
    clock = FrozenClock(datetime(2021, 10, 6, 9, 45, tzinfo=UTC))
    async with running_bot(_config(), programme, db, clock, FakeOutbox(), start=False) as hub:
        (due,) = hub.announcer.plan(clock.now(), clock.now() + timedelta(minutes=1))  # type: ignore[union-attr]
        await AnnounceRepo(hub.store.database).claim([due], clock.now())  # then the process died
    outbox = FakeOutbox()
    async with running_bot(_config(), programme, db, clock, outbox) as hub:
        await hub.announcer.drain()  # type: ignore[union-attr]
    # The outbox gets the same key: Discord's nonce (or a Matrix transaction id) drops a copy.
    assert outbox.keys() == [due.key]
    assert (await _status(db))[due.key] == ("sent", 2)


async def test_closed_private_messages_are_noted_once_and_not_retried(
    programme: Programme, db: Path | str
) -> None:
    clock, outbox = FrozenClock(T), FakeOutbox(closed={"bea"})
    async with running_bot(_config(), programme, db, clock, outbox) as hub:
        await follows.remind(hub.context(person("bea")), "all")
        for minutes in range(0, 6 * 60, 5):  # the whole afternoon: three sessions
            clock.set(T + timedelta(minutes=minutes))
            await hub.announcer.deliver_due()  # type: ignore[union-attr]
        assert [a for a in outbox.attempts if a[0] == "bea"] == [
            ("bea", "rem:console:bea:hub-oct-6:20211006T1000Z")
        ]
        listing = text_of(follows.reminders(hub.context(person("bea"))))
        assert "cannot write to you privately" in listing
        assert await AnnounceRepo(hub.store.database).closed() == {("console", "bea")}
        again = await follows.remind(hub.context(person("bea")), "all")
        assert "try again" in text_of(again)
        assert await AnnounceRepo(hub.store.database).closed() == set()


async def test_transient_failures_are_retried_a_bounded_number_of_times(
    programme: Programme, db: Path | str, new_db: NewDb
) -> None:
    clock = FrozenClock(datetime(2021, 10, 6, 9, 45, tzinfo=UTC))
    outbox = FakeOutbox(flaky={"announcements": 2})
    async with running_bot(_config(retries=3), programme, db, clock, outbox) as hub:
        await hub.announcer.drain()  # type: ignore[union-attr]
    assert len(outbox.sent) == 1
    assert (await _status(db))["ann:console:hub-oct-6:15:20211006T1000Z"] == ("sent", 3)
    db_2 = new_db("other")
    stubborn = FakeOutbox(flaky={"announcements": 99})
    async with running_bot(_config(retries=2), programme, db_2, clock, stubborn) as hub:
        await hub.announcer.drain()  # type: ignore[union-attr]
    assert stubborn.sent == [] and len(stubborn.attempts) == 3
    assert (await _status(db_2))["ann:console:hub-oct-6:15:20211006T1000Z"] == ("failed", 3)


async def test_a_slow_save_of_a_failed_attempt_never_overwrites_the_later_success(
    programme: Programme, db: Path | str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two workers: the first attempt fails and its outcome takes a while to save; the retry
    (another worker, another connection on PostgreSQL) succeeds meanwhile. The ledger ends
    'sent', not the first attempt's 'sending' saved last."""
    real_settle = AnnounceRepo.settle
    slow = {"first": True}

    async def settle(
        self: AnnounceRepo, outcomes: list[tuple[str, str, str | None]], now: datetime
    ) -> None:
        if slow.pop("first", False):
            await asyncio.sleep(0.3)
        await real_settle(self, outcomes, now)

    monkeypatch.setattr(AnnounceRepo, "settle", settle)
    clock = FrozenClock(datetime(2021, 10, 6, 9, 45, tzinfo=UTC))
    outbox = FakeOutbox(flaky={"announcements": 1})
    async with running_bot(_config(retries=3, workers=2), programme, db, clock, outbox) as hub:
        await hub.announcer.drain()  # type: ignore[union-attr]
        await asyncio.sleep(0.4)  # the slow save has landed either way
    assert len(outbox.sent) == 1
    assert (await _status(db))["ann:console:hub-oct-6:15:20211006T1000Z"] == ("sent", 2)


async def test_stopping_finishes_the_batch_being_sent_so_nothing_stays_ambiguous(
    programme: Programme, db: Path | str
) -> None:
    clock = FrozenClock(datetime(2021, 10, 6, 9, 45, tzinfo=UTC))
    release = asyncio.Event()

    class SlowOutbox(FakeOutbox):
        async def post(self, channel: str, reply: Reply) -> None:
            await release.wait()
            await super().post(channel, reply)

    outbox = SlowOutbox()
    async with running_bot(_config(), programme, db, clock, outbox, start=False) as hub:
        announcer = hub.announcer
        assert announcer is not None
        await announcer.start()  # the 11:45 announcement is claimed and being sent
        await asyncio.sleep(0.01)
        assert (await _status(db))["ann:console:hub-oct-6:15:20211006T1000Z"][0] == "sending"
        stopping = asyncio.create_task(announcer.stop())
        await asyncio.sleep(0.01)
        release.set()
        await stopping
    assert (await _status(db))["ann:console:hub-oct-6:15:20211006T1000Z"] == ("sent", 1)


async def test_changing_a_lead_moves_the_reminder_instead_of_losing_it(
    programme: Programme, db: Path | str
) -> None:
    clock, outbox = FrozenClock(T), FakeOutbox()
    async with running_bot(_config(), programme, db, clock, outbox) as hub:
        await follows.remind(hub.context(person("ana")), "hub-oct-6 15")  # due 11:45
        await follows.remind(hub.context(person("ana")), "hub-oct-6 5")  # now due 11:55
        clock.set(T + timedelta(minutes=5))
        await hub.announcer.deliver_due()  # type: ignore[union-attr]
        assert outbox.to("ana") == []
        clock.set(T + timedelta(minutes=15))
        await hub.announcer.deliver_due()  # type: ignore[union-attr]
        (text,) = outbox.to("ana")
        assert "starting in 5 minutes" in text


def test_only_the_latest_announcement_of_a_session_per_channel_goes_out_when_several_are_due() -> (
    None
):
    from bot.announce.announcer import latest_announcements
    from bot.announce.model import Delivery, announce_key, remind_key

    start = datetime(2021, 10, 6, 10, 0, tzinfo=UTC)

    def ann(channel: str, lead: int) -> Delivery:
        key = announce_key("console", "hub-oct-6", lead, start) + f":{channel}"
        due = start - timedelta(minutes=lead)
        return Delivery(key, due, "announce", "console", channel, "hub-oct-6", start, lead)

    early_a, late_a, early_b = ann("a", 15), ann("a", 0), ann("b", 15)
    reminder = Delivery(
        remind_key("console", "ana", "hub-oct-6", start), start - timedelta(minutes=10),
        "remind", "console", "ana", "hub-oct-6", start, 10, private=True,
    )  # fmt: skip
    kept, superseded = latest_announcements([early_a, reminder, late_a, early_b])
    assert kept == [reminder, late_a, early_b] and superseded == [early_a]


async def test_a_refused_delivery_waits_as_long_as_the_platform_asked_then_goes_once(
    programme: Programme, db: Path | str, clock: FrozenClock
) -> None:
    """Issue 14, item 6: a 429 that the platform library gave up on carries its retry_after;
    the next attempt is not sooner (nor a loop of refusals), and the message goes out once."""
    import time

    from bot.outbox import DeliveryError

    class Limited(FakeOutbox):
        refused_at: float = 0.0
        sent_at: float = 0.0

        async def post(self, channel: str, reply: Reply) -> None:  # type: ignore[override]
            if not self.refused_at:
                self.refused_at = time.monotonic()
                raise DeliveryError("HTTP 429", permanent=False, retry_after=0.4)
            self.sent_at = time.monotonic()
            await super().post(channel, reply)

    config = Config.model_validate({"announcements": {"retry_seconds": 0.01}})
    outbox = Limited()
    async with running_bot(config, programme, db, clock, outbox) as hub:
        await hub.announcer.drain()  # type: ignore[union-attr]
        for _ in range(100):
            if outbox.sent:
                break
            await asyncio.sleep(0.05)
    assert len(outbox.sent) == 1
    assert outbox.sent_at - outbox.refused_at >= 0.4
