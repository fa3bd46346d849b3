"""The database file: only this bot's database is opened, by one long-running process at a time."""

from __future__ import annotations

import asyncio
import hashlib
import os
import signal
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.clock import FrozenClock
from bot.dbfile import APPLICATION_ID, ProcessLock
from bot.store import Store, StoreError, bundled_migrations

REPO = Path(__file__).resolve().parents[2]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def foreign_db(path: Path) -> Path:
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    db.execute("INSERT INTO notes (body) VALUES ('buy milk')")
    db.commit()
    db.close()
    return path


async def test_another_applications_database_is_refused_and_left_byte_for_byte(
    tmp_path: Path, clock: FrozenClock
) -> None:
    notes = foreign_db(tmp_path / "notes.sqlite3")
    before = digest(notes)
    with pytest.raises(StoreError) as caught:
        await Store.open(notes, clock)
    message = str(caught.value)
    assert "\n" not in message
    assert "is not this bot's database (it has tables notes)" in message
    assert digest(notes) == before
    assert sorted(os.listdir(tmp_path)) == ["notes.sqlite3"]  # no -wal, no -shm
    with sqlite3.connect(notes) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "delete"


async def test_a_file_that_is_not_a_database_is_refused_unchanged(
    tmp_path: Path, clock: FrozenClock
) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("my notes\n" * 200, encoding="utf-8")
    before = digest(text)
    with pytest.raises(StoreError, match="is not this bot's database"):
        await Store.open(text, clock)
    assert digest(text) == before


async def test_a_new_database_carries_the_bots_mark(db_path: Path, clock: FrozenClock) -> None:
    await (await Store.open(db_path, clock)).close()
    with sqlite3.connect(db_path) as db:
        assert db.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID


async def test_a_database_of_an_older_bot_without_the_mark_is_adopted_and_stamped(
    db_path: Path, clock: FrozenClock
) -> None:
    await (await Store.open(db_path, clock)).close()
    with sqlite3.connect(db_path) as db:
        db.execute("PRAGMA application_id = 0")  # as made before the mark existed
    store = await Store.open(db_path, clock)
    await store.set_zone("console", "ana", "Asia/Kathmandu")
    await store.close()
    with sqlite3.connect(db_path) as db:
        assert db.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID


async def test_a_missing_database_is_not_created_when_creating_is_not_allowed(
    tmp_path: Path, clock: FrozenClock
) -> None:
    typo = tmp_path / "dta" / "bot.sqlite3"
    with pytest.raises(StoreError, match="no database at"):
        await Store.open(typo, clock, create=False)
    assert not typo.parent.exists()


async def test_a_database_from_a_newer_bot_is_refused_in_one_line_untouched(
    db_path: Path, clock: FrozenClock
) -> None:
    await (await Store.open(db_path, clock)).close()
    newer = len(bundled_migrations()) + 1
    with sqlite3.connect(db_path) as db:
        db.execute("INSERT INTO schema_version VALUES (?, 'future', '2030-01-01')", (newer,))
    before = digest(db_path)
    with pytest.raises(StoreError) as caught:
        await Store.open(db_path, clock)
    assert "\n" not in str(caught.value)
    assert "was made by a newer version of the bot" in str(caught.value)
    assert digest(db_path) == before


HOLDER = """
import asyncio, sys
from bot.clock import SystemClock
from bot.store import Store

async def main():
    store = await Store.open(sys.argv[1], SystemClock(), lock=True)
    print("ready", flush=True)
    await asyncio.sleep(60)

asyncio.run(main())
"""


def test_a_second_process_is_refused_naming_the_holder_and_kill_9_frees_it(
    db_path: Path, clock: FrozenClock
) -> None:
    async def open_locked() -> Store:
        return await Store.open(db_path, clock, lock=True)

    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(db_path)], cwd=REPO, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        with pytest.raises(StoreError) as caught:
            asyncio.run(open_locked())
        assert str(caught.value).startswith(
            f"the database {db_path} is in use by pid {holder.pid} on host {socket.gethostname()}"
        )
    finally:
        os.kill(holder.pid, signal.SIGKILL)  # a crash: no clean-up runs
        holder.wait()
        holder.stdout.close()

    async def reopen() -> None:
        store = await open_locked()  # the kernel released the lock
        text = ProcessLock.path_for(db_path).read_text(encoding="utf-8")
        await store.close()
        assert text == f"{os.getpid()} {socket.gethostname()}\n"
        await (await open_locked()).close()  # a clean close released it too

    asyncio.run(reopen())


def test_the_console_on_a_database_in_use_exits_with_one_line(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from fronts import cli

    held = ProcessLock.acquire(db_path)
    try:
        code = cli.main(["console", "--db", str(db_path)])
    finally:
        held.release()
    err = capsys.readouterr().err
    assert code == cli.EXIT_INVALID
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"is in use by pid {os.getpid()} on host {socket.gethostname()}" in err


def test_plan_refuses_a_foreign_database_and_leaves_it_unchanged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from fronts import cli

    notes = foreign_db(tmp_path / "notes.sqlite3")
    before = digest(notes)
    code = cli.main(
        ["plan", "--from", "2021-10-08T11:00+02:00", "--to", "2021-10-08T14:00+02:00",
         "--db", str(notes)]
    )  # fmt: skip
    err = capsys.readouterr().err
    assert code == cli.EXIT_INVALID
    assert err.count("\n") == 1 and "is not this bot's database" in err
    assert digest(notes) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.sqlite3"]
