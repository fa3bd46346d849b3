"""PostgreSQL: ``listen`` returns once notices are heard, so a cache loaded right after it misses
no change committed after that (the polls read their rows after listening)."""

from __future__ import annotations

import asyncio

from bot.db.postgres import PostgresDatabase


async def test_a_notice_sent_right_after_listen_returns_is_heard(pg_url: str) -> None:
    sender = await PostgresDatabase.open(pg_url)
    listener = await PostgresDatabase.open(pg_url)
    heard: list[str] = []
    try:
        await sender.fetch("SELECT 1")  # its connection is up: the notice leaves at once
        await listener.listen("l4a_test", heard.append)
        await sender.fetch("SELECT pg_notify('l4a_test', 'first')")
        for _ in range(200):
            if heard:
                break
            await asyncio.sleep(0.01)
        assert heard == ["first"]
    finally:
        await listener.close()
        await sender.close()
