"""The announcer running: plan == delivered, rehearsal clock through the real scheduler, jobs
rebuilt without duplicates, and a big fan-out that leaves commands answering."""

from __future__ import annotations

import asyncio
import contextlib
import io
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.announce import follows
from bot.clock import FrozenClock, RehearsalClock
from bot.commands import dispatch
from bot.config import Config
from bot.programme import Programme
from fronts import cli
from fronts.app import open_hub
from fronts.console import Console
from tests.support.announce import FakeOutbox, person, running_bot
from tests.support.db import executemany

pytestmark = pytest.mark.both_backends

START = datetime(2021, 10, 6, 9, 30, tzinfo=UTC)  # 11:30 CEST, day 2
END = datetime(2021, 10, 6, 16, 0, tzinfo=UTC)


async def test_plan_lists_exactly_what_is_then_delivered(
    programme: Programme, db: Path | str, capsys: object
) -> None:
    config = Config()
    clock = FrozenClock(START)
    async with running_bot(config, programme, db, clock, FakeOutbox(), start=False) as hub:
        await follows.remind(hub.context(person("ana")), "all")
        await follows.remind(hub.context(person("bea")), "kind:plenary 30")
        await follows.remind(hub.context(person("kai")), "hub-oct-6 0")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = await asyncio.to_thread(
            cli.main,
            ["plan", "--from", START.isoformat(), "--to", END.isoformat(), "--db", str(db)],
        )
    assert code == 0
    lines = out.getvalue().splitlines()
    planned = [line.split()[-1] for line in lines[:-1]]
    assert lines[-1].startswith(f"{len(planned)} delivery(ies) from 2021-10-06 11:30 CEST")
    assert "2021-10-06 13:00 CEST  2021-10-06T11:00Z  remind" in out.getvalue()  # bea, 30 min

    outbox = FakeOutbox()
    async with running_bot(config, programme, db, clock, outbox) as hub:
        while clock.now() < END:
            await hub.announcer.deliver_due()  # type: ignore[union-attr]
            clock.advance(timedelta(minutes=1))
    assert outbox.keys() == planned
    assert len(planned) == 11  # 3 sessions x 2 announcements, ana x 3, bea x 1, kai x 1


async def test_a_rehearsal_clock_brings_the_reminder_at_the_right_local_time(
    db: Path | str,
) -> None:
    # 11:49:30 CEST running 60 times faster: the 11:50 reminder is due half a real second later,
    # time enough for the two commands before it even on a busy machine.
    clock = RehearsalClock(datetime(2021, 10, 6, 9, 49, 30, tzinfo=UTC), speed=60)
    async with open_hub(Config(), clock, db=db) as hub:
        console = Console(hub)
        await console.handle("@ana /timezone asia/kathmandu")
        await console.handle("@ana /remind hub-oct-6")
        assert hub.announcer is not None
        await hub.announcer.start()
        for _ in range(1000):
            if any("✉ @ana" in a for a in console.announcements):
                break
            await asyncio.sleep(0.01)
        (reminder,) = [a for a in console.announcements if "✉ @ana" in a]
        assert reminder.startswith("[2021-10-06 11:50 CEST] ✉ @ana:")
        assert "3:45 PM–4:30 PM UTC+05:45" in reminder.replace("\u202f", " ")


async def test_rebuilding_replaces_jobs_instead_of_adding_more(
    programme: Programme, db: Path | str
) -> None:
    clock = RehearsalClock(START, speed=1)
    async with running_bot(Config(), programme, db, clock, FakeOutbox()) as hub:
        announcer = hub.announcer
        assert announcer is not None
        await follows.remind(hub.context(person("ana")), "all 7")
        scheduler = announcer.jobs._scheduler
        assert scheduler is not None
        ids = sorted(j.id for j in scheduler.get_jobs())
        assert "due:20211006T0953Z" in ids  # ana's 7-minute reminder of the 12:00 session
        await announcer._replan()
        await announcer._replan()
        assert sorted(j.id for j in scheduler.get_jobs()) == ids
        await follows.unremind(hub.context(person("ana")), "all")
        await announcer._replan()
        assert "due:20211006T0953Z" not in {j.id for j in scheduler.get_jobs()}


async def test_ten_thousand_reminders_do_not_delay_a_command(
    programme: Programme, db: Path | str
) -> None:
    clock = FrozenClock(START)
    async with running_bot(Config(), programme, db, clock, FakeOutbox(), start=False):
        pass
    await executemany(
        db,
        "INSERT INTO announce_follows"
        " (front, user_id, target_type, target, lead_minutes, since, locale) VALUES"
        " ('console', ?, 'session', 'hub-oct-6', 10, ?, NULL)",
        [(f"user{i}", START.isoformat()) for i in range(10_000)],
    )
    config = Config.model_validate({"announcements": {"dm_per_second": 0}})
    outbox = FakeOutbox()
    async with running_bot(config, programme, db, clock, outbox) as hub:
        announcer = hub.announcer
        assert announcer is not None
        clock.set(datetime(2021, 10, 6, 9, 50, tzinfo=UTC))
        fan_out = asyncio.create_task(announcer.run_due())
        await asyncio.sleep(0.02)
        began = time.perf_counter()
        answer = await dispatch(hub, person("zoe"), "/", "next", "")
        waited = time.perf_counter() - began
        in_flight = 10_000 - len([s for s in outbox.sent if s.kind == "direct"])
        await fan_out
        await announcer.drain()
    assert answer.ok and waited < 0.25, waited
    assert in_flight > 0, "the fan-out had finished before the command: nothing was proven"
    reminders = [s.key for s in outbox.sent if s.kind == "direct"]
    assert len(reminders) == 10_000 and len(set(reminders)) == 10_000
