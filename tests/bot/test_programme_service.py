"""The programme service: base programme plus added sessions, reloads, and its subscribers."""

from __future__ import annotations

import ast
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from bot.announce.model import Change
from bot.clock import FrozenClock
from bot.config import BUNDLED_SCHEDULE
from bot.programme import Programme, Session
from bot.programme.service import ProgrammeService
from tests.bot.announce.test_reload import _moved_and_cancelled, _schedule

T = datetime(2021, 10, 6, 9, 40, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]


def _service(programme: Programme, path: Path) -> tuple[ProgrammeService, list[Programme], list]:
    service = ProgrammeService(programme, path, FrozenClock(T))
    seen: list[Programme] = []
    changes: list[list[Change]] = []

    async def told(c: list[Change]) -> None:
        changes.append(c)

    service.subscribe(seen.append)
    service.on_changes(told)
    return service, seen, changes


async def test_a_good_reload_tells_subscribers_and_keeps_added_sessions(
    programme: Programme, tmp_path: Path
) -> None:
    path = _schedule(tmp_path)
    service, seen, changes = _service(programme, path)
    hub_slot = programme.hub_slots()[0]

    async def extra(base: Programme) -> list[Session]:
        return [replace(hub_slot, id="added-1")] if base else []

    service.add_sessions(extra)
    await service.rebuild()
    assert "added-1" in service.current.by_id and "added-1" not in service.base.by_id
    _moved_and_cancelled(path)
    outcome = await service.reload()
    assert outcome.ok and outcome.changes
    assert seen[-1] is service.current and "added-1" in service.current.by_id
    assert "water-justice" not in service.current.by_id  # the new base
    assert changes == [outcome.changes]


async def test_a_broken_file_changes_nothing_and_tells_nobody(
    programme: Programme, tmp_path: Path
) -> None:
    path = tmp_path / "schedule.yaml"
    path.write_text("forum: [", encoding="utf-8")
    service, seen, changes = _service(programme, BUNDLED_SCHEDULE)
    outcome = await service.reload(path)
    assert not outcome.ok and outcome.problems
    assert service.current is programme and service.path == BUNDLED_SCHEDULE
    assert seen == [] and changes == []


async def test_the_file_watch_feeds_the_service_even_with_no_announcer(
    programme: Programme, tmp_path: Path
) -> None:
    path = _schedule(tmp_path)
    service, seen, _ = _service(programme, path)
    watch = service.file_watch(1.0)
    assert not await watch.check()
    _moved_and_cancelled(path)
    assert await watch.check()
    assert "water-justice" not in service.current.by_id and seen


def test_the_announcer_does_not_reach_into_proposals_or_load_the_programme() -> None:
    tree = ast.parse((ROOT / "bot/announce/announcer.py").read_text(encoding="utf-8"))
    imported = {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not {m for m in imported if m.startswith("bot.proposals")}
    source = (ROOT / "bot/announce/announcer.py").read_text(encoding="utf-8")
    assert "load_programme" not in source and "def reload" not in source
