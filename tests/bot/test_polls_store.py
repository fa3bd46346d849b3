"""The vote store: group commit, one vote per person, committed before confirmed, restarts.

Every test here runs on both backends: SQLite (a file) and PostgreSQL (a fresh database on the
session's throwaway server; skipped, saying why, where PostgreSQL cannot run)."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.clock import FrozenClock
from bot.db import Database
from bot.db.postgres import PostgresDatabase
from bot.db.sqlite import SqliteDatabase
from bot.polls.model import PollSpec, Question
from bot.polls.service import Polls
from bot.polls.store import PollStore


@pytest.fixture(params=["sqlite", "postgresql"])
async def poll_db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """The bot's database, migrated: a SQLite file, or a fresh PostgreSQL database."""
    db: Database
    if request.param == "sqlite":
        db = await SqliteDatabase.open(tmp_path / "polls.sqlite3")
    else:
        db = await PostgresDatabase.open(request.getfixturevalue("pg_url"))
    try:
        yield db
    finally:
        await db.close()


@pytest.fixture
async def polls(poll_db: Database, clock: FrozenClock) -> AsyncIterator[Polls]:
    p = await Polls.open(poll_db, clock)
    try:
        yield p
    finally:
        await p.close()


def spec(scale: str = "agree", timer: int | None = None) -> PollSpec:
    return PollSpec(Question({"*": "Q?"}), scale, (), timer)  # type: ignore[arg-type]


async def start(polls: Polls, scale: str = "agree", timer: int | None = None) -> int:
    poll = await polls.start(spec(scale, timer), front="console", by="console:mod", lang="en")
    return poll.id


async def db_votes(db: Database, poll_id: int) -> dict[str, int]:
    """The stored votes, read through another connection (SQLite: a second one to the file)."""
    sql = "SELECT voter, choice FROM poll_votes WHERE poll_id = ?"
    if isinstance(db, SqliteDatabase):
        with contextlib.closing(sqlite3.connect(db.path)) as other:
            return dict(other.execute(sql, (poll_id,)).fetchall())
    return {voter: choice for voter, choice in await db.fetch(sql, (poll_id,))}


async def test_ten_thousand_voters_at_once_are_each_counted_once(
    polls: Polls, poll_db: Database
) -> None:
    poll_id = await start(polls)
    results = await asyncio.gather(
        *(polls.vote(poll_id, f"discord:{i}", i % 5) for i in range(10_000))
    )
    assert {r.status for r in results} == {"recorded"}
    assert polls.tally(poll_id).counts == [2000] * 5
    stored = await db_votes(poll_db, poll_id)
    assert len(stored) == 10_000 and all(stored[f"discord:{i}"] == i % 5 for i in range(10_000))
    # Group commit: the burst shared a handful of transactions, not one per vote.
    assert polls.store.batches < 20


async def test_a_confirmed_vote_is_already_committed(polls: Polls, poll_db: Database) -> None:
    poll_id = await start(polls)
    seen: list[dict[str, int]] = []

    async def vote_then_look() -> None:
        await polls.vote(poll_id, "console:ana", 3)
        seen.append(await db_votes(poll_db, poll_id))  # another connection, right away

    await vote_then_look()
    assert seen == [{"console:ana": 3}]


async def test_changing_a_vote_moves_it_and_says_what_it_was(polls: Polls) -> None:
    poll_id = await start(polls)
    first = await polls.vote(poll_id, "console:ana", 0)
    again = await polls.vote(poll_id, "console:ana", 0)
    changed = await polls.vote(poll_id, "console:ana", 4)
    assert (first.status, again.status) == ("recorded", "unchanged")
    assert (changed.status, changed.previous, changed.choice) == ("changed", 0, 4)
    assert polls.tally(poll_id).counts == [0, 0, 0, 0, 1]


async def test_an_empty_answer_withdraws_the_vote(polls: Polls, poll_db: Database) -> None:
    poll_id = await start(polls, "yesno")
    await polls.vote(poll_id, "matrix:@ana:hub", 1)
    withdrawn = await polls.vote(poll_id, "matrix:@ana:hub", None)
    nothing = await polls.vote(poll_id, "matrix:@ana:hub", None)
    assert (withdrawn.status, withdrawn.previous, nothing.status) == ("withdrawn", 1, "none")
    assert polls.tally(poll_id).counts == [0, 0]
    assert await db_votes(poll_db, poll_id) == {}


async def test_within_one_batch_each_voters_latest_answer_counts(polls: Polls) -> None:
    poll_id = await start(polls)
    results = await asyncio.gather(
        polls.vote(poll_id, "console:ana", 0),
        polls.vote(poll_id, "console:ana", 2),
        polls.vote(poll_id, "console:bob", 1),
        polls.vote(poll_id, "console:bob", None),
    )
    assert [r.status for r in results] == ["recorded", "changed", "recorded", "withdrawn"]
    assert polls.tally(poll_id).counts == [0, 0, 1, 0, 0]


async def test_votes_queued_before_a_close_count_and_after_it_are_refused(polls: Polls) -> None:
    poll_id = await start(polls)
    clock_now = polls.clock.now()
    before = polls.store.submit(poll_id, "console:ana", 1)
    close = polls.store.submit_close(poll_id, "console:mod", clock_now)
    after = polls.store.submit(poll_id, "console:bob", 2)
    assert await close is True
    assert (await before).status == "recorded" and (await after).status == "closed"
    assert polls.tally(poll_id).counts == [0, 1, 0, 0, 0]
    assert (await polls.vote(poll_id, "console:cy", 0)).status == "closed"
    assert await polls.close_poll(poll_id, "console:mod") is False


async def test_unknown_polls_and_choices_out_of_range(polls: Polls) -> None:
    assert (await polls.vote(999, "console:ana", 0)).status == "unknown"
    poll_id = await start(polls, "yesno")
    with pytest.raises(ValueError, match="no choice 2"):
        await polls.vote(poll_id, "console:ana", 2)


async def test_polls_counts_and_ballots_survive_a_restart(
    poll_db: Database, clock: FrozenClock, polls: Polls
) -> None:
    poll_id = await start(polls, timer=300)
    await asyncio.gather(*(polls.vote(poll_id, f"discord:{i}", i % 3) for i in range(30)))
    await polls.set_message(poll_id, "10", "20")
    reopened = await Polls.open(poll_db, clock)
    try:
        poll = reopened.get(poll_id)
        assert poll is not None and poll.is_open and poll.closes_at is not None
        assert (poll.channel_id, poll.message_id) == ("10", "20")
        assert reopened.tally(poll_id).counts == [10, 10, 10, 0, 0]
        again = await reopened.vote(poll_id, "discord:0", 0)  # the ballot came back too
        assert again.status == "unchanged"
    finally:
        await reopened.close()


@pytest.mark.expect_logged_errors
async def test_a_failed_write_tells_no_one_it_was_saved(polls: Polls) -> None:
    poll_id = await start(polls)

    async def broken(*args: object) -> None:
        raise RuntimeError("disk full")

    real = polls.store._statements
    polls.store._statements = broken  # type: ignore[method-assign,assignment]
    try:
        with pytest.raises(RuntimeError, match="disk full"):
            await polls.vote(poll_id, "console:ana", 1)
    finally:
        polls.store._statements = real  # type: ignore[method-assign]
    assert polls.tally(poll_id).counts == [0] * 5
    assert (await polls.vote(poll_id, "console:ana", 1)).status == "recorded"  # not "unchanged"


async def test_closing_the_store_writes_what_is_still_queued(
    poll_db: Database, clock: FrozenClock
) -> None:
    store = await PollStore.open(poll_db)
    poll = await store.create(spec(), front="console", by="console:mod", lang="en", now=clock.now())
    futures = [store.submit(poll.id, f"console:{i}", 0) for i in range(100)]
    await store.close()
    assert all(f.done() and f.result().status == "recorded" for f in futures)
    assert len(await db_votes(poll_db, poll.id)) == 100


async def test_a_closed_poll_keeps_its_counts_and_forgets_who_voted(
    poll_db: Database, clock: FrozenClock, polls: Polls
) -> None:
    poll_id = await start(polls)
    await asyncio.gather(*(polls.vote(poll_id, f"discord:{i}", i % 2) for i in range(7)))
    last = polls.store.submit(poll_id, "discord:late-but-queued-first", 4)  # same batch as close
    assert await polls.store.submit_close(poll_id, "console:mod", clock.now()) is True
    assert (await last).status == "recorded"
    assert polls.tally(poll_id).counts == [4, 3, 0, 0, 1]
    assert await db_votes(poll_db, poll_id) == {}  # no voter id is kept once it is closed
    reopened = await Polls.open(poll_db, clock)
    try:
        assert reopened.tally(poll_id).counts == [4, 3, 0, 0, 1]
        assert (await reopened.vote(poll_id, "discord:0", 1)).status == "closed"
    finally:
        await reopened.close()


async def test_polls_closed_by_an_older_version_are_settled_at_start(
    poll_db: Database, clock: FrozenClock, polls: Polls
) -> None:
    open_id, closed_id = await start(polls), await start(polls, "yesno")
    await asyncio.gather(*(polls.vote(closed_id, f"discord:{i}", i % 2) for i in range(5)))
    await polls.vote(open_id, "discord:ana", 2)
    await poll_db.execute(  # as an older version closed polls
        "UPDATE polls SET closed_at = '2021-10-06T10:00:00+00:00', closed_by = 'timer'"
        " WHERE id = ?",
        (closed_id,),
    )
    reopened = await Polls.open(poll_db, clock)
    try:
        assert reopened.tally(closed_id).counts == [3, 2]
        assert await db_votes(poll_db, closed_id) == {}
        assert await db_votes(poll_db, open_id) == {"discord:ana": 2}  # open: kept
    finally:
        await reopened.close()
    again = await Polls.open(poll_db, clock)
    try:
        assert again.tally(closed_id).counts == [3, 2]  # from the kept counts now
    finally:
        await again.close()


async def _hold_poll_row(db: Database, poll_id: int, release: asyncio.Event) -> None:
    """Another writer (another task, or on PostgreSQL another process) holds a transaction that
    changed the poll's row open across an ``await`` until ``release``."""
    async with db.transaction() as tx:
        await tx.execute("UPDATE polls SET message_id = message_id WHERE id = ?", (poll_id,))
        await release.wait()


async def test_a_vote_waits_for_another_open_write_without_stopping_the_loop(
    polls: Polls, poll_db: Database
) -> None:
    """A transaction held open across an ``await`` (SQLite: the one writer; PostgreSQL: a lock
    on the poll's row) holds a vote back until it commits, and the event loop runs meanwhile."""
    poll_id = await start(polls)
    release = asyncio.Event()
    holder = asyncio.create_task(_hold_poll_row(poll_db, poll_id, release))
    await asyncio.sleep(0.1)
    vote = polls.store.submit(poll_id, "matrix:@ana:l4a.test", 1)
    ticks = 0
    for _ in range(20):
        await asyncio.sleep(0.01)
        ticks += 1
    assert ticks == 20 and not vote.done()  # the loop ran; the vote waits for the other write
    release.set()
    await holder
    result = await asyncio.wait_for(vote, timeout=4)
    assert result.status == "recorded" and polls.tally(poll_id).counts[1] == 1
    assert await db_votes(poll_db, poll_id) == {"matrix:@ana:l4a.test": 1}


async def test_a_write_cancelled_while_it_waits_for_the_lock_still_finishes_whole(
    polls: Polls, poll_db: Database
) -> None:
    """A front stopping cancels what it was doing (say, remembering a poll's message): that
    transaction still ends, so memory matches the database and the next write works."""
    poll_id = await start(polls)
    release = asyncio.Event()
    holder = asyncio.create_task(_hold_poll_row(poll_db, poll_id, release))
    await asyncio.sleep(0.1)
    remembering = asyncio.create_task(polls.set_message(poll_id, "!room:l4a.test", "$event"))
    await asyncio.sleep(0.1)
    remembering.cancel()
    with pytest.raises(asyncio.CancelledError):
        await remembering
    release.set()
    await holder
    next_poll = await asyncio.wait_for(start(polls), timeout=4)
    assert next_poll == poll_id + 1
    poll = polls.get(poll_id)
    assert poll is not None
    for _ in range(200):  # PostgreSQL: the new poll did not wait for the other row's lock
        if poll.message_id is not None:
            break
        await asyncio.sleep(0.01)
    assert poll.message_id == "$event"
    stored = await poll_db.fetchval("SELECT message_id FROM polls WHERE id = ?", (poll_id,))
    assert stored == "$event"
