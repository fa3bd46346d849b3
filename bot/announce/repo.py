"""SQL of the announcer: follows, the delivery ledger, closed private messages, the watermark.

Every write commits before it returns: a follow is confirmed only once saved, and a delivery is
claimed ('sending', committed) before it is sent.
"""

from __future__ import annotations

from collections.abc import Container, Iterable
from datetime import UTC, datetime

from bot.announce.model import Delivery, Follow, TargetType
from bot.db import Database
from bot.db.base import as_mapping


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="seconds")


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


#: Change notices of follows and of users unreachable privately (``origin\tfront\tuser``; ``*``:
#: reload everything), so that every process's announcer follows them.
FOLLOWS_CHANNEL = "l4a_follows"
CLOSED_CHANNEL = "l4a_closed_dms"


class AnnounceRepo:
    def __init__(self, db: Database, origin: str = "") -> None:
        self.db = db
        #: This process's name in change notices (it ignores its own).
        self.origin = origin

    async def _write_user(
        self, channel: str, front: str, user_id: str, sql: str, params: tuple[object, ...]
    ) -> int:
        """One write about a user, committed, and (shared database) a change notice."""
        async with self.db.transaction() as tx:
            changed = await tx.execute(sql, params)
            if self.db.shared:
                tx.notify(channel, f"{self.origin}\t{front}\t{user_id}")
        return changed

    async def _write_many(self, sql: str, rows: list[tuple[object, ...]]) -> None:
        """One statement over ``rows``, committed (rolled back on failure: the write lock held
        elsewhere, a full disk, so a later attempt starts afresh)."""
        await self.db.executemany(sql, rows)

    # -- follows ---------------------------------------------------------------------------
    async def follows(self) -> list[Follow]:
        rows = await self.db.fetch(
            "SELECT front, user_id, target_type, target, lead_minutes, since, locale, dm"
            " FROM announce_follows"
        )
        return [
            Follow(r[0], r[1], r[2], r[3], int(r[4]), _instant(r[5]), r[6], bool(r[7]))
            for r in rows
        ]

    async def follows_of(self, front: str, user_id: str) -> list[Follow]:
        rows = await self.db.fetch(
            "SELECT front, user_id, target_type, target, lead_minutes, since, locale, dm"
            " FROM announce_follows WHERE front = ? AND user_id = ?",
            (front, user_id),
        )
        return [
            Follow(r[0], r[1], r[2], r[3], int(r[4]), _instant(r[5]), r[6], bool(r[7]))
            for r in rows
        ]

    async def add_follow(self, follow: Follow) -> None:
        await self._write_user(
            FOLLOWS_CHANNEL,
            follow.front,
            follow.user_id,
            "INSERT INTO announce_follows"
            " (front, user_id, target_type, target, lead_minutes, since, locale, dm)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (front, user_id, target_type, target)"
            " DO UPDATE SET lead_minutes = excluded.lead_minutes, locale = excluded.locale,"
            " dm = excluded.dm",
            (
                follow.front,
                follow.user_id,
                follow.target_type,
                follow.target,
                follow.lead_minutes,
                _iso(follow.since),
                follow.locale,
                int(follow.dm),
            ),
        )

    async def remove_follows(
        self, front: str, user_id: str, target_type: TargetType | None, target: str | None
    ) -> int:
        """Remove one follow, or all of a user's follows when ``target_type`` is ``None``."""
        if target_type is None:
            return await self._write_user(
                FOLLOWS_CHANNEL,
                front,
                user_id,
                "DELETE FROM announce_follows WHERE front = ? AND user_id = ?",
                (front, user_id),
            )
        return await self._write_user(
            FOLLOWS_CHANNEL,
            front,
            user_id,
            "DELETE FROM announce_follows WHERE front = ? AND user_id = ?"
            " AND target_type = ? AND target = ?",
            (front, user_id, target_type, target or ""),
        )

    # -- closed private messages -----------------------------------------------------------
    async def closed(self) -> set[tuple[str, str]]:
        rows = await self.db.fetch("SELECT front, user_id FROM announce_closed_dms")
        return {(r[0], r[1]) for r in rows}

    async def note_closed(self, front: str, user_id: str, reason: str, now: datetime) -> None:
        await self._write_user(
            CLOSED_CHANNEL,
            front,
            user_id,
            "INSERT INTO announce_closed_dms (front, user_id, noted_at, reason)"
            " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (front, user_id, _iso(now), reason[:300]),
        )

    async def is_closed(self, front: str, user_id: str) -> bool:
        found = await self.db.fetchval(
            "SELECT 1 FROM announce_closed_dms WHERE front = ? AND user_id = ?", (front, user_id)
        )
        return found is not None

    async def clear_closed(self, front: str, user_id: str) -> bool:
        removed = await self._write_user(
            CLOSED_CHANNEL,
            front,
            user_id,
            "DELETE FROM announce_closed_dms WHERE front = ? AND user_id = ?",
            (front, user_id),
        )
        return removed > 0

    # -- ledger ----------------------------------------------------------------------------
    async def ledger(self) -> dict[str, str]:
        """Every key in the ledger with its status."""
        rows = await self.db.fetch("SELECT key, status FROM announce_ledger")
        return {r[0]: r[1] for r in rows}

    async def status(self, key: str) -> str | None:
        status = await self.db.fetchval("SELECT status FROM announce_ledger WHERE key = ?", (key,))
        return None if status is None else str(status)

    async def statuses(self, keys: list[str]) -> dict[str, str]:
        """The status of each of ``keys`` that is in the ledger."""
        marks = ",".join("?" * len(keys))
        rows = await self.db.fetch(
            f"SELECT key, status FROM announce_ledger WHERE key IN ({marks})", keys
        )
        return {r[0]: r[1] for r in rows}

    async def claim(
        self, deliveries: Iterable[Delivery], now: datetime, retake: Container[str] = ()
    ) -> set[str]:
        """Claim the deliveries in one committed transaction: each becomes 'sending' (one more
        attempt) and from here a restart knows it may have gone out. Returns the keys actually
        claimed, the only ones to send: a key already settled ('sent', 'skipped', 'failed'), or
        being claimed by another process right now (its row locked: ``FOR UPDATE SKIP LOCKED``
        on PostgreSQL; SQLite serialises writers), or 'sending' for another process, is not.
        ``retake``: keys that may be claimed although 'sending' (this process's own retries,
        and what was left 'sending' by a crash when the ledger was last read: sent again with
        the same key, which the platform's nonce absorbs)."""
        batch = {d.key: d for d in deliveries}
        if not batch:
            return set()
        stamp = _iso(now)
        keys = list(batch)
        marks = ",".join("?" * len(keys))
        lock = " FOR UPDATE SKIP LOCKED" if self.db.dialect == "postgresql" else ""
        async with self.db.transaction() as tx:
            rows = await tx.fetch(
                f"SELECT key, status FROM announce_ledger WHERE key IN ({marks}){lock}", keys
            )
            seen = {r[0]: r[1] for r in rows}
            again = [k for k, status in seen.items() if status == "sending" and k in retake]
            if again:
                await tx.executemany(
                    "UPDATE announce_ledger SET attempts = attempts + 1, updated_at = ?"
                    " WHERE key = ?",
                    [(stamp, k) for k in again],
                )
            claimed = set(again)
            absent = [batch[k] for k in keys if k not in seen]
            if absent:  # rows locked by another claim are not seen either: they conflict here
                values = ",".join(["(?, ?, ?, ?, ?, 'sending', 1, ?)"] * len(absent))
                params = [
                    v
                    for d in absent
                    for v in (d.key, d.front, d.target, d.session_id, _iso(d.due), stamp)
                ]
                rows = await tx.fetch(
                    "INSERT INTO announce_ledger"
                    " (key, front, target, session_id, due_at, status, attempts, updated_at)"
                    f" VALUES {values} ON CONFLICT (key) DO NOTHING RETURNING key",
                    params,
                )
                claimed.update(r[0] for r in rows)
        return claimed

    async def settle(self, outcomes: Iterable[tuple[str, str, str | None]], now: datetime) -> None:
        """Record ``(key, status, detail)`` for deliveries already in the ledger, and commit."""
        stamp = _iso(now)
        await self._write_many(
            "UPDATE announce_ledger SET status = ?, detail = ?, updated_at = ? WHERE key = ?",
            [(status, detail, stamp, key) for key, status, detail in outcomes],
        )

    async def skip(self, deliveries: Iterable[Delivery], now: datetime, detail: str) -> None:
        stamp = _iso(now)
        await self._write_many(
            "INSERT INTO announce_ledger"
            " (key, front, target, session_id, due_at, status, attempts, updated_at, detail)"
            " VALUES (?, ?, ?, ?, ?, 'skipped', 0, ?, ?) ON CONFLICT DO NOTHING",
            [
                (d.key, d.front, d.target, d.session_id, _iso(d.due), stamp, detail)
                for d in deliveries
            ],
        )

    async def forget(self, keys: list[str]) -> None:
        """Remove ledger rows (a follower taken out of a group: a new follow adds them again)."""
        await self._write_many("DELETE FROM announce_ledger WHERE key = ?", [(k,) for k in keys])

    async def rows(self) -> list[dict[str, object]]:
        """The whole ledger (tests, diagnostics)."""
        rows = await self.db.fetch(
            "SELECT key, front, target, session_id, due_at, status, attempts, detail"
            " FROM announce_ledger ORDER BY due_at, key"
        )
        return [as_mapping(r) for r in rows]

    # -- watermark -------------------------------------------------------------------------
    async def watermark(self) -> datetime | None:
        value = await self.db.fetchval("SELECT value FROM announce_meta WHERE name = 'watermark'")
        return _instant(value) if value is not None else None

    async def set_watermark(self, at: datetime) -> None:
        await self._write_many(
            "INSERT INTO announce_meta (name, value) VALUES ('watermark', ?)"
            " ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            [(_iso(at),)],
        )

    async def meta_prefixed(self, prefix: str) -> dict[str, str]:
        rows = await self.db.fetch(
            "SELECT name, value FROM announce_meta WHERE substr(name, 1, ?) = ?",
            (len(prefix), prefix),
        )
        return {r[0]: r[1] for r in rows}

    async def set_meta(self, name: str, value: str) -> None:
        await self.set_metas([(name, value)])

    async def set_metas(self, items: list[tuple[str, str]]) -> None:
        """Several ``(name, value)`` in one transaction."""
        await self._write_many(
            "INSERT INTO announce_meta (name, value) VALUES (?, ?)"
            " ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            [(name, value) for name, value in items],
        )

    async def delete_meta(self, names: list[str]) -> None:
        await self._write_many("DELETE FROM announce_meta WHERE name = ?", [(n,) for n in names])
