"""The polls' SQL: statements the vote writer runs, and polls read back from their rows."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from bot.polls.model import Poll, Question

# Votes are written as multi-row statements (measured as fast as ``executemany`` or faster).
ROWS_PER_STATEMENT = 1000  # measured fastest around 500–1000 rows (and few GIL hand-overs)

#: A close: the poll's final counts are kept with it and its voters' ids are deleted (below), in
#: the same transaction. Voter ids exist only to enforce one vote each while the poll is open.
CLOSE = (
    "UPDATE polls SET closed_at = ?, closed_by = ?, final_counts = ? "
    "WHERE id = ? AND closed_at IS NULL"
)
FORGET_VOTERS = "DELETE FROM poll_votes WHERE poll_id = ?"


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


def iso(at: datetime | None) -> str | None:
    return at.astimezone(UTC).isoformat(timespec="seconds") if at else None


def dt(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text).astimezone(UTC) if text else None


def final_counts(row: dict[str, Any], size: int) -> list[int] | None:
    """The counts kept when the poll closed (``None``: open, or closed by an older version)."""
    text = row.get("final_counts")
    if not text:
        return None
    counts = [int(c) for c in json.loads(str(text))]
    return counts if len(counts) == size else None


def poll_from_row(row: dict[str, Any]) -> Poll:
    """A poll from its SQLite row (values as stored: the schema and the writer give their types)."""
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
