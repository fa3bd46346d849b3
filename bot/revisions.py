"""How many times each session has changed, as calendars see it: the iCalendar SEQUENCE.

A calendar application that re-imports an event with the same UID keeps its own copy unless the
new one has a higher SEQUENCE (Outlook, Apple) or a later LAST-MODIFIED (Google). A sequence
derived from the content alone (a hash) is stable but not monotonic, and the export time
(DTSTAMP) grows even when nothing changed. So the store remembers, per session, a fingerprint of
what a calendar shows of it and a counter bumped whenever that fingerprint changes, with the
instant of the change (LAST-MODIFIED). The same fingerprint decides when a Discord scheduled
event needs editing (``bot/events.py``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from bot.db import Database, Executor
from bot.programme import LANGS, Programme, Session
from bot.programme.schema import LocalText


@dataclass(frozen=True, slots=True)
class Revision:
    sequence: int
    changed_at: datetime


def fingerprint(session: Session, programme: Programme) -> str:
    """A digest of everything a calendar shows of ``session``, in every language."""

    def texts(value: LocalText | None) -> list[str] | None:
        if value is None:
            return None
        return [value.get(lang) for lang in LANGS]

    places = [programme.places.get(p) for p in session.places]
    data = {
        "start": session.starts_at.isoformat() if session.starts_at else None,
        "end": session.ends_at.isoformat() if session.ends_at else None,
        "date": session.date.isoformat(),
        "kind": session.kind,
        "format": session.format,
        "title": texts(session.title),
        "subtitle": texts(session.subtitle),
        "summary": texts(session.summary),
        "description": texts(session.description),
        "host": session.host,
        **({"speakers": list(session.speakers)} if session.speakers else {}),
        "places": [
            [p.name.get(lang) for lang in LANGS]
            + [p.join.get(lang) if p.join else None for lang in LANGS]
            + [p.url]
            if p
            else None
            for p in places
        ],
    }
    raw = json.dumps(data, ensure_ascii=False, sort_keys=True).encode("utf-8")
    return hashlib.sha256(raw).hexdigest()[:32]


async def record_revisions(
    db: Database, sessions: Iterable[Session], programme: Programme, now: datetime
) -> dict[str, Revision]:
    """Each session's revision, after counting a change for every session whose fingerprint
    differs from the stored one (new sessions start at 0). Committed before it returns; read
    and written in one transaction, so two processes never count one change twice."""
    wanted = {s.id: fingerprint(s, programme) for s in sessions}
    if not wanted:
        return {}
    async with db.transaction() as tx:
        return await _record(tx, wanted, now)


async def _record(tx: Executor, wanted: dict[str, str], now: datetime) -> dict[str, Revision]:
    stored: dict[str, tuple[str, int, str]] = {}
    ids = list(wanted)
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        marks = ",".join("?" * len(chunk))
        for row in await tx.fetch(
            "SELECT session_id, fingerprint, sequence, changed_at FROM session_revisions "
            f"WHERE session_id IN ({marks})",
            chunk,
        ):
            stored[row[0]] = (row[1], int(row[2]), row[3])
    stamp = now.isoformat(timespec="seconds")
    out: dict[str, Revision] = {}
    writes: list[tuple[str, str, int, str]] = []
    for sid, digest in wanted.items():
        old = stored.get(sid)
        if old is None:
            writes.append((sid, digest, 0, stamp))
            out[sid] = Revision(0, now)
        elif old[0] != digest:
            writes.append((sid, digest, old[1] + 1, stamp))
            out[sid] = Revision(old[1] + 1, now)
        else:
            out[sid] = Revision(old[1], datetime.fromisoformat(old[2]))
    if writes:
        await tx.executemany(
            "INSERT INTO session_revisions (session_id, fingerprint, sequence, changed_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (session_id) DO UPDATE SET "
            "fingerprint = excluded.fingerprint, sequence = excluded.sequence, "
            "changed_at = excluded.changed_at",
            writes,
        )
    return out
