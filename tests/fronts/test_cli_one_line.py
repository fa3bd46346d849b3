"""What an operator gets wrong is answered in one line on stderr, never with a traceback."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.clock import SystemClock
from bot.store import Store, bundled_migrations

REPO = Path(__file__).resolve().parents[2]


def run(*args: str, stdin: str = "/now\n") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
        env={**os.environ, "LANG": "C.UTF-8"},
    )


def one_line(result: subprocess.CompletedProcess[str], code: int) -> str:
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def make_db(path: Path) -> Path:
    async def main() -> None:
        await (await Store.open(path, SystemClock())).close()

    asyncio.run(main())
    return path


def test_a_config_path_that_is_a_directory(tmp_path: Path) -> None:
    line = one_line(run("console", "--config", str(tmp_path)), 2)
    assert line == f"l4a-bot: {tmp_path}: is a directory, not a config file"


def test_a_config_that_is_not_utf8(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_bytes('[bot]\ndefault_language = "es"  # español\n'.encode("latin-1"))
    line = one_line(run("console", "--config", str(config)), 2)
    assert line.startswith(f"l4a-bot: {config}: not UTF-8 text (byte 0xf1 at offset")


@pytest.mark.parametrize("speed", ["inf", "nan", "-inf", "0.0", "1e9"])
def test_a_clock_speed_that_is_not_a_sane_number(tmp_path: Path, speed: str) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f"[bot]\nclock_speed = {speed}\n", encoding="utf-8")
    line = one_line(run("console", "--config", str(config), "--db", str(tmp_path / "b")), 2)
    assert line.startswith(f"l4a-bot: {config}: bot.clock_speed: ")
    assert not (tmp_path / "b").exists()


def test_a_dm_pace_that_would_hold_reminders_back(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[announcements]\ndm_per_second = 0.01\n", encoding="utf-8")
    line = one_line(run("console", "--config", str(config)), 2)
    assert "announcements.dm_per_second: 0.01 private messages per second" in line


def test_a_database_from_a_newer_version(tmp_path: Path) -> None:
    db = make_db(tmp_path / "bot.sqlite3")
    with sqlite3.connect(db) as con:
        newer = len(bundled_migrations()) + 1
        con.execute("INSERT INTO schema_version VALUES (?, 'future', '2030-01-01')", (newer,))
    line = one_line(run("console", "--db", str(db)), 1)
    assert "was made by a newer version of the bot" in line


@pytest.mark.parametrize("depth", [340, 999, 5000])
def test_yaml_nested_very_deep(tmp_path: Path, depth: int) -> None:
    bomb = tmp_path / "schedule.yaml"
    bomb.write_text("forum: " + "[" * depth + "]" * depth + "\n", encoding="utf-8")
    result = run("check", str(bomb))
    assert result.returncode == 1 and "Traceback" not in result.stderr + result.stdout
    [line] = result.stdout.splitlines()
    assert line.startswith(f"{bomb}:1: ") and "nest" in line


@pytest.fixture
def read_only_folder(tmp_path: Path) -> Iterator[Path]:
    """The bot's database on a read-only mount (root can write any file, so chmod would not do)."""
    source = tmp_path / "data"
    make_db(source / "bot.sqlite3")
    mount = tmp_path / "ro"
    mount.mkdir()
    bound = subprocess.run(["mount", "--bind", str(source), str(mount)], capture_output=True)
    if bound.returncode != 0:
        pytest.skip("cannot bind-mount here")
    try:
        subprocess.run(["mount", "-o", "remount,ro,bind", str(mount)], check=True)
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def test_a_read_only_database(read_only_folder: Path) -> None:
    db = read_only_folder / "bot.sqlite3"
    line = one_line(run("console", "--db", str(db)), 1)
    assert line.startswith(f"l4a-bot: cannot open the database {db}: ")
    assert "Read-only file system" in line
    plan = run("plan", "--from", "2021-10-06T11:00+02:00", "--to", "2021-10-06T12:00+02:00",
               "--db", str(db))  # fmt: skip
    assert "must be able to write the file and its folder" in one_line(plan, 1)
