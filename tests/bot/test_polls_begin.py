"""The vote writer takes a free write lock at once, on the loop thread: a thread hop per batch
waits for the loop's next turn, which a burst of clicks makes long. A lock held by another
connection is still waited for in a worker thread (tests/bot/test_polls_store.py)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bot.polls import transactions
from bot.polls.service import Polls
from tests.bot.test_polls_store import db_votes, start


async def test_a_free_write_lock_is_taken_without_a_worker_thread(
    polls: Polls, db_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    poll_id = await start(polls)
    hops: list[tuple[Any, ...]] = []
    real = asyncio.to_thread

    async def counted(func: Any, *args: Any) -> Any:
        hops.append(args)
        return await real(func, *args)

    monkeypatch.setattr(transactions.asyncio, "to_thread", counted)
    result = await polls.vote(poll_id, "discord:1", 2)
    assert result.status == "recorded"
    assert hops == [("COMMIT",)]  # the commit (it waits for the disk) and nothing else
    assert await db_votes(db_path, poll_id) == {"discord:1": 2}
    timeout = polls.store.db.execute("PRAGMA busy_timeout").fetchone()[0]
    assert timeout == transactions.BUSY_TIMEOUT_MS  # waits stay possible for the slow path
