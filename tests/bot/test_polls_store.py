"""The vote store: group commit, one vote per person, committed before confirmed, restarts."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiosqlite
import pytest

from bot.clock import FrozenClock
from bot.polls.model import PollSpec, Question
from bot.polls.service import Polls
from bot.polls.store import PollStore


def spec(scale: str = "agree", timer: int | None = None) -> PollSpec:
    return PollSpec(Question({"*": "Q?"}), scale, (), timer)  # type: ignore[arg-type]


async def start(polls: Polls, scale: str = "agree", timer: int | None = None) -> int:
    poll = await polls.start(spec(scale, timer), front="console", by="console:mod", lang="en")
    return poll.id


async def db_votes(db_path: Path, poll_id: int) -> dict[str, int]:
    async with (
        aiosqlite.connect(db_path) as db,
        db.execute("SELECT voter, choice FROM poll_votes WHERE poll_id = ?", (poll_id,)) as cur,
    ):
        return {voter: choice async for voter, choice in cur}


async def test_ten_thousand_voters_at_once_are_each_counted_once(
    polls: Polls, db_path: Path
) -> None:
    poll_id = await start(polls)
    results = await asyncio.gather(
        *(polls.vote(poll_id, f"discord:{i}", i % 5) for i in range(10_000))
    )
    assert {r.status for r in results} == {"recorded"}
    assert polls.tally(poll_id).counts == [2000] * 5
    stored = await db_votes(db_path, poll_id)
    assert len(stored) == 10_000 and all(stored[f"discord:{i}"] == i % 5 for i in range(10_000))
    # Group commit: the burst shared a handful of transactions, not one per vote.
    assert polls.store.batches < 20


async def test_a_confirmed_vote_is_already_committed(polls: Polls, db_path: Path) -> None:
    poll_id = await start(polls)
    seen: list[dict[str, int]] = []

    async def vote_then_look() -> None:
        await polls.vote(poll_id, "console:ana", 3)
        seen.append(await db_votes(db_path, poll_id))  # another connection, right away

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


async def test_an_empty_answer_withdraws_the_vote(polls: Polls, db_path: Path) -> None:
    poll_id = await start(polls, "yesno")
    await polls.vote(poll_id, "matrix:@ana:hub", 1)
    withdrawn = await polls.vote(poll_id, "matrix:@ana:hub", None)
    nothing = await polls.vote(poll_id, "matrix:@ana:hub", None)
    assert (withdrawn.status, withdrawn.previous, nothing.status) == ("withdrawn", 1, "none")
    assert polls.tally(poll_id).counts == [0, 0]
    assert await db_votes(db_path, poll_id) == {}


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
    db_path: Path, clock: FrozenClock, polls: Polls
) -> None:
    poll_id = await start(polls, timer=300)
    await asyncio.gather(*(polls.vote(poll_id, f"discord:{i}", i % 3) for i in range(30)))
    await polls.set_message(poll_id, "10", "20")
    reopened = await Polls.open(db_path, clock)
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

    real = polls.store._commit
    polls.store._commit = broken  # type: ignore[method-assign]
    try:
        with pytest.raises(RuntimeError, match="disk full"):
            await polls.vote(poll_id, "console:ana", 1)
    finally:
        polls.store._commit = real  # type: ignore[method-assign]
    assert polls.tally(poll_id).counts == [0] * 5
    assert (await polls.vote(poll_id, "console:ana", 1)).status == "recorded"  # not "unchanged"


async def test_closing_the_store_writes_what_is_still_queued(
    db_path: Path, clock: FrozenClock, store: object
) -> None:
    store = await PollStore.open(db_path)
    poll = await store.create(spec(), front="console", by="console:mod", lang="en", now=clock.now())
    futures = [store.submit(poll.id, f"console:{i}", 0) for i in range(100)]
    await store.close()
    assert all(f.done() and f.result().status == "recorded" for f in futures)
    assert len(await db_votes(db_path, poll.id)) == 100


async def test_a_closed_poll_keeps_its_counts_and_forgets_who_voted(
    db_path: Path, clock: FrozenClock, polls: Polls
) -> None:
    poll_id = await start(polls)
    await asyncio.gather(*(polls.vote(poll_id, f"discord:{i}", i % 2) for i in range(7)))
    last = polls.store.submit(poll_id, "discord:late-but-queued-first", 4)  # same batch as close
    assert await polls.store.submit_close(poll_id, "console:mod", clock.now()) is True
    assert (await last).status == "recorded"
    assert polls.tally(poll_id).counts == [4, 3, 0, 0, 1]
    assert await db_votes(db_path, poll_id) == {}  # no voter id is kept once it is closed
    reopened = await Polls.open(db_path, clock)
    try:
        assert reopened.tally(poll_id).counts == [4, 3, 0, 0, 1]
        assert (await reopened.vote(poll_id, "discord:0", 1)).status == "closed"
    finally:
        await reopened.close()


async def test_polls_closed_by_an_older_version_are_settled_at_start(
    db_path: Path, clock: FrozenClock, polls: Polls
) -> None:
    open_id, closed_id = await start(polls), await start(polls, "yesno")
    await asyncio.gather(*(polls.vote(closed_id, f"discord:{i}", i % 2) for i in range(5)))
    await polls.vote(open_id, "discord:ana", 2)
    async with aiosqlite.connect(db_path) as db:  # as an older version closed polls
        await db.execute(
            "UPDATE polls SET closed_at = '2021-10-06T10:00:00+00:00', closed_by = 'timer'"
            " WHERE id = ?",
            (closed_id,),
        )
        await db.commit()
    reopened = await Polls.open(db_path, clock)
    try:
        assert reopened.tally(closed_id).counts == [3, 2]
        assert await db_votes(db_path, closed_id) == {}
        assert await db_votes(db_path, open_id) == {"discord:ana": 2}  # open: kept
    finally:
        await reopened.close()
    again = await Polls.open(db_path, clock)
    try:
        assert again.tally(closed_id).counts == [3, 2]  # from the kept counts now
    finally:
        await again.close()


async def test_a_vote_waits_for_another_connections_open_write_without_stopping_the_loop(
    polls: Polls, store: object, db_path: Path
) -> None:
    """The bot's main store (aiosqlite) may hold a write transaction open across an ``await``
    until its COMMIT: a vote arriving then must wait for it without freezing the event loop
    (which would keep that COMMIT from ever being sent: "database is locked" after 5 s)."""
    from bot.store import Store

    assert isinstance(store, Store)
    poll_id = await start(polls)
    await store.database.conn.execute(
        "INSERT INTO users (front, user_id, zone, created_at, updated_at)"
        " VALUES ('console', 'ana', 'UTC', 'now', 'now')"
    )
    assert store.database.conn.in_transaction  # the write lock is held until the commit below

    async def commit_soon() -> None:
        await asyncio.sleep(0.2)
        await store.database.conn.commit()

    committing = asyncio.create_task(commit_soon())
    loop = asyncio.get_running_loop()
    started = loop.time()
    result = await asyncio.wait_for(polls.vote(poll_id, "matrix:@ana:l4a.test", 1), timeout=4)
    await committing
    assert result.status == "recorded" and polls.tally(poll_id).counts[1] == 1
    assert loop.time() - started < 3
    assert await db_votes(db_path, poll_id) == {"matrix:@ana:l4a.test": 1}


async def test_a_write_cancelled_while_it_waits_for_the_lock_still_finishes_whole(
    polls: Polls, store: object, db_path: Path
) -> None:
    """A front stopping cancels what it was doing (say, remembering a poll's message): that
    transaction still ends, so memory matches the file and the next write is not refused with
    "cannot start a transaction within a transaction"."""
    from bot.store import Store

    assert isinstance(store, Store)
    poll_id = await start(polls)
    await store.database.conn.execute(
        "INSERT INTO users (front, user_id, zone, created_at, updated_at)"
        " VALUES ('console', 'ana', 'UTC', 'now', 'now')"
    )  # the main store holds the write lock: the poll store's write has to wait for it
    remembering = asyncio.create_task(polls.set_message(poll_id, "!room:l4a.test", "$event"))
    await asyncio.sleep(0.1)
    remembering.cancel()
    with pytest.raises(asyncio.CancelledError):
        await remembering
    await store.database.conn.commit()
    next_poll = await asyncio.wait_for(start(polls), timeout=4)
    assert next_poll == poll_id + 1
    poll = polls.get(poll_id)
    assert poll is not None and poll.message_id == "$event"
    async with (
        aiosqlite.connect(db_path) as db,
        db.execute("SELECT message_id FROM polls WHERE id = ?", (poll_id,)) as cur,
    ):
        assert await cur.fetchone() == ("$event",)
