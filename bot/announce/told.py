"""Decisions told to hosts and timed poll results: deliveries through the ledger, like
announcements and reminders.

A moderator's decision queues a row in ``proposal_notices`` in the decision's own transaction
(a trigger, see ``0003_proposals.sql``): that table is the committed outbox, so a crash between
the decision and the message loses nothing. :meth:`Told.tell_decisions` turns each row not yet
told on a front into a :class:`~bot.announce.model.Delivery` with the stable key
``dec:<front>:<proposal>:<notice>`` and hands it to a :class:`~bot.announce.fanout.FanOut`:
claimed in the ledger ('sending', committed) before it is sent, retried with back-off after a
transient failure, 'failed' for good after a permanent one, logged, and sent again after a
crash with the same key, which every outbox passes to its platform as an idempotency key
(Discord nonce, Matrix transaction id, the console's printed keys), so a host is told once.

A poll closed by its timer is committed by the polls service (its ``closed_by`` row is the
committed outbox); :meth:`Told.poll_closed` queues its final result, with the chart, as the
delivery ``poll:<front>:<poll>:final``, posted in the poll's channel or room through
:meth:`~bot.outbox.Outbox.post` (the front's outbox renders attachments). At start-up
:meth:`Told.catch_up` queues the results of polls closed by their timer within the last
``grace_minutes`` whose delivery is not settled, so a crash between the close and the post loses
nothing, and a result is posted once.

Each front registers the same :class:`~bot.outbox.Outbox` it gives the announcer and asks for
the decisions due after a command, a sync or a start::

    told = told_of(hub)
    told.register(outbox)
    statuses = await told.tell_decisions("matrix")   # {proposal id: 'sent' | 'failed' | …}
    await told.catch_up("matrix")                    # decisions and timed poll results
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from datetime import timedelta
from typing import Any

from bot.announce.fanout import FanOut, Status
from bot.announce.model import Delivery
from bot.announce.repo import AnnounceRepo
from bot.hub import Caller, Hub
from bot.outbox import DeliveryError, Outbox
from bot.polls.model import Poll
from bot.polls.service import TIMER
from bot.proposals.repo import Notice

log = logging.getLogger(__name__)
FINAL = frozenset({"sent", "skipped", "failed"})
#: How long a front waits for the decisions it asked for before answering anyway (a delivery
#: still being retried then goes on in the background).
WAIT_SECONDS = 5.0


def decision_key(notice: Notice) -> str:
    return f"dec:{notice.front}:{notice.proposal_id}:{notice.id}"


def poll_key(poll: Poll) -> str:
    return f"poll:{poll.front}:{poll.id}:final"


def result_target(poll: Poll) -> str | None:
    """Where a timed poll's result goes: its channel or room (``""`` on the console, which has
    none); ``None`` when it has nowhere to go (a Matrix poll never posted)."""
    if poll.front == "console":
        return poll.channel_id or ""
    if poll.front == "matrix" and not poll.message_id:
        return None
    return poll.channel_id or None


class Told:
    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.repo = AnnounceRepo(hub.store.database)
        self.outboxes: dict[str, Outbox] = {}
        self.fanout = FanOut(
            self.repo,
            hub.clock,
            hub.config.announcements,
            self._send,
            self._permanent,
            self._settled,
            metrics=hub.health.metrics,
        )
        self.fanout.leads = hub.leads  # a front another process leads is not told from here
        self.fanout._on_dropped = self._dropped
        self._notices: dict[str, Notice] = {}  # in flight, by key
        self._polls: dict[str, Poll] = {}  # results in flight, by key
        self._watching = False
        self._waiting: dict[str, asyncio.Future[str]] = {}
        self._lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[Any]] = set()

    def register(self, outbox: Outbox) -> None:
        """Tell ``outbox.front``'s hosts and rooms through ``outbox``."""
        self.outboxes[outbox.front] = outbox
        if not self._watching:
            self._watching = True
            self.hub.polls.on_close(self.poll_closed)

    async def catch_up(self, front: str) -> None:
        """After a start: the decisions not yet told and the timed poll results not posted."""
        await self.tell_decisions(front)
        await self.post_missed_results(front)

    async def post_missed_results(self, front: str) -> None:
        """Queue the results of polls closed by their timer within the last ``grace_minutes``
        whose delivery is not settled (a crash between the close and the post)."""
        polls = self.hub.polls
        if polls is None:
            return
        since = self.hub.clock.now() - timedelta(
            minutes=self.hub.config.announcements.grace_minutes
        )
        closed = [
            p
            for p in polls.all_polls()
            if p.front == front and p.closed_by == TIMER and p.closed_at and p.closed_at >= since
        ]
        await self._post_results(closed)

    # -- timed poll results ------------------------------------------------------------------
    def poll_closed(self, poll: Poll) -> None:
        """``Polls.on_close`` listener: a poll closed by its timer gets its result posted."""
        if poll.closed_by != TIMER or poll.front not in self.outboxes:
            return  # a front that is not running catches up when it starts
        self._spawn(self._post_results([poll]), f"poll-result-{poll.id}")

    async def _post_results(self, polls: list[Poll]) -> None:
        async with self._lock:
            fresh = [p for p in polls if p.front in self.outboxes and result_target(p) is not None]
            fresh = [p for p in fresh if poll_key(p) not in self._polls]
            statuses = await self._statuses([poll_key(p) for p in fresh])
            now = self.hub.clock.now()
            out = []
            for p in fresh:
                key = poll_key(p)
                if statuses.get(key) in FINAL:
                    continue
                self._polls[key] = p
                target = result_target(p) or ""
                out.append(Delivery(key, now, "poll", p.front, target, f"poll:{p.id}", None))
            self.fanout.start()
            await self.fanout.submit(out)

    async def _send_result(self, d: Delivery, outbox: Outbox) -> Status:
        from bot.polls import replies

        poll = self._polls[d.key]
        ctx = self.hub.context(Caller(d.front, "", locale=poll.lang))
        result = await replies.result_async(ctx, poll, private=False, lang=poll.lang)
        try:
            await outbox.post(d.target, result)
        except DeliveryError as exc:
            if not exc.permanent:
                log.warning("poll result %s not posted yet (tried again later): %s", d.key, exc)
            raise
        log.info("poll result %s posted in %s %r", d.key, d.front, d.target)
        return "sent"

    async def tell_decisions(self, front: str, *, wait: float = WAIT_SECONDS) -> dict[int, str]:
        """Queue every decision not yet told on ``front``; wait up to ``wait`` seconds for them
        to settle. Returns the status of each proposal's delivery settled by then ('sent',
        'failed', 'skipped'); one still being retried is missing."""
        if front not in self.outboxes:
            return {}
        async with self._lock:  # two commands at once never queue one decision twice
            fresh = await self._due(front)
            self.fanout.start()
            for key, _ in fresh:
                self._waiting[key] = asyncio.get_running_loop().create_future()
            await self.fanout.submit(d for _, d in fresh)
            watched = {k: n for k, n in self._notices.items() if n.front == front}
        futures = {self._waiting[k]: n for k, n in watched.items() if k in self._waiting}
        if futures and wait > 0:
            await asyncio.wait(list(futures), timeout=wait)
        return {n.proposal_id: f.result() for f, n in futures.items() if f.done()}

    async def _due(self, front: str) -> list[tuple[str, Delivery]]:
        from bot.proposals.env import repo_of

        proposals = repo_of(self.hub)
        notices = await proposals.undelivered(front)
        keys = {decision_key(n): n for n in notices}
        statuses = await self._statuses(list(keys))
        now = self.hub.clock.now()
        out = []
        for key, n in keys.items():
            if key in self._notices:
                continue  # being sent (or retried) already
            if statuses.get(key) in FINAL:  # settled before a crash left the row open
                await self._close(n, statuses[key])
                continue
            self._notices[key] = n
            d = Delivery(key, now, "decision", front, n.user_id, f"#{n.proposal_id}", None)
            d.private = True
            out.append((key, d))
        return out

    async def _statuses(self, keys: list[str]) -> dict[str, str]:
        if not keys:
            return {}
        statuses = await self.repo.statuses(keys)
        # Left 'sending' by a crash (or a process that died leading the front): sent again with
        # the same key, which the platform's nonce absorbs.
        self.fanout.retake |= {k for k, status in statuses.items() if status == "sending"}
        return statuses

    def _dropped(self, d: Delivery) -> None:
        """Given up unsettled (another process leads the front now, or settled it)."""
        self._polls.pop(d.key, None)
        self._notices.pop(d.key, None)

    async def _close(self, n: Notice, status: str) -> None:
        from bot.proposals.moderation import notice_sent

        await notice_sent(self.hub, n.id, delivered=status == "sent")

    async def _send(self, d: Delivery) -> Status:
        from bot.proposals.moderation import notice_reply

        outbox = self.outboxes.get(d.front)
        if outbox is None:
            raise DeliveryError(f"no outbox for front {d.front!r}", permanent=False)
        if d.kind == "poll":
            return await self._send_result(d, outbox)
        reply = await notice_reply(self.hub, self._notices[d.key])
        if reply is None:
            return "skipped"  # the proposal is gone
        try:
            await outbox.direct(d.target, reply)
        except DeliveryError as exc:
            if not exc.permanent:
                log.warning("decision %s not told yet (tried again later): %s", d.key, exc)
            raise
        log.info("decision %s told to %s user %s", d.key, d.front, d.target)
        return "sent"

    async def _permanent(self, d: Delivery, exc: DeliveryError) -> None:
        log.warning("cannot tell %s user %s of decision %s: %s", d.front, d.target, d.key, exc)

    def _settled(self, d: Delivery, status: str) -> None:
        self._polls.pop(d.key, None)
        notice = self._notices.pop(d.key, None)
        self._spawn(self._noted(d.key, notice, status), f"told-{d.key}")

    def _spawn(self, work: Any, name: str) -> None:
        task = asyncio.create_task(work, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    async def _noted(self, key: str, notice: Notice | None, status: str) -> None:
        """Close the notice's row, then wake whoever waits for it."""
        try:
            if notice is not None:
                await self._close(notice, status)
        finally:
            future = self._waiting.pop(key, None)
            if future is not None and not future.done():
                future.set_result(status)

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("task %s failed", task.get_name(), exc_info=task.exception())

    async def drain(self) -> None:
        """Wait until every queued message is settled and noted (tests, a clean stop)."""
        while True:
            while self._tasks:
                await asyncio.gather(*list(self._tasks), return_exceptions=True)
            await self.fanout.drain()
            if not self._tasks:
                return

    async def stop(self) -> None:
        await self.fanout.stop()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)


_TOLD: weakref.WeakKeyDictionary[Hub, Told] = weakref.WeakKeyDictionary()


def told_of(hub: Hub) -> Told:
    """The hub's one :class:`Told` (made on first use)."""
    told = _TOLD.get(hub)
    if told is None:
        told = _TOLD[hub] = Told(hub)
    return told


async def stop_told(hub: Hub) -> None:
    told = _TOLD.pop(hub, None)
    if told is not None:
        await told.stop()
