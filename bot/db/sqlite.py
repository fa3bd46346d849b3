"""The embedded backend: one aiosqlite connection to a WAL file, one process.

Transactions are taken one at a time (``BEGIN IMMEDIATE`` under an asyncio lock), so a read never
sees another task's uncommitted writes, and a writer waits up to ``busy_timeout`` for another
program holding the file's write lock.
"""

from __future__ import annotations

import asyncio
import errno
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, ClassVar

import aiosqlite

from bot.db.base import Database, IntegrityError, Params, Reads, Row
from bot.db.migrate import Migration, bundled_migrations, migrate_sqlite
from bot.dbfile import APPLICATION_ID, ProcessLock, cannot_open, inspect

BUSY_TIMEOUT_MS = 5000
NO_WAIT_MS = 0


class _Tx(Reads):
    def __init__(self, db: aiosqlite.Connection) -> None:
        self.db = db
        self.notices: list[tuple[str, str]] = []

    async def execute(self, sql: str, params: Params = ()) -> int:
        try:
            cur = await self.db.execute(sql, tuple(params))
        except sqlite3.IntegrityError as exc:
            raise IntegrityError(str(exc)) from exc
        count = cur.rowcount
        await cur.close()
        return max(count, 0)

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        try:
            await self.db.executemany(sql, [tuple(r) for r in rows])
        except sqlite3.IntegrityError as exc:
            raise IntegrityError(str(exc)) from exc

    async def fetch(self, sql: str, params: Params = ()) -> list[Row]:
        try:
            async with self.db.execute(sql, tuple(params)) as cur:
                return list(await cur.fetchall())
        except sqlite3.IntegrityError as exc:  # INSERT … RETURNING
            raise IntegrityError(str(exc)) from exc

    async def copy(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        marks = ", ".join("?" * len(columns))
        await self.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)

    def notify(self, channel: str, payload: str = "") -> None:
        self.notices.append((channel, payload))

    async def lock(self, name: str) -> None:
        """Nothing to do: ``BEGIN IMMEDIATE`` already made this the only writer."""


class _InlineTx(_Tx):
    """Statements run at once on the event-loop thread, on aiosqlite's own sqlite3 connection
    (opened with ``check_same_thread=False``) while the database's lock keeps every other user
    of the connection out: a statement of 1,000 votes is ~1.5 ms of CPU, less than two thread
    hops cost a loop that a burst keeps busy."""

    def __init__(self, db: aiosqlite.Connection) -> None:
        super().__init__(db)
        self.raw: sqlite3.Connection = db._conn

    async def execute(self, sql: str, params: Params = ()) -> int:
        try:
            return max(self.raw.execute(sql, tuple(params)).rowcount, 0)
        except sqlite3.IntegrityError as exc:
            raise IntegrityError(str(exc)) from exc

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        try:
            self.raw.executemany(sql, [tuple(r) for r in rows])
        except sqlite3.IntegrityError as exc:
            raise IntegrityError(str(exc)) from exc

    async def fetch(self, sql: str, params: Params = ()) -> list[Row]:
        try:
            return self.raw.execute(sql, tuple(params)).fetchall()
        except sqlite3.IntegrityError as exc:
            raise IntegrityError(str(exc)) from exc


class SqliteDatabase(Database):
    dialect: ClassVar[str] = "sqlite"
    shared: ClassVar[bool] = False

    def __init__(self, conn: aiosqlite.Connection, path: Path | str) -> None:
        super().__init__(str(path))
        self.conn = conn
        self.path = Path(path)
        self.process_lock: ProcessLock | None = None
        self._lock = asyncio.Lock()

    @classmethod
    async def open(
        cls,
        path: Path | str,
        migrations: list[Migration] | None = None,
        *,
        create: bool = True,
        lock: bool = False,
    ) -> SqliteDatabase:
        """Open (or, with ``create``, make) the bot's database file, migrated. ``lock``: hold
        the one-process lock. Raises :class:`bot.dbfile.StoreError` (one line) for a missing
        file that must not be created, a file that is not this bot's (left untouched), one made
        by a newer bot, one held by another process, or one that cannot be written."""
        migrations = migrations if migrations is not None else bundled_migrations("sqlite")
        held: ProcessLock | None = None
        if str(path) != ":memory:":
            file = Path(path)
            known = max((m.version for m in migrations), default=0)
            found = inspect(file, known, create=create)
            try:
                if not found.exists:
                    file.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise cannot_open(path, why(exc)) from exc
            if lock:
                held = ProcessLock.acquire(file)
            try:  # tried here first: a failed aiosqlite.connect leaves its worker thread behind
                sqlite3.connect(str(path)).close()
            except (OSError, sqlite3.Error) as exc:
                if held is not None:
                    held.release()
                raise cannot_open(path, why(exc)) from exc
        conn = await aiosqlite.connect(str(path), check_same_thread=False)  # fast_transaction
        try:
            conn.row_factory = aiosqlite.Row
            await conn.execute("PRAGMA journal_mode=WAL")
            await conn.execute("PRAGMA synchronous=NORMAL")
            await conn.execute("PRAGMA foreign_keys=ON")
            await conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            await migrate_sqlite(conn, migrations)
            async with conn.execute("PRAGMA application_id") as cur:
                row = await cur.fetchone()
            if row is not None and row[0] != APPLICATION_ID:
                await conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                await conn.commit()
        except (sqlite3.DatabaseError, RuntimeError) as exc:  # read-only, disk full, newer…
            await conn.close()
            if held is not None:
                held.release()
            raise cannot_open(path, why(exc)) from exc
        except BaseException:
            await conn.close()
            if held is not None:
                held.release()
            raise
        db = cls(conn, path)
        db.process_lock = held
        return db

    async def close(self) -> None:
        try:
            await self.conn.close()
        finally:
            if self.process_lock is not None:
                self.process_lock.release()
                self.process_lock = None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[_Tx]:
        async with self._lock:
            await self.conn.execute("BEGIN IMMEDIATE")
            tx = _Tx(self.conn)
            async with self._settled():
                yield tx
        for channel, payload in tx.notices:
            await self._dispatch(channel, payload)

    @asynccontextmanager
    async def fast_transaction(self, *, durable: bool = False) -> AsyncIterator[_Tx]:
        async with self._lock:
            tx = _InlineTx(self.conn)
            if durable:  # WAL: the log is synced at this commit (with every earlier one in it)
                tx.raw.execute("PRAGMA synchronous=FULL")
            try:
                await self._begin_inline(tx.raw)
                async with self._settled():
                    yield tx
            finally:
                if durable:
                    tx.raw.execute("PRAGMA synchronous=NORMAL")
        for channel, payload in tx.notices:
            await self._dispatch(channel, payload)

    async def _begin_inline(self, raw: sqlite3.Connection) -> None:
        """``BEGIN IMMEDIATE`` at once on the loop thread when the write lock is free (the usual
        case), else in the worker thread: waiting for another program's lock (up to the busy
        timeout) must not stop the event loop."""
        raw.execute(f"PRAGMA busy_timeout={NO_WAIT_MS}")
        try:
            raw.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
        finally:
            raw.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        await self.conn.execute("BEGIN IMMEDIATE")

    @asynccontextmanager
    async def _settled(self) -> AsyncIterator[None]:
        """The open transaction committed when the block ends, rolled back if it (or the
        commit) fails; both finish even if the caller is cancelled meanwhile."""
        try:
            yield
        except BaseException:
            await asyncio.shield(self._rollback())
            raise
        try:
            await asyncio.shield(self.conn.commit())
        except BaseException:
            await asyncio.shield(self._rollback())
            raise

    async def _rollback(self) -> None:
        if self.conn.in_transaction:
            await self.conn.rollback()

    async def fetch(self, sql: str, params: Params = ()) -> list[Row]:
        async with self._lock, self.conn.execute(sql, tuple(params)) as cur:
            return list(await cur.fetchall())


def why(exc: BaseException) -> str:
    """The cause in the operator's words (SQLite's own are terse)."""
    text = str(exc)
    if isinstance(exc, sqlite3.Error) and ("readonly" in text or "unable to open" in text):
        return f"{text}: the bot must be able to write the file and its folder"
    if isinstance(exc, OSError) and exc.errno == errno.EROFS:
        return f"{exc.strerror}: the bot must be able to write the file and its folder"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return text
