"""Opening a PostgreSQL database: migrated once, refused in one line when it is not ours."""

from __future__ import annotations

import asyncio
import logging
import secrets

import asyncpg
import pytest

from bot.db.migrate import bundled_migrations
from bot.db.postgres import PostgresDatabase
from bot.dbfile import StoreError
from bot.store import open_database
from tests.support.postgres import PostgresServer, free_port


async def _tables(url: str) -> list[str]:
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch(
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema = 'public' ORDER BY 1"
        )
        return [r[0] for r in rows]
    finally:
        await conn.close()


async def test_a_fresh_database_gets_every_migration_once(pg_url: str) -> None:
    first, second = await asyncio.gather(open_database(pg_url), open_database(pg_url))
    try:
        versions = await first.fetch("SELECT version FROM schema_version ORDER BY version")
        assert [r[0] for r in versions] == [m.version for m in bundled_migrations("postgresql")]
    finally:
        await first.close()
        await second.close()


async def test_another_applications_database_is_refused_and_left_untouched(pg_url: str) -> None:
    conn = await asyncpg.connect(pg_url)
    await conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    await conn.close()
    with pytest.raises(StoreError, match=r"not this bot's database .*invoices"):
        await open_database(pg_url)
    assert await _tables(pg_url) == ["invoices"]


async def test_another_applications_tables_the_bot_user_cannot_read_are_seen_and_refused(
    pg_url: str,
) -> None:
    # The other application's table belongs to another role: information_schema hides it from
    # the bot's user, which used to migrate the database beside it.
    role = f"bot_{secrets.token_hex(4)}"
    conn = await asyncpg.connect(pg_url)
    try:
        await conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
        await conn.execute(f"CREATE ROLE {role} LOGIN")
        await conn.execute(f"GRANT CREATE, USAGE ON SCHEMA public TO {role}")
        bot_url = pg_url.replace("postgres@", f"{role}@", 1)
        with pytest.raises(StoreError, match=r"not this bot's database .*invoices"):
            await open_database(bot_url)
        assert await _tables(pg_url) == ["invoices"]
    finally:
        await conn.execute(f"DROP OWNED BY {role}")  # what a failing run created
        await conn.execute(f"DROP ROLE {role}")
        await conn.close()


async def test_a_database_from_a_newer_bot_is_refused(pg_url: str) -> None:
    database = await open_database(pg_url)
    await database.execute(
        "INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)",
        (999, "future", "2030-01-01T00:00:00Z"),
    )
    await database.close()
    with pytest.raises(StoreError, match="newer than this bot"):
        await open_database(pg_url)


async def test_a_read_only_command_does_not_create_anything(pg_url: str) -> None:
    with pytest.raises(StoreError, match="nothing was created"):
        await open_database(pg_url, create=False)
    assert await _tables(pg_url) == []


async def test_a_wrong_password_is_one_line_that_never_shows_it(
    postgres_server: PostgresServer,
) -> None:
    url = postgres_server.url("postgres").replace("postgres@", "nobody:hunter2@")
    with pytest.raises(StoreError) as caught:
        await PostgresDatabase.open(url)
    text = str(caught.value)
    assert "hunter2" not in text and "\n" not in text and "nobody:***@" in text


async def test_no_server_listening_is_one_line(tmp_path: object) -> None:
    url = f"postgresql://l4a:hunter2@127.0.0.1:{free_port()}/l4a"
    with pytest.raises(StoreError, match="cannot open the database") as caught:
        await PostgresDatabase.open(url)
    assert "hunter2" not in str(caught.value)


def _pool_warning(exc: BaseException) -> None:
    import bot.db.postgres  # noqa: F401  (installs the filter)

    try:
        raise exc
    except BaseException:
        logging.getLogger("asyncpg.pool").warning(
            "Failed to restore the pool connection floor; retrying", exc_info=True
        )


def test_the_pools_retry_warning_while_the_server_is_away_is_one_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="asyncpg.pool"):
        _pool_warning(ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 5432)"))
    (record,) = caplog.records
    assert record.exc_info is None and "\n" not in caplog.text.strip()
    assert record.getMessage() == (
        "Failed to restore the pool connection floor; retrying: "
        "[Errno 111] Connect call failed ('127.0.0.1', 5432)"
    )


@pytest.mark.expect_logged_errors
def test_a_pool_warning_that_is_not_a_network_error_keeps_its_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="asyncpg.pool"):
        _pool_warning(RuntimeError("a bug"))
    (record,) = caplog.records
    assert record.exc_info is not None and "Traceback" in caplog.text


def test_a_server_error_with_its_detail_is_one_line_without_the_password() -> None:
    from bot.db.postgres import error_text

    url = "postgresql://l4a:hunter2@db.example.org/l4a"
    exc = RuntimeError(
        "the database system is not yet accepting connections\n"
        "DETAIL:  Consistent recovery state has not been yet reached. (hunter2)"
    )
    assert error_text(exc, url) == (
        "the database system is not yet accepting connections "
        "DETAIL: Consistent recovery state has not been yet reached. (***)"
    )
