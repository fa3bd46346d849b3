"""The one owner of background work: long-running tasks and periodic jobs.

Every task is started with an *owner* (``"app"`` for what the fronts share: the announcer, the
file watch, the live source; a front's name for its own work), so stopping one front cancels
only its own tasks and jobs. Every periodic job is an APScheduler interval job on the one
:class:`AsyncIOScheduler` (the announcer's due jobs share it), so ``jobs()`` lists them all::

    supervisor.spawn(coro, name="poll-end-3", owner="matrix")    # tracked, cancelled on stop
    supervisor.every("schedule-watch", 5, watch.check)             # an APScheduler interval job
    await supervisor.stop_owner("discord")                         # that front only
    await supervisor.stop()                                        # everything, nothing left
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine
from datetime import UTC
from typing import Any

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.asyncio import AsyncIOScheduler

log = logging.getLogger(__name__)
APP = "app"  # work the fronts share


class Supervisor:
    def __init__(self) -> None:
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        self._tasks: dict[asyncio.Task[Any], str] = {}
        self._jobs: dict[str, str] = {}  # periodic job id -> owner

    def scheduler_started(self) -> AsyncIOScheduler:
        """The scheduler, started on the running event loop if it was not yet."""
        if not self.scheduler.running:
            self.scheduler.start()
        return self.scheduler

    # -- tasks -------------------------------------------------------------------------------
    def spawn(
        self, coro: Coroutine[Any, Any, object], *, name: str, owner: str = APP
    ) -> asyncio.Task[Any]:
        """Run ``coro`` as a tracked task of ``owner``; a failure is logged, not lost."""
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks[task] = owner
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.pop(task, None)
        if not task.cancelled() and task.exception() is not None:
            log.error("background task %s failed", task.get_name(), exc_info=task.exception())

    def tasks(self, owner: str | None = None) -> list[asyncio.Task[Any]]:
        return [t for t, o in self._tasks.items() if owner is None or o == owner]

    async def idle(self, owner: str | None = None) -> None:
        """Wait until ``owner``'s tasks (every task: None) are done, new ones included."""
        while running := self.tasks(owner):
            await asyncio.gather(*running, return_exceptions=True)

    # -- periodic jobs -----------------------------------------------------------------------
    def every(
        self, name: str, seconds: float, fn: Callable[[], Awaitable[object]], *, owner: str = APP
    ) -> None:
        """Run ``fn()`` every ``seconds`` (an APScheduler interval job named ``name``; a run
        never overlaps the previous one; a failure is logged and the next run still comes)."""

        async def run() -> None:
            try:
                await fn()
            except Exception:
                log.exception("periodic job %s failed", name)

        self.scheduler_started().add_job(
            run,
            "interval",
            seconds=seconds,
            id=name,
            name=name,
            replace_existing=True,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
        )
        self._jobs[name] = owner

    def cancel_job(self, name: str) -> None:
        if self._jobs.pop(name, None) is not None and self.scheduler.running:
            with contextlib.suppress(JobLookupError):
                self.scheduler.remove_job(name)

    def jobs(self, owner: str | None = None) -> set[str]:
        """The periodic jobs (of ``owner``), as the scheduler holds them."""
        held = {job.id for job in self.scheduler.get_jobs()} if self.scheduler.running else set()
        return {j for j, o in self._jobs.items() if (owner is None or o == owner) and j in held}

    # -- stopping ----------------------------------------------------------------------------
    async def stop_owner(self, owner: str) -> None:
        """Cancel ``owner``'s jobs and tasks, and wait for the tasks to end; others run on."""
        for name in [j for j, o in self._jobs.items() if o == owner]:
            self.cancel_job(name)
        await self._cancel(self.tasks(owner))

    async def stop(self) -> None:
        """Cancel everything and wait for it: no task or job is left behind."""
        for name in list(self._jobs):
            self.cancel_job(name)
        await self._cancel(self.tasks())
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)  # APScheduler runs it on the loop's next turn
            await asyncio.sleep(0)

    async def _cancel(self, tasks: list[asyncio.Task[Any]]) -> None:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
            self._tasks.pop(task, None)  # its done callback may not have run yet
