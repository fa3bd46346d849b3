"""The announcer: plans every announcement and reminder, runs them when due, exactly once.

A front creates nothing itself; ``fronts.app.open_hub`` opens the announcer on the hub, and each
front registers its :class:`~bot.outbox.Outbox` and starts it::

    announcer = hub.announcer                 # Announcer.open(hub) was called by open_hub
    announcer.register(MyOutbox(...))         # outbox.front names the front ("matrix")
    await announcer.start()                   # catch up, schedule, start workers and watcher
    ...
    await announcer.stop()

Exactly once: every delivery has a stable key; it is claimed in the ledger ('sending', committed)
before it is sent and marked 'sent' after. At start-up, what fell due while the bot was down is
sent if it is at most ``grace_minutes`` late (the message says how long ago the session
started), else recorded as 'skipped'. A delivery left 'sending' by a crash (sent or not: the bot
cannot know) is sent again with the same key, which outboxes pass to the platform as an
idempotency key (Discord ``nonce`` + ``enforce_nonce``), so the platform drops a duplicate.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import logging
from collections.abc import Coroutine, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

from bot.announce import texts
from bot.announce.changes import ReloadOutcome, change_deliveries, diff
from bot.announce.fanout import FanOut, Status
from bot.announce.follow_book import FollowBook, User
from bot.announce.jobs import DueJobs, FileWatch
from bot.announce.model import Change, Delivery, Follow
from bot.announce.persist import persist
from bot.announce.plan import FollowIndex, plan
from bot.announce.repo import AnnounceRepo
from bot.config import ChannelMap
from bot.hub import Ctx, Hub
from bot.outbox import DeliveryError, Outbox
from bot.programme import Programme, ProgrammeError, load_programme

log = logging.getLogger(__name__)
FAR = datetime(9999, 1, 1, tzinfo=UTC)
FINAL = frozenset({"sent", "skipped", "failed"})
PLAN_SLICE = 50  # sessions planned between two yields to the event loop


class Announcer(FollowBook):
    def __init__(self, hub: Hub, repo: AnnounceRepo) -> None:
        self.hub = hub
        self.repo = repo
        self.settings = hub.config.announcements
        self.outboxes: dict[str, Outbox] = {}
        self._follows: dict[User, dict[tuple[str, str], Follow]] = {}
        self._closed: set[User] = set()
        self._ledger: dict[str, str] = {}
        self._pending: dict[str, Delivery] = {}
        self._heap: list[tuple[datetime, str]] = []
        self._user_keys: dict[User, set[str]] = {}
        self._inflight: set[str] = set()
        self._watermark: datetime | None = None
        self.fanout = FanOut(
            repo, hub.clock, self.settings, self._send, self._permanent, self._settled
        )
        self.jobs = DueJobs(hub.clock, self._job)
        self.watch: FileWatch | None = None
        self.started = False
        self._tasks: set[asyncio.Task[object]] = set()
        self._dirty: set[User] | None = None
        self._replanning = asyncio.Lock()

    @classmethod
    async def open(cls, hub: Hub) -> Announcer:
        """Load follows and the ledger, and attach to ``hub`` (``hub.announcer``)."""
        self = cls(hub, AnnounceRepo(hub.store.db))
        for f in await self.repo.follows():
            self._follows.setdefault(f.user, {})[(f.target_type, f.target)] = f
        self._closed = await self.repo.closed()
        self._ledger = await self.repo.ledger()
        self._watermark = await self.repo.watermark()
        hub.announcer = self
        hub.programme_listeners.append(self._programme_changed)
        return self

    def register(self, outbox: Outbox) -> None:
        """Deliver ``outbox.front``'s announcements and reminders through ``outbox``."""
        self.outboxes[outbox.front] = outbox
        if self.started:
            self._spawn(self._replan(), "announce-replan")

    async def start(self) -> None:
        """Plan, send what is due (within the grace), and run on: jobs, workers, file watch."""
        if self.started:
            return
        self.started = True
        self.fanout.start()
        self.jobs.start()
        await self._replan()
        await self.run_due()
        speed = self.hub.clock.speed
        if self.settings.watch_schedule and speed > 0 and self.watch is None:
            self.watch = FileWatch(
                Path(self.hub.schedule_path), self.settings.watch_seconds, self._file_changed
            )
            self.watch.start()

    async def stop(self) -> None:
        self.started = False  # a job APScheduler had already begun now does nothing
        self.jobs.stop()
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self.watch is not None:
            await self.watch.stop()
            self.watch = None
        await self.fanout.stop()

    # -- planning ----------------------------------------------------------------------------
    def follow_index(self) -> FollowIndex:
        return FollowIndex(f for by_target in self._follows.values() for f in by_target.values())

    def plan(
        self, start: datetime, end: datetime, fronts: set[str] | None = None
    ) -> list[Delivery]:
        """Every delivery due in ``[start, end)`` not already in the ledger (``l4a-bot plan``)."""
        planned = plan(
            self.hub.programme,
            self.follow_index(),
            self.settings,
            self.outboxes.keys() if fronts is None else fronts,
            start,
            end,
            closed=self._closed,
        )
        return [d for d in planned if self._ledger.get(d.key) not in FINAL]

    async def _replan(self) -> None:
        """Rebuild every pending delivery and every job (start-up, programme change). Plans in
        slices of the programme, yielding to the event loop between them, and swaps the result
        in at once; users whose follows changed meanwhile are planned again after the swap."""
        async with self._replanning:  # one at a time: a reload and a new front may overlap
            await self._replan_all()

    async def _replan_all(self) -> None:
        self._dirty = set()
        programme, index, fronts = self.hub.programme, self.follow_index(), set(self.outboxes)
        since, sessions = self._since(), programme.sessions
        fresh: list[Delivery] = []
        for i in range(0, len(sessions), PLAN_SLICE):
            fresh += plan(
                programme, index, self.settings, fronts, since, FAR,
                closed=self._closed, sessions=sessions[i : i + PLAN_SLICE],
            )  # fmt: skip
            await asyncio.sleep(0)
        dirty, self._dirty = self._dirty, None
        self._pending.clear()
        self._user_keys.clear()
        self._heap.clear()
        self._add_pending([d for d in fresh if self._ledger.get(d.key) not in FINAL])
        for user in dirty:
            self._replan_user(user)
        await self.jobs.sync(self._dues(), replace=True)

    def _since(self) -> datetime:
        """Where planning starts: what is older than the grace and older than the last run
        can only be skipped, and is left alone."""
        since = self.hub.clock.now() - timedelta(minutes=self.settings.grace_minutes)
        if self._watermark is not None and self._watermark < since:
            since = self._watermark
        return since

    def _replan_user(self, user: User) -> None:
        """After a follow changes: only that user's reminders."""
        if self._dirty is not None:
            self._dirty.add(user)  # a full replan is running: redo this user after its swap
        for key in self._user_keys.pop(user, set()):
            self._pending.pop(key, None)
        if not self.started or user[0] not in self.outboxes:
            return
        mine = FollowIndex(self._follows.get(user, {}).values())
        planned = plan(
            self.hub.programme, mine, self.settings, {user[0]}, self._since(), FAR,
            closed=self._closed, channels={},
        )  # fmt: skip
        fresh = [d for d in planned if self._ledger.get(d.key) not in FINAL]
        self._add_pending(fresh)
        self.jobs.add({d.due for d in fresh})

    def _add_pending(self, deliveries: list[Delivery]) -> None:
        for d in deliveries:
            if d.key in self._inflight or self._ledger.get(d.key) in FINAL:
                continue
            self._pending[d.key] = d
            heapq.heappush(self._heap, (d.due, d.key))
            if d.private:
                self._user_keys.setdefault((d.front, d.target), set()).add(d.key)

    def _dues(self) -> set[datetime]:
        return {d.due for d in self._pending.values()}

    def pending(self) -> list[Delivery]:
        return sorted(self._pending.values(), key=lambda d: (d.due, d.key))

    # -- running -----------------------------------------------------------------------------
    def _spawn(self, work: Coroutine[Any, Any, object], name: str) -> None:
        task = asyncio.create_task(work, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[object]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("announcer task %s failed", task.get_name(), exc_info=task.exception())

    async def _job(self, at: datetime) -> None:
        """An APScheduler job: hand over at once (the job ends; a full queue never holds the
        scheduler), the delivery runs as the announcer's own task."""
        if not self.started:
            return
        self._spawn(self.run_due(max(self.hub.clock.now(), at)), f"announce-due-{at:%H%M%S}")

    async def run_due(self, now: datetime | None = None) -> int:
        """Hand every delivery due at ``now`` to the fan-out (those more than the grace late
        are recorded as skipped instead). Returns how many were queued."""
        now = now or self.hub.clock.now()
        grace = timedelta(minutes=self.settings.grace_minutes)
        due: list[Delivery] = []
        late: list[Delivery] = []
        while self._heap and self._heap[0][0] <= now:
            _, key = heapq.heappop(self._heap)
            d = self._pending.get(key)
            if d is None or d.due > now:
                continue  # unfollowed, or re-planned for later (its newer entry stays queued)
            del self._pending[key]
            if d.private:
                self._user_keys.get((d.front, d.target), set()).discard(key)
            self._inflight.add(key)  # from here a replan leaves it to this run
            (due if now - d.due <= grace else late).append(d)
        try:
            due = await self._record_unsent(due, late, now)
        except BaseException:  # stopped while waiting for the database: plan them again
            self._inflight.difference_update(d.key for d in [*due, *late])
            self._add_pending([*due, *late])
            raise
        await self.fanout.submit(due)
        return len(due)

    async def _record_unsent(
        self, due: list[Delivery], late: list[Delivery], now: datetime
    ) -> list[Delivery]:
        """Record what will not be sent (too late, superseded) and the watermark, waiting out a
        database that cannot take it right now; returns what is to be sent."""
        backoff = self.fanout.backoff
        if late:
            # Recorded only for what fell due since the bot last ran (a first start, or a
            # rehearsal clock set back in time, records nothing).
            mark = self._watermark
            record = [d for d in late if mark is not None and d.due > mark]
            if record:
                why = f"more than {self.settings.grace_minutes:g} min late"
                await persist(
                    f"{len(record)} late delivery(ies) as skipped",
                    lambda: self.repo.skip(record, now, why),
                    backoff,
                )
                for d in record:
                    self._ledger[d.key] = "skipped"
            self._inflight.difference_update(d.key for d in late)
            log.info("%d announcement(s)/reminder(s) fell due long ago: not sent", len(late))
        due, superseded = latest_announcements(due)
        if superseded:
            await persist(
                f"{len(superseded)} superseded announcement(s) as skipped",
                lambda: self.repo.skip(superseded, now, "superseded by a later announcement"),
                backoff,
            )
            for d in superseded:
                self._ledger[d.key] = "skipped"
                self._inflight.discard(d.key)
        if self._watermark is None or now > self._watermark:
            await persist("the watermark", lambda: self.repo.set_watermark(now), backoff)
            self._watermark = now
        return due

    async def drain(self) -> None:
        """Wait until the due work handed over so far is queued and every message settled."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
        await self.fanout.drain()

    async def deliver_due(self, now: datetime | None = None) -> int:
        """``run_due`` and wait until everything queued is settled (tests, rehearsals)."""
        count = await self.run_due(now)
        await self.drain()
        return count

    async def _send(self, d: Delivery) -> Status:
        outbox = self.outboxes.get(d.front)
        if outbox is None:
            raise DeliveryError(f"no outbox for front {d.front!r}", permanent=False)
        now = self.hub.clock.now()
        if d.private and (d.front, d.target) in self._closed:
            return "skipped"
        if d.kind == "change":
            ctx = self._ctx(d, now)
            reply = texts.changes_reply(ctx, d.changes, private=d.private)
        else:
            session = self.hub.programme.by_id.get(d.session_id)
            if session is None or session.starts_at != d.starts_at:
                return "skipped"  # moved or cancelled since it was planned
            ctx = self._ctx(d, now)
            make = texts.reminder if d.private else texts.announcement
            reply = make(ctx, session)
        if d.private:
            await outbox.direct(d.target, reply)
        else:
            await outbox.post(d.target, reply)
        return "sent"

    def _ctx(self, d: Delivery, now: datetime) -> Ctx:
        if d.private:
            locale = next((f.locale for f in self.follows_of(d.front, d.target) if f.locale), None)
            return texts.user_ctx(self.hub, d.front, d.target, now, locale)
        return texts.channel_ctx(self.hub, d.front, d.target, now)

    async def _permanent(self, d: Delivery, exc: DeliveryError) -> None:
        if not d.private:
            log.warning("cannot post in %s channel %s: %s", d.front, d.target, exc.reason)
            return
        user = (d.front, d.target)
        if user in self._closed:
            return
        self._closed.add(user)
        await persist(
            f"that {d.front} user {d.target} cannot get private messages",
            lambda: self.repo.note_closed(d.front, d.target, exc.reason, self.hub.clock.now()),
            self.fanout.backoff,
        )
        for key in self._user_keys.pop(user, set()):
            self._pending.pop(key, None)
        log.info("%s user %s cannot get private messages: noted, not retried", *user)

    def _settled(self, d: Delivery, status: str) -> None:
        self._inflight.discard(d.key)
        self._ledger[d.key] = status

    # -- programme changes -------------------------------------------------------------------
    async def _programme_changed(self, programme: Programme) -> None:
        if self.started:
            await self._replan()

    async def reload(self, path: Path | None = None) -> ReloadOutcome:
        """Read the schedule file again. A file with problems changes nothing; a good one
        replaces the base programme (approved open-space sessions stay), re-plans every job and
        announces what moved, was cancelled or was added."""
        from bot.proposals.sessions import rebuild_programme

        source = Path(path or self.hub.schedule_path)
        if self.watch is not None:
            self.watch.accept()
        try:  # in a worker thread: a big file takes seconds, and the bot keeps answering
            base = await asyncio.to_thread(load_programme, source)
        except ProgrammeError as exc:
            return ReloadOutcome(False, exc.lines())
        old = self.hub.programme
        self.hub.base_programme = base
        self.hub.schedule_path = source
        await rebuild_programme(self.hub)  # tells the listeners: _replan
        changes = diff(old, self.hub.programme, self.hub.clock.now())
        if changes and self.started:
            await self._announce_changes(changes)
        return ReloadOutcome(True, [], changes)

    async def _file_changed(self) -> None:
        outcome = await self.reload()
        if not outcome.ok:
            log.warning(
                "%s changed but has problems; the running programme is kept:\n%s",
                self.hub.schedule_path,
                "\n".join(outcome.problems),
            )
        else:
            log.info("%s reloaded: %d change(s)", self.hub.schedule_path, len(outcome.changes))

    async def _announce_changes(self, changes: list[Change]) -> None:
        planned = change_deliveries(
            changes, self.outboxes.keys(), cast(Mapping[str, ChannelMap], self.settings.channels),
            self.follow_index(),
            self._closed, self.hub.clock.now(),
        )  # fmt: skip
        out = [d for d in planned if self._ledger.get(d.key) not in FINAL]
        out = [d for d in out if d.key not in self._inflight]
        self._inflight.update(d.key for d in out)
        await self.fanout.submit(out)


def latest_announcements(due: list[Delivery]) -> tuple[list[Delivery], list[Delivery]]:
    """``(kept, superseded)``: when several announcements of one session fall due together in a
    channel (a bot started or back late: 15 minutes before *and* at the start), only the latest
    is worth posting; the earlier ones would repeat it."""
    latest: dict[tuple[str, str, str, datetime | None], Delivery] = {}
    for d in due:
        if d.kind == "announce":
            group = (d.front, d.target, d.session_id, d.starts_at)
            if group not in latest or d.due > latest[group].due:
                latest[group] = d
    posted = {id(d) for d in latest.values()}
    kept = [d for d in due if d.kind != "announce" or id(d) in posted]
    return kept, [d for d in due if d.kind == "announce" and id(d) not in posted]
