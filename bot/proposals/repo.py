"""The proposals' SQL: one small repository over the store's aiosqlite connection.

Every write commits before it returns. Checks that must hold under concurrent use (the pending
limit, duplicates, a slot's capacity, one decision per proposal) are made inside the single SQL
statement that writes, never by a read followed by a write.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.db import Database, IntegrityError
from bot.proposals.model import (
    Answers,
    Decision,
    Proposal,
    Status,
    title_key,
)

_COLUMNS = (
    "id, front, user_id, lang, host_name, organisation, title, description, slot, language, "
    "capitals, format, cohosts, email, status, approved_slot, reason, decided_by, created_at, "
    "updated_at, decided_at"
)
_OPEN = "('pending', 'changes_requested')"


class Duplicate(Exception):
    """The host already has a proposal with this title."""


def stamp(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="seconds")


def _instant(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _row(row: Any) -> Proposal:
    created = _instant(row["created_at"])
    updated = _instant(row["updated_at"])
    assert created is not None and updated is not None
    return Proposal(
        id=row["id"],
        front=row["front"],
        user_id=row["user_id"],
        lang=row["lang"],
        host_name=row["host_name"],
        organisation=row["organisation"],
        title=row["title"],
        description=row["description"],
        slot=row["slot"],
        language=row["language"],
        capitals=tuple(c for c in row["capitals"].split(",") if c),
        format=row["format"],
        cohosts=row["cohosts"],
        email=row["email"],
        status=row["status"],
        approved_slot=row["approved_slot"],
        reason=row["reason"],
        decided_by=row["decided_by"],
        created_at=created,
        updated_at=updated,
        decided_at=_instant(row["decided_at"]),
    )


def _values(answers: Answers) -> tuple[str, ...]:
    return (
        answers["host_name"],
        answers["organisation"],
        answers["title"],
        title_key(answers["title"]),
        answers["description"],
        answers["slot"],
        answers["language"],
        answers["capitals"],
        answers["format"],
        answers.get("cohosts", ""),
        answers.get("email", ""),
    )


@dataclass(frozen=True, slots=True)
class Draft:
    front: str
    user_id: str
    target: int  # 0: a new proposal; else the id being edited
    answers: Answers
    step: int | None
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Notice:
    id: int
    proposal_id: int
    front: str
    user_id: str
    event: Decision
    attempts: int


@dataclass(frozen=True, slots=True)
class ReviewPost:
    proposal_id: int
    front: str
    room: str
    message_id: str
    shown: str


class ProposalRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def _all(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        return await self.db.fetch(sql, params)

    async def _one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return await self.db.fetchrow(sql, params)

    async def _write(self, sql: str, params: Sequence[Any] = (), *, lock: str = "") -> int:
        """Run one statement and commit; the number of rows it changed. ``lock``: a name no two
        processes' transactions may hold at once (a check-then-write on several rows)."""
        async with self.db.transaction() as tx:
            if lock:
                await tx.lock(lock)
            return await tx.execute(sql, params)

    # -- proposals --------------------------------------------------------------------------
    async def insert(
        self, front: str, user_id: str, lang: str, answers: Answers, now: datetime, limit: int
    ) -> int | None:
        """A new pending proposal's id; ``None`` if the host already has ``limit`` open ones.
        Raises :class:`Duplicate` for a title the host already used."""
        at = stamp(now)
        try:
            async with self.db.transaction() as tx:
                await tx.lock(f"proposals:{front}:{user_id}")
                new_id = await tx.fetchval(
                    "INSERT INTO proposals (front, user_id, lang, host_name, organisation, title, "
                    "title_key, description, slot, language, capitals, format, cohosts, email, "
                    "created_at, updated_at) "
                    "SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? "
                    f"WHERE (SELECT COUNT(*) FROM proposals WHERE front = ? AND user_id = ? "
                    f"AND status IN {_OPEN}) < ? RETURNING id",
                    (front, user_id, lang, *_values(answers), at, at, front, user_id, limit),
                )
        except IntegrityError as exc:
            raise Duplicate from exc
        return None if new_id is None else int(new_id)

    async def update(self, proposal_id: int, lang: str, answers: Answers, now: datetime) -> bool:
        """Replace an open proposal's answers; it goes back to pending. False if not open."""
        try:
            count = await self._write(
                "UPDATE proposals SET lang = ?, host_name = ?, organisation = ?, title = ?, "
                "title_key = ?, description = ?, slot = ?, language = ?, capitals = ?, "
                "format = ?, cohosts = ?, email = ?, status = 'pending', updated_at = ? "
                f"WHERE id = ? AND status IN {_OPEN}",
                (lang, *_values(answers), stamp(now), proposal_id),
            )
        except IntegrityError as exc:
            raise Duplicate from exc
        return count == 1

    async def withdraw(self, proposal_id: int, now: datetime) -> bool:
        count = await self._write(
            "UPDATE proposals SET status = 'withdrawn', updated_at = ? "
            f"WHERE id = ? AND status IN {_OPEN}",
            (stamp(now), proposal_id),
        )
        return count == 1

    async def decide(
        self,
        proposal_id: int,
        decision: Decision,
        *,
        by: str,
        now: datetime,
        reason: str | None = None,
        slot: str | None = None,
        capacity: int = 0,
    ) -> bool:
        """Record a moderator's decision on a pending proposal (an approval only while ``slot``
        has fewer than ``capacity`` approved sessions). The host's notice is queued by the same
        statement (a trigger). False if the proposal cannot take this decision (already decided
        or withdrawn; changes asked twice) or the slot is full."""
        at = stamp(now)
        allowed = "('pending')" if decision == "changes_requested" else _OPEN
        sql = (
            "UPDATE proposals SET status = ?, approved_slot = ?, reason = ?, decided_by = ?, "
            f"decided_at = ?, updated_at = ? WHERE id = ? AND status IN {allowed}"
        )
        params: list[Any] = [decision, slot, reason, by, at, at, proposal_id]
        if decision == "approved":
            sql += (
                " AND (SELECT COUNT(*) FROM proposals WHERE status = 'approved' "
                "AND approved_slot = ?) < ?"
            )
            params += [slot, capacity]
        return await self._write(sql, params, lock="proposals:slots") == 1

    async def get(self, proposal_id: int) -> Proposal | None:
        row = await self._one(f"SELECT {_COLUMNS} FROM proposals WHERE id = ?", (proposal_id,))
        return _row(row) if row else None

    async def by_host(self, front: str, user_id: str) -> list[Proposal]:
        rows = await self._all(
            f"SELECT {_COLUMNS} FROM proposals WHERE front = ? AND user_id = ? ORDER BY id",
            (front, user_id),
        )
        return [_row(r) for r in rows]

    async def with_status(self, statuses: Iterable[Status]) -> list[Proposal]:
        wanted = tuple(statuses)
        marks = ", ".join("?" for _ in wanted)
        rows = await self._all(
            f"SELECT {_COLUMNS} FROM proposals WHERE status IN ({marks}) ORDER BY id", wanted
        )
        return [_row(r) for r in rows]

    async def all(self) -> list[Proposal]:
        return [_row(r) for r in await self._all(f"SELECT {_COLUMNS} FROM proposals ORDER BY id")]

    async def open_count(self, front: str, user_id: str) -> int:
        row = await self._one(
            f"SELECT COUNT(*) FROM proposals WHERE front = ? AND user_id = ? AND status IN {_OPEN}",
            (front, user_id),
        )
        return int(row[0])

    async def same_title(
        self, front: str, user_id: str, title: str, exclude: int = 0
    ) -> Proposal | None:
        row = await self._one(
            f"SELECT {_COLUMNS} FROM proposals WHERE front = ? AND user_id = ? AND title_key = ? "
            "AND status <> 'withdrawn' AND id <> ?",
            (front, user_id, title_key(title), exclude),
        )
        return _row(row) if row else None

    async def approved_per_slot(self) -> dict[str, int]:
        rows = await self._all(
            "SELECT approved_slot, COUNT(*) FROM proposals WHERE status = 'approved' "
            "GROUP BY approved_slot"
        )
        return {r[0]: int(r[1]) for r in rows}

    # -- drafts -----------------------------------------------------------------------------
    async def draft(self, front: str, user_id: str, target: int) -> Draft | None:
        row = await self._one(
            "SELECT front, user_id, target, answers, step, updated_at FROM proposal_drafts "
            "WHERE front = ? AND user_id = ? AND target = ?",
            (front, user_id, target),
        )
        return _draft(row) if row else None

    async def conversation(self, front: str, user_id: str) -> Draft | None:
        """The draft of the step-by-step conversation this user is in, if any."""
        row = await self._one(
            "SELECT front, user_id, target, answers, step, updated_at FROM proposal_drafts "
            "WHERE front = ? AND user_id = ? AND step IS NOT NULL "
            "ORDER BY updated_at DESC LIMIT 1",
            (front, user_id),
        )
        return _draft(row) if row else None

    async def save_draft(
        self,
        front: str,
        user_id: str,
        target: int,
        answers: Answers,
        now: datetime,
        step: int | None = None,
    ) -> None:
        async with self.db.transaction() as tx:
            if step is not None:  # one conversation at a time per user
                await tx.execute(
                    "UPDATE proposal_drafts SET step = NULL WHERE front = ? AND user_id = ? "
                    "AND target <> ?",
                    (front, user_id, target),
                )
            await tx.execute(
                "INSERT INTO proposal_drafts (front, user_id, target, answers, step, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (front, user_id, target) DO UPDATE SET "
                "answers = excluded.answers, step = excluded.step, "
                "updated_at = excluded.updated_at",
                (front, user_id, target, json.dumps(answers, ensure_ascii=False), step, stamp(now)),
            )

    async def delete_draft(self, front: str, user_id: str, target: int) -> None:
        await self._write(
            "DELETE FROM proposal_drafts WHERE front = ? AND user_id = ? AND target = ?",
            (front, user_id, target),
        )

    # -- notices ----------------------------------------------------------------------------
    async def undelivered(self, front: str, max_attempts: int = 3) -> list[Notice]:
        rows = await self._all(
            "SELECT id, proposal_id, front, user_id, event, attempts FROM proposal_notices "
            "WHERE front = ? AND delivered_at IS NULL AND attempts < ? ORDER BY id",
            (front, max_attempts),
        )
        return [Notice(*tuple(r)) for r in rows]

    async def delivered(self, notice_id: int, now: datetime) -> None:
        await self._write(
            "UPDATE proposal_notices SET delivered_at = ?, attempts = attempts + 1 WHERE id = ?",
            (stamp(now), notice_id),
        )

    async def failed(self, notice_id: int) -> None:
        await self._write(
            "UPDATE proposal_notices SET attempts = attempts + 1 WHERE id = ?", (notice_id,)
        )

    # -- review posts -----------------------------------------------------------------------
    async def review_post(self, proposal_id: int, front: str) -> ReviewPost | None:
        row = await self._one(
            "SELECT proposal_id, front, room, message_id, shown FROM proposal_reviews "
            "WHERE proposal_id = ? AND front = ?",
            (proposal_id, front),
        )
        return ReviewPost(*tuple(row)) if row else None

    async def save_review_post(
        self, proposal_id: int, front: str, room: str, message_id: str, shown: datetime
    ) -> None:
        await self._write(
            "INSERT INTO proposal_reviews (proposal_id, front, room, message_id, shown) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (proposal_id, front) DO UPDATE SET "
            "room = excluded.room, message_id = excluded.message_id, shown = excluded.shown",
            (proposal_id, front, room, message_id, stamp(shown)),
        )

    async def unshown(self, front: str) -> list[Proposal]:
        """Proposals whose review card on ``front`` is missing or out of date (withdrawn ones
        only if they have a card to update)."""
        rows = await self._all(
            f"SELECT {', '.join('p.' + c.strip() for c in _COLUMNS.split(','))} "
            "FROM proposals p LEFT JOIN proposal_reviews r ON r.proposal_id = p.id AND r.front = ? "
            "WHERE (r.proposal_id IS NULL AND p.status <> 'withdrawn') "
            "OR (r.proposal_id IS NOT NULL AND r.shown <> p.updated_at) ORDER BY p.id",
            (front,),
        )
        return [_row(r) for r in rows]

    # -- moderators' switches ---------------------------------------------------------------
    async def setting(self, key: str) -> str | None:
        row = await self._one("SELECT value FROM proposal_settings WHERE key = ?", (key,))
        return row[0] if row else None

    async def set_setting(self, key: str, value: str | None) -> None:
        if value is None:
            await self._write("DELETE FROM proposal_settings WHERE key = ?", (key,))
        else:
            await self._write(
                "INSERT INTO proposal_settings (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )


def _draft(row: Any) -> Draft:
    updated = _instant(row["updated_at"])
    assert updated is not None
    answers = json.loads(row["answers"])
    return Draft(
        row["front"],
        row["user_id"],
        row["target"],
        {str(k): str(v) for k, v in answers.items()},
        row["step"],
        updated,
    )


__all__ = ["Draft", "Duplicate", "Notice", "ProposalRepo", "ReviewPost"]
