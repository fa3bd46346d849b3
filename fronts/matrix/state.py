"""The Matrix front's persistent state, in the bot's SQLite store (migration ``*_matrix``).

- ``next_batch``: where the sync resumes after a reconnect or a restart.
- ``resp:<event id>`` and ``latest:<poll>:<voter>``: which poll response is each voter's
  latest, so that redacting it withdraws the vote, also after a restart.
- handled events: a command is recorded with the reply it gets *before* that reply is sent, and
  marked done once the homeserver has it. After a crash or an outage the same reply is resent
  with the same transaction id (the homeserver drops the duplicate), never computed twice.
- direct rooms: the room the bot talks to each user in privately.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable
from datetime import datetime, timedelta
from typing import Any

from bot.db import Database

Outgoing = list[tuple[str, str, dict[str, Any]]]  # (room id, event type, content), in order
KEEP_HANDLED = timedelta(days=7)


class MatrixState:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._writing: set[asyncio.Future[Any]] = set()

    async def _write(self, sql: str, params: tuple[object, ...]) -> None:
        """One statement and its COMMIT, finished even if the caller is cancelled (the bot
        stopping): what the homeserver was told must match what is saved."""
        await self._shielded(self.db.execute(sql, params))

    async def _shielded(self, write: Awaitable[Any]) -> None:
        future = asyncio.ensure_future(write)
        self._writing.add(future)
        future.add_done_callback(self._writing.discard)
        await asyncio.shield(future)

    async def drain(self) -> None:
        """Wait for the writes a cancelled caller left running (the bot stopping)."""
        while self._writing:
            await asyncio.gather(*list(self._writing), return_exceptions=True)

    # -- sync token ---------------------------------------------------------------------------
    async def get(self, key: str) -> str | None:
        value = await self.db.fetchval("SELECT value FROM matrix_state WHERE key = ?", (key,))
        return None if value is None else str(value)

    async def set(self, key: str, value: str) -> None:
        await self._write(
            "INSERT INTO matrix_state (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    async def put_many(self, items: list[tuple[str, str]]) -> None:
        """Several keys in one statement and one COMMIT (a sync batch's poll responses)."""
        if not items:
            return

        write = self.db.executemany(
            "INSERT INTO matrix_state (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            items,
        )
        await self._shielded(write)

    # -- handled commands -----------------------------------------------------------------------
    async def handled(self, event_id: str) -> tuple[bool, Outgoing | None]:
        """``(seen, reply still to send)``: ``(False, None)`` for a new event."""
        row = await self.db.fetchrow(
            "SELECT reply, done FROM matrix_events WHERE event_id = ?", (event_id,)
        )
        if row is None:
            return False, None
        if row[1] or row[0] is None:
            return True, None
        return True, _outgoing(row[0])

    async def record(self, event_id: str, room_id: str, reply: Outgoing, now: datetime) -> None:
        """The answer to ``event_id``, committed before it is sent."""
        await self._write(
            "INSERT INTO matrix_events (event_id, room_id, reply, done, handled_at) "
            "VALUES (?, ?, ?, 0, ?) ON CONFLICT (event_id) DO NOTHING",
            (event_id, room_id, json.dumps(reply, ensure_ascii=False), now.isoformat()),
        )

    async def done(self, event_id: str) -> None:
        await self._write(
            "UPDATE matrix_events SET done = 1, reply = NULL WHERE event_id = ?", (event_id,)
        )

    async def pending(self) -> list[tuple[str, str, Outgoing]]:
        """Answers recorded but not yet acknowledged by the homeserver (oldest first)."""
        rows = await self.db.fetch(
            "SELECT event_id, room_id, reply FROM matrix_events WHERE done = 0"
            " ORDER BY handled_at, event_id"
        )
        return [(str(r[0]), str(r[1]), _outgoing(r[2] or "[]")) for r in rows]

    async def prune(self, now: datetime) -> None:
        await self._write(
            "DELETE FROM matrix_events WHERE done = 1 AND handled_at < ?",
            ((now - KEEP_HANDLED).isoformat(),),
        )

    # -- direct-message rooms -------------------------------------------------------------------
    async def direct_rooms(self) -> dict[str, str]:
        rows = await self.db.fetch("SELECT user_id, room_id FROM matrix_direct")
        return {str(r[0]): str(r[1]) for r in rows}

    async def set_direct(self, user_id: str, room_id: str, now: datetime) -> None:
        await self._write(
            "INSERT INTO matrix_direct (user_id, room_id, created_at) VALUES (?, ?, ?) "
            "ON CONFLICT (user_id) DO UPDATE SET room_id = excluded.room_id",
            (user_id, room_id, now.isoformat()),
        )

    async def forget_direct(self, user_id: str, room_id: str) -> None:
        await self._write(
            "DELETE FROM matrix_direct WHERE user_id = ? AND room_id = ?", (user_id, room_id)
        )


def _outgoing(text: str) -> Outgoing:
    return [(str(room), str(kind), content) for room, kind, content in json.loads(text)]
