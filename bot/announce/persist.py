"""Ledger writes that wait out a database that cannot take them right now.

When another program holds SQLite's write lock longer than ``busy_timeout``, the disk is full, or
the PostgreSQL server is gone or restarting (:mod:`bot.db.errors`),
a ledger write fails. Dropping the deliveries it was about would lose reminders silently; so the
write is tried again with capped exponential back-off (one WARNING line per failed attempt,
saying what failed and when it is tried again) until it succeeds, and the caller, which holds
the deliveries meanwhile, sends them only then: still exactly once. Anything that is not a
storage problem (a bug) is raised at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.failures import storage_problem

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Backoff:
    first: float = 1.0  # seconds before the second attempt
    cap: float = 60.0  # never more than this between attempts

    def delay(self, failures: int) -> float:
        return min(self.cap, self.first * 2 ** (failures - 1))


async def persist(what: str, write: Callable[[], Awaitable[object]], backoff: Backoff) -> None:
    """Run ``write`` until it succeeds, waiting ``backoff`` between attempts that failed for
    a storage reason."""
    failures = 0
    while True:
        try:
            await write()
        except Exception as exc:
            problem = storage_problem(exc)
            if problem is None:
                raise
            failures += 1
            delay = backoff.delay(failures)
            log.warning(
                "cannot save %s (attempt %d: %s); trying again in %.3g s, nothing is sent before",
                what, failures, problem, delay,
            )  # fmt: skip
            await asyncio.sleep(delay)
            continue
        if failures:
            log.warning("saved %s after %d failed attempt(s)", what, failures)
        return
