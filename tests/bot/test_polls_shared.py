"""Two processes on one PostgreSQL database (here: two Database pools and two PollStores in one
test, each as a front's process would have): a vote cast through one shows in the other's tally
once its notice is read back, polls created in one are found by the other, a close serialises
with the other's votes, two timers close a poll once, and a lost notice connection resyncs."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import pytest

from bot.clock import FrozenClock
from bot.db.postgres import PostgresDatabase
from bot.polls.model import Poll
from bot.polls.service import TIMER, Polls
from tests.bot.test_polls_store import spec, start


async def eventually(check: Callable[[], bool], within: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not check():
        assert loop.time() < deadline, "not within the time allowed"
        await asyncio.sleep(0.01)


@pytest.fixture
async def two(pg_url: str, clock: FrozenClock) -> AsyncIterator[tuple[Polls, Polls]]:
    """The polls of two processes (say the Matrix front's and the Discord front's)."""
    dbs = [await PostgresDatabase.open(pg_url), await PostgresDatabase.open(pg_url)]
    polls = [await Polls.open(db, clock) for db in dbs]
    try:
        yield polls[0], polls[1]
    finally:
        for p in polls:
            await p.close()
        for db in dbs:
            await db.close()


async def test_a_poll_created_in_one_process_is_found_by_the_other(
    two: tuple[Polls, Polls],
) -> None:
    matrix, discord = two
    poll = await matrix.start(spec("yesno", 300), front="matrix", by="matrix:@mod:hub", lang="es")
    await eventually(lambda: discord.get(poll.id) is not None)
    seen = discord.get(poll.id)
    assert seen is not None and (seen.front, seen.scale, seen.lang) == ("matrix", "yesno", "es")
    assert seen.is_open and seen.closes_at == poll.closes_at
    assert discord.next_close() == poll.closes_at  # its timer runs there too
    assert discord.tally(poll.id).counts == [0, 0]


async def test_a_vote_cast_in_one_process_shows_in_the_others_tally(
    two: tuple[Polls, Polls],
) -> None:
    matrix, discord = two
    changed: list[set[int]] = []
    discord.on_change(changed.append)
    poll_id = await start(matrix)
    await eventually(lambda: discord.get(poll_id) is not None)
    for i in range(3):
        assert (await matrix.vote(poll_id, f"matrix:@v{i}:hub", 1)).status == "recorded"
    await eventually(lambda: discord.tally(poll_id).counts == [0, 3, 0, 0, 0])
    assert any(poll_id in ids for ids in changed)  # the Discord front refreshes its message
    # and the other way round, each process's own voters on top of the other's
    await discord.vote(poll_id, "discord:1", 4)
    await matrix.vote(poll_id, "matrix:@v0:hub", 2)  # a change of mind moves the count there
    await eventually(lambda: matrix.tally(poll_id).counts == [0, 2, 1, 0, 1])
    await eventually(lambda: discord.tally(poll_id).counts == [0, 2, 1, 0, 1])


async def test_a_close_while_the_other_process_votes_keeps_every_confirmed_vote(
    two: tuple[Polls, Polls],
) -> None:
    closer, voters = two
    poll_id = await start(closer)
    await eventually(lambda: voters.get(poll_id) is not None)
    results: list[str] = []

    async def vote_in_waves() -> None:
        for wave in range(40):
            futures = [
                voters.store.submit(poll_id, f"discord:{wave}-{i}", i % 5) for i in range(50)
            ]
            results.extend(r.status for r in await asyncio.gather(*futures))
            await asyncio.sleep(0.005)

    waves = asyncio.create_task(vote_in_waves())
    await eventually(lambda: len(results) >= 300)
    assert await closer.close_poll(poll_id, "console:mod") is True
    await waves
    recorded = results.count("recorded")
    assert 300 <= recorded < len(results) == 2000  # some before the close, the rest refused
    assert set(results) == {"recorded", "closed"}
    assert results[:recorded] == ["recorded"] * recorded  # none counted after a refusal
    final = closer.tally(poll_id).counts
    assert sum(final) == recorded  # every confirmed vote, and nothing else, in the result
    await eventually(lambda: voters.tally(poll_id).counts == final)
    poll = voters.get(poll_id)
    assert poll is not None and not poll.is_open
    assert (await voters.vote(poll_id, "discord:late", 0)).status == "closed"


async def test_a_vote_in_a_process_that_has_not_heard_of_the_close_is_refused(
    two: tuple[Polls, Polls],
) -> None:
    closer, voters = two
    poll_id = await start(closer)
    await eventually(lambda: voters.get(poll_id) is not None)
    await voters.vote(poll_id, "discord:early", 3)
    voters.store._closed = True  # deaf for a moment: its notices are ignored
    assert await closer.close_poll(poll_id, "console:mod") is True
    await asyncio.sleep(0.2)
    poll = voters.get(poll_id)
    assert poll is not None and poll.is_open  # it has not heard
    voters.store._closed = False
    assert (await voters.vote(poll_id, "discord:late", 1)).status == "closed"
    await eventually(lambda: not poll.is_open)  # the refusal read the poll back
    assert voters.tally(poll_id).counts == closer.tally(poll_id).counts == [0, 0, 0, 1, 0]


async def test_two_timers_close_a_poll_once_with_one_final_result(
    two: tuple[Polls, Polls], clock: FrozenClock
) -> None:
    one, other = two
    poll_id = await start(one, timer=60)
    await eventually(lambda: other.get(poll_id) is not None)
    await asyncio.gather(*(one.vote(poll_id, f"console:{i}", i % 2) for i in range(5)))
    await other.vote(poll_id, "discord:x", 4)
    closes: dict[str, list[Poll]] = {"one": [], "other": []}
    one.on_close(closes["one"].append)
    other.on_close(closes["other"].append)
    clock.advance(timedelta(minutes=1))
    closed = await asyncio.gather(one.close_due(), other.close_due())
    assert sorted(len(c) for c in closed) == [0, 1]  # one statement closed it: that one posts
    await eventually(lambda: len(closes["one"]) == len(closes["other"]) == 1)
    await asyncio.sleep(0.2)
    assert len(closes["one"]) == len(closes["other"]) == 1  # once in each process
    assert one.tally(poll_id).counts == other.tally(poll_id).counts == [3, 2, 0, 0, 1]
    poll = other.get(poll_id)
    assert poll is not None and poll.closed_by == TIMER
    assert await one.close_due() == [] and await other.close_due() == []


async def test_a_lost_notice_connection_resyncs_every_tally_when_it_is_back(
    two: tuple[Polls, Polls],
) -> None:
    matrix, discord = two
    poll_id = await start(matrix)
    await eventually(lambda: discord.get(poll_id) is not None)
    db = discord.store.db
    assert isinstance(db, PostgresDatabase) and db._listen_conn is not None
    pid = db._listen_conn.get_server_pid()
    await db.execute("SELECT pg_terminate_backend(?)", (pid,))
    await eventually(lambda: db._listen_conn is None)  # lost: notices now go unheard
    await asyncio.gather(*(matrix.vote(poll_id, f"matrix:@v{i}:hub", 2) for i in range(4)))
    other = await matrix.start(spec("yesno"), front="matrix", by="matrix:@mod:hub", lang="en")
    assert discord.tally(poll_id).counts == [0, 0, 0, 0, 0]
    await eventually(lambda: discord.tally(poll_id).counts == [0, 0, 4, 0, 0], within=10)
    assert discord.get(other.id) is not None  # everything was read back ("*")


async def test_a_voter_id_written_by_both_processes_is_counted_once(
    two: tuple[Polls, Polls],
) -> None:
    """Voter ids are per front, so this should not happen; if it does (one front run in two
    processes), the new voters' fast insert is refused, the batch upserts instead and the
    tally is read back."""
    one, other = two
    poll_id = await start(one)
    await eventually(lambda: other.get(poll_id) is not None)
    assert (await one.vote(poll_id, "console:ana", 0)).status == "recorded"
    results = await asyncio.gather(
        other.vote(poll_id, "console:ana", 3), other.vote(poll_id, "console:bob", 1)
    )
    assert [r.status for r in results] == ["recorded", "recorded"]  # as far as it knew
    await eventually(lambda: other.tally(poll_id).counts == [0, 1, 0, 1, 0])
    await eventually(lambda: one.tally(poll_id).counts == [0, 1, 0, 1, 0])
