"""The PostgreSQL migrations (bot/migrations/postgresql) are the SQLite ones' twins: same numbers
and names, and once applied the same tables, columns, keys, constraints, indexes and trigger."""

from __future__ import annotations

import re
import sqlite3
from importlib import resources
from pathlib import Path
from typing import Any

import asyncpg
import pytest

_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
Schema = dict[str, dict[str, Any]]


def _files(package: str) -> dict[tuple[int, str], str]:
    out = {}
    for entry in resources.files(package).iterdir():
        m = _NAME.match(entry.name)
        if m:
            out[(int(m.group(1)), m.group(2))] = entry.read_text(encoding="utf-8")
    return dict(sorted(out.items()))


SQLITE = _files("bot.migrations")
POSTGRES = _files("bot.migrations.postgresql")


def test_every_sqlite_migration_has_a_postgresql_twin_and_vice_versa() -> None:
    assert list(SQLITE) == list(POSTGRES)
    assert [v for v, _ in POSTGRES] == list(range(1, len(POSTGRES) + 1))


def test_postgresql_migrations_leave_the_version_table_to_the_runner() -> None:
    for (version, name), sql in POSTGRES.items():
        assert "schema_version" not in sql, f"{version:04d}_{name}"
        assert not re.search(r"^\s*(BEGIN|COMMIT|END|START TRANSACTION)\s*;", sql, re.I | re.M), (
            f"{version:04d}_{name}"
        )


async def _apply_postgres(url: str) -> asyncpg.Connection:
    conn = await asyncpg.connect(url)
    for (version, name), sql in POSTGRES.items():
        try:
            async with conn.transaction():
                await conn.execute(sql)  # one script: the simple protocol runs every statement
        except Exception as exc:
            await conn.close()
            pytest.fail(f"PostgreSQL migration {version:04d}_{name} failed: {exc}")
    return conn


def _apply_sqlite(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None)
    for sql in SQLITE.values():
        db.executescript(f"BEGIN;\n{sql}\n;COMMIT;")
    return db


# -- introspection: one shape for both engines ------------------------------------------------
def _kind(declared: str) -> str:
    return {"integer": "integer", "bigint": "integer", "text": "text", "bytea": "blob"}.get(
        declared.lower(), declared.lower()
    )


def _sqlite_schema(db: sqlite3.Connection) -> Schema:
    schema: Schema = {}
    tables = db.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ).fetchall()
    for table, sql in tables:
        cols = db.execute(f"PRAGMA table_info({table})").fetchall()
        pk = tuple(c[1] for c in sorted((c for c in cols if c[5]), key=lambda c: c[5]))
        unique, indexes = set(), set()
        for _, index, is_unique, origin, partial in db.execute(f"PRAGMA index_list({table})"):
            icols = tuple(r[2] for r in db.execute(f"PRAGMA index_info({index})"))
            if origin == "pk":
                continue
            if is_unique:
                unique.add((frozenset(icols), bool(partial)))
            if origin == "c":  # made by CREATE INDEX (not by a constraint)
                indexes.add((index, icols, bool(is_unique), bool(partial)))
        schema[table] = {
            "columns": {
                c[1]: (_kind(c[2]), bool(c[3]) or c[1] in pk, c[4]) for c in cols
            },  # a primary key is NOT NULL in PostgreSQL (SQLite's rowid tables allow NULL)
            "pk": pk,
            "unique": unique,
            "indexes": indexes,
            "checks": sql.upper().count("CHECK ("),
            "fks": {(r[3], r[2], r[4]) for r in db.execute(f"PRAGMA foreign_key_list({table})")},
        }
    return schema


_PG_INDEXES = """
SELECT i.relname AS name, t.relname AS tab, ix.indisunique AS uniq, ix.indisprimary AS prim,
       ix.indpred IS NOT NULL AS partial,
       EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = ix.indexrelid) AS by_constraint,
       array(SELECT a.attname::text FROM unnest(ix.indkey::int2[]) WITH ORDINALITY k(n, ord)
             JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.n ORDER BY k.ord) AS cols
FROM pg_index ix
JOIN pg_class i ON i.oid = ix.indexrelid
JOIN pg_class t ON t.oid = ix.indrelid
JOIN pg_namespace s ON s.oid = t.relnamespace
WHERE s.nspname = 'public'
"""

_PG_FKS = """
SELECT c.conrelid::regclass::text AS tab, a.attname::text AS col,
       c.confrelid::regclass::text AS ref, af.attname::text AS refcol
FROM pg_constraint c
JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
JOIN pg_attribute af ON af.attrelid = c.confrelid AND af.attnum = c.confkey[1]
WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace
"""


def _pg_default(default: str | None) -> str | None:
    return None if default is None else re.sub(r"::(text|integer|bigint)$", "", default)


async def _pg_schema(conn: asyncpg.Connection) -> Schema:
    schema: Schema = {}
    for t in await conn.fetch(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
    ):
        schema[t["table_name"]] = {
            "columns": {},
            "pk": (),
            "unique": set(),
            "indexes": set(),
            "checks": 0,
            "fks": set(),
        }
    for c in await conn.fetch(
        "SELECT table_name, column_name, data_type, is_nullable, column_default"
        " FROM information_schema.columns WHERE table_schema = 'public'"
    ):
        schema[c["table_name"]]["columns"][c["column_name"]] = (
            _kind(c["data_type"]),
            c["is_nullable"] == "NO",
            _pg_default(c["column_default"]),
        )
    for ix in await conn.fetch(_PG_INDEXES):
        entry, cols = schema[ix["tab"]], tuple(ix["cols"])
        if ix["prim"]:
            entry["pk"] = cols
            continue
        if ix["uniq"]:
            entry["unique"].add((frozenset(cols), ix["partial"]))
        if not ix["by_constraint"]:
            entry["indexes"].add((ix["name"], cols, ix["uniq"], ix["partial"]))
    for ck in await conn.fetch(
        "SELECT conrelid::regclass::text AS tab FROM pg_constraint"
        " WHERE contype = 'c' AND connamespace = 'public'::regnamespace"
    ):
        schema[ck["tab"]]["checks"] += 1
    for fk in await conn.fetch(_PG_FKS):
        schema[fk["tab"]]["fks"].add((fk["col"], fk["ref"], fk["refcol"]))
    return schema


async def test_postgresql_migrations_apply_in_order_on_a_fresh_database(pg_url: str) -> None:
    conn = await _apply_postgres(pg_url)
    try:
        tables = await conn.fetchval(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        )
        assert tables == len(
            {m for sql in SQLITE.values() for m in re.findall(r"CREATE TABLE (\w+)", sql)}
        )
    finally:
        await conn.close()


async def test_both_schemas_have_the_same_tables_columns_keys_and_indexes(
    pg_url: str, tmp_path: Path
) -> None:
    lite = _apply_sqlite(tmp_path / "twin.sqlite3")
    conn = await _apply_postgres(pg_url)
    try:
        expected, got = _sqlite_schema(lite), await _pg_schema(conn)
        sqlite_triggers = {
            r[0] for r in lite.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        }
        pg_triggers = {
            r["trigger_name"]
            for r in await conn.fetch("SELECT trigger_name FROM information_schema.triggers")
        }
        # Ids that SQLite numbers itself (INTEGER PRIMARY KEY) are identity columns here.
        identity = {
            (r["table_name"], r["column_name"])
            for r in await conn.fetch(
                "SELECT table_name, column_name FROM information_schema.columns"
                " WHERE table_schema = 'public' AND is_identity = 'YES'"
            )
        }
    finally:
        lite.close()
        await conn.close()
    assert sorted(got) == sorted(expected)
    for table in expected:
        assert got[table] == expected[table], table
    assert pg_triggers == sqlite_triggers == {"proposals_decision_notice"}
    assert identity == {("polls", "id"), ("proposals", "id"), ("proposal_notices", "id")}


# -- the same statements, the same results on both ---------------------------------------------
_PROPOSAL = (
    "INSERT INTO proposals (front, user_id, lang, host_name, organisation, title, title_key,"
    " description, slot, language, capitals, format, status, created_at, updated_at)"
    " VALUES ('console', ?, 'en', 'Ana', 'Org', 'T', ?, 'D', 's1', 'en', 'human', 'talk', ?,"
    " '2021-10-06T09:00:00Z', '2021-10-06T09:00:00Z')"
)
_SCRIPT: list[tuple[str, tuple[Any, ...]]] = [
    (_PROPOSAL, ("ana", "t", "pending")),
    (_PROPOSAL, ("ana", "u", "withdrawn")),
    (_PROPOSAL, ("ana", "u", "withdrawn")),  # a withdrawn title may repeat (partial index)
    ("UPDATE proposals SET status = ?, decided_at = ? WHERE id = ?",
     ("approved", "2021-10-06T10:00:00Z", 1)),
    ("UPDATE proposals SET status = ?, decided_at = ? WHERE id = ?",
     ("approved", "2021-10-06T11:00:00Z", 1)),  # unchanged: no second notice
    ("UPDATE proposals SET status = ? WHERE id = ?", ("pending", 1)),  # not a decision
    ("UPDATE proposals SET status = ?, decided_at = ? WHERE id = ?",
     ("rejected", "2021-10-06T12:00:00Z", 1)),
]  # fmt: skip
_READ = (
    "SELECT proposal_id, front, user_id, event, created_at, attempts, delivered_at"
    " FROM proposal_notices ORDER BY id"
)
_REFUSED = [
    (_PROPOSAL, ("ana", "t", "pending")),  # same host, same live title
    (_PROPOSAL, ("ana", "v", "maybe")),  # CHECK (status IN …)
    ("INSERT INTO poll_votes (poll_id, voter, choice) VALUES (?, ?, ?)", (99, "x", 0)),  # FK
]


def _dollar(sql: str) -> str:
    count = iter(range(1, 100))
    return re.sub(r"\?", lambda _: f"${next(count)}", sql)


async def test_the_same_statements_give_the_same_rows_and_refusals(
    pg_url: str, tmp_path: Path
) -> None:
    lite = _apply_sqlite(tmp_path / "twin.sqlite3")
    lite.execute("PRAGMA foreign_keys = ON")
    conn = await _apply_postgres(pg_url)
    try:
        for sql, args in _SCRIPT:
            lite.execute(sql, args)
            await conn.execute(_dollar(sql), *args)
        sqlite_rows = lite.execute(_READ).fetchall()
        pg_rows = [tuple(r) for r in await conn.fetch(_READ)]
        assert pg_rows == sqlite_rows
        assert [r[3] for r in pg_rows] == ["approved", "rejected"]
        assert await conn.fetchval("SELECT max(id) FROM proposals") == 3  # numbered by the base
        for sql, args in _REFUSED:
            with pytest.raises(sqlite3.IntegrityError):
                lite.execute(sql, args)
            with pytest.raises(asyncpg.IntegrityConstraintViolationError):
                await conn.execute(_dollar(sql), *args)
    finally:
        lite.close()
        await conn.close()
