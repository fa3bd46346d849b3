"""The raw limits ``bench_store`` compares the vote store's ingest with on PostgreSQL: the same
rows through asyncpg's ``executemany`` and ``COPY``, on the same server."""

from __future__ import annotations

import time

import asyncpg

from bench.bench_polls import RAW_UPSERT
from bot.db.migrate import bundled_migrations, migrate_postgresql
from bot.db.postgres import to_dollar


def _rows(votes: int) -> list[tuple[int, str, int]]:
    return [(1, f"discord:{i}", i % 5) for i in range(votes)]


async def _raw_conn(url: str | None, *, bare: bool = False) -> asyncpg.Connection:
    """A connection to a fresh database holding the bot's schema and one poll (the rows' poll);
    ``bare``: a ``poll_votes`` table alone, without the foreign key to ``polls``."""
    assert url is not None
    conn = await asyncpg.connect(url)
    if bare:
        await conn.execute(
            'CREATE TABLE poll_votes (poll_id BIGINT NOT NULL, voter TEXT COLLATE "C" NOT NULL,'
            " choice INTEGER NOT NULL, PRIMARY KEY (poll_id, voter))"
        )
        return conn
    await migrate_postgresql(conn, bundled_migrations("postgresql"), create=True)
    await conn.execute(
        "INSERT INTO polls (front, created_by, source, question, scale, lang, created_at)"
        " VALUES ('discord', 'b', 'custom', '{}', 'agree', 'en', '2021-10-05T12:00:00+00:00')"
    )
    return conn


async def raw_pg_executemany(url: str | None, votes: int) -> float:
    """The vote upsert, every row through asyncpg's ``executemany``, one transaction, into the
    bot's own ``poll_votes``."""
    conn = await _raw_conn(url)
    try:
        rows = _rows(votes)
        start = time.perf_counter()
        async with conn.transaction():
            await conn.executemany(to_dollar(RAW_UPSERT), rows)
        return votes / (time.perf_counter() - start)
    finally:
        await conn.close()


async def raw_pg_copy(url: str | None, votes: int, *, bare: bool = False) -> float:
    """``COPY`` of the same rows into the bot's ``poll_votes`` (``bare``: into a table without
    the foreign key), one transaction."""
    conn = await _raw_conn(url, bare=bare)
    try:
        rows = _rows(votes)
        start = time.perf_counter()
        async with conn.transaction():
            await conn.copy_records_to_table("poll_votes", records=rows)
        return votes / (time.perf_counter() - start)
    finally:
        await conn.close()
