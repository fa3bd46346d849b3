"""The one transaction helper and the statements, on SQLite and on PostgreSQL alike."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.db import Database, IntegrityError
from bot.store import open_database

TABLE = "CREATE TABLE IF NOT EXISTS t (k TEXT PRIMARY KEY, n INTEGER NOT NULL)"


@pytest.fixture(params=["sqlite", "postgresql"])
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    if request.param == "sqlite":
        target: str = str(tmp_path / "bot.sqlite3")
    else:
        target = request.getfixturevalue("pg_url")
    database = await open_database(target)
    await database.execute(TABLE)
    yield database
    await database.close()


async def test_a_transaction_commits_everything_when_its_block_ends(db: Database) -> None:
    async with db.transaction() as tx:
        await tx.execute("INSERT INTO t (k, n) VALUES (?, ?)", ("a", 1))
        await tx.executemany("INSERT INTO t (k, n) VALUES (?, ?)", [("b", 2), ("c", 3)])
        assert await tx.fetchval("SELECT COUNT(*) FROM t") == 3
    assert await db.fetchval("SELECT SUM(n) FROM t") == 6


async def test_a_failing_block_leaves_nothing_behind(db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO t (k, n) VALUES (?, ?)", ("a", 1))
            raise RuntimeError("boom")
    assert await db.fetchval("SELECT COUNT(*) FROM t") == 0
    await db.execute("INSERT INTO t (k, n) VALUES (?, ?)", ("a", 1))  # and the next one works
    assert await db.fetchval("SELECT COUNT(*) FROM t") == 1


async def test_a_constraint_refusal_is_the_same_error_on_both(db: Database) -> None:
    await db.execute("INSERT INTO t (k, n) VALUES (?, ?)", ("a", 1))
    with pytest.raises(IntegrityError):
        await db.execute("INSERT INTO t (k, n) VALUES (?, ?)", ("a", 2))
    assert await db.fetchval("SELECT n FROM t WHERE k = ?", ("a",)) == 1


async def test_execute_counts_the_rows_it_changed(db: Database) -> None:
    await db.executemany("INSERT INTO t (k, n) VALUES (?, ?)", [("a", 1), ("b", 1), ("c", 2)])
    assert await db.execute("UPDATE t SET n = n + 10 WHERE n = ?", (1,)) == 2
    assert await db.execute("DELETE FROM t WHERE k = ?", ("zzz",)) == 0
    conflict = "INSERT INTO t (k, n) VALUES (?, ?) ON CONFLICT DO NOTHING"
    assert await db.execute(conflict, ("a", 5)) == 0


async def test_rows_answer_by_position_and_by_name(db: Database) -> None:
    await db.execute("INSERT INTO t (k, n) VALUES (?, ?)", ("a", 7))
    row = await db.fetchrow("SELECT k, n FROM t")
    assert row is not None and (row[0], row["n"]) == ("a", 7)
    assert await db.fetchrow("SELECT k FROM t WHERE k = ?", ("none",)) is None


async def test_a_notice_reaches_listeners_only_after_the_commit(db: Database) -> None:
    heard: list[str] = []
    arrived = asyncio.Event()

    def listener(payload: str) -> None:
        heard.append(payload)
        arrived.set()

    await db.listen("l4a_test", listener)
    await asyncio.sleep(0.2 if db.shared else 0)  # the listening connection is up
    with pytest.raises(RuntimeError):
        async with db.transaction() as tx:
            tx.notify("l4a_test", "rolled back")
            raise RuntimeError("boom")
    async with db.transaction() as tx:
        tx.notify("l4a_test", "committed")
    await asyncio.wait_for(arrived.wait(), 5)
    assert heard == ["committed"]


async def test_concurrent_transactions_each_see_a_consistent_count(db: Database) -> None:
    """A check-then-write under tx.lock never lets two writers pass the same check."""
    await db.execute("INSERT INTO t (k, n) VALUES (?, ?)", ("counter", 0))

    async def bump() -> None:
        async with db.transaction() as tx:
            await tx.lock("counter")
            n = await tx.fetchval("SELECT n FROM t WHERE k = ?", ("counter",))
            await asyncio.sleep(0.001)
            await tx.execute("UPDATE t SET n = ? WHERE k = ?", (int(n) + 1, "counter"))

    await asyncio.gather(*(bump() for _ in range(20)))
    assert await db.fetchval("SELECT n FROM t WHERE k = ?", ("counter",)) == 20
