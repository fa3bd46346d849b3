"""A PostgreSQL server that goes away mid-session and comes back: commands answer that nothing
can be saved right now, nothing confirmed is lost, the pool reconnects by itself, and a reminder
that fell due meanwhile is sent once the server is back, exactly once."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.announce.persist import Backoff
from bot.clock import FrozenClock
from bot.config import Config
from bot.programme import Programme
from fronts.console import Console
from tests.support.announce import FakeOutbox, running_bot
from tests.support.db import query
from tests.support.postgres import PostgresServer, start_server

T = datetime(2021, 10, 6, 9, 40, tzinfo=UTC)  # 11:40 CEST, day 2; hub-oct-6 starts at 12:00 CEST
REMINDER = "rem:console:ana:hub-oct-6:20211006T1000Z"
ANNOUNCEMENT = "ann:console:hub-oct-6:15:20211006T1000Z"


@pytest.fixture
def server(postgres_server: PostgresServer) -> Iterator[PostgresServer]:
    """A server of this test's own (stopping it disturbs no other test); ``postgres_server``
    is asked for first so the test is skipped, saying why, where PostgreSQL cannot run."""
    own = start_server()
    try:
        yield own
    finally:
        own.close()


async def test_a_server_gone_mid_session_loses_nothing_confirmed_and_is_used_again_once_back(
    server: PostgresServer, programme: Programme, caplog: pytest.LogCaptureFixture
) -> None:
    url = server.new_database()
    clock = FrozenClock(T)
    config = Config.model_validate({"announcements": {"retry_seconds": 0}})
    async with running_bot(config, programme, url, clock, FakeOutbox()) as hub:
        console = Console(hub)  # the console's own outbox prints what is sent
        await console.handle("@ana /language es")
        await console.handle("@ana /remind hub-oct-6")  # due at 11:50
        assert hub.announcer is not None
        hub.announcer.fanout.backoff = Backoff(first=0.05, cap=0.2)

        server.stop()
        caplog.set_level(logging.WARNING)
        down = await console.handle("@ana /timezone asia/kathmandu") or ""
        assert down.startswith("Ahora mismo no puedo guardar nada"), down
        [record] = [r for r in caplog.records if "could not save" in r.getMessage()]
        assert record.exc_info is None and "\n" not in record.getMessage()

        clock.set(T + timedelta(minutes=10))  # 11:50: the reminder and the 11:45 announcement
        due = asyncio.create_task(hub.announcer.deliver_due())
        await asyncio.sleep(0.5)
        assert console.announcements == []  # nothing leaves before its claim is saved
        assert any("cannot save" in r.getMessage() for r in caplog.records)

        server.start()  # same data, same port
        await asyncio.wait_for(due, 30)
        await hub.announcer.deliver_due()  # nothing more is due
        [reminder] = [a for a in console.announcements if "✉ @ana" in a]  # exactly once
        assert len(console.announcements) == 2 and "Wonder" in reminder

        back = await console.handle("@ana /timezone asia/kathmandu") or ""
        assert back.startswith("Zona horaria fijada: Asia/Kathmandu"), back
    users = await query(url, "SELECT language, zone FROM users WHERE user_id = 'ana'")
    assert [tuple(r) for r in users] == [("es", "Asia/Kathmandu")]
    ledger = await query(url, "SELECT key, status, attempts FROM announce_ledger ORDER BY key")
    assert [tuple(r) for r in ledger] == [(ANNOUNCEMENT, "sent", 1), (REMINDER, "sent", 1)]
