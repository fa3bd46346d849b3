"""A full disk on the console: the answer still comes, without its file, and no file is left cut.

The files are the same on both backends; a command whose write the database cannot take is
tested here with SQLite's write lock (sqlite_only) and in test_console_database_down.py with a
PostgreSQL server that goes away."""

from __future__ import annotations

import errno
import os
import sqlite3
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot import files
from bot.clock import FrozenClock
from bot.config import Config
from bot.hub import Hub
from bot.programme import Programme
from fronts.console import Console
from tests.support.announce import FakeOutbox, running_bot

pytestmark = pytest.mark.both_backends


@pytest.fixture
async def bot(programme: Programme, db: Path | str, clock: FrozenClock) -> AsyncIterator[Hub]:
    async with running_bot(Config(), programme, db, clock, FakeOutbox(), start=False) as hub:
        yield hub


async def _poll_with_a_vote(console: Console) -> None:
    started = await console.handle("@moderator /poll start Lunch at noon? | yes | no") or ""
    assert "1" in started
    await console.handle("@ana /vote 1 1")


async def test_poll_results_answer_without_the_chart_when_it_cannot_be_written(
    bot: Hub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "files"
    console = Console(bot, files_dir=folder)
    await _poll_with_a_vote(console)

    def full(fd: int, data: object) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(files.os, "write", full)
    answer = await console.handle("@ana /poll results 1") or ""
    assert "yes — 1 · 100 %" in answer  # the tally itself
    assert "[poll-1.png: not saved (No space left on device)" in answer
    assert "Something went wrong" not in answer
    assert list(folder.iterdir()) == []  # no 0-byte chart, no temporary file


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 64 KiB file system (needs root and mount; skipped elsewhere)."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip("cannot mount a tiny tmpfs here")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


async def test_a_really_full_disk_leaves_no_empty_or_cut_files(bot: Hub, tiny_disk: Path) -> None:
    filler = tiny_disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    with pytest.raises(OSError):
        while True:
            os.write(fd, b"x" * 512)
    os.close(fd)
    before = sorted(os.listdir(tiny_disk))
    console = Console(bot, files_dir=tiny_disk)
    await _poll_with_a_vote(console)
    for command in ("@ana /poll results 1", "@ana /ics all"):
        answer = await console.handle(command) or ""
        assert "not saved (No space left on device)" in answer, answer
    assert sorted(os.listdir(tiny_disk)) == before


@pytest.mark.sqlite_only(
    "another program holding SQLite's write lock; on PostgreSQL: test_console_database_down.py"
)
async def test_a_command_whose_write_cannot_be_saved_says_so_in_the_users_language(
    bot: Hub, db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    console = Console(bot)
    await console.handle("@ana /language es")
    await bot.store.database.conn.execute("PRAGMA busy_timeout = 50")  # type: ignore[attr-defined]
    other = sqlite3.connect(db_path, isolation_level=None)  # another program holds the lock
    other.execute("BEGIN IMMEDIATE")
    try:
        answer = await console.handle("@ana /timezone asia/kathmandu") or ""
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert answer.startswith("Ahora mismo no puedo guardar nada")
    assert "Algo ha fallado" not in answer
    [record] = [r for r in caplog.records if "could not save" in r.getMessage()]
    assert "database is locked" in record.getMessage() and record.exc_info is None
    after = await console.handle("@ana /timezone asia/kathmandu") or ""
    assert after.startswith("Zona horaria fijada: Asia/Kathmandu")  # saved once the lock is gone


def test_storage_failures_are_recognised_through_wrapping_exceptions() -> None:
    from bot.failures import storage_problem

    class Wrapper(Exception):  # as discord.py's CommandInvokeError keeps ``original``
        def __init__(self, original: BaseException) -> None:
            super().__init__("command raised")
            self.original = original

    full = sqlite3.OperationalError("database or disk is full")
    assert storage_problem(Wrapper(full)) == "database or disk is full"
    assert storage_problem(OSError(errno.ENOSPC, "No space left on device")) is not None
    assert storage_problem(OSError(errno.EROFS, "Read-only file system")) is not None
    assert storage_problem(sqlite3.IntegrityError("UNIQUE constraint failed")) is None
    assert storage_problem(ValueError("bug")) is None
