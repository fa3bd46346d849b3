"""Numbered, forward-only migrations, one set per dialect with the same numbers and names:
``bot/migrations/NNNN_name.sql`` (SQLite) and ``bot/migrations/postgresql/NNNN_name.sql``.

Each migration runs in its own transaction with its row in ``schema_version``; a database newer
than the bot is refused (run the newer bot instead).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import aiosqlite

_MIGRATION_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
_PACKAGES = {"sqlite": "bot.migrations", "postgresql": "bot.migrations.postgresql"}
#: Two processes starting on one PostgreSQL database migrate one after the other.
PG_MIGRATION_LOCK = 0x4C344142_0001


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


def bundled_migrations(dialect: str = "sqlite") -> list[Migration]:
    out = []
    for entry in resources.files(_PACKAGES[dialect]).iterdir():
        m = _MIGRATION_NAME.match(entry.name)
        if m:
            out.append(Migration(int(m.group(1)), m.group(2), entry.read_text(encoding="utf-8")))
    out.sort(key=lambda mig: mig.version)
    versions = [mig.version for mig in out]
    if versions != list(range(1, len(versions) + 1)):
        raise RuntimeError(f"migrations must be numbered 1..n without gaps, found {versions}")
    return out


def _newer(current: int, migrations: list[Migration]) -> None:
    known = max((m.version for m in migrations), default=0)
    if current > known:
        raise RuntimeError(
            f"the database is at schema version {current}, newer than this bot knows ({known}): "
            "upgrade the bot instead of running an older one on it"
        )


# -- SQLite ---------------------------------------------------------------------------------
async def sqlite_schema_version(db: aiosqlite.Connection) -> int:
    async with db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
    ) as cur:
        if await cur.fetchone() is None:
            return 0
    async with db.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version") as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0


async def migrate_sqlite(db: aiosqlite.Connection, migrations: list[Migration]) -> int:
    """Apply every migration newer than the database, each in its own transaction."""
    await db.execute(
        "CREATE TABLE IF NOT EXISTS schema_version ("
        " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    await db.commit()
    current = await sqlite_schema_version(db)
    _newer(current, migrations)
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


# -- PostgreSQL -----------------------------------------------------------------------------
_PG_MARK = "l4a-bot schema"


async def pg_schema_version(conn: Any) -> int | None:
    """The schema version of an asyncpg connection's database; ``None`` when the bot has never
    migrated it. Raises ``RuntimeError`` when it holds another application's tables."""
    found = await conn.fetchval(
        "SELECT obj_description(to_regclass('schema_version'), 'pg_class')"
        " FROM (SELECT 1) AS one WHERE to_regclass('schema_version') IS NOT NULL"
    )
    if found is None:
        # pg_class, not information_schema: the latter hides tables this user may not read
        # (another application's, owned by its own role) and the bot would move in beside them.
        others = await conn.fetch(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'f')"
            " ORDER BY c.relname LIMIT 4"
        )
        if others:
            named = ", ".join(r[0] for r in others[:3]) + ("…" if len(others) > 3 else "")
            raise RuntimeError(
                f"it is not this bot's database (it has tables {named}); it was left "
                "untouched: give the bot its own database"
            )
        return None
    if found != _PG_MARK:
        raise RuntimeError("it is not this bot's database (a foreign schema_version table)")
    return int(await conn.fetchval("SELECT COALESCE(MAX(version), 0) FROM schema_version"))


async def migrate_postgresql(
    conn: Any,
    migrations: list[Migration],
    *,
    create: bool = True,
    applied: list[Migration] | None = None,
) -> int:
    """Apply every migration newer than the database on an asyncpg connection, each in its own
    transaction, under an advisory lock (a second process starting meanwhile waits, then finds
    the work done). ``applied`` gets the migrations this call applied."""
    await conn.execute("SELECT pg_advisory_lock($1)", PG_MIGRATION_LOCK)
    try:
        current = await pg_schema_version(conn)
        if current is None and not create:
            raise RuntimeError("it holds no data of this bot yet (nothing was created)")
        if current is None:
            async with conn.transaction():
                await conn.execute(
                    "CREATE TABLE schema_version (version INTEGER PRIMARY KEY,"
                    " name TEXT NOT NULL, applied_at TEXT NOT NULL)"
                )
                await conn.execute(f"COMMENT ON TABLE schema_version IS '{_PG_MARK}'")
            current = 0
        _newer(current, migrations)
        for mig in migrations:
            if mig.version <= current:
                continue
            try:
                async with conn.transaction():
                    await conn.execute(mig.sql)
                    await conn.execute(
                        "INSERT INTO schema_version (version, name, applied_at) VALUES"
                        " ($1, $2, to_char(now() AT TIME ZONE 'UTC',"
                        ' \'YYYY-MM-DD"T"HH24:MI:SS"Z"\'))',
                        mig.version,
                        mig.name,
                    )
            except Exception as exc:
                raise RuntimeError(f"migration {mig.version:04d}_{mig.name} failed: {exc}") from exc
            current = mig.version
            if applied is not None:
                applied.append(mig)
        return current
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", PG_MIGRATION_LOCK)
