"""The supervisor: the one owner of background tasks and periodic jobs."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.clock import RehearsalClock
from bot.config import Config
from bot.programme import Programme
from bot.supervisor import Supervisor
from tests.support.announce import FakeOutbox, running_bot


async def _forever() -> None:
    await asyncio.Event().wait()


async def _nothing() -> None:
    return None


async def test_stopping_one_front_leaves_another_fronts_work_running() -> None:
    supervisor = Supervisor()
    matrix = supervisor.spawn(_forever(), name="matrix-sync", owner="matrix")
    discord = supervisor.spawn(_forever(), name="discord-sync", owner="discord")
    supervisor.every("matrix-tick", 3600, _nothing, owner="matrix")
    supervisor.every("discord-tick", 3600, _nothing, owner="discord")
    await asyncio.sleep(0)
    await supervisor.stop_owner("matrix")
    assert matrix.cancelled()
    assert not discord.done() and supervisor.tasks() == [discord]
    assert supervisor.jobs() == {"discord-tick"}
    await supervisor.stop()


async def test_stop_leaves_no_task_or_job_behind() -> None:
    supervisor = Supervisor()
    tasks = [supervisor.spawn(_forever(), name=f"t{i}", owner=f"front{i}") for i in range(3)]
    supervisor.every("tick", 3600, _nothing)
    await supervisor.stop()
    assert all(t.done() for t in tasks) and supervisor.tasks() == []
    assert supervisor.jobs() == set() and not supervisor.scheduler.running


@pytest.mark.expect_logged_errors
async def test_a_failing_periodic_job_is_logged_and_runs_again(
    caplog: pytest.LogCaptureFixture,
) -> None:
    supervisor = Supervisor()
    runs = 0

    async def flaky() -> None:
        nonlocal runs
        runs += 1
        raise RuntimeError("boom")

    supervisor.every("flaky", 0.05, flaky)
    for _ in range(100):
        if runs >= 2:
            break
        await asyncio.sleep(0.02)
    await supervisor.stop()
    assert runs >= 2
    assert "periodic job flaky failed" in caplog.text


async def test_every_periodic_job_of_a_running_bot_is_in_the_one_scheduler(
    programme: Programme, db_path: Path, tmp_path: Path
) -> None:
    schedule = tmp_path / "schedule.yaml"
    schedule.write_text(Config().bot.schedule.read_text(encoding="utf-8"), encoding="utf-8")
    clock = RehearsalClock(datetime(2021, 10, 6, 9, 0, tzinfo=UTC), 1.0)
    async with running_bot(
        Config(), programme, db_path, clock, FakeOutbox(), schedule=schedule
    ) as hub:
        supervisor = hub.supervisor
        assert "schedule-watch" in supervisor.jobs()
        held = {job.id for job in supervisor.scheduler.get_jobs()}
        assert "schedule-watch" in held
        assert any(j.startswith("due:") for j in held)  # the announcer's jobs share it
        assert hub.announcer is not None
        await hub.announcer.stop()
        assert supervisor.jobs() == set() and supervisor.tasks("announcer") == []
