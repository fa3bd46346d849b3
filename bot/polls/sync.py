"""Polls followed across processes sharing one PostgreSQL database.

After each committed write a PollStore sends a notice on :data:`CHANNEL` naming the polls it
changed (and those it created or closed); every other process's PollStore reads those polls'
rows and counts back from the database and tells its listeners, so a vote cast through one
process (the Matrix front's) shows in another's tally (the Discord front's). The payload ``"*"``
(``bot.db.postgres.RESYNC``: the listening connection was lost, notices may have been missed)
reloads every poll. On SQLite (one process) the notices go to this process only, which ignores
its own.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from bot.db.base import Database, Row
from bot.polls.rows import in_list

CHANNEL = "l4a_polls"
ALL = "*"
#: A notice naming more polls than this asks for everything (NOTIFY payloads stay small).
MAX_IDS = 500


def notice(
    by: str,
    changed: Iterable[int] = (),
    *,
    created: Iterable[int] = (),
    closed: Iterable[int] = (),
) -> str:
    ids = sorted(set(changed))
    if len(ids) > MAX_IDS:
        return json.dumps({"by": by, "polls": ALL})
    return json.dumps(
        {"by": by, "polls": ids, "created": sorted(created), "closed": sorted(closed)},
        separators=(",", ":"),
    )


def parse(payload: str) -> tuple[str | None, set[int] | None]:
    """``(sender, poll ids)``; ids ``None``: reload every poll. Anything unreadable (another
    version's notice) reloads everything rather than risk a stale tally."""
    if payload == ALL:
        return None, None
    try:
        data = json.loads(payload)
        polls = data["polls"]
        by = str(data["by"])
        if polls == ALL:
            return by, None
        return by, {int(p) for p in polls} | {int(p) for p in data.get("created", ())}
    except (ValueError, KeyError, TypeError):
        return None, None


async def read(db: Database, ids: set[int] | None) -> tuple[list[Row], dict[int, dict[int, int]]]:
    """Rows of the polls ``ids`` (all: ``None``) and their counts of votes, ``{poll: {choice:
    count}}``. The counts are read first: a poll whose row then says "open" was open when its
    counts were read (a close is for good), and one closed meanwhile has its final counts."""
    where, params = ("", []) if ids is None else in_list("poll_id", ids)
    rows = await db.fetch(
        "SELECT poll_id, choice, COUNT(*) FROM poll_votes"
        + (f" WHERE {where}" if where else "")
        + " GROUP BY poll_id, choice",
        params,
    )
    counts: dict[int, dict[int, int]] = {}
    for poll_id, choice, n in rows:
        counts.setdefault(int(poll_id), {})[int(choice)] = int(n)
    where, params = ("", []) if ids is None else in_list("id", ids)
    polls = await db.fetch(
        "SELECT * FROM polls" + (f" WHERE {where}" if where else "") + " ORDER BY id", params
    )
    return polls, counts


def as_list(counts: dict[int, int] | None, size: int) -> list[int]:
    out = [0] * size
    for choice, n in (counts or {}).items():
        if 0 <= choice < size:
            out[choice] = n
    return out
