"""``l4a-bot db status`` and ``l4a-bot db migrate`` (fronts/cli_db.py), through ``main()``."""

from __future__ import annotations

import asyncio
import os
import socket
from pathlib import Path

import pytest

from bot.clock import FrozenClock
from bot.dbfile import ProcessLock
from bot.store import Migration, Store, bundled_migrations
from fronts.cli import main
from tests.conftest import FORUM_MORNING


def make_db(path: Path, migrations: list[Migration]) -> None:
    async def create() -> None:
        store = await Store.open(path, FrozenClock(FORUM_MORNING), migrations)
        await store.close()

    asyncio.run(create())


def run(capsys: pytest.CaptureFixture[str], *words: str) -> tuple[int, list[str], list[str]]:
    code = main(["db", *words])
    out, err = capsys.readouterr()
    return code, out.splitlines(), err.splitlines()


def test_status_of_an_up_to_date_database_exits_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "bot.sqlite3"
    make_db(db, bundled_migrations())
    known = len(bundled_migrations())
    code, out, err = run(capsys, "status", "--db", str(db))
    assert code == 0 and err == []
    assert out == [
        f"database: {db} (SQLite)",
        f"schema version: {known} (this bot knows {known})",
        "pending migrations: none",
        "in use: no",
    ]


def test_pending_migrations_are_listed_then_applied_by_migrate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "old.sqlite3"
    bundled = bundled_migrations()
    make_db(db, bundled[:-2])  # a database of an older bot
    last_two = ", ".join(f"{m.version:04d}_{m.name}" for m in bundled[-2:])
    code, out, _ = run(capsys, "status", "--db", str(db))
    assert code == 1
    assert out[1] == f"schema version: {len(bundled) - 2} (this bot knows {len(bundled)})"
    assert out[2] == f"pending migrations: {last_two} (apply: l4a-bot db migrate)"
    code, out, err = run(capsys, "migrate", "--db", str(db))
    assert (code, err) == (0, [])
    assert out == [f"{db}: applied {last_two}; schema version {len(bundled)}"]
    assert run(capsys, "status", "--db", str(db))[0] == 0
    code, out, _ = run(capsys, "migrate", "--db", str(db))
    assert code == 0 and out == [
        f"{db}: nothing to apply; schema version {len(bundled)} is up to date"
    ]
    assert not ProcessLock.path_for(db).read_text()  # the lock was let go


def test_a_database_held_by_a_running_bot_is_shown_and_not_migrated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "live.sqlite3"
    make_db(db, bundled_migrations()[:-1])
    held = ProcessLock.acquire(db)  # the running bot
    try:
        code, out, _ = run(capsys, "status", "--db", str(db))
        assert code == 1
        assert out[-1] == f"in use: by pid {os.getpid()} on host {socket.gethostname()}"
        code, out, err = run(capsys, "migrate", "--db", str(db))
        assert code == 2 and out == [] and len(err) == 1
        assert f"is in use by pid {os.getpid()}" in err[0]
    finally:
        held.release()
    assert run(capsys, "status", "--db", str(db))[0] == 1  # still pending: nothing applied


def test_a_missing_database_is_refused_in_one_line_and_not_created(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "typo.sqlite3"
    for action in ("status", "migrate"):
        code, out, err = run(capsys, action, "--db", str(db))
        assert code == 2 and out == []
        assert err == [f"l4a-bot: no database at {db} (check the path; nothing was created)"]
    assert list(tmp_path.iterdir()) == []


def test_a_foreign_file_is_refused_and_left_untouched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "notes.sqlite3"
    other.write_bytes(b"not a database at all\n" * 10)
    for action in ("status", "migrate"):
        code, _, err = run(capsys, action, "--db", str(other))
        assert code == 2 and len(err) == 1 and "is not this bot's database" in err[0]
    assert other.read_bytes() == b"not a database at all\n" * 10


def test_a_database_of_a_newer_bot_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "new.sqlite3"
    future = Migration(len(bundled_migrations()) + 1, "future", "CREATE TABLE future (x);")
    make_db(db, [*bundled_migrations(), future])
    for action in ("status", "migrate"):
        code, _, err = run(capsys, action, "--db", str(db))
        assert code == 2 and len(err) == 1 and "made by a newer version of the bot" in err[0]


def test_a_postgresql_url_is_refused_without_showing_its_password(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "status", "--db", "postgresql://l4a:hunter2@db.example/forum")
    assert code == 2 and out == [] and len(err) == 1
    assert "hunter2" not in err[0] and "postgresql://l4a:***@db.example/forum" in err[0]


def test_the_database_defaults_to_the_configs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "configured.sqlite3"
    make_db(db, bundled_migrations())
    config = tmp_path / "c.toml"
    config.write_text(f'[bot]\ndatabase = "{db}"\n', encoding="utf-8")
    code, out, _ = run(capsys, "status", "--config", str(config))
    assert code == 0 and out[0] == f"database: {db} (SQLite)"


# -- PostgreSQL -------------------------------------------------------------------------------
def test_status_of_a_fresh_postgresql_database_lists_every_migration_then_migrate_applies_them(
    pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    known = len(bundled_migrations("postgresql"))
    code, out, _ = run(capsys, "status", "--db", pg_url)
    assert code == 1 and out[0].endswith("(PostgreSQL)") and out[1].startswith("schema version: 0")
    code, out, err = run(capsys, "migrate", "--db", pg_url)
    assert code == 0 and err == [] and out[0].endswith(f"schema version {known}")
    code, out, _ = run(capsys, "status", "--db", pg_url)
    assert code == 0 and "pending migrations: none" in out


def test_a_postgresql_password_never_shows_in_db_output(
    pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    secret_url = pg_url.replace("postgres@", "postgres:hunter2@")  # the test server trusts all
    for words in (("status", "--db", secret_url), ("migrate", "--db", secret_url)):
        run(capsys, *words)
    code, out, err = run(capsys, "status", "--db", secret_url)
    assert code == 0 and "hunter2" not in "\n".join(out + err) and "postgres:***@" in out[0]


def test_copy_moves_a_rehearsal_into_postgresql_once_and_refuses_a_second_time(
    tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "rehearsal.sqlite3"

    async def rehearse() -> None:
        store = await Store.open(db, FrozenClock(FORUM_MORNING))
        await store.set_zone("console", "ana", "Europe/Istanbul")
        await store.close()

    asyncio.run(rehearse())
    code, out, err = run(capsys, "copy", "--from", str(db), "--to", pg_url)
    assert code == 0 and err == [] and "users: 1 row" in out and out[-1].startswith("copied 1 rows")
    code, out, err = run(capsys, "copy", "--from", str(db), "--to", pg_url)
    assert code == 2 and out == [] and "already holds data (in users)" in err[0] and len(err) == 1


def test_copy_refuses_a_rehearsal_a_bot_still_runs_on(
    tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "rehearsal.sqlite3"
    make_db(db, bundled_migrations())
    held = ProcessLock.acquire(db)
    try:
        code, _, err = run(capsys, "copy", "--from", str(db), "--to", pg_url)
    finally:
        held.release()
    assert code == 2 and "in use by pid" in err[0] and len(err) == 1


def test_copy_into_a_sqlite_file_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "copy", "--from", "a.sqlite3", "--to", str(tmp_path / "b.sqlite3"))
    assert code == 2 and err == [
        f"l4a-bot: --to must be a postgresql:// URL, not {tmp_path / 'b.sqlite3'}"
    ]


def test_migrate_names_only_what_it_applied_when_another_process_migrated_meanwhile(
    pg_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Three `db migrate` (or bots starting) at once: the second used to print "applied …" for
    # what it had seen pending before it waited for the lock, though the first applied it.
    from bot.store import open_database
    from fronts.cli_db import PostgresTarget

    real_status = PostgresTarget.status

    async def status_then_a_bot_starts(self: PostgresTarget):  # type: ignore[no-untyped-def]
        seen = await real_status(self)
        database = await open_database(self.url)  # another process migrates meanwhile
        await database.close()
        return seen

    monkeypatch.setattr(PostgresTarget, "status", status_then_a_bot_starts)
    code, out, err = run(capsys, "migrate", "--db", pg_url)
    known = len(bundled_migrations("postgresql"))
    assert (code, err) == (0, [])
    assert out == [f"{pg_url}: nothing to apply; schema version {known} is up to date"]
