"""SQLite storage through aiosqlite: numbered forward-only migrations, WAL, committed writes.

Every method that changes what a user will be told about commits before it returns, so a caller
may confirm to the user as soon as the await completes.
"""

from __future__ import annotations

import errno
import re
import sqlite3
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import aiosqlite

from bot.clock import Clock
from bot.dbfile import APPLICATION_ID, ProcessLock, StoreError, cannot_open, inspect

__all__ = ["Migration", "Store", "StoreError", "UserPrefs", "bundled_migrations", "migrate"]

_MIGRATION_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


def bundled_migrations() -> list[Migration]:
    out = []
    for entry in resources.files("bot.migrations").iterdir():
        m = _MIGRATION_NAME.match(entry.name)
        if m:
            out.append(Migration(int(m.group(1)), m.group(2), entry.read_text(encoding="utf-8")))
    out.sort(key=lambda mig: mig.version)
    versions = [mig.version for mig in out]
    if versions != list(range(1, len(versions) + 1)):
        raise RuntimeError(f"migrations must be numbered 1..n without gaps, found {versions}")
    return out


@dataclass(frozen=True, slots=True)
class UserPrefs:
    zone: str | None = None
    language: str | None = None


class Store:
    """One aiosqlite connection; user settings are cached in memory (write-through)."""

    def __init__(self, db: aiosqlite.Connection, clock: Clock) -> None:
        self.db = db
        self.clock = clock
        self._users: dict[tuple[str, str], UserPrefs] = {}
        self.process_lock: ProcessLock | None = None
        #: The database file (the app opens its other connections, polls', on it).
        self.path: Path | None = None

    @classmethod
    async def open(
        cls,
        path: Path | str,
        clock: Clock,
        migrations: list[Migration] | None = None,
        *,
        create: bool = True,
        lock: bool = False,
    ) -> Store:
        """Open (or, with ``create``, make) the bot's database. ``lock``: hold the one-process
        lock (long-running commands). Raises :class:`StoreError` (one line) for a missing file
        that must not be created, a file that is not this bot's database (left untouched), a
        database made by a newer bot, one held by another process, or one that cannot be
        written."""
        migrations = migrations if migrations is not None else bundled_migrations()
        held: ProcessLock | None = None
        if str(path) != ":memory:":
            file = Path(path)
            known = max((m.version for m in migrations), default=0)
            found = inspect(file, known, create=create)
            try:
                if not found.exists:
                    file.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise cannot_open(path, _why(exc)) from exc
            if lock:
                held = ProcessLock.acquire(file)
            try:  # tried here first: a failed aiosqlite.connect leaves its worker thread behind
                sqlite3.connect(str(path)).close()
            except (OSError, sqlite3.Error) as exc:
                if held is not None:
                    held.release()
                raise cannot_open(path, _why(exc)) from exc
        db = await aiosqlite.connect(str(path))
        try:
            db.row_factory = aiosqlite.Row
            await db.execute("PRAGMA journal_mode=WAL")
            await db.execute("PRAGMA synchronous=NORMAL")
            await db.execute("PRAGMA foreign_keys=ON")
            await db.execute("PRAGMA busy_timeout=5000")
            await migrate(db, migrations)
            async with db.execute("PRAGMA application_id") as cur:
                row = await cur.fetchone()
            if row is not None and row[0] != APPLICATION_ID:
                await db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                await db.commit()
            store = cls(db, clock)
            store.path = Path(path)
            store.process_lock = held
            await store._load_users()
        except (sqlite3.DatabaseError, RuntimeError) as exc:  # read-only, disk full, newer…
            await db.close()
            if held is not None:
                held.release()
            raise cannot_open(path, _why(exc)) from exc
        except BaseException:
            await db.close()
            if held is not None:
                held.release()
            raise
        return store

    async def close(self) -> None:
        try:
            await self.db.close()
        finally:
            if self.process_lock is not None:
                self.process_lock.release()
                self.process_lock = None

    def _stamp(self) -> str:
        return self.clock.now().isoformat(timespec="seconds")

    async def _load_users(self) -> None:
        async with self.db.execute("SELECT front, user_id, zone, language FROM users") as cur:
            async for row in cur:
                self._users[(row[0], row[1])] = UserPrefs(row[2], row[3])

    def user(self, front: str, user_id: str) -> UserPrefs:
        """A user's settings (from memory; never blocks)."""
        return self._users.get((front, user_id), _NO_PREFS)

    async def set_zone(self, front: str, user_id: str, zone: str | None) -> None:
        await self._upsert(front, user_id, "zone", zone)

    async def set_language(self, front: str, user_id: str, language: str | None) -> None:
        await self._upsert(front, user_id, "language", language)

    async def _upsert(self, front: str, user_id: str, column: str, value: str | None) -> None:
        assert column in ("zone", "language")
        now = self._stamp()
        await self.db.execute(
            f"INSERT INTO users (front, user_id, {column}, created_at, updated_at) "
            f"VALUES (?, ?, ?, ?, ?) ON CONFLICT (front, user_id) "
            f"DO UPDATE SET {column} = excluded.{column}, updated_at = excluded.updated_at",
            (front, user_id, value, now, now),
        )
        await self.db.commit()
        old = self.user(front, user_id)
        if column == "zone":
            self._users[(front, user_id)] = UserPrefs(value, old.language)
        else:
            self._users[(front, user_id)] = UserPrefs(old.zone, value)


_NO_PREFS = UserPrefs()


def _why(exc: BaseException) -> str:
    """The cause in the operator's words (SQLite's own are terse)."""
    text = str(exc)
    if isinstance(exc, sqlite3.Error) and ("readonly" in text or "unable to open" in text):
        return f"{text}: the bot must be able to write the file and its folder"
    if isinstance(exc, OSError) and exc.errno == errno.EROFS:
        return f"{exc.strerror}: the bot must be able to write the file and its folder"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return text


async def schema_version(db: aiosqlite.Connection) -> int:
    async with db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
    ) as cur:
        if await cur.fetchone() is None:
            return 0
    async with db.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version") as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0


async def migrate(db: aiosqlite.Connection, migrations: list[Migration]) -> int:
    """Apply every migration newer than the database, each in its own transaction."""
    await db.execute(
        "CREATE TABLE IF NOT EXISTS schema_version ("
        " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    await db.commit()
    current = await schema_version(db)
    known = max((m.version for m in migrations), default=0)
    if current > known:
        raise RuntimeError(
            f"the database is at schema version {current}, newer than this bot knows ({known}): "
            "upgrade the bot instead of running an older one on it"
        )
    for mig in migrations:
        if mig.version <= current:
            continue
        # executescript commits any open transaction first; the script is its own transaction.
        try:
            await db.executescript(
                "BEGIN;\n"
                + mig.sql
                + f"\n;INSERT INTO schema_version (version, name, applied_at) VALUES "
                f"({mig.version}, '{mig.name}', strftime('%Y-%m-%dT%H:%M:%SZ', 'now'));\nCOMMIT;"
            )
        except Exception as exc:
            if db.in_transaction:
                await db.rollback()
            raise RuntimeError(f"migration {mig.version:04d}_{mig.name} failed: {exc}") from exc
        current = mig.version
    return current
