"""The bot's one store layer: a :class:`Database` on SQLite (aiosqlite, the embedded default) or
PostgreSQL (asyncpg, several processes), with one transaction helper.

Repositories write SQL once, with ``?`` placeholders, and run it through a :class:`Database`:

* ``async with db.transaction() as tx:`` — statements committed together when the block ends
  (rolled back if it raises); the commit has happened when the block is left, so a caller may
  confirm to the user right after it.
* ``await db.execute(...)`` / ``executemany`` / ``fetch`` / ``fetchrow`` / ``fetchval`` outside a
  transaction — each a transaction of its own (a write is committed when the await returns).
* ``db.fast_transaction(durable=…)`` — the same, for short statements run very often (the poll
  vote writer): on SQLite they run on the event-loop thread, one thread hop (the commit) each.
  ``tx.copy(table, columns, rows)`` inserts many new rows at once (PostgreSQL: ``COPY``).

Rows support both ``row[0]`` and ``row["column"]``. Driver integrity errors (a UNIQUE or foreign
key violated) are raised as :class:`IntegrityError` whatever the backend.
"""

from __future__ import annotations

from bot.db.base import Database, Executor, IntegrityError, Listener, Row
from bot.db.target import DatabaseTarget, parse_target

__all__ = [
    "Database",
    "DatabaseTarget",
    "Executor",
    "IntegrityError",
    "Listener",
    "Row",
    "parse_target",
]
