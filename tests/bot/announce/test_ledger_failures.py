"""A ledger write the database cannot take (locked by another program, disk full): the deliveries
wait, are retried with back-off, and go out exactly once when the write succeeds."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest

from bot.announce import follows
from bot.announce.persist import Backoff, persist
from bot.announce.repo import AnnounceRepo
from bot.clock import FrozenClock
from bot.config import Config
from bot.db.sqlite import SqliteDatabase
from bot.hub import Hub
from bot.programme import Programme
from tests.support.announce import FakeOutbox, person, running_bot
from tests.support.db import query

pytestmark = pytest.mark.both_backends

T = datetime(2021, 10, 6, 9, 40, tzinfo=UTC)  # 11:40 CEST, day 2; hub-oct-6 starts at 12:00 CEST
REMINDER = "rem:console:ana:hub-oct-6:20211006T1000Z"
ANNOUNCEMENT = "ann:console:hub-oct-6:15:20211006T1000Z"


def _config() -> Config:
    return Config.model_validate({"announcements": {"retry_seconds": 0}})


async def _status(db: Path | str) -> dict[str, tuple[str, int]]:
    rows = await query(db, "SELECT key, status, attempts FROM announce_ledger")
    return {r[0]: (r[1], r[2]) for r in rows}


async def _prepare(hub: Hub, clock: FrozenClock) -> None:
    await follows.remind(hub.context(person("ana")), "hub-oct-6")
    announcer = hub.announcer
    assert announcer is not None
    announcer.fanout.backoff = Backoff(first=0.05, cap=0.2)
    if isinstance(hub.store.database, SqliteDatabase):  # wait 50 ms for the lock, not 5 s
        await hub.store.database.conn.execute("PRAGMA busy_timeout = 50")
    clock.set(T + timedelta(minutes=10))  # 11:50: the 15-minute announcement and the reminder


@pytest.mark.sqlite_only("SQLite's file write lock held by another program (busy_timeout)")
async def test_a_write_lock_held_by_another_program_delays_deliveries_and_loses_none(
    programme: Programme, db: Path | str, caplog: pytest.LogCaptureFixture
) -> None:
    clock, outbox = FrozenClock(T), FakeOutbox()
    async with running_bot(_config(), programme, db, clock, outbox) as hub:
        await _prepare(hub, clock)
        other = sqlite3.connect(db, isolation_level=None)  # e.g. the sqlite3 shell
        other.execute("BEGIN IMMEDIATE")  # holds the write lock far longer than busy_timeout
        caplog.set_level(logging.WARNING, logger="bot.announce.persist")
        running = asyncio.create_task(hub.announcer.deliver_due())  # type: ignore[union-attr]
        await asyncio.sleep(0.6)
        assert outbox.sent == []  # nothing leaves before its claim is saved
        failed = [r.getMessage() for r in caplog.records if "cannot save" in r.getMessage()]
        assert len(failed) >= 3
        assert all("\n" not in m and "database is locked" in m for m in failed)
        assert "trying again in" in failed[0]
        other.execute("COMMIT")
        other.close()
        await asyncio.wait_for(running, 5)
        await hub.announcer.deliver_due()  # type: ignore[union-attr]  # nothing more is due
    assert sorted(outbox.keys()) == [ANNOUNCEMENT, REMINDER]  # each exactly once
    assert await _status(db) == {ANNOUNCEMENT: ("sent", 1), REMINDER: ("sent", 1)}
    assert any("failed attempt(s)" in r.getMessage() for r in caplog.records)


def _disk_full(backend: str) -> Exception:
    """The error each backend's driver raises when the disk is full."""
    if backend == "sqlite":
        return sqlite3.OperationalError("database or disk is full")
    return asyncpg.DiskFullError(
        'could not extend file "base/16384/16402": No space left on device'
    )


async def test_a_full_disk_at_the_claim_and_at_the_outcome_sends_each_message_once(
    programme: Programme, db: Path | str, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock, outbox = FrozenClock(T), FakeOutbox(closed={"bo"})
    failures = {"claim": 2, "settle": 2, "set_watermark": 1, "note_closed": 1}
    for name in failures:
        real = getattr(AnnounceRepo, name)

        async def flaky(self: AnnounceRepo, *args: object, _real=real, _name=name) -> object:  # type: ignore[no-untyped-def]
            if failures[_name] > 0:
                failures[_name] -= 1
                raise _disk_full(backend)
            return await _real(self, *args)

        monkeypatch.setattr(AnnounceRepo, name, flaky)
    async with running_bot(_config(), programme, db, clock, outbox) as hub:
        await follows.remind(hub.context(person("bo")), "hub-oct-6")  # bo's DMs are closed
        await _prepare(hub, clock)
        await asyncio.wait_for(hub.announcer.deliver_due(), 5)  # type: ignore[union-attr]
        await hub.announcer.deliver_due()  # type: ignore[union-attr]
    assert failures == {"claim": 0, "settle": 0, "set_watermark": 0, "note_closed": 0}
    assert sorted(outbox.keys()) == [ANNOUNCEMENT, REMINDER]
    status = await _status(db)
    assert status.pop("rem:console:bo:hub-oct-6:20211006T1000Z") == ("failed", 1)
    assert status == {ANNOUNCEMENT: ("sent", 1), REMINDER: ("sent", 1)}
    closed = await query(db, "SELECT user_id FROM announce_closed_dms")
    assert [tuple(r) for r in closed] == [("bo",)]


async def test_a_failure_that_is_not_about_storage_is_not_retried_forever() -> None:
    calls = 0

    async def bug() -> None:
        nonlocal calls
        calls += 1
        raise sqlite3.IntegrityError("UNIQUE constraint failed")

    with pytest.raises(sqlite3.IntegrityError):
        await persist("something", bug, Backoff(first=0.01))
    assert calls == 1


async def test_channel_posts_never_wait_behind_paced_private_messages(
    programme: Programme, db: Path | str
) -> None:
    config = Config.model_validate(
        {"announcements": {"workers": 1, "batch": 1, "dm_per_second": 0.5, "retry_seconds": 0}}
    )
    clock, outbox = FrozenClock(T), FakeOutbox()
    async with running_bot(config, programme, db, clock, outbox) as hub:
        announcer = hub.announcer
        assert announcer is not None
        for name in ("ana", "bo", "cy", "di", "ed"):
            await follows.remind(hub.context(person(name)), "hub-oct-6 20")  # due 11:40
        await announcer.run_due()  # five reminders queued: 2 s apart at 0.5 per second
        clock.set(T + timedelta(minutes=5))  # 11:45: the channel announcement falls due
        await announcer.run_due()
        for _ in range(50):
            if ANNOUNCEMENT in list(outbox.keys()):
                break
            await asyncio.sleep(0.01)
        assert ANNOUNCEMENT in list(outbox.keys())
        assert sum(1 for s in outbox.sent if s.kind == "direct") <= 1  # the others still wait


async def test_ledger_writes_from_many_tasks_run_one_at_a_time(db_path: Path) -> None:
    """A big session's threads are claimed and settled side by side; the same statement run by
    many tasks at once on one connection made sqlite3 fail now and then ("bad parameter or
    other API misuse"), so each write (statement and commit) runs alone: the store layer's one
    transaction helper takes them one at a time."""
    from bot.announce.model import Delivery
    from bot.store import Store

    clock = FrozenClock(T)
    store = await Store.open(db_path, clock)
    try:
        repo = AnnounceRepo(store.database)
        conn = store.database.conn  # type: ignore[attr-defined]
        real = conn.executemany
        active = 0
        most = 0

        async def watched(sql, rows):  # type: ignore[no-untyped-def]
            nonlocal active, most
            active += 1
            most = max(most, active)
            try:
                await asyncio.sleep(0.001)
                return await real(sql, rows)
            finally:
                active -= 1

        conn.executemany = watched
        ds = [Delivery(f"k{i}", T, "group", "discord", "t", "s", T) for i in range(20)]
        await asyncio.gather(*(repo.claim([d], T) for d in ds))
        await asyncio.gather(*(repo.settle([(d.key, "sent", None)], T) for d in ds))
        rows = await repo.rows()
    finally:
        await store.close()
    assert most == 1
    assert {r["key"]: r["status"] for r in rows} == {d.key: "sent" for d in ds}
