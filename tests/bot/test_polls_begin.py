"""SQLite: a batch of votes runs its statements on the event-loop thread
(``SqliteDatabase.fast_transaction``): a thread hop per statement waits for the loop's next
turn, which a burst of clicks makes long. Only the commit (it waits for the disk) goes to
aiosqlite's thread, and a write lock held by another program is waited for there too."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.clock import FrozenClock
from bot.db.sqlite import BUSY_TIMEOUT_MS, SqliteDatabase
from bot.polls.service import Polls
from tests.bot.test_polls_store import db_votes, start


@pytest.fixture
async def sqlite_polls(tmp_path: Path, clock: FrozenClock) -> AsyncIterator[Polls]:
    db = await SqliteDatabase.open(tmp_path / "begin.sqlite3")
    polls = await Polls.open(db, clock)
    try:
        yield polls
    finally:
        await polls.close()
        await db.close()


async def test_a_vote_batch_goes_to_the_database_thread_only_to_commit(
    sqlite_polls: Polls, monkeypatch: pytest.MonkeyPatch
) -> None:
    polls = sqlite_polls
    db = polls.store.db
    assert isinstance(db, SqliteDatabase)
    poll_id = await start(polls)
    hops: list[str] = []
    real = db.conn._execute

    async def counted(fn: Any, *args: Any, **kwargs: Any) -> Any:
        hops.append(getattr(fn, "__name__", repr(fn)))
        return await real(fn, *args, **kwargs)

    monkeypatch.setattr(db.conn, "_execute", counted)
    result = await polls.vote(poll_id, "discord:1", 2)
    assert result.status == "recorded"
    assert hops == ["commit"]  # BEGIN and the upsert ran on the loop thread
    monkeypatch.undo()
    assert await db_votes(db, poll_id) == {"discord:1": 2}
    timeout = await db.fetchval("PRAGMA busy_timeout")
    assert timeout == BUSY_TIMEOUT_MS  # waits stay possible for the slow path


async def test_a_write_lock_held_by_another_program_is_waited_for_off_the_loop(
    sqlite_polls: Polls,
) -> None:
    polls = sqlite_polls
    db = polls.store.db
    assert isinstance(db, SqliteDatabase)
    poll_id = await start(polls)
    with contextlib.closing(sqlite3.connect(db.path, isolation_level=None)) as other:
        other.execute("BEGIN IMMEDIATE")  # another program holds the file's write lock
        vote = polls.store.submit(poll_id, "matrix:@ana:l4a.test", 1)
        ticks = 0
        for _ in range(20):
            await asyncio.sleep(0.01)
            ticks += 1
        assert ticks == 20 and not vote.done()  # the loop ran; the vote waits for the lock
        other.execute("COMMIT")
    result = await asyncio.wait_for(vote, timeout=4)
    assert result.status == "recorded" and polls.tally(poll_id).counts[1] == 1
    assert await db_votes(db, poll_id) == {"matrix:@ana:l4a.test": 1}


@pytest.mark.parametrize(("synchronous", "at_commit"), [("FULL", 2), ("NORMAL", 1)])
async def test_a_vote_batch_commits_with_the_configured_sync_and_other_writes_stay_normal(
    tmp_path: Path,
    clock: FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
    synchronous: str,
    at_commit: int,
) -> None:
    """``[polls] synchronous = "FULL"``: a confirmed vote survives a power cut; the bot's other
    writes keep ``NORMAL`` (they survive the bot being killed) and do not pay a sync each."""
    db = await SqliteDatabase.open(tmp_path / "sync.sqlite3")
    polls = await Polls.open(db, clock, synchronous=synchronous)
    try:
        poll_id = await start(polls)
        seen: list[int] = []
        real = db.conn._execute

        async def commit_seen(fn: Any, *args: Any, **kwargs: Any) -> Any:
            if getattr(fn, "__name__", "") == "commit":
                seen.append(db.conn._conn.execute("PRAGMA synchronous").fetchone()[0])
            return await real(fn, *args, **kwargs)

        monkeypatch.setattr(db.conn, "_execute", commit_seen)
        await polls.vote(poll_id, "discord:1", 0)
        monkeypatch.undo()
        assert seen == [at_commit]
        assert await db.fetchval("PRAGMA synchronous") == 1  # NORMAL for everything else
    finally:
        await polls.close()
        await db.close()
