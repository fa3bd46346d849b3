"""When things run: APScheduler jobs at the real instants of due times, and the file watcher.

One job per distinct due instant (``due:20211006T0945Z``), given a stable id and added with
``replace_existing=True``, so a rebuild replaces jobs instead of duplicating them. Jobs live in
APScheduler's memory store only: they are rebuilt at every start from the programme and the
ledger (SQLite job stores would block the event loop; see FACTS.md).

A clock instant maps to a real run time through the clock's speed (``real_seconds_until``): a
rehearsal clock at ``--speed 60`` runs a 15-minute lead in 15 real seconds. A frozen clock
(speed 0) runs nothing by itself: tests call ``Announcer.run_due``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.announce.model import stamp
from bot.clock import Clock, real_seconds_until
from bot.supervisor import Supervisor

log = logging.getLogger(__name__)
JOB_PREFIX = "due:"


class _QuietCancel(logging.Filter):
    """Stopping the scheduler cancels a job that was about to start; APScheduler logs that as
    an error with a ``CancelledError``: it is the normal end of a run, not a failure."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, asyncio.CancelledError)


logging.getLogger("apscheduler.executors.default").addFilter(_QuietCancel())


class DueJobs:
    """APScheduler jobs that call ``run(at)`` when the clock reaches each due instant."""

    def __init__(
        self,
        clock: Clock,
        run: Callable[[datetime], Awaitable[object]],
        supervisor: Supervisor,
        *,
        prefix: str = JOB_PREFIX,
    ) -> None:
        """``prefix`` names these jobs in the one shared scheduler: each owner of due jobs needs
        its own, or one's job would replace another's at the same instant."""
        self.clock = clock
        self._run = run
        self._supervisor = supervisor
        self._prefix = prefix
        self._scheduler: AsyncIOScheduler | None = None
        self._jobs: dict[str, datetime] = {}

    @property
    def running(self) -> bool:
        return self._scheduler is not None

    def start(self) -> None:
        if self.clock.speed <= 0 or self._scheduler is not None:
            return  # a frozen clock: due work runs only when a test asks
        self._scheduler = self._supervisor.scheduler_started()  # the one scheduler, shared

    def stop(self) -> None:
        """Remove these jobs (the scheduler is the supervisor's: other jobs run on)."""
        if self._scheduler is not None and self._scheduler.running:
            for job_id in self._jobs:
                with contextlib.suppress(JobLookupError):
                    self._scheduler.remove_job(job_id)
        self._scheduler = None
        self._jobs.clear()

    def job_ids(self) -> set[str]:
        return set(self._jobs)

    async def sync(self, dues: Iterable[datetime], *, replace: bool) -> None:
        """Make the jobs match ``dues`` (future instants); ``replace`` also removes the jobs of
        instants no longer wanted. A job already there for an instant is kept as it is (its
        real run time depends only on the instant), so a rebuild touches only what changed."""
        if self._scheduler is None:
            return
        now = self.clock.now()
        wanted = {f"{self._prefix}{stamp(d)}": d for d in dues if d > now}
        if replace:
            for job_id in [j for j in self._jobs if j not in wanted]:
                with contextlib.suppress(JobLookupError):
                    self._scheduler.remove_job(job_id)
                del self._jobs[job_id]
        for n, (job_id, due) in enumerate(wanted.items()):
            self._add(job_id, due)
            if n % 200 == 199:
                await asyncio.sleep(0)

    def add(self, dues: Iterable[datetime]) -> None:
        """Add the jobs of new instants (a new follow), keeping every other job."""
        if self._scheduler is None:
            return
        now = self.clock.now()
        for due in dues:
            if due > now:
                self._add(f"{self._prefix}{stamp(due)}", due)

    def _add(self, job_id: str, due: datetime) -> None:
        assert self._scheduler is not None
        if self._jobs.get(job_id) == due:
            return
        wait = real_seconds_until(self.clock, due)
        if wait is None:
            return
        self._scheduler.add_job(
            self._run,
            "date",
            run_date=datetime.now(UTC) + timedelta(seconds=wait),
            args=[due],
            id=job_id,
            replace_existing=True,
            misfire_grace_time=None,  # late is better than never; the grace rule decides
            coalesce=True,
        )
        self._jobs[job_id] = due

    def forget(self, job_id: str) -> None:
        self._jobs.pop(job_id, None)


class FileWatch:
    """Compares a file's modification time and size with the last seen and calls ``changed()``
    when they differ (no extra dependency, works on any OS); the supervisor runs :meth:`check`
    every ``seconds`` real seconds as an APScheduler job."""

    def __init__(
        self, path: Path, seconds: float, changed: Callable[[], Awaitable[object]]
    ) -> None:
        self.path = path
        self.seconds = seconds
        self._changed = changed
        self._seen = self.signature()

    def signature(self) -> tuple[int, int] | None:
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_size)

    def accept(self) -> None:
        """The current file is the one in use (after a ``/reload``): no change to report."""
        self._seen = self.signature()

    async def check(self) -> bool:
        """Call ``changed()`` if the file changed since last seen; True if it did."""
        now = self.signature()
        if now == self._seen or now is None:
            return False
        self._seen = now
        await self._changed()
        return True
