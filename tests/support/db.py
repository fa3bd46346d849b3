"""Looking into a test's database from outside the bot, on either backend."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from bot.db import Row
from bot.store import open_database


async def query(target: Path | str, sql: str, params: tuple[Any, ...] = ()) -> list[Row]:
    """``sql``'s rows, read through a connection of its own (as another program would)."""
    database = await open_database(target)
    try:
        return await database.fetch(sql, params)
    finally:
        await database.close()


async def execute(target: Path | str, sql: str, params: tuple[Any, ...] = ()) -> int:
    """Run one statement through a connection of its own; the number of rows it changed."""
    database = await open_database(target)
    try:
        return await database.execute(sql, params)
    finally:
        await database.close()


async def executemany(target: Path | str, sql: str, rows: Iterable[tuple[Any, ...]]) -> None:
    """Run ``sql`` for each of ``rows`` in one transaction of a connection of its own."""
    database = await open_database(target)
    try:
        await database.executemany(sql, rows)
    finally:
        await database.close()
