"""The bot's store: the :class:`bot.db.Database` (SQLite file or PostgreSQL URL), migrated, plus
user settings cached in memory (write-through).

Every method that changes what a user will be told about commits before it returns, so a caller
may confirm to the user as soon as the await completes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.clock import Clock
from bot.db import Database, DatabaseTarget, parse_target
from bot.db.migrate import Migration, bundled_migrations, migrate_sqlite, sqlite_schema_version
from bot.db.sqlite import SqliteDatabase
from bot.dbfile import ProcessLock, StoreError

__all__ = [
    "Migration",
    "Store",
    "StoreError",
    "UserPrefs",
    "bundled_migrations",
    "migrate",
    "open_database",
    "schema_version",
]

# Kept under their old names for the tests and tools that import them from here.
migrate = migrate_sqlite
schema_version = sqlite_schema_version

#: Change notices of user settings (another process set a zone or language).
USERS_CHANNEL = "l4a_users"


@dataclass(frozen=True, slots=True)
class UserPrefs:
    zone: str | None = None
    language: str | None = None


async def open_database(
    target: DatabaseTarget | Path | str,
    migrations: list[Migration] | None = None,
    *,
    create: bool = True,
    lock: bool = False,
    pool_size: int = 10,
) -> Database:
    """The database at ``target`` (a path or ``postgresql://`` URL), migrated."""
    if not isinstance(target, DatabaseTarget):
        target = parse_target(target)  # ":memory:" is a path like any other
    if target.url is not None:
        from bot.db.postgres import PostgresDatabase  # asyncpg is imported only when used

        return await PostgresDatabase.open(
            target.url, migrations, create=create, max_size=pool_size
        )
    assert target.path is not None
    return await SqliteDatabase.open(target.path, migrations, create=create, lock=lock)


class Store:
    """The database, and user settings in memory (kept in line with other processes')."""

    def __init__(self, database: Database, clock: Clock) -> None:
        self.database = database
        self.clock = clock
        self._users: dict[tuple[str, str], UserPrefs] = {}

    @property
    def path(self) -> Path | None:
        """The SQLite file (``None`` on PostgreSQL)."""
        return self.database.path if isinstance(self.database, SqliteDatabase) else None

    @property
    def process_lock(self) -> ProcessLock | None:
        return self.database.process_lock if isinstance(self.database, SqliteDatabase) else None

    @classmethod
    async def open(
        cls,
        target: DatabaseTarget | Path | str,
        clock: Clock,
        migrations: list[Migration] | None = None,
        *,
        create: bool = True,
        lock: bool = False,
        pool_size: int = 10,
    ) -> Store:
        """Open (or, with ``create``, make) the bot's database. ``lock``: hold the one-process
        lock (SQLite; long-running commands). Raises :class:`StoreError` (one line) for a
        missing file that must not be created, a database that is not this bot's (left
        untouched), one made by a newer bot, one held by another process, one that cannot be
        written, or a server that cannot be reached."""
        database = await open_database(
            target, migrations, create=create, lock=lock, pool_size=pool_size
        )
        store = cls(database, clock)
        try:
            await store._load_users()
            await database.listen(USERS_CHANNEL, store._user_changed)
        except BaseException:
            await database.close()
            raise
        return store

    async def close(self) -> None:
        await self.database.close()

    def _stamp(self) -> str:
        return self.clock.now().isoformat(timespec="seconds")

    async def _load_users(self) -> None:
        rows = await self.database.fetch("SELECT front, user_id, zone, language FROM users")
        self._users = {(r[0], r[1]): UserPrefs(r[2], r[3]) for r in rows}

    async def _user_changed(self, payload: str) -> None:
        """Another process changed a user's settings (``front\\tuser``), or asks for a reload."""
        front, _, user_id = payload.partition("\t")
        if not user_id:
            await self._load_users()
            return
        row = await self.database.fetchrow(
            "SELECT zone, language FROM users WHERE front = ? AND user_id = ?", (front, user_id)
        )
        self._users[(front, user_id)] = UserPrefs(row[0], row[1]) if row else _NO_PREFS

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
        async with self.database.transaction() as tx:
            await tx.execute(
                f"INSERT INTO users (front, user_id, {column}, created_at, updated_at) "
                f"VALUES (?, ?, ?, ?, ?) ON CONFLICT (front, user_id) "
                f"DO UPDATE SET {column} = excluded.{column}, updated_at = excluded.updated_at",
                (front, user_id, value, now, now),
            )
            if self.database.shared:
                tx.notify(USERS_CHANNEL, f"{front}\t{user_id}")
        old = self.user(front, user_id)
        if column == "zone":
            self._users[(front, user_id)] = UserPrefs(value, old.language)
        else:
            self._users[(front, user_id)] = UserPrefs(old.zone, value)


_NO_PREFS = UserPrefs()
