"""The polls' SQL: statements the vote writer runs, and polls read back from their rows.

Statements are written once for both backends, except the bulk vote writes: multi-row
``VALUES`` on SQLite, arrays unnested on PostgreSQL (one statement text whatever the batch's
size, so asyncpg prepares it once), and the row locks PostgreSQL takes on the polls a batch
touches (SQLite has one writer at a time already).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from bot.polls.model import Poll, Question

# Votes are written as multi-row statements (measured as fast as ``executemany`` or faster).
ROWS_PER_STATEMENT = 1000  # measured fastest around 500–1000 rows (and few GIL hand-overs)

#: A close: the poll's final counts are kept with it and its voters' ids are deleted (below), in
#: the same transaction. Voter ids exist only to enforce one vote each while the poll is open.
#: Only the statement that changes the row closes the poll: a second close (another process's
#: timer) changes nothing and announces nothing.
CLOSE = (
    "UPDATE polls SET closed_at = ?, closed_by = ?, final_counts = ? "
    "WHERE id = ? AND closed_at IS NULL"
)
FORGET_VOTERS = "DELETE FROM poll_votes WHERE poll_id = ?"
#: A poll's counts as the database holds them (its final counts, in a close's transaction).
COUNTS = "SELECT choice, COUNT(*) FROM poll_votes WHERE poll_id = ? GROUP BY choice"

PG_UPSERT = (
    "INSERT INTO poll_votes (poll_id, voter, choice)"
    " SELECT * FROM unnest(?::bigint[], ?::text[], ?::integer[])"
    " ON CONFLICT (poll_id, voter) DO UPDATE SET choice = excluded.choice"
)
PG_DELETE = (
    "DELETE FROM poll_votes WHERE (poll_id, voter) IN"
    " (SELECT * FROM unnest(?::bigint[], ?::text[]))"
)


def upsert(rows: int) -> str:
    values = ", ".join(["(?, ?, ?)"] * rows)
    return (
        f"INSERT INTO poll_votes (poll_id, voter, choice) VALUES {values} "
        "ON CONFLICT (poll_id, voter) DO UPDATE SET choice = excluded.choice"
    )


def delete(rows: int) -> str:
    values = ", ".join(["(?, ?)"] * rows)
    return f"DELETE FROM poll_votes WHERE (poll_id, voter) IN (VALUES {values})"


def chunks(rows: list[tuple[object, ...]]) -> list[tuple[int, list[object]]]:
    """``(row count, flat parameters)`` per statement."""
    out = []
    for start in range(0, len(rows), ROWS_PER_STATEMENT):
        chunk = rows[start : start + ROWS_PER_STATEMENT]
        out.append((len(chunk), [value for row in chunk for value in row]))
    return out


def vote_writes(
    dialect: str, upserts: list[tuple[object, ...]], deletes: list[tuple[object, ...]]
) -> list[tuple[str, list[Any]]]:
    """The statements writing a batch's votes: ``(sql, params)`` each."""
    if dialect == "postgresql":
        out: list[tuple[str, list[Any]]] = []
        if upserts:
            out.append((PG_UPSERT, [list(column) for column in zip(*upserts, strict=True)]))
        if deletes:
            out.append((PG_DELETE, [list(column) for column in zip(*deletes, strict=True)]))
        return out
    return [(upsert(n), params) for n, params in chunks(upserts)] + [
        (delete(n), params) for n, params in chunks(deletes)
    ]


def lock_polls(exclusive: bool) -> str:
    """PostgreSQL: lock the rows of the polls a batch touches, in id order (no deadlock between
    two processes' batches). Votes take a shared lock: a close in another process (which takes
    the exclusive one) waits for them to commit, or they wait for it and see the poll closed."""
    mode = "UPDATE" if exclusive else "SHARE"
    return f"SELECT id, closed_at FROM polls WHERE id = ANY(?::bigint[]) ORDER BY id FOR {mode}"


def in_list(column: str, ids: Iterable[int]) -> tuple[str, list[int]]:
    """``column IN (?, ?…)`` and its parameters (a few ids: those a notice names)."""
    values = sorted(ids)
    return f"{column} IN ({', '.join('?' * len(values))})", values


def counts_of(rows: Iterable[Any], size: int) -> list[int]:
    """``(choice, count)`` rows → one count per option."""
    counts = [0] * size
    for choice, n in rows:
        if 0 <= choice < size:
            counts[choice] = int(n)
    return counts


def iso(at: datetime | None) -> str | None:
    return at.astimezone(UTC).isoformat(timespec="seconds") if at else None


def dt(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text).astimezone(UTC) if text else None


def final_counts(row: Any, size: int) -> list[int] | None:
    """The counts kept when the poll closed (``None``: open, or closed by an older version)."""
    text = row["final_counts"]
    if not text:
        return None
    counts = [int(c) for c in json.loads(str(text))]
    return counts if len(counts) == size else None


def poll_from_row(row: Any) -> Poll:
    """A poll from its row (values as stored: the schema and the writer give their types)."""
    texts = json.loads(str(row["question"]))
    question = Question(
        texts,
        row["source"],
        row["session_id"],
        row["source_index"],
    )
    return Poll(
        id=int(row["id"]),
        front=str(row["front"]),
        created_by=str(row["created_by"]),
        question=question,
        scale=row["scale"],
        options=tuple(json.loads(str(row["options"]))),
        hide_results=bool(row["hide_results"]),
        lang=str(row["lang"]),
        created_at=dt(row["created_at"]) or datetime.min.replace(tzinfo=UTC),
        closes_at=dt(row["closes_at"]),
        closed_at=dt(row["closed_at"]),
        closed_by=row["closed_by"],
        channel_id=row["channel_id"],
        message_id=row["message_id"],
    )
