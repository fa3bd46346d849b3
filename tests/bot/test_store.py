from __future__ import annotations

from pathlib import Path

import aiosqlite
import pytest

from bot.clock import FrozenClock
from bot.store import Migration, Store, bundled_migrations, migrate, schema_version


async def test_settings_survive_a_restart(db_path: Path, clock: FrozenClock) -> None:
    store = await Store.open(db_path, clock)
    await store.set_zone("discord", "42", "Asia/Kathmandu")
    await store.set_language("discord", "42", "fr")
    await store.close()

    reopened = await Store.open(db_path, clock)
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


async def test_a_write_is_committed_before_the_call_returns(db_path: Path, store: Store) -> None:
    await store.set_zone("console", "ana", "UTC+03:00")
    # A second connection sees the row at once: nothing is left in an open transaction.
    async with (
        aiosqlite.connect(db_path) as other,
        other.execute("SELECT zone FROM users WHERE user_id = 'ana'") as cur,
    ):
        assert await cur.fetchone() == ("UTC+03:00",)


async def test_setting_one_preference_keeps_the_other(store: Store) -> None:
    await store.set_language("console", "ana", "es")
    await store.set_zone("console", "ana", "Europe/Istanbul")
    await store.set_zone("console", "ana", None)
    prefs = store.user("console", "ana")
    assert (prefs.zone, prefs.language) == (None, "es")


async def test_database_uses_wal_and_records_the_schema_version(store: Store) -> None:
    async with store.database.conn.execute("PRAGMA journal_mode") as cur:
        assert (await cur.fetchone())[0] == "wal"
    assert await schema_version(store.database.conn) == len(bundled_migrations())


async def test_migrations_apply_once_and_in_order(tmp_path: Path) -> None:
    migrations = [
        Migration(1, "one", "CREATE TABLE a (x INTEGER);"),
        Migration(2, "two", "ALTER TABLE a ADD COLUMN y TEXT;"),
    ]
    async with aiosqlite.connect(tmp_path / "m.sqlite3") as db:
        assert await migrate(db, migrations[:1]) == 1
        assert await migrate(db, migrations) == 2
        assert await migrate(db, migrations) == 2  # nothing left to do
        async with db.execute("SELECT version, name FROM schema_version ORDER BY version") as cur:
            assert await cur.fetchall() == [(1, "one"), (2, "two")]


async def test_a_failing_migration_leaves_the_database_as_it_was(tmp_path: Path) -> None:
    good = Migration(1, "one", "CREATE TABLE a (x INTEGER);")
    bad = Migration(2, "bad", "CREATE TABLE b (x INTEGER); INSERT INTO nope VALUES (1);")
    async with aiosqlite.connect(tmp_path / "m.sqlite3") as db:
        await migrate(db, [good])
        with pytest.raises(RuntimeError, match="0002_bad"):
            await migrate(db, [good, bad])
        assert await schema_version(db) == 1
        async with db.execute("SELECT name FROM sqlite_master WHERE name = 'b'") as cur:
            assert await cur.fetchone() is None


async def test_a_database_newer_than_the_bot_is_refused(tmp_path: Path) -> None:
    async with aiosqlite.connect(tmp_path / "m.sqlite3") as db:
        await migrate(db, [Migration(1, "one", "SELECT 1;"), Migration(2, "two", "SELECT 1;")])
        with pytest.raises(RuntimeError, match="newer than this bot"):
            await migrate(db, [Migration(1, "one", "SELECT 1;")])


def test_bundled_migrations_are_numbered_without_gaps() -> None:
    versions = [m.version for m in bundled_migrations()]
    assert versions == list(range(1, len(versions) + 1))
