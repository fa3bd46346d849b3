"""Sending many messages without stalling the bot: a bounded queue drained by a few workers.

Each worker takes a small batch, claims it in the ledger (one commit: 'sending'), sends each
message through its front's :class:`~bot.outbox.Outbox` (yielding to the event loop between
sends, pacing private messages), then records the outcomes (one commit). Transient failures are
retried with exponential back-off a bounded number of times; permanent ones are not retried.

While a message is being sent, :data:`DELIVERY_KEY` holds its stable ledger key: an outbox may
use it as an idempotency key (Discord message ``nonce`` with ``enforce_nonce``, a Matrix
transaction id) so that a message re-sent after a crash is dropped by the platform.
"""

from __future__ import annotations

import asyncio
import contextvars
import hashlib
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Literal

from bot.announce.digest import parts_of
from bot.announce.model import Delivery
from bot.announce.persist import Backoff, persist
from bot.announce.repo import AnnounceRepo
from bot.clock import Clock
from bot.config import AnnouncementsSection
from bot.metrics import Metrics
from bot.outbox import DeliveryError

log = logging.getLogger(__name__)

#: The ledger key of the message being sent (``None`` outside a delivery).
DELIVERY_KEY: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "l4a_delivery_key", default=None
)

Status = Literal["sent", "skipped"]
Send = Callable[[Delivery], Awaitable[Status]]
Failed = Callable[[Delivery, DeliveryError], Awaitable[None]]
Settled = Callable[[Delivery, str], None]


def nonce_for(key: str) -> int:
    """A stable 63-bit number for a delivery key (Discord nonces are ≤ 25 characters)."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big") >> 1


class FanOut:
    def __init__(
        self,
        repo: AnnounceRepo,
        clock: Clock,
        settings: AnnouncementsSection,
        send: Send,
        on_permanent: Failed,
        on_settled: Settled,
        *,
        metrics: Metrics | None = None,
    ) -> None:
        self.repo = repo
        self.clock = clock
        self.settings = settings
        self._send = send
        self._on_permanent = on_permanent
        self._on_settled = on_settled
        #: Deliveries due, sent, failed, late; queue depths (``/metrics``).
        self.metrics = metrics or Metrics()
        # Four lanes, each with its own workers: channel posts never wait behind private
        # messages held back by the ``dm_per_second`` pacing, nor behind the many messages of
        # a post for many followers, nor behind followers being added to groups (paced at
        # ``reminders.members_per_second``, in the background).
        size = settings.queue_size
        self.queue: asyncio.Queue[tuple[Delivery, int]] = asyncio.Queue(size)
        self.dm_queue: asyncio.Queue[tuple[Delivery, int]] = asyncio.Queue(size)
        self.group_queue: asyncio.Queue[tuple[Delivery, int]] = asyncio.Queue(size)
        self.member_queue: asyncio.Queue[tuple[Delivery, int]] = asyncio.Queue(size)
        self._lanes = {
            "post": self.queue, "dm": self.dm_queue,
            "group": self.group_queue, "member": self.member_queue,
        }  # fmt: skip
        self._workers: list[asyncio.Task[None]] = []
        self._retries: set[asyncio.Task[None]] = set()
        self._batches: set[asyncio.Future[None]] = set()
        self._outstanding = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._next_private = 0.0
        self._next_member = 0.0
        #: Real time (``time.monotonic``) each delivery's message left, by key (bench, tests).
        self.sent_at: dict[str, float] = {}
        self.record_times = False
        #: Waits between attempts of a ledger write the database cannot take right now.
        self.backoff = Backoff()
        #: Keys that may be claimed although 'sending' in the ledger: what a crash (or a
        #: process that died holding a front's lease) left 'sending', read when loading.
        self.retake: set[str] = set()
        self._held: set[str] = set()  # claimed here and not settled yet (retries)
        #: Does this process lead ``front`` (send its deliveries)? Always, unless a lease says
        #: otherwise (see :mod:`bot.lease`).
        self.leads: Callable[[str], bool] = lambda _front: True
        #: Told of a delivery given up here without being settled (another process's, fenced).
        self._on_dropped: Callable[[Delivery], None] = lambda _d: None

    def start(self) -> None:
        if not self._workers:
            self._workers = [
                asyncio.create_task(self._work(queue), name=f"announce-{lane}-worker-{i}")
                for lane, queue in self._lanes.items()
                for i in range(self.settings.workers)
            ]

    async def stop(self, finish_within: float = 5.0) -> None:
        """Stop the workers. A batch being sent is finished first (up to ``finish_within``
        seconds) so that it does not stay 'sending' in the ledger; queued messages that were
        never claimed are simply planned again at the next start."""
        if self._batches:
            await asyncio.wait(list(self._batches), timeout=finish_within)
        tasks = [*self._workers, *self._retries, *self._batches]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._workers.clear()
        self._retries.clear()
        self._batches.clear()

    async def submit(self, deliveries: Iterable[Delivery]) -> None:
        """Queue deliveries (waits while the queue is full: the caller is a background task)."""
        for d in deliveries:
            self._outstanding += 1
            self._idle.clear()
            self.metrics.due(d)
            await self._lane(d).put((d, 0))
            self.metrics.queued(d, _lane_name(d))

    async def drain(self) -> None:
        """Wait until every submitted delivery is settled (sent, failed or skipped)."""
        await self._idle.wait()

    def _finished(self, count: int = 1) -> None:
        self._outstanding -= count
        if self._outstanding <= 0:
            self._outstanding = 0
            self._idle.set()

    def _lane(self, d: Delivery) -> asyncio.Queue[tuple[Delivery, int]]:
        return self._lanes[_lane_name(d)]

    async def _work(self, queue: asyncio.Queue[tuple[Delivery, int]]) -> None:
        while True:
            first = await queue.get()
            batch = [first]
            while len(batch) < self.settings.batch and not queue.empty():
                batch.append(queue.get_nowait())
            for d, _ in batch:
                self.metrics.queued(d, _lane_name(d), -1)
            # Shielded: cancelling the worker (stop) lets the batch it started finish.
            running = asyncio.ensure_future(self._run_batch(batch))
            self._batches.add(running)
            running.add_done_callback(self._batches.discard)
            try:
                await asyncio.shield(running)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("announcement batch failed; its deliveries stay 'sending'")
                self._finished(len(batch))

    async def _run_batch(self, batch: list[tuple[Delivery, int]]) -> None:
        # Nothing leaves before its claim is committed: a claim the database cannot take now
        # is tried again (with back-off) while the batch waits here, then sent.
        # A digest is claimed and settled through the keys of every reminder it lists.
        # A front this process no longer leads (another process took its lease over) is
        # fenced: nothing of it is claimed or sent here any more.
        batch = self._keep_led(batch)
        if not batch:
            return
        wanted = [p for d, _ in batch for p in parts_of(d)]
        claimed: set[str] = set()

        async def claim() -> None:
            nonlocal claimed
            retake = self.retake | self._held
            claimed = await self.repo.claim(wanted, self.clock.now(), retake)

        await persist(
            f"{len(wanted)} delivery(ies) as 'sending' (first {wanted[0].key})", claim, self.backoff
        )
        self._held |= claimed
        mine = [(d, a) for d, a in batch if all(p.key in claimed for p in parts_of(d))]
        if len(mine) < len(batch):  # settled or held by another process: not sent here
            taken = {id(d) for d, _ in mine}
            for d, _ in batch:
                if id(d) not in taken:
                    log.info("delivery %s is another process's or settled: not sent", d.key)
                    self._on_dropped(d)
            self._finished(len(batch) - len(mine))
        outcomes: list[tuple[str, str, str | None]] = []
        settled: list[tuple[Delivery, str]] = []
        retries: list[tuple[Delivery, int, float]] = []
        for d, attempt in mine:
            if not self.leads(d.front):  # fenced while this batch was being sent
                self._on_dropped(d)
                self._finished()
                continue
            status, detail, delay = await self._one(d, attempt)
            kept = "sending" if status == "retry" else status
            outcomes += [(p.key, kept, detail) for p in parts_of(d)]
            if status == "retry":
                retries.append((d, attempt + 1, delay))
            else:
                settled.append((d, status))
            await asyncio.sleep(0)  # let commands run between messages
        if outcomes:
            await persist(
                f"the outcome of {len(outcomes)} delivery(ies) (first {outcomes[0][0]})",
                lambda: self.repo.settle(outcomes, self.clock.now()),
                self.backoff,
            )
        # Retried only once this attempt's outcome is saved: a later attempt's outcome (written
        # by another worker, on another connection) is never overwritten by this older one.
        for d, attempt, delay in retries:
            task = asyncio.create_task(self._retry(d, attempt, delay), name=f"retry-{d.key}")
            self._retries.add(task)
            task.add_done_callback(self._retries.discard)
        for d, status in settled:
            for part in parts_of(d):
                self._held.discard(part.key)
                self.retake.discard(part.key)
                self._on_settled(part, status)
        self._finished(len(settled))

    def _keep_led(self, batch: list[tuple[Delivery, int]]) -> list[tuple[Delivery, int]]:
        """The batch without the deliveries of fronts this process does not lead (dropped: the
        leader sends them)."""
        kept = [(d, a) for d, a in batch if self.leads(d.front)]
        if len(kept) < len(batch):
            for d, _ in batch:
                if not self.leads(d.front):
                    self._on_dropped(d)
            self._finished(len(batch) - len(kept))
        return kept

    async def _one(self, d: Delivery, attempt: int) -> tuple[str, str | None, float]:
        """Send ``d``: its status, the reason it failed, and (status "retry") the seconds to
        wait before the next attempt."""
        if d.private:
            await self._pace()
        elif d.kind == "member":
            await self._pace_members()
        token = DELIVERY_KEY.set(d.key)
        asked = 0.0  # seconds the platform asked us to wait (a refused request's retry_after)
        try:
            status = await self._send(d)
            if status == "sent":
                self.metrics.sent(d, (self.clock.now() - d.due).total_seconds())
            if self.record_times:
                for part in parts_of(d):
                    self.sent_at[part.key] = time.monotonic()
            return status, None, 0.0
        except DeliveryError as exc:
            if exc.permanent:
                log.info("delivery %s failed for good: %s", d.key, exc.reason)
                self.metrics.failed(d, final=True)
                await self._on_permanent(d, exc)
                return "failed", exc.reason[:300], 0.0
            reason = exc.reason
            asked = exc.retry_after or 0.0
        except Exception as exc:  # a bug or an unexpected library error: retry, then give up
            log.exception("delivery %s raised", d.key)
            reason = f"{type(exc).__name__}: {exc}"
        finally:
            DELIVERY_KEY.reset(token)
        self.metrics.failed(d, final=attempt >= self.settings.retries)
        if attempt >= self.settings.retries:
            log.warning("delivery %s failed after %d attempts: %s", d.key, attempt + 1, reason)
            return "failed", reason[:300], 0.0
        # Never sooner than the platform asked: a refused request is not repeated into a refusal.
        delay = max(self.settings.retry_seconds * 2**attempt, asked)
        return "retry", reason[:300], delay

    async def _retry(self, d: Delivery, attempt: int, delay: float) -> None:
        await asyncio.sleep(delay)
        await self._lane(d).put((d, attempt))
        self.metrics.queued(d, _lane_name(d))

    async def _pace(self) -> None:
        """At most ``dm_per_second`` private messages per second, over all workers."""
        rate = self.settings.dm_per_second
        if rate <= 0:
            return
        now = time.monotonic()
        slot = max(now, self._next_private)
        self._next_private = slot + 1.0 / rate
        if slot > now:
            await asyncio.sleep(slot - now)

    async def _pace_members(self) -> None:
        """At most ``reminders.members_per_second`` group additions per second."""
        now = time.monotonic()
        slot = max(now, self._next_member)
        self._next_member = slot + 1.0 / self.settings.reminders.members_per_second
        if slot > now:
            await asyncio.sleep(slot - now)


def _lane_name(d: Delivery) -> str:
    """The lane of :meth:`FanOut._lane` by its name (``bot.metrics.QUEUES``)."""
    if d.kind in ("member", "group"):
        return d.kind
    return "dm" if d.private else "post"
