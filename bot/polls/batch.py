"""One batch of the vote writer: which queued votes and closes count (``plan``), and the SQL that
writes them in the batch's one transaction (``write``).

Votes count in queue order: a vote queued before a poll's close counts, one queued after it is
refused as "closed". With several processes on one PostgreSQL database, the batch first locks the
rows of the polls it touches (``FOR SHARE`` for votes, ``FOR UPDATE`` when it closes one): a close
in another process and these votes are serialised, and a poll found closed already ("gone") takes
none of them. A close's final counts are computed in SQL, in the close's transaction.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, NamedTuple

from bot.db.base import Transaction
from bot.polls.model import Poll
from bot.polls.rows import CLOSE, COUNTS, FORGET_VOTERS, counts_of, iso, lock_polls, vote_writes

VoteStatus = Literal["recorded", "changed", "unchanged", "withdrawn", "none", "closed", "unknown"]


class VoteResult(NamedTuple):
    status: VoteStatus
    previous: int | None = None
    choice: int | None = None


UNKNOWN, CLOSED = VoteResult("unknown"), VoteResult("closed")
# A queued vote: (poll id, voter, choice or None to withdraw, future). A plain tuple: a burst
# queues thousands of them, and the writer unpacks them in a tight loop.
Vote = tuple[int, str, int | None, "asyncio.Future[VoteResult]"]


@dataclass(slots=True)
class Close:
    poll_id: int
    by: str
    at: datetime
    future: asyncio.Future[bool]


@dataclass(slots=True)
class Plan:
    #: (poll, voter) → the voter's last choice in this batch (``None``: withdrawn).
    final: dict[tuple[int, str], int | None] = field(default_factory=dict)
    #: Polls this batch closes (the first close of each), by id.
    closing: dict[int, Close] = field(default_factory=dict)
    #: Each vote's future, its result if it counts, and its poll.
    votes: list[tuple[asyncio.Future[VoteResult], VoteResult, int]] = field(default_factory=list)
    #: Each close, and whether it is the one that closes its poll (so far as memory knows).
    closes: list[tuple[Close, bool]] = field(default_factory=list)
    #: Voters with no committed vote on the poll (as this process knows): rows to insert.
    new: set[tuple[int, str]] = field(default_factory=set)
    #: The number of options of each poll this batch closes.
    sizes: dict[int, int] = field(default_factory=dict)


@dataclass(slots=True)
class Written:
    #: Polls memory thought open that the database holds closed (another process closed them).
    gone: set[int]
    #: Polls this batch closed, with their final counts.
    closed: dict[int, list[int]]
    #: Polls whose counts memory cannot follow from this batch alone (a voter id written by
    #: another process too): to read back from the database after the commit.
    resync: set[int] = field(default_factory=set)


_RESULTS: dict[tuple[int | None, int | None], VoteResult] = {}


def _status(prev: int | None, choice: int | None) -> VoteStatus:
    if choice is None:
        return "none" if prev is None else "withdrawn"
    if prev is None:
        return "recorded"
    return "unchanged" if prev == choice else "changed"


def result(prev: int | None, choice: int | None) -> VoteResult:
    found = _RESULTS.get((prev, choice))
    if found is None:
        found = _RESULTS[(prev, choice)] = VoteResult(_status(prev, choice), prev, choice)
    return found


def plan(
    batch: list[Vote | Close], polls: dict[int, Poll], ballots: dict[int, dict[str, int]]
) -> Plan:
    """What the batch does, from memory (committed votes and ballots)."""
    out = Plan()
    final, closing, votes = out.final, out.closing, out.votes
    for op in batch:
        if isinstance(op, Close):
            poll = polls.get(op.poll_id)
            fresh = poll is not None and poll.is_open and op.poll_id not in closing
            if fresh:
                assert poll is not None
                closing[op.poll_id] = op
                out.sizes[op.poll_id] = poll.size
            out.closes.append((op, fresh))
            continue
        poll_id, voter, choice, future = op
        poll = polls.get(poll_id)
        if poll is None:
            votes.append((future, UNKNOWN, poll_id))
        elif poll.closed_at is not None or poll_id in closing:
            votes.append((future, CLOSED, poll_id))
        else:
            key = (poll_id, voter)
            if key in final:
                prev = final[key]
            else:
                prev = ballots[poll_id].get(voter)
                if prev is None:
                    out.new.add(key)
            final[key] = choice
            votes.append((future, result(prev, choice), poll_id))
    return out


async def write(tx: Transaction, plan: Plan, *, dialect: str, shared: bool) -> Written:
    """The batch's statements, in its transaction (the caller commits)."""
    gone: set[int] = set()
    touched = {p for p, _ in plan.final} | set(plan.closing)
    if shared and touched:
        rows = await tx.fetch(lock_polls(bool(plan.closing)), [sorted(touched)])
        gone = touched - {int(r[0]) for r in rows if r[1] is None}
    upserts: list[tuple[object, ...]] = []
    inserts: list[tuple[int, str, int]] = []  # PostgreSQL: new voters, by COPY
    deletes: list[tuple[object, ...]] = []
    copy = dialect == "postgresql"
    new = plan.new
    for key, c in plan.final.items():
        if key[0] in gone:
            continue
        if c is None:
            deletes.append(key)
        elif copy and key in new:
            inserts.append((key[0], key[1], c))
        else:
            upserts.append((key[0], key[1], c))
    if inserts:  # IntegrityError if one was there after all: see PollStore._write
        await tx.copy("poll_votes", ("poll_id", "voter", "choice"), inserts)
    for sql, params in vote_writes(dialect, upserts, deletes):
        await tx.execute(sql, params)
    closed: dict[int, list[int]] = {}
    for poll_id, close in plan.closing.items():
        if poll_id in gone:
            continue
        counts = counts_of(await tx.fetch(COUNTS, (poll_id,)), plan.sizes[poll_id])
        if await tx.execute(CLOSE, (iso(close.at), close.by, json.dumps(counts), poll_id)):
            await tx.execute(FORGET_VOTERS, (poll_id,))
            closed[poll_id] = counts
        else:
            gone.add(poll_id)
    return Written(gone, closed)
