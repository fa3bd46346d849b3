"""The polls' storage on the bot's :class:`~bot.db.Database`: polls in memory, and a
group-commit writer for votes.

Votes arrive in bursts (a room of thousands answering within seconds). Each vote is queued with
a future; one writer task takes every vote waiting, writes them in ONE transaction (a bulk
upsert, deletes for withdrawn votes, closes of polls; see ``batch.py``), commits, and only then
brings memory in line and resolves each vote's future. A caller confirms a vote only after its
future resolves, so a confirmed vote is always committed; a batch costs one commit however many
votes it carries.

The writer is the only code that changes votes, and it decides which votes count in queue order:
a vote queued before a poll's close counts, a vote queued after it is refused as "closed".
A close keeps the poll's final counts and deletes its voters' ids in the same transaction:
voter ids exist only to enforce one vote each while a poll is open (the SQL is in ``rows.py``).

Several processes may share a PostgreSQL database (``sync.py``): each committed write sends a
notice, and the other processes' writers reload the polls it names between their own batches
(so a reload never interleaves with a batch's memory update).
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from bot.db.base import Database, IntegrityError, Transaction
from bot.polls import sync
from bot.polls.batch import (
    CLOSED,
    UNKNOWN,
    Close,
    Plan,
    Vote,
    VoteResult,
    VoteStatus,
    Written,
    plan,
    write,
)
from bot.polls.model import Poll, PollSpec, Tally
from bot.polls.rows import FORGET_VOTERS, final_counts, iso, poll_from_row

__all__ = ["CLOSED", "UNKNOWN", "PollStore", "VoteResult", "VoteStatus"]

log = logging.getLogger(__name__)
R = TypeVar("R")
T = TypeVar("T")
RELOAD_RETRY_S = 1.0

ChangeListener = Callable[[set[int], list[Poll]], None]


class PollStore:
    """Polls in memory (truth in the database), live counts and ballots of open polls, the
    writer."""

    def __init__(self, db: Database, *, durable: bool = True) -> None:
        self.db = db
        #: SQLite: each batch's commit survives a power cut (``synchronous=FULL``).
        self.durable = durable
        #: Names this process's notices (its own are ignored when they come back).
        self.token = secrets.token_hex(8)
        self.polls: dict[int, Poll] = {}
        self._ballots: dict[int, dict[str, int]] = {}  # open polls only: voter -> choice
        self._counts: dict[int, list[int]] = {}
        self._pending: list[Vote | Close] = []
        self._reload: set[int] = set()  # polls another process changed, to read back
        self._reload_all = False
        self._wake = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None
        self._stopping = False
        self._closed = False
        self._loop = asyncio.get_running_loop()
        self._listeners: list[ChangeListener] = []
        #: Batches written and votes in them (for the bench and the logs); reloads done.
        self.batches = 0
        self.batched_ops = 0
        self.reloads = 0

    # -- opening and closing ---------------------------------------------------------------
    @classmethod
    async def open(cls, db: Database, *, synchronous: str = "FULL") -> PollStore:
        """The polls of ``db`` (migrated already), followed across processes when it is
        shared."""
        store = cls(db, durable=synchronous == "FULL")
        await db.listen(sync.CHANNEL, store._heard)  # before reading: nothing falls between
        await store._load()
        store._writer = asyncio.create_task(store._write_loop(), name="poll-vote-writer")
        return store

    async def close(self) -> None:
        """Write every vote still waiting; then notices are ignored."""
        if self._writer is not None:
            self._stopping = True
            self._wake.set()
            await self._writer
            self._writer = None
        self._closed = True

    async def _load(self) -> None:
        votes = await self.db.fetch("SELECT poll_id, voter, choice FROM poll_votes")
        rows = await self.db.fetch("SELECT * FROM polls ORDER BY id")
        unsettled: list[int] = []  # closed, but by a version that kept the voters' ids
        for row in rows:
            poll = poll_from_row(row)
            self.polls[poll.id] = poll
            kept = final_counts(row, poll.size)
            self._counts[poll.id] = kept if kept is not None else [0] * poll.size
            if poll.is_open:
                self._ballots[poll.id] = {}
            elif kept is None:
                unsettled.append(poll.id)
        for poll_id, voter, choice in votes:
            counts = self._counts.get(poll_id)
            ballots = self._ballots.get(poll_id)
            if counts is None or not 0 <= choice < len(counts):
                continue
            if ballots is not None:
                counts[choice] += 1
                ballots[voter] = choice
            elif poll_id in unsettled:
                counts[choice] += 1
        if unsettled:
            await self._settle(unsettled)

    async def _settle(self, poll_ids: list[int]) -> None:
        """Closed polls still holding their voters' ids: keep the counts, forget the voters."""
        async with self.db.transaction() as tx:
            for poll_id in poll_ids:
                await tx.execute(
                    "UPDATE polls SET final_counts = ? WHERE id = ? AND final_counts IS NULL",
                    (json.dumps(self._counts[poll_id]), poll_id),
                )
                await tx.execute(FORGET_VOTERS, (poll_id,))

    # -- reading ---------------------------------------------------------------------------
    def tally(self, poll_id: int) -> Tally:
        """Counts of committed votes (never of votes still waiting to be written)."""
        return Tally(list(self._counts[poll_id]))

    def ballot(self, poll_id: int, voter: str) -> int | None:
        """A voter's committed choice on an open poll (to tell them what they chose)."""
        return self._ballots.get(poll_id, {}).get(voter)

    def on_change(self, listener: ChangeListener) -> None:
        """``listener(changed_poll_ids, closed_polls)`` runs after every committed batch, and
        after polls another process changed were read back."""
        self._listeners.append(listener)

    def _tell(self, changed: set[int], closed: list[Poll]) -> None:
        if not changed:
            return
        for listener in self._listeners:
            try:
                listener(changed, closed)
            except Exception:
                log.exception("poll change listener failed")

    # -- writes that are not votes ---------------------------------------------------------
    async def _atomic(
        self, statements: Callable[[Transaction], Awaitable[R]], committed: Callable[[R], T]
    ) -> T:
        """Run ``statements`` in one transaction of their own, then ``committed`` with what they
        returned to bring memory in line. Both run to their end even if the caller is cancelled
        meanwhile (a bot stopping): memory must not miss what the database holds."""

        async def run() -> T:
            async with self.db.transaction() as tx:
                found = await statements(tx)
            return committed(found)

        return await asyncio.shield(asyncio.ensure_future(run()))

    async def create(
        self, spec: PollSpec, *, front: str, by: str, lang: str, now: datetime
    ) -> Poll:
        closes_at = None
        if spec.timer is not None:
            closes_at = now.astimezone(UTC) + timedelta(seconds=spec.timer)
        q = spec.question

        async def insert(tx: Transaction) -> int:
            poll_id = await tx.fetchval(
                "INSERT INTO polls (front, created_by, session_id, source, source_index, question,"
                " scale, options, hide_results, lang, created_at, closes_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (
                    front,
                    by,
                    q.session_id,
                    q.source,
                    q.index,
                    json.dumps(q.texts, ensure_ascii=False),
                    spec.scale,
                    json.dumps(list(spec.options), ensure_ascii=False),
                    int(spec.hide_results),
                    lang,
                    iso(now),
                    iso(closes_at),
                ),
            )
            tx.notify(sync.CHANNEL, sync.notice(self.token, [poll_id], created=[poll_id]))
            return int(poll_id)

        def register(poll_id: int) -> Poll:
            poll = Poll(
                poll_id,
                front,
                by,
                q,
                spec.scale,
                spec.options,
                spec.hide_results,
                lang,
                now.astimezone(UTC),
                closes_at,
            )
            self.polls[poll_id] = poll
            self._counts[poll_id] = [0] * poll.size
            self._ballots[poll_id] = {}
            return poll

        return await self._atomic(insert, register)

    async def set_message(self, poll_id: int, channel_id: str, message_id: str) -> None:
        """Remember where a front shows the poll (to refresh its tally after a restart)."""

        async def update(tx: Transaction) -> None:
            await tx.execute(
                "UPDATE polls SET channel_id = ?, message_id = ? WHERE id = ?",
                (channel_id, message_id, poll_id),
            )
            tx.notify(sync.CHANNEL, sync.notice(self.token, [poll_id]))

        def remember(_: None) -> None:
            poll = self.polls[poll_id]
            poll.channel_id, poll.message_id = channel_id, message_id

        await self._atomic(update, remember)

    # -- the queue -------------------------------------------------------------------------
    def submit(self, poll_id: int, voter: str, choice: int | None) -> asyncio.Future[VoteResult]:
        """Queue a vote (``None``: withdraw); the future resolves once it is committed."""
        future: asyncio.Future[VoteResult] = asyncio.Future(loop=self._loop)
        self._pending.append((poll_id, voter, choice, future))
        self._wake.set()
        return future

    def submit_close(self, poll_id: int, by: str, at: datetime) -> asyncio.Future[bool]:
        """Queue a close; resolves ``True`` once committed (``False`` if it was closed already,
        here or by another process). Votes queued before it count; votes queued after it are
        refused."""
        future: asyncio.Future[bool] = asyncio.Future(loop=self._loop)
        self._pending.append(Close(poll_id, by, at, future))
        self._wake.set()
        return future

    # -- notices from other processes ------------------------------------------------------
    def _heard(self, payload: str) -> None:
        if self._closed:
            return
        by, ids = sync.parse(payload)
        if by == self.token:
            return  # our own write: memory follows it already
        if ids is None:
            self._reload_all = True
        else:
            self._reload |= ids
        self._wake.set()

    async def _read_back(self) -> None:
        """Read back the polls other processes changed: rows, and counts from the database."""
        ids: set[int] | None = None if self._reload_all else self._reload
        self._reload, self._reload_all = set(), False
        try:
            rows, counts = await sync.read(self.db, ids)
        except Exception as exc:  # the database is away: try again a little later
            log.warning("could not read back polls changed elsewhere (%s); retrying", exc)
            if ids is None:
                self._reload_all = True
            else:
                self._reload |= ids
            await asyncio.sleep(RELOAD_RETRY_S)
            return
        self.reloads += 1
        changed: set[int] = set()
        closed: list[Poll] = []
        for row in rows:
            fresh = poll_from_row(row)
            poll = self.polls.get(fresh.id)
            if poll is None:
                poll = self.polls[fresh.id] = fresh
                was_open = False
            else:
                was_open = poll.is_open
                poll.closed_at, poll.closed_by = fresh.closed_at, fresh.closed_by
                poll.channel_id, poll.message_id = fresh.channel_id, fresh.message_id
            changed.add(poll.id)
            if poll.is_open:
                self._ballots.setdefault(poll.id, {})
                self._counts[poll.id] = sync.as_list(counts.get(poll.id), poll.size)
                continue
            kept = final_counts(row, poll.size)
            self._counts[poll.id] = kept or sync.as_list(counts.get(poll.id), poll.size)
            self._ballots.pop(poll.id, None)
            if was_open:
                closed.append(poll)
        self._tell(changed, closed)

    # -- the writer ------------------------------------------------------------------------
    async def _write_loop(self) -> None:
        while True:
            if (self._reload or self._reload_all) and not self._stopping:
                await self._read_back()
            if not self._pending:
                if self._stopping:
                    return
                self._wake.clear()
                if not (self._reload or self._reload_all):
                    await self._wake.wait()
                continue
            batch, self._pending = self._pending, []
            try:
                await self._write(batch)
            except Exception as exc:  # the batch is rolled back: no one is told it was saved
                log.exception("could not write %d poll operations", len(batch))
                for op in batch:
                    future = op.future if isinstance(op, Close) else op[3]
                    if not future.done():
                        future.set_exception(exc)

    async def _statements(self, tx: Transaction, todo: Plan) -> Written:
        """The batch's statements and its notice (tests wrap this to make the disk fail)."""
        written = await write(tx, todo, dialect=self.db.dialect, shared=self.db.shared)
        changed = {p for p, _ in todo.final if p not in written.gone} | set(written.closed)
        if changed:
            tx.notify(sync.CHANNEL, sync.notice(self.token, changed, closed=written.closed))
        return written

    async def _write(self, batch: list[Vote | Close]) -> None:
        todo = plan(batch, self.polls, self._ballots)
        if todo.final or todo.closing:
            try:
                async with self.db.fast_transaction(durable=self.durable) as tx:
                    written = await self._statements(tx, todo)
            except IntegrityError:
                if not todo.new:
                    raise
                # A "new" voter's row was there (a voter id written by another process too):
                # the batch again, every row an upsert, and those polls' counts read back.
                resync, todo.new = {p for p, _ in todo.new}, set()
                async with self.db.fast_transaction(durable=self.durable) as tx:
                    written = await self._statements(tx, todo)
                written.resync |= resync
        else:
            written = Written(set(), {})
        self.batches += 1
        self.batched_ops += len(batch)

        # Committed: now memory follows, and only now is anyone told.
        gone = written.gone
        for (poll_id, voter), choice in todo.final.items():
            if poll_id in gone:
                continue
            voters, tally = self._ballots[poll_id], self._counts[poll_id]
            prev = voters.get(voter)
            if prev is not None:
                tally[prev] -= 1
            if choice is None:
                voters.pop(voter, None)
            else:
                tally[choice] += 1
                voters[voter] = choice
        closed: list[Poll] = []
        for poll_id, counts in written.closed.items():
            c = todo.closing[poll_id]
            poll = self.polls[poll_id]
            poll.closed_at, poll.closed_by = c.at.astimezone(UTC), c.by
            self._counts[poll_id] = counts
            self._ballots.pop(poll_id, None)  # voter ids are no longer needed in memory
            closed.append(poll)
        for future, result, poll_id in todo.votes:
            if not future.done():
                future.set_result(CLOSED if poll_id in gone else result)
        for close, fresh in todo.closes:
            if not close.future.done():
                close.future.set_result(fresh and close.poll_id in written.closed)
        if gone or written.resync:  # closed elsewhere, or a voter id written elsewhere too
            self._reload |= gone | written.resync
        changed = {p for p, _ in todo.final if p not in gone} | set(written.closed)
        self._tell(changed, closed)
