"""``fronts.runner``: the fronts run side by side; the first that fails stops the others."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import Config
from fronts.cli import build_parser
from fronts.runner import default_fronts, first_failure

REPO = Path(__file__).resolve().parents[2]


async def test_a_failing_front_stops_the_others_and_its_error_is_raised() -> None:
    stopped = asyncio.Event()

    async def forever() -> None:
        try:
            await asyncio.sleep(3600)
        finally:
            stopped.set()

    async def fails() -> None:
        await asyncio.sleep(0.01)
        raise RuntimeError("the homeserver rejected the token")

    # A runner that forgot to stop the others would wait here for an hour: bound it, so that
    # mistake fails this test in seconds instead of hanging it.
    async with asyncio.timeout(10):
        with pytest.raises(RuntimeError, match="rejected the token"):
            await first_failure([forever(), fails()])
    assert stopped.is_set()


async def test_fronts_that_end_quietly_end_the_run() -> None:
    async def quiet() -> None:
        await asyncio.sleep(0)

    ended: list[str] = []

    async def quiet_named(name: str) -> None:
        await quiet()
        ended.append(name)

    async with asyncio.timeout(10):
        await first_failure([quiet_named("console"), quiet_named("matrix")])
    assert sorted(ended) == ["console", "matrix"]


def test_run_front_console_on_sqlite_leads_at_once_and_answers_from_standard_input(
    tmp_path: Path,
) -> None:
    result = subprocess.run(
        [
            *(sys.executable, "-m", "bot", "run", "--front", "console"),
            *("--db", str(tmp_path / "bot.sqlite3"), "--clock", "2021-10-06T11:50:00+02:00"),
        ],
        input="/next 1\n",
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
        env={**os.environ, "LANG": "C.UTF-8"},
    )
    assert result.returncode == 0, result.stderr
    assert "hub-oct-6" in result.stdout  # the console answered; no Discord token was needed
    assert "standby" not in result.stderr  # one process on SQLite: always the leader


def test_run_front_discord_without_a_token_says_so(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run", "--front", "discord", "--db", str(tmp_path / "x")],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
        env=env,
    )
    assert result.returncode == 2
    assert "DISCORD_TOKEN is not set" in result.stderr


def test_run_refuses_an_unknown_front() -> None:
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args(["run", "--front", "telegram"])
    assert exc.value.code == 2


def test_default_fronts_are_what_the_config_enables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    assert default_fronts(Config()) == ["discord"]  # nothing else: Discord (then a token)
    web = Config.model_validate({"web": {"enabled": True}})
    assert default_fronts(web) == ["web"]
    monkeypatch.setenv("DISCORD_TOKEN", "x")
    assert default_fronts(web) == ["discord", "web"]
