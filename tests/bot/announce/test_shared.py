"""The announcer is shared by every front: a front that stops lets go of its own outbox only."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.announce import follows
from bot.clock import FrozenClock
from bot.config import Config
from bot.programme import Programme
from tests.support.announce import FakeOutbox, person, running_bot

pytestmark = pytest.mark.both_backends

HUB_START = datetime(2021, 10, 6, 10, 0, tzinfo=UTC)  # hub-oct-6, 12:00 CEST


async def test_when_one_front_stops_the_others_still_get_their_reminders(
    programme: Programme, db: Path | str
) -> None:
    clock = FrozenClock(datetime(2021, 10, 6, 9, 30, tzinfo=UTC))
    console, matrix = FakeOutbox("console"), FakeOutbox("matrix")
    config = Config.model_validate({"announcements": {"retry_seconds": 0.01}})
    async with running_bot(config, programme, db, clock, console) as hub:
        hub.announcer.register(matrix)
        await follows.remind(hub.context(person("ana")), "hub-oct-6 0")
        await follows.remind(hub.context(person("bea", front="matrix")), "hub-oct-6 0")
        hub.announcer.unregister("console")  # the console quits (run_console's end)
        assert hub.announcer.started
        clock.set(HUB_START)
        await hub.announcer.deliver_due()
        assert [s.target for s in matrix.sent] == ["bea"]
        assert console.sent == []  # no console any more: only its own reminder is not sent
