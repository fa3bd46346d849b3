"""Several processes on one PostgreSQL database keep no stale caches: a /reload, an approved
proposal, a proposal sent, a user found unreachable in one process reach the others."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.clock import FrozenClock
from bot.commands import dispatch
from bot.config import BUNDLED_SCHEDULE
from bot.programme import Programme
from bot.proposals.sessions import rebuild_programme
from bot.shared import proposal_changed
from tests.bot.test_lease import process
from tests.support.announce import person

T = datetime(2021, 10, 6, 9, 40, tzinfo=UTC)


async def _eventually(check: Callable[[], object], within: float = 5.0) -> None:
    end = time.monotonic() + within
    while not check():
        if time.monotonic() > end:
            pytest.fail(f"not within {within} s")
        await asyncio.sleep(0.02)


async def test_a_reload_in_one_process_reloads_the_programme_in_the_others(
    pg_url: str, tmp_path: Path, programme: Programme
) -> None:
    schedule = tmp_path / "schedule.yaml"
    schedule.write_text(BUNDLED_SCHEDULE.read_text(encoding="utf-8"), encoding="utf-8")
    clock = FrozenClock(T)
    async with (
        process(pg_url, tmp_path, "a", programme, clock) as a,
        process(pg_url, tmp_path, "b", programme, clock) as b,
    ):
        for hub in (a, b):
            hub.schedule_path = schedule
        before = b.programme.by_id["opening-plenary"].starts_at
        text = schedule.read_text(encoding="utf-8")
        head, _, rest = text.partition("  - id: opening-plenary\n")
        rest = rest.replace('start: "13:30"', 'start: "14:00"', 1)
        schedule.write_text(head + "  - id: opening-plenary\n" + rest, encoding="utf-8")
        await dispatch(a, person("mod", moderator=True), "/", "reload", "")
        await _eventually(lambda: b.programme.by_id["opening-plenary"].starts_at != before)
        moved = b.programme.by_id["opening-plenary"].starts_at
        assert moved is not None and before is not None
        assert (moved - before).total_seconds() == 30 * 60


async def test_an_approval_rebuilds_the_others_programme_and_proposals_reach_their_queues(
    pg_url: str, tmp_path: Path, programme: Programme
) -> None:
    clock = FrozenClock(T)
    async with (
        process(pg_url, tmp_path, "a", programme, clock) as a,
        process(pg_url, tmp_path, "b", programme, clock) as b,
    ):
        rebuilt: list[int] = []
        real = b.programmes.rebuild

        async def counted() -> Programme:
            rebuilt.append(1)
            return await real()

        b.programmes.rebuild = counted  # type: ignore[method-assign]
        await rebuild_programme(a)  # what an approval does
        await _eventually(lambda: rebuilt)

        heard: dict[str, list[int]] = {"a": [], "b": []}
        for name, hub in (("a", a), ("b", b)):

            async def listener(pid: int, name: str = name) -> None:
                heard[name].append(pid)

            hub.proposal_listeners.append(listener)
        await proposal_changed(a, 7)  # sent on A's web front
        await _eventually(lambda: heard["b"])
        await asyncio.sleep(0.3)  # A's own notice comes back too: ignored
        assert heard == {"a": [7], "b": [7]}


async def test_a_user_found_unreachable_in_one_process_is_known_in_the_others(
    pg_url: str, tmp_path: Path, programme: Programme
) -> None:
    clock = FrozenClock(T)
    async with (
        process(pg_url, tmp_path, "a", programme, clock) as a,
        process(pg_url, tmp_path, "b", programme, clock) as b,
    ):
        await a.announcer.repo.note_closed("console", "bo", "closed DMs", T)
        await _eventually(lambda: b.announcer.is_closed("console", "bo"))
        await a.announcer.repo.clear_closed("console", "bo")
        await _eventually(lambda: not b.announcer.is_closed("console", "bo"))
