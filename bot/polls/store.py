"""The polls' storage: their own SQLite connection and a group-commit writer for votes.

Votes arrive in bursts (a room of thousands answering within seconds). Each vote is queued with
a future; one writer task takes every vote waiting, writes them in ONE transaction (an
``executemany`` upsert, deletes for withdrawn votes, closes of polls), commits, and only then
resolves each vote's future. A caller confirms a vote only after its future resolves, so a
confirmed vote is always on disk; a batch costs one commit however many votes it carries.

The writer is the only code that changes votes, and it decides which votes count in queue order:
a vote queued before a poll's close counts, a vote queued after it is refused as "closed".
A close keeps the poll's final counts and deletes its voters' ids in the same transaction:
voter ids exist only to enforce one vote each while a poll is open (the SQL is in ``rows.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal, NamedTuple

from bot.polls.model import Poll, PollSpec, Tally
from bot.polls.rows import (
    CLOSE,
    FORGET_VOTERS,
    ROWS_PER_STATEMENT,  # noqa: F401 - re-exported: it was defined here
    chunks,
    delete,
    final_counts,
    iso,
    poll_from_row,
    upsert,
)
from bot.polls.transactions import BUSY_TIMEOUT_MS, Transactions

log = logging.getLogger(__name__)

VoteStatus = Literal["recorded", "changed", "unchanged", "withdrawn", "none", "closed", "unknown"]


class VoteResult(NamedTuple):
    status: VoteStatus
    previous: int | None = None
    choice: int | None = None


UNKNOWN, CLOSED = VoteResult("unknown"), VoteResult("closed")
# A queued vote: (poll id, voter, choice or None to withdraw, future). A plain tuple: a burst
# queues thousands of them, and the writer unpacks them in a tight loop.
_Vote = tuple[int, str, int | None, "asyncio.Future[VoteResult]"]


@dataclass(slots=True)
class _Close:
    poll_id: int
    by: str
    at: datetime
    future: asyncio.Future[bool]


ChangeListener = Callable[[set[int], list[Poll]], None]


class PollStore(Transactions):
    """Polls in memory (truth in SQLite), live counts and ballots of open polls, the writer."""

    def __init__(self, db: sqlite3.Connection) -> None:
        super().__init__(db)
        self.polls: dict[int, Poll] = {}
        self._ballots: dict[int, dict[str, int]] = {}  # open polls only: voter -> choice
        self._counts: dict[int, list[int]] = {}
        self._pending: list[_Vote | _Close] = []
        self._wake = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None
        self._stopping = False
        self._loop = asyncio.get_running_loop()
        self._results: dict[tuple[int | None, int | None], VoteResult] = {}
        self._listeners: list[ChangeListener] = []
        #: Batches written and votes in them (for the bench and the logs).
        self.batches = 0
        self.batched_ops = 0

    # -- opening and closing ---------------------------------------------------------------
    @classmethod
    async def open(cls, path: Path | str, *, synchronous: str = "FULL") -> PollStore:
        """Open the polls' own connection to the bot's database (migrated already).

        Statements run on the event loop thread (a batch of 1,000 votes is ~1.5 ms of CPU) and
        only the commit, which waits for the disk, runs in a worker thread. With aiosqlite every
        statement would cross threads, and under a burst the loop and the worker thread hand the
        GIL back and forth at every step (measured: 2–3× fewer votes per second end to end).
        """
        db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(f"PRAGMA synchronous={synchronous}")
            db.execute("PRAGMA foreign_keys=ON")
            db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            store = cls(db)
            store._load()
        except BaseException:
            db.close()
            raise
        store._writer = asyncio.create_task(store._write_loop(), name="poll-vote-writer")
        return store

    async def close(self) -> None:
        """Write every vote still waiting, then close the connection."""
        if self._writer is not None:
            self._stopping = True
            self._wake.set()
            await self._writer
            self._writer = None
        self.db.close()

    def _load(self) -> None:
        cur = self.db.execute("SELECT * FROM polls ORDER BY id")
        cols = [d[0] for d in cur.description]
        unsettled: list[int] = []  # closed, but by a version that kept the voters' ids
        for row in cur:
            data = dict(zip(cols, row, strict=True))
            poll = poll_from_row(data)
            self.polls[poll.id] = poll
            kept = final_counts(data, poll.size)
            self._counts[poll.id] = kept if kept is not None else [0] * poll.size
            if poll.is_open:
                self._ballots[poll.id] = {}
            elif kept is None:
                unsettled.append(poll.id)
        for poll_id, voter, choice in self.db.execute(
            "SELECT poll_id, voter, choice FROM poll_votes"
        ):
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
            self._settle(unsettled)

    def _settle(self, poll_ids: list[int]) -> None:
        """Closed polls still holding their voters' ids: keep the counts, forget the voters."""
        self.db.execute("BEGIN")
        try:
            for poll_id in poll_ids:
                self.db.execute(
                    "UPDATE polls SET final_counts = ? WHERE id = ?",
                    (json.dumps(self._counts[poll_id]), poll_id),
                )
                self.db.execute(FORGET_VOTERS, (poll_id,))
            self.db.execute("COMMIT")
        except BaseException:
            self._rollback()
            raise

    # -- reading ---------------------------------------------------------------------------
    def tally(self, poll_id: int) -> Tally:
        """Counts of committed votes (never of votes still waiting to be written)."""
        return Tally(list(self._counts[poll_id]))

    def ballot(self, poll_id: int, voter: str) -> int | None:
        """A voter's committed choice on an open poll (to tell them what they chose)."""
        return self._ballots.get(poll_id, {}).get(voter)

    def on_change(self, listener: ChangeListener) -> None:
        """``listener(changed_poll_ids, closed_polls)`` runs after every committed batch."""
        self._listeners.append(listener)

    # -- writes that are not votes ---------------------------------------------------------
    async def create(
        self, spec: PollSpec, *, front: str, by: str, lang: str, now: datetime
    ) -> Poll:
        closes_at = None
        if spec.timer is not None:
            closes_at = now.astimezone(UTC) + timedelta(seconds=spec.timer)
        q = spec.question

        def register(cur: sqlite3.Cursor) -> Poll:
            poll_id = cur.lastrowid
            assert poll_id is not None
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

        return await self._atomic(
            lambda: self.db.execute(
                "INSERT INTO polls (front, created_by, session_id, source, source_index, question,"
                " scale, options, hide_results, lang, created_at, closes_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
            ),
            register,
        )

    async def set_message(self, poll_id: int, channel_id: str, message_id: str) -> None:
        """Remember where a front shows the poll (to refresh its tally after a restart)."""

        def remember(_: sqlite3.Cursor) -> None:
            poll = self.polls[poll_id]
            poll.channel_id, poll.message_id = channel_id, message_id

        await self._atomic(
            lambda: self.db.execute(
                "UPDATE polls SET channel_id = ?, message_id = ? WHERE id = ?",
                (channel_id, message_id, poll_id),
            ),
            remember,
        )

    # -- the queue -------------------------------------------------------------------------
    def submit(self, poll_id: int, voter: str, choice: int | None) -> asyncio.Future[VoteResult]:
        """Queue a vote (``None``: withdraw); the future resolves once it is committed."""
        future: asyncio.Future[VoteResult] = asyncio.Future(loop=self._loop)
        self._pending.append((poll_id, voter, choice, future))
        self._wake.set()
        return future

    def submit_close(self, poll_id: int, by: str, at: datetime) -> asyncio.Future[bool]:
        """Queue a close; resolves ``True`` once committed (``False`` if it was closed already).
        Votes queued before it count; votes queued after it are refused."""
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._pending.append(_Close(poll_id, by, at, future))
        self._wake.set()
        return future

    async def _write_loop(self) -> None:
        while True:
            if not self._pending:
                if self._stopping:
                    return
                self._wake.clear()
                await self._wake.wait()
                continue
            batch, self._pending = self._pending, []
            try:
                await self._write(batch)
            except Exception as exc:  # the batch is rolled back: no one is told it was saved
                log.exception("could not write %d poll operations", len(batch))
                for op in batch:
                    future = op.future if isinstance(op, _Close) else op[3]
                    if not future.done():
                        future.set_exception(exc)

    def _counts_after(self, poll_id: int, final: dict[tuple[int, str], int | None]) -> list[int]:
        """A poll's counts once this batch's votes (``final``) are added to the committed ones."""
        counts, ballots = list(self._counts[poll_id]), self._ballots[poll_id]
        for (p, voter), choice in final.items():
            if p != poll_id:
                continue
            prev = ballots.get(voter)
            if prev is not None:
                counts[prev] -= 1
            if choice is not None:
                counts[choice] += 1
        return counts

    def _result(self, prev: int | None, choice: int | None) -> VoteResult:
        result = self._results.get((prev, choice))
        if result is None:
            result = self._results[(prev, choice)] = VoteResult(_status(prev, choice), prev, choice)
        return result

    async def _write(self, batch: list[_Vote | _Close]) -> None:
        final: dict[tuple[int, str], int | None] = {}  # (poll, voter) -> last choice in batch
        closing: dict[int, _Close] = {}
        results: list[tuple[asyncio.Future[VoteResult], VoteResult]] = []
        closes: list[tuple[_Close, bool]] = []
        polls, ballots = self.polls, self._ballots
        for op in batch:
            if isinstance(op, _Close):
                poll = polls.get(op.poll_id)
                fresh = poll is not None and poll.is_open and op.poll_id not in closing
                if fresh:
                    closing[op.poll_id] = op
                closes.append((op, fresh))
                continue
            poll_id, voter, choice, future = op
            poll = polls.get(poll_id)
            if poll is None:
                results.append((future, UNKNOWN))
            elif poll.closed_at is not None or poll_id in closing:
                results.append((future, CLOSED))
            else:
                key = (poll_id, voter)
                prev = final[key] if key in final else ballots[poll_id].get(voter)
                final[key] = choice
                results.append((future, self._result(prev, choice)))

        upserts: list[tuple[object, ...]] = [
            (p, v, c) for (p, v), c in final.items() if c is not None
        ]
        deletes: list[tuple[object, ...]] = [(p, v) for (p, v), c in final.items() if c is None]
        async with self._lock:
            try:
                await self._begin()
                for rows, params in chunks(upserts):
                    self.db.execute(upsert(rows), params)
                for rows, params in chunks(deletes):
                    self.db.execute(delete(rows), params)
                for c in closing.values():
                    counts = json.dumps(self._counts_after(c.poll_id, final))
                    self.db.execute(CLOSE, (iso(c.at), c.by, counts, c.poll_id))
                    self.db.execute(FORGET_VOTERS, (c.poll_id,))
                await self._commit()
            except BaseException:
                with contextlib.suppress(Exception):
                    self._rollback()
                raise
        self.batches += 1
        self.batched_ops += len(batch)

        # Committed: now memory follows, and only now is anyone told.
        for (poll_id, voter), choice in final.items():
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
        for c in closing.values():
            poll = self.polls[c.poll_id]
            poll.closed_at, poll.closed_by = c.at.astimezone(UTC), c.by
            self._ballots.pop(c.poll_id, None)  # voter ids are no longer needed in memory
            closed.append(poll)
        for future, result in results:
            if not future.done():
                future.set_result(result)
        for close, fresh in closes:
            if not close.future.done():
                close.future.set_result(fresh)
        changed = {p for p, _ in final} | {p.id for p in closed}
        if changed:
            for listener in self._listeners:
                try:
                    listener(changed, closed)
                except Exception:
                    log.exception("poll change listener failed")


def _status(prev: int | None, choice: int | None) -> VoteStatus:
    if choice is None:
        return "none" if prev is None else "withdrawn"
    if prev is None:
        return "recorded"
    return "unchanged" if prev == choice else "changed"
