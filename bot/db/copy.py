"""``l4a-bot db copy``: a rehearsal's SQLite database becomes the live PostgreSQL one.

Every table is copied in one transaction on the target (all or nothing), parents before the
tables that refer to them, each value converted to the target column's type; the target must
be a fresh database of this bot (no rows yet), and both are at the same schema version (opening
them migrates both). Identity counters are moved past the copied ids, and each table's row
count is checked before the commit.
"""

from __future__ import annotations

import graphlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.db.base import Database

#: Rows sent to the server at a time (asyncpg's binary COPY).
CHUNK = 5_000


class CopyError(Exception):
    """The copy cannot be made: one line for the operator; the target was left unchanged."""


@dataclass(frozen=True, slots=True)
class Copied:
    table: str
    rows: int


async def copy_database(
    source: Database, target: Database, *, progress: Callable[[Copied], None] | None = None
) -> list[Copied]:
    """Copy every table of ``source`` (SQLite or PostgreSQL) into ``target`` (PostgreSQL)."""
    from bot.db.postgres import PostgresDatabase

    if not isinstance(target, PostgresDatabase):
        raise CopyError("the copy goes into PostgreSQL: give --to postgresql://…")
    versions = (await _version(source), await _version(target))
    if versions[0] != versions[1]:
        raise CopyError(f"schema versions differ (source {versions[0]}, target {versions[1]})")
    async with target.pool.acquire() as conn, conn.transaction():
        tables = await _tables_in_order(conn)
        busy = [t for t in tables if await conn.fetchval(f'SELECT EXISTS (SELECT 1 FROM "{t}")')]
        if busy:
            raise CopyError(
                f"{target.target} already holds data (in {', '.join(busy[:3])}): "
                "copy only into a fresh database"
            )
        done: list[Copied] = []
        for table in tables:
            kinds = await _column_kinds(conn, table)
            read = 0
            while True:  # a chunk at a time: a big database never sits whole in memory
                rows = await source.fetch(f'SELECT * FROM "{table}" LIMIT {CHUNK} OFFSET {read}')
                if not rows:
                    break
                read += len(rows)
                names = [n for n in rows[0].keys() if n in kinds]  # noqa: SIM118
                records = [tuple(_convert(r[n], kinds[n], table, n) for n in names) for r in rows]
                await conn.copy_records_to_table(table, records=records, columns=names)
            count = int(await conn.fetchval(f'SELECT COUNT(*) FROM "{table}"'))
            if count != read:
                raise CopyError(f"{table}: {read} rows read but {count} written")
            await _move_identity(conn, table)
            copied = Copied(table, count)
            done.append(copied)
            if progress is not None:
                progress(copied)
    return done


async def _version(db: Database) -> int:
    return int(await db.fetchval("SELECT COALESCE(MAX(version), 0) FROM schema_version") or 0)


async def _tables_in_order(conn: Any) -> list[str]:
    """The bot's tables (not ``schema_version``), each after the tables it refers to."""
    names = [
        r[0]
        for r in await conn.fetch(
            "SELECT table_name FROM information_schema.tables WHERE table_schema ="
            " current_schema() AND table_type = 'BASE TABLE' AND table_name <> 'schema_version'"
        )
    ]
    edges = await conn.fetch(
        "SELECT conrelid::regclass::text, confrelid::regclass::text FROM pg_constraint"
        " WHERE contype = 'f' AND connamespace = current_schema()::regnamespace"
    )
    graph: dict[str, set[str]] = {name: set() for name in names}
    for child, parent in edges:
        if child in graph and parent in graph and child != parent:
            graph[child].add(parent)
    return list(graphlib.TopologicalSorter(graph).static_order())


async def _column_kinds(conn: Any, table: str) -> dict[str, str]:
    rows = await conn.fetch(
        "SELECT column_name, data_type FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND table_name = $1",
        table,
    )
    return {r[0]: r[1] for r in rows}


def _convert(value: Any, kind: str, table: str, column: str) -> Any:
    """SQLite keeps what it is given; PostgreSQL wants the column's type."""
    if value is None:
        return None
    try:
        if kind in ("integer", "bigint", "smallint"):
            return int(value)
        if kind in ("text", "character varying"):
            return value if isinstance(value, str) else str(value)
        if kind == "bytea":
            return bytes(value)
        if kind in ("double precision", "real", "numeric"):
            return float(value)
    except (TypeError, ValueError):
        raise CopyError(f"{table}.{column}: {value!r} is not a {kind}") from None
    return value


async def _move_identity(conn: Any, table: str) -> None:
    """Identity counters after the copied ids (else the next insert collides)."""
    for (column,) in await conn.fetch(
        "SELECT column_name FROM information_schema.columns WHERE table_schema ="
        " current_schema() AND table_name = $1 AND is_identity = 'YES'",
        table,
    ):
        await conn.execute(
            f"SELECT setval(pg_get_serial_sequence('\"{table}\"', '{column}'),"
            f' COALESCE((SELECT MAX("{column}") FROM "{table}"), 0) + 1, false)'
        )
