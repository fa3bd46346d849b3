"""Transactions on the polls' own SQLite connection, which runs its statements on the event-loop
thread (see :meth:`bot.polls.store.PollStore.open`): taking the write lock and committing run in
a worker thread, one transaction at a time."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from typing import TypeVar

R = TypeVar("R")
BUSY_TIMEOUT_MS = 5000  # how long a write waits for another connection's lock (worker thread)
NO_WAIT_MS = 0


class Transactions:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self._lock = asyncio.Lock()  # one transaction at a time on this connection

    async def _begin(self) -> None:
        """BEGIN IMMEDIATE: at once on the loop thread when the write lock is free (the usual
        case), else in a worker thread. Taking the lock may wait (up to the busy timeout) for
        another connection to the same file, such as the bot's main store, which needs the event
        loop to reach its own COMMIT: waiting on the loop thread would hold that commit back
        until the timeout, then fail with "database is locked". The quick try first saves a
        round trip through a thread per batch of votes, which a busy loop (a burst of clicks)
        makes slow: every hop waits for the loop's next turn."""
        self.db.execute(f"PRAGMA busy_timeout={NO_WAIT_MS}")
        try:
            self.db.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
        finally:
            self.db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        await asyncio.to_thread(self.db.execute, "BEGIN IMMEDIATE")

    async def _atomic(
        self, statements: Callable[[], sqlite3.Cursor], committed: Callable[[sqlite3.Cursor], R]
    ) -> R:
        """Run ``statements`` in one transaction of their own (rolled back if they fail), then
        ``committed`` with their cursor to bring memory in line. Both run to their end even if
        the caller is cancelled meanwhile (a bot stopping): a transaction left half open would
        make the next writer fail, and memory would miss what the database holds."""

        async def run() -> R:
            async with self._lock:
                await self._begin()
                try:
                    cur = statements()
                    await self._commit()
                except BaseException:
                    self._rollback()
                    raise
                return committed(cur)

        return await asyncio.shield(asyncio.ensure_future(run()))

    async def _commit(self) -> None:
        """COMMIT in a worker thread: the disk wait (fsync) does not stop the event loop."""
        await asyncio.to_thread(self.db.execute, "COMMIT")

    def _rollback(self) -> None:
        if self.db.in_transaction:
            self.db.execute("ROLLBACK")
