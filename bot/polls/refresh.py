"""Coalesced refreshes: however fast changes come, at most one update per key per interval.

A front marks a poll as changed after every committed batch of votes; the first mark updates
at once, and marks arriving while an update runs or during the pause after it are folded into
one more update showing the latest state. So a poll message is edited at most once per
interval (never once per vote), and the last edit always shows the final counts.

The interval is real time (it paces requests to a chat server), not the forum's clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

log = logging.getLogger(__name__)
K = TypeVar("K", bound=Hashable)


class Refresher(Generic[K]):
    def __init__(self, update: Callable[[K], Awaitable[None]], interval: float) -> None:
        self.update = update
        self.interval = interval
        self._dirty: set[K] = set()
        self._tasks: dict[K, asyncio.Task[None]] = {}
        #: Updates done so far, per key (for tests and the bench).
        self.done: dict[K, int] = {}

    def mark(self, key: K) -> None:
        """Ask for an update of ``key`` showing the state as it will be when the update runs."""
        self._dirty.add(key)
        if key not in self._tasks:
            self._tasks[key] = asyncio.create_task(self._run(key), name=f"refresh-{key}")

    async def _run(self, key: K) -> None:
        try:
            while key in self._dirty:
                self._dirty.discard(key)
                try:
                    await self.update(key)
                except Exception:
                    log.exception("refreshing %r failed", key)
                self.done[key] = self.done.get(key, 0) + 1
                await asyncio.sleep(self.interval)
        finally:
            self._tasks.pop(key, None)

    async def idle(self) -> None:
        """Wait until no update is running or waiting (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks.values()), return_exceptions=True)

    async def close(self) -> None:
        for task in list(self._tasks.values()):
            task.cancel()
        for task in list(self._tasks.values()):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        self._dirty.clear()
