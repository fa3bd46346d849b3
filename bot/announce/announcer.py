"""The announcer: plans every announcement and reminder, runs them when due, exactly once.

A front creates nothing itself; ``bot.app.build_app`` makes and loads the announcer of the hub
(and stops it when the app closes), and each front registers its :class:`~bot.outbox.Outbox`
and starts it (starting twice is harmless)::

    announcer = hub.announcer                 # made and loaded by build_app
    announcer.register(MyOutbox(...))         # outbox.front names the front ("matrix")
    await announcer.start()                   # catch up, schedule, start workers and watcher
    ...
    announcer.unregister("matrix")            # that front stops; the others go on

Exactly once: every delivery has a stable key; it is claimed in the ledger ('sending', committed)
before it is sent and marked 'sent' after. At start-up, what fell due while the bot was down is
sent if it is at most ``grace_minutes`` late (the message says how long ago the session
started), else recorded as 'skipped'. A delivery left 'sending' by a crash (sent or not: the bot
cannot know) is sent again with the same key, which outboxes pass to the platform as an
idempotency key (Discord ``nonce`` + ``enforce_nonce``), so the platform drops a duplicate.
"""

from __future__ import annotations

import asyncio
import heapq
import logging
from collections import Counter
from collections.abc import Coroutine, Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from bot.announce import digest, texts
from bot.announce.changes import change_deliveries
from bot.announce.fanout import FanOut, Status
from bot.announce.follow_book import FollowBook, User
from bot.announce.group_plan import GroupPlanning
from bot.announce.groups import Groups, can_group
from bot.announce.jobs import DueJobs, FileWatch
from bot.announce.model import Change, Delivery, Follow, GroupMode
from bot.announce.persist import persist
from bot.announce.plan import FollowIndex, latest_announcements, plan
from bot.announce.repo import CLOSED_CHANNEL, FOLLOWS_CHANNEL, AnnounceRepo
from bot.config import ChannelMap
from bot.outbox import DeliveryError, Outbox
from bot.programme import Programme

if TYPE_CHECKING:
    from bot.context import Ctx
    from bot.hub import Hub

log = logging.getLogger(__name__)
FAR = datetime(9999, 1, 1, tzinfo=UTC)
FINAL = frozenset({"sent", "skipped", "failed"})
OWNER = "announcer"  # its tasks and jobs in the supervisor
WATCH_JOB = "schedule-watch"
RESYNC = "*"  # bot.db.postgres.RESYNC: change notices may have been missed, reload everything
PLAN_SLICE = 50  # sessions planned between two yields to the event loop


class Announcer(FollowBook, GroupPlanning):
    def __init__(self, hub: Hub, repo: AnnounceRepo) -> None:
        self.hub = hub
        self.repo = repo
        self.settings = hub.config.announcements
        self.outboxes: dict[str, Outbox] = {}
        self._follows: dict[User, dict[tuple[str, str], Follow]] = {}
        self._closed: set[User] = set()
        self._counts: Counter[tuple[str, str, str]] = Counter()
        self._ledger: dict[str, str] = {}
        self._pending: dict[str, Delivery] = {}
        self._heap: list[tuple[datetime, str]] = []
        self._user_keys: dict[User, set[str]] = {}
        #: Pending reminders, group posts and member additions by (front, session id).
        self._session_keys: dict[tuple[str, str], set[str]] = {}
        #: Pending group posts by (front, session id), and how each session is delivered there
        #: (``thread``, ``mentions``; absent: private messages) as last planned.
        self._group_keys: dict[tuple[str, str], set[str]] = {}
        self._modes: dict[tuple[str, str], GroupMode | None] = {}
        self.groups = Groups(self)
        self._inflight: set[str] = set()
        self._watermark: datetime | None = None
        self.fanout = FanOut(
            repo, hub.clock, self.settings, self._send, self._permanent, self._settled,
            metrics=hub.health.metrics,
        )  # fmt: skip
        self.fanout.leads = hub.leads
        self.fanout._on_dropped = self._dropped
        self.jobs = DueJobs(hub.clock, self._job, hub.supervisor)
        self.watch: FileWatch | None = None  # run by the supervisor while started
        self.started = False
        self._dirty: set[User] | None = None
        self._replanning = asyncio.Lock()
        hub.programmes.subscribe(self._programme_changed)
        hub.programmes.on_changes(self._programme_changes)

    async def load(self) -> None:
        """Load follows, unreachable users and the ledger (``bot.app.build_app`` does, once;
        :meth:`reread` again when this process takes a front over)."""
        follows: dict[User, dict[tuple[str, str], Follow]] = {}
        counts: Counter[tuple[str, str, str]] = Counter()
        for f in await self.repo.follows():
            follows.setdefault(f.user, {})[(f.target_type, f.target)] = f
        self._follows, self._counts = follows, counts
        for by_target in follows.values():
            for f in by_target.values():
                self._count(f, 1)
        self._closed = await self.repo.closed()
        self._ledger = await self.repo.ledger()
        # Left 'sending' by a crash, or by a process that died holding a front's lease: sent
        # again with the same key (the platform's nonce, the console's printed keys absorb it).
        self.fanout.retake = {k for k, status in self._ledger.items() if status == "sending"}
        self._watermark = await self.repo.watermark()
        await self.groups.load()

    async def listen(self) -> None:
        """Follow other processes' changes of follows and unreachable users (shared database)."""
        db = self.repo.db
        if db.shared:
            await db.listen(FOLLOWS_CHANNEL, self._follows_changed)
            await db.listen(CLOSED_CHANNEL, self._closed_changed)

    def _notice(self, payload: str) -> User | None:
        """The user a change notice from another process is about (``None``: ours, or bad)."""
        origin, _, rest = payload.partition("\t")
        front, _, user_id = rest.partition("\t")
        if origin == self.repo.origin or not user_id:
            return None
        return (front, user_id)

    async def _follows_changed(self, payload: str) -> None:
        """Another process changed a user's follows (a ``/unremind``): read them again and
        plan that user's reminders again; ``*``: notices may have been missed, reload all."""
        if payload == RESYNC:
            await self.reread()
            return
        user = self._notice(payload)
        if user is None:
            return
        before = frozenset(s.id for s in self.followed(*user))
        fresh = await self.repo.follows_of(*user)
        for f in self._follows.pop(user, {}).values():
            self._count(f, -1)
        if fresh:
            self._follows[user] = {(f.target_type, f.target): f for f in fresh}
            for f in fresh:
                self._count(f, 1)
        self._replan_user(user, before)

    async def _closed_changed(self, payload: str) -> None:
        """Another process noted (or cleared) that a user cannot get private messages."""
        if payload == RESYNC:
            self._closed = await self.repo.closed()
            return
        user = self._notice(payload)
        if user is None:
            return
        if await self.repo.is_closed(*user):
            self._closed.add(user)
        else:
            self._closed.discard(user)

    async def reread(self) -> None:
        """Read everything again (follows, unreachable users, ledger, watermark, groups) and,
        once running, plan again: another process may have changed any of it (this process
        takes a front over, or missed change notices)."""
        await self.load()
        if self.started:
            await self._replan()

    async def fence(self, front: str) -> None:
        """This process no longer leads ``front``: its outbox goes and nothing more of it is
        claimed or sent here (the fan-out asks :meth:`bot.hub.Hub.leads` before each)."""
        self.unregister(front)
        if self.started:
            await self._replan()

    def _dropped(self, d: Delivery) -> None:
        """Given up here unsettled (fenced, or another process's): planned again on a reload."""
        for key in [d.key, *(p.key for p in d.parts or ())]:
            self._inflight.discard(key)

    def register(self, outbox: Outbox) -> None:
        """Deliver ``outbox.front``'s announcements and reminders through ``outbox``."""
        self.outboxes[outbox.front] = outbox
        if self.started:
            self._spawn(self._replan(), "announce-replan")

    def unregister(self, front: str) -> None:
        """``front`` stops: its deliveries wait (retried) until it registers again; the other
        fronts' go on (the announcer is shared: only the app stops it)."""
        self.outboxes.pop(front, None)

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
            self.watch = self.hub.programmes.file_watch(self.settings.watch_seconds)
            self.hub.supervisor.every(WATCH_JOB, self.watch.seconds, self.watch.check, owner=OWNER)

    async def stop(self) -> None:
        self.started = False  # a job APScheduler had already begun now does nothing
        self.jobs.stop()
        await self.hub.supervisor.stop_owner(OWNER)  # its tasks and the file watch's job
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
            group_fronts=self._group_fronts(),
        )
        return [d for d in planned if self._ledger.get(d.key) not in FINAL]

    def _group_fronts(self) -> set[str]:
        """The fronts whose outbox can notify many followers with one post."""
        return {front for front, outbox in self.outboxes.items() if can_group(outbox)}

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
        groups = self._group_fronts()
        fresh: list[Delivery] = []
        for i in range(0, len(sessions), PLAN_SLICE):
            fresh += plan(
                programme, index, self.settings, fronts, since, FAR,
                closed=self._closed, sessions=sessions[i : i + PLAN_SLICE], group_fronts=groups,
            )  # fmt: skip
            await asyncio.sleep(0)
        dirty, self._dirty = self._dirty, None
        self._pending.clear()
        self._user_keys.clear()
        self._session_keys.clear()
        self._group_keys.clear()
        self._heap.clear()
        self._modes = {(d.front, d.session_id): d.mode for d in fresh if d.kind == "group"}
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

    def _replan_user(self, user: User, before: frozenset[str] = frozenset()) -> None:
        """After a follow changes: only that user's reminders; on a front that posts for many,
        every delivery of the sessions they follow or followed (``before``: session ids), whose
        group posts and delivery mode may change with them."""
        if self._dirty is not None:
            self._dirty.add(user)  # a full replan is running: redo this user after its swap
        for key in self._user_keys.pop(user, set()):
            self._pending.pop(key, None)
        if not self.started or user[0] not in self.outboxes:
            return
        if user[0] in self._group_fronts():
            planned = self._replan_grouped(user, before)
        else:
            mine = FollowIndex(self._follows.get(user, {}).values())
            planned = plan(
                self.hub.programme, mine, self.settings, {user[0]}, self._since(), FAR,
                closed=self._closed, channels={},
            )  # fmt: skip
        fresh = [d for d in planned if self._ledger.get(d.key) not in FINAL]
        self._add_pending(fresh)
        self.jobs.add({d.due for d in fresh})

    async def _left(self, front: str, user_id: str) -> None:
        """After an unfollow: out of the groups of the sessions no longer followed."""
        still = {s.id for s in self.followed(front, user_id)}
        await self.groups.leave(front, user_id, still)

    def _add_pending(self, deliveries: list[Delivery]) -> None:
        for d in deliveries:
            if d.key in self._inflight or self._ledger.get(d.key) in FINAL:
                continue
            self._pending[d.key] = d
            heapq.heappush(self._heap, (d.due, d.key))
            if d.private or d.kind == "member":
                self._user_keys.setdefault((d.front, d.target), set()).add(d.key)
            if d.kind == "group":
                self._group_keys.setdefault((d.front, d.session_id), set()).add(d.key)
            if d.kind in ("remind", "group", "member"):
                self._session_keys.setdefault((d.front, d.session_id), set()).add(d.key)

    def _dues(self) -> set[datetime]:
        return {d.due for d in self._pending.values()}

    def pending(self) -> list[Delivery]:
        return sorted(self._pending.values(), key=lambda d: (d.due, d.key))

    # -- running -----------------------------------------------------------------------------
    def _spawn(self, work: Coroutine[Any, Any, object], name: str) -> None:
        self.hub.supervisor.spawn(work, name=name, owner=OWNER)

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
            self._take(d)
            # A follower joins a session's group however late (it is not a message).
            (due if now - d.due <= grace or d.kind == "member" else late).append(d)
        span = digest.window(self.settings.digest_minutes)
        if span is not None:  # a person's reminders due in the next minutes go along (digest)
            for d in digest.companions(due, self._pending, self._user_keys, span):
                self._take(d)  # its heap entry finds nothing pending when popped
                due.append(d)
        try:
            due = await self._record_unsent(due, late, now)
        except BaseException:  # stopped while waiting for the database: plan them again
            self._inflight.difference_update(d.key for d in [*due, *late])
            self._add_pending([*due, *late])
            raise
        await self.fanout.submit(due if span is None else digest.bundle(due, span))
        return len(due)

    def _take(self, d: Delivery) -> None:
        """``d`` leaves the pending plan for a run (from here a replan leaves it to that run)."""
        key = d.key
        del self._pending[key]
        if d.private or d.kind == "member":
            self._user_keys.get((d.front, d.target), set()).discard(key)
        self._session_keys.get((d.front, d.session_id), set()).discard(key)
        self._group_keys.get((d.front, d.session_id), set()).discard(key)
        self._inflight.add(key)

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
            self.hub.health.metrics.too_late(late)
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
        await self.hub.supervisor.idle(OWNER)
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
        if d.kind in ("group", "member"):
            session = self.hub.programme.by_id.get(d.session_id)
            if session is None or session.starts_at != d.starts_at:
                return "skipped"  # moved or cancelled since it was planned
            await self.groups.send(outbox, d, now)
            return "sent"
        ctx = self._ctx(d, now)
        if d.kind == "change":
            reply = texts.changes_reply(ctx, d.changes, private=d.private)
        elif d.parts:
            sessions = digest.live_sessions(self.hub.programme, d)
            if not sessions:
                return "skipped"  # all moved or cancelled since planned
            reply = texts.digest(ctx, sessions)
        else:
            session = self.hub.programme.by_id.get(d.session_id)
            if session is None or session.starts_at != d.starts_at:
                return "skipped"  # moved or cancelled since it was planned
            reply = (texts.reminder if d.private else texts.announcement)(ctx, session)
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
        for key in list(self._user_keys.get(user, ())):
            pending = self._pending.get(key)
            if pending is None or pending.private:  # their place in groups stays
                self._pending.pop(key, None)
                self._user_keys[user].discard(key)
        log.info("%s user %s cannot get private messages: noted, not retried", *user)

    def _settled(self, d: Delivery, status: str) -> None:
        self._inflight.discard(d.key)
        self._ledger[d.key] = status

    # -- programme changes -------------------------------------------------------------------
    async def _programme_changed(self, programme: Programme) -> None:
        if self.started:
            await self._replan()

    async def _programme_changes(self, changes: list[Change]) -> None:
        """A reload moved, cancelled or added sessions: announce them (once running)."""
        if self.started:
            await self._announce_changes(changes)

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
