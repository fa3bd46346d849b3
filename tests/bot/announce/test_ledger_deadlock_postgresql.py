"""Two processes writing the one ledger on PostgreSQL can deadlock (found by ``make bench-store``
with both processes delivering the same fronts): one process's claim holds a row its
``FOR UPDATE SKIP LOCKED`` took and waits to insert a key the other's outcome write holds, which
waits for the first row. PostgreSQL gives one of them up; that write is tried again, so the
deliveries it was about do not stay 'sending'."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import asyncpg

from bot.announce.persist import Backoff, persist
from bot.announce.repo import AnnounceRepo
from bot.clock import FrozenClock
from bot.failures import storage_problem
from bot.store import Store

T = datetime(2021, 10, 6, 9, 40, tzinfo=UTC)
ROW = (
    "INSERT INTO announce_ledger (key, front, target, session_id, due_at, status, attempts,"
    " updated_at) VALUES ($1, 'console', 't', 's', '2021-10-06T09:40:00+00:00', 'sending', 1,"
    " '2021-10-06T09:40:00+00:00')"
)


def test_a_deadlock_or_serialization_failure_is_a_storage_problem_tried_again() -> None:
    assert storage_problem(asyncpg.exceptions.DeadlockDetectedError("deadlock detected"))
    assert storage_problem(asyncpg.exceptions.SerializationError("could not serialize"))
    assert storage_problem(asyncpg.exceptions.UniqueViolationError("duplicate key")) is None


async def test_an_outcome_write_given_up_in_a_deadlock_is_written_again(pg_url: str) -> None:
    store = await Store.open(pg_url, FrozenClock(T))
    other = await asyncpg.connect(pg_url)
    try:
        await other.execute(ROW, "x")
        await other.execute(ROW, "w")
        repo = AnnounceRepo(store.database)
        # The other process's claim: row x taken FOR UPDATE, its transaction open.
        claim = other.transaction()
        await claim.start()
        await other.execute("SELECT key FROM announce_ledger WHERE key = 'x' FOR UPDATE")
        # This process's outcomes: w locked first, then waits for x.
        outcomes = [("w", "sent", None), ("x", "sent", None)]
        settle = asyncio.create_task(
            persist("outcomes", lambda: repo.settle(outcomes, T), Backoff(first=0.05, cap=0.1))
        )
        await asyncio.sleep(0.3)
        # The other claim now inserts w (skipped as locked, so taken for absent): waits for us.
        await other.execute(
            "INSERT INTO announce_ledger (key, front, target, session_id, due_at, status,"
            " attempts, updated_at) VALUES ('w', 'console', 't', 's', '', 'sending', 1, '')"
            " ON CONFLICT (key) DO NOTHING"
        )
        await claim.commit()
        await asyncio.wait_for(settle, 10)  # given up once (deadlock), then written again
        assert await repo.statuses(["w", "x"]) == {"w": "sent", "x": "sent"}
    finally:
        await other.close()
        await store.close()
