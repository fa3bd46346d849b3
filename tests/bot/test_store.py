from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiosqlite
import asyncpg
import pytest

from bot.clock import FrozenClock
from bot.db.migrate import migrate_postgresql, pg_schema_version
from bot.store import Migration, Store, bundled_migrations, migrate, schema_version
from tests.support.db import query

pytestmark = pytest.mark.both_backends


async def test_settings_survive_a_restart(db: Path | str, clock: FrozenClock) -> None:
    store = await Store.open(db, clock)
    await store.set_zone("discord", "42", "Asia/Kathmandu")
    await store.set_language("discord", "42", "fr")
    await store.close()

    reopened = await Store.open(db, clock)
    try:
        prefs = reopened.user("discord", "42")
        assert (prefs.zone, prefs.language) == ("Asia/Kathmandu", "fr")
    finally:
        await reopened.close()


async def test_users_of_different_fronts_never_collide(store: Store) -> None:
    await store.set_zone("discord", "42", "Asia/Kathmandu")
    await store.set_zone("matrix", "42", "America/St_Johns")
    assert store.user("discord", "42").zone == "Asia/Kathmandu"
    assert store.user("matrix", "42").zone == "America/St_Johns"
    assert store.user("console", "42").zone is None


async def test_a_write_is_committed_before_the_call_returns(db: Path | str, store: Store) -> None:
    await store.set_zone("console", "ana", "UTC+03:00")
    # A second connection sees the row at once: nothing is left in an open transaction.
    rows = await query(db, "SELECT zone FROM users WHERE user_id = 'ana'")
    assert [tuple(r) for r in rows] == [("UTC+03:00",)]


async def test_setting_one_preference_keeps_the_other(store: Store) -> None:
    await store.set_language("console", "ana", "es")
    await store.set_zone("console", "ana", "Europe/Istanbul")
    await store.set_zone("console", "ana", None)
    prefs = store.user("console", "ana")
    assert (prefs.zone, prefs.language) == (None, "es")


async def test_the_database_records_the_schema_version(store: Store) -> None:
    latest = len(bundled_migrations(store.database.dialect))
    assert await store.database.fetchval("SELECT MAX(version) FROM schema_version") == latest


@pytest.mark.sqlite_only("WAL is SQLite's journal mode")
async def test_the_sqlite_database_uses_wal(store: Store) -> None:
    async with store.database.conn.execute("PRAGMA journal_mode") as cur:  # type: ignore[attr-defined]
        assert (await cur.fetchone())[0] == "wal"
    assert await schema_version(store.database.conn) == len(bundled_migrations())  # type: ignore[attr-defined]


class _Raw:
    """A bare connection to an empty database and the migration runner of its backend."""

    def __init__(self, conn: Any, backend: str) -> None:
        self.conn, self.backend = conn, backend

    async def migrate(self, migrations: list[Migration]) -> int:
        if self.backend == "sqlite":
            return await migrate(self.conn, migrations)
        return await migrate_postgresql(self.conn, migrations)

    async def version(self) -> int:
        if self.backend == "sqlite":
            return await schema_version(self.conn)
        return await pg_schema_version(self.conn) or 0

    async def fetch(self, sql: str) -> list[tuple[Any, ...]]:
        if self.backend == "sqlite":
            async with self.conn.execute(sql) as cur:
                return [tuple(r) for r in await cur.fetchall()]
        return [tuple(r) for r in await self.conn.fetch(sql)]

    async def has_table(self, name: str) -> bool:
        if self.backend == "sqlite":
            found = await self.fetch(f"SELECT name FROM sqlite_master WHERE name = '{name}'")
        else:
            found = await self.fetch(
                f"SELECT to_regclass('{name}') WHERE to_regclass('{name}') IS NOT NULL"
            )
        return bool(found)


RawOf = Callable[[], Awaitable[_Raw]]


@pytest.fixture
async def raw(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> AsyncIterator[_Raw]:
    if backend == "sqlite":
        async with aiosqlite.connect(tmp_path / "m.sqlite3") as conn:
            yield _Raw(conn, backend)
    else:
        conn = await asyncpg.connect(request.getfixturevalue("pg_url"))  # an empty database
        try:
            yield _Raw(conn, backend)
        finally:
            await conn.close()


async def test_migrations_apply_once_and_in_order(raw: _Raw) -> None:
    migrations = [
        Migration(1, "one", "CREATE TABLE a (x INTEGER);"),
        Migration(2, "two", "ALTER TABLE a ADD COLUMN y TEXT;"),
    ]
    assert await raw.migrate(migrations[:1]) == 1
    assert await raw.migrate(migrations) == 2
    assert await raw.migrate(migrations) == 2  # nothing left to do
    got = await raw.fetch("SELECT version, name FROM schema_version ORDER BY version")
    assert got == [(1, "one"), (2, "two")]


async def test_a_failing_migration_leaves_the_database_as_it_was(raw: _Raw) -> None:
    good = Migration(1, "one", "CREATE TABLE a (x INTEGER);")
    bad = Migration(2, "bad", "CREATE TABLE b (x INTEGER); INSERT INTO nope VALUES (1);")
    await raw.migrate([good])
    with pytest.raises(RuntimeError, match="0002_bad"):
        await raw.migrate([good, bad])
    assert await raw.version() == 1
    assert await raw.has_table("a") and not await raw.has_table("b")


async def test_a_database_newer_than_the_bot_is_refused(raw: _Raw) -> None:
    await raw.migrate([Migration(1, "one", "SELECT 1;"), Migration(2, "two", "SELECT 1;")])
    with pytest.raises(RuntimeError, match="newer than this bot"):
        await raw.migrate([Migration(1, "one", "SELECT 1;")])


def test_bundled_migrations_are_numbered_without_gaps() -> None:
    for dialect in ("sqlite", "postgresql"):
        versions = [m.version for m in bundled_migrations(dialect)]
        assert versions == list(range(1, len(versions) + 1))
