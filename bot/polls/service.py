"""The polls service every front uses: start, vote, withdraw, close, timers, change listeners.

Front-neutral: Discord maps it to buttons, the console to ``/vote``, and Matrix can map it to
native polls (MSC3381: a user's latest answer counts, an empty answer withdraws their vote).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime
from functools import partial

from bot.clock import Clock, real_seconds_until
from bot.db import Database
from bot.polls.model import Poll, PollSpec, Tally
from bot.polls.store import CLOSED, UNKNOWN, PollStore, VoteResult

log = logging.getLogger(__name__)

TIMER = "timer"  # ``closed_by`` of a poll closed by its timer
MAX_TIMER_SLEEP = 60.0  # real seconds: re-read the clock at least this often
ChangeListener = Callable[[set[int]], None]
CloseListener = Callable[[Poll], None]


def _ignore(front: str) -> None:
    pass


def voter_key(front: str, user_id: str) -> str:
    return f"{front}:{user_id}"


class Polls:
    def __init__(self, store: PollStore, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        self._change_listeners: list[ChangeListener] = []
        self._close_listeners: list[CloseListener] = []
        self._timers: asyncio.Task[None] | None = None
        self._timers_changed = asyncio.Event()
        #: Told the front of each committed vote (``bot.metrics.Metrics.vote``).
        self.counted: Callable[[str], None] = _ignore
        store.on_change(self._changed)

    @classmethod
    async def open(cls, db: Database, clock: Clock, *, synchronous: str = "FULL") -> Polls:
        """The polls of the bot's database (``store.database``), followed across processes
        when it is shared. ``synchronous`` (SQLite): "FULL", a confirmed vote survives a power
        cut; "NORMAL", the bot being killed."""
        return cls(await PollStore.open(db, synchronous=synchronous), clock)

    async def close(self) -> None:
        if self._timers is not None:
            self._timers.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._timers
            self._timers = None
        await self.store.close()

    # -- listeners -------------------------------------------------------------------------
    def on_change(self, listener: ChangeListener) -> None:
        """``listener(poll_ids)`` after committed votes or closes (fronts refresh tallies)."""
        self._change_listeners.append(listener)

    def on_close(self, listener: CloseListener) -> None:
        """``listener(poll)`` once a close is committed, whoever or whatever closed it (in this
        process, or in another one sharing the database: once its notice is read back). Each
        front acts on its own polls only, so a result is posted by the process running the
        poll's front, once."""
        self._close_listeners.append(listener)

    def _changed(self, poll_ids: set[int], closed: list[Poll]) -> None:
        for change in self._change_listeners:
            try:
                change(poll_ids)
            except Exception:
                log.exception("poll change listener failed")
        for poll in closed:
            for listener in self._close_listeners:
                try:
                    listener(poll)
                except Exception:
                    log.exception("poll close listener failed")
        if closed or any(p in self.store.polls and self.store.polls[p].closes_at for p in poll_ids):
            self._timers_changed.set()  # a poll closed, or one with a timer (perhaps new) changed

    # -- reading ---------------------------------------------------------------------------
    def get(self, poll_id: int) -> Poll | None:
        return self.store.polls.get(poll_id)

    def tally(self, poll_id: int) -> Tally:
        return self.store.tally(poll_id)

    def all_polls(self) -> list[Poll]:
        return list(self.store.polls.values())

    def open_polls(self) -> list[Poll]:
        return [p for p in self.store.polls.values() if p.is_open]

    def ballot(self, poll_id: int, voter: str) -> int | None:
        return self.store.ballot(poll_id, voter)

    # -- writing ---------------------------------------------------------------------------
    async def start(self, spec: PollSpec, *, front: str, by: str, lang: str) -> Poll:
        poll = await self.store.create(spec, front=front, by=by, lang=lang, now=self.clock.now())
        self._timers_changed.set()
        return poll

    def submit_vote(
        self, poll_id: int, voter: str, choice: int | None
    ) -> asyncio.Future[VoteResult]:
        """Queue a vote (``None`` withdraws); the future resolves once it is committed (at
        once for an unknown or closed poll). A front confirms only after it resolves."""
        poll = self.store.polls.get(poll_id)
        if poll is None or poll.closed_at is not None:
            done: asyncio.Future[VoteResult] = asyncio.get_running_loop().create_future()
            done.set_result(UNKNOWN if poll is None else CLOSED)
            return done
        if choice is not None and not 0 <= choice < poll.size:
            raise ValueError(f"poll {poll_id} has no choice {choice}")
        future = self.store.submit(poll_id, voter, choice)
        future.add_done_callback(partial(self._counted, voter))
        return future

    def _counted(self, voter: str, future: asyncio.Future[VoteResult]) -> None:
        if future.cancelled() or future.exception() is not None:
            return
        if future.result().status not in ("unknown", "closed"):
            self.counted(voter.partition(":")[0])

    async def vote(self, poll_id: int, voter: str, choice: int | None) -> VoteResult:
        """Record (``choice``) or withdraw (``None``) a vote; returns once it is committed."""
        return await self.submit_vote(poll_id, voter, choice)

    async def set_message(self, poll_id: int, channel_id: str, message_id: str) -> None:
        await self.store.set_message(poll_id, channel_id, message_id)

    async def close_poll(self, poll_id: int, by: str) -> bool:
        """Close now; ``False`` if there is no such open poll. Returns once committed."""
        poll = self.store.polls.get(poll_id)
        if poll is None or not poll.is_open:
            return False
        return await self.store.submit_close(poll_id, by, self.clock.now())

    # -- timers ----------------------------------------------------------------------------
    def next_close(self) -> datetime | None:
        due = [p.closes_at for p in self.open_polls() if p.closes_at is not None]
        return min(due) if due else None

    async def close_due(self, now: datetime | None = None) -> list[Poll]:
        """Close every open poll whose timer has run out (the timer task calls this; tests too)."""
        at = now or self.clock.now()
        due = [p for p in self.open_polls() if p.closes_at is not None and p.closes_at <= at]
        futures = [self.store.submit_close(p.id, TIMER, p.closes_at or at) for p in due]
        done = await asyncio.gather(*futures)
        return [p for p, fresh in zip(due, done, strict=True) if fresh]

    def start_timers(self) -> None:
        """Run the timers in the background (real and rehearsal clocks). With a frozen clock
        nothing closes by itself: call :meth:`close_due`."""
        if self._timers is None:
            self._timers = asyncio.create_task(self._run_timers(), name="poll-timers")

    async def _run_timers(self) -> None:
        while True:
            self._timers_changed.clear()
            try:
                await self.close_due()
            except Exception:
                log.exception("closing polls on their timers failed")
            due = self.next_close()
            wait = None if due is None else real_seconds_until(self.clock, due)
            if wait is not None:
                wait = min(max(wait, 0.05), MAX_TIMER_SLEEP)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._timers_changed.wait(), timeout=wait)
