"""Big programme files: refused over the documented size before parsing; a big file with one
error names it with its line; reading one while running never freezes the bot."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from bench.programme_gen import generate_programme_yaml
from bot.clock import FrozenClock
from bot.config import Config
from bot.programme import Programme, ProgrammeError, load_programme
from bot.programme import load as loader
from fronts.cli import main
from tests.support.announce import FakeOutbox, running_bot


@pytest.fixture(scope="module")
def big_with_one_error(programme: Programme, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """20,000 generated sessions (about 23 MB), one of which ends at 25:99."""
    text = generate_programme_yaml(programme, 20_000)
    i = text.index("end: ", len(text) // 2)
    text = text[:i] + 'end: "25:99"' + text[text.index("\n", i) :]
    path = tmp_path_factory.mktemp("big") / "schedule.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_one_error_among_20000_sessions_is_named_with_its_line(big_with_one_error: Path) -> None:
    text = big_with_one_error.read_text(encoding="utf-8")
    line = text.count("\n", 0, text.index('end: "25:99"')) + 1
    with pytest.raises(ProgrammeError) as caught:
        load_programme(big_with_one_error)
    [problem] = caught.value.lines()
    assert problem.startswith(f"{big_with_one_error}:{line}: session 'gen-")
    assert "end: '25:99' is not a time" in problem


def test_a_file_over_the_limit_is_refused_in_one_line_before_parsing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    huge = tmp_path / "schedule.yaml"
    with huge.open("wb") as f:
        f.write(b"sessions:\n")
        f.truncate(loader.MAX_FILE_BYTES + 5_000_000)  # 35 MB (a parse would take gigabytes)
    started = time.perf_counter()
    assert main(["check", str(huge)]) == 1
    assert time.perf_counter() - started < 5
    [line] = capsys.readouterr().out.splitlines()
    assert line == (
        f"{huge}:1: the file is 35.0 MB; programme files of at most 30 MB are read "
        "(20,000 sessions take about 23 MB)"
    )


async def test_reloading_a_big_bad_file_while_running_never_freezes_the_bot(
    programme: Programme, db_path: Path, big_with_one_error: Path
) -> None:
    clock = FrozenClock(programme.sessions[0].starts_at)
    async with running_bot(Config(), programme, db_path, clock, FakeOutbox()) as hub:
        announcer = hub.announcer
        assert announcer is not None
        longest = 0.0
        done = False

        async def ticker() -> None:
            nonlocal longest
            while not done:
                before = time.perf_counter()
                await asyncio.sleep(0.01)
                longest = max(longest, time.perf_counter() - before)

        ticking = asyncio.create_task(ticker())
        await asyncio.sleep(0.05)  # the ticker is running
        outcome = await hub.programmes.reload(big_with_one_error)
        done = True
        await ticking
        assert not outcome.ok and "25:99" in outcome.problems[0]
        assert hub.programme is not None and len(hub.programme.sessions) < 100  # kept
        assert longest < 2.0, f"the event loop stalled {longest:.1f} s"
