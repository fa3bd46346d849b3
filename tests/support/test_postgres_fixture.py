"""The throwaway PostgreSQL of the tests (tests/support/postgres.py)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from tests.support import postgres
from tests.support.postgres import PostgresServer, PostgresUnavailable, find_bin_dir

REPO = Path(__file__).resolve().parents[2]


def _refused(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return False
    except OSError:
        return True


def _listening(port: int) -> list[str]:
    """The local addresses (hex, as in /proc/net/tcp*) listening on ``port``."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            for line in f.readlines()[1:]:
                local, state = line.split()[1], line.split()[3]
                addr, hexport = local.rsplit(":", 1)
                if state == "0A" and int(hexport, 16) == port:
                    found.append(addr)
    return found


def _processes_using(root: Path) -> list[str]:
    """Live (not zombie) processes whose command line mentions ``root``."""
    out = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = (proc / "stat").read_text().split(") ", 1)[1][:1]
        except (OSError, IndexError):
            continue
        if str(root) in cmd and state != "Z":
            out.append(f"{proc.name}: {cmd}")
    return out


@pytest.fixture
def own_server(postgres_server: PostgresServer) -> Iterator[PostgresServer]:
    """A second, durable server of the test's own (stopped, killed, restarted at will)."""
    server = postgres.start_server(durable=True)
    yield server
    server.close()


async def test_server_accepts_an_asyncpg_connection_on_loopback(
    postgres_server: PostgresServer,
) -> None:
    assert postgres_server.dsn == f"postgresql://postgres@127.0.0.1:{postgres_server.port}/postgres"
    conn = await asyncpg.connect(postgres_server.dsn)
    try:
        assert await conn.fetchval("SELECT host(inet_server_addr())") == "127.0.0.1"
        assert await conn.fetchval("SHOW server_encoding") == "UTF8"
    finally:
        await conn.close()


async def test_new_databases_are_fresh_and_isolated(postgres_server: PostgresServer) -> None:
    first, second = postgres_server.new_database(), postgres_server.new_database()
    assert first != second
    a = await asyncpg.connect(first)
    b = await asyncpg.connect(second)
    try:
        tables = "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        assert await a.fetchval(tables) == 0
        await a.execute("CREATE TABLE only_here (x INTEGER)")
        assert await a.fetchval(tables) == 1
        assert await b.fetchval(tables) == 0
    finally:
        await a.close()
        await b.close()


async def test_a_named_database_and_a_bad_name(postgres_server: PostgresServer) -> None:
    url = postgres_server.new_database("named_db_1")
    assert url.endswith("/named_db_1")
    with pytest.raises(ValueError, match="lower-case"):
        postgres_server.new_database('x"; DROP DATABASE postgres; --')
    postgres_server.drop_database("named_db_1")
    with pytest.raises(asyncpg.InvalidCatalogNameError):
        await asyncpg.connect(url)


async def test_pg_url_is_an_empty_database(pg_url: str) -> None:
    conn = await asyncpg.connect(pg_url)
    try:
        assert await conn.fetchval("SELECT current_database()") == pg_url.rsplit("/", 1)[1]
        assert await conn.fetchval("SELECT count(*) FROM pg_tables WHERE schemaname='public'") == 0
    finally:
        await conn.close()


def test_it_listens_on_127_0_0_1_only(postgres_server: PostgresServer) -> None:
    port = postgres_server.port
    assert postgres_server.psql("SHOW listen_addresses") == "127.0.0.1"
    assert _listening(port) == ["0100007F"]  # 127.0.0.1; no 0.0.0.0, no ::
    assert not _refused("127.0.0.1", port)
    assert _refused("127.0.0.2", port)  # another loopback address: only a wildcard bind takes it


def test_test_cluster_is_fast_and_the_durable_one_keeps_defaults(
    postgres_server: PostgresServer, own_server: PostgresServer
) -> None:
    assert postgres_server.psql("SHOW fsync") == "off"
    assert postgres_server.psql("SHOW synchronous_commit") == "off"
    assert postgres_server.psql("SHOW full_page_writes") == "off"
    assert own_server.psql("SHOW fsync") == "on"
    assert own_server.psql("SHOW synchronous_commit") == "on"


def test_stop_leaves_no_process_and_close_removes_the_dir(own_server: PostgresServer) -> None:
    pid = own_server.pid
    assert pid is not None and own_server.running
    assert _processes_using(own_server.root)  # the postmaster names its data dir
    own_server.stop()
    assert not own_server.running
    assert _processes_using(own_server.root) == []
    assert _refused("127.0.0.1", own_server.port)
    own_server.close()
    assert not own_server.root.exists()


def test_kill_is_a_crash_and_restart_recovers_the_data(own_server: PostgresServer) -> None:
    own_server.psql("CREATE TABLE kept (x INTEGER); INSERT INTO kept VALUES (7)")
    own_server.kill()
    assert not own_server.running
    assert _processes_using(own_server.root) == []
    assert _refused("127.0.0.1", own_server.port)
    own_server.restart()
    assert own_server.psql("SELECT x FROM kept") == "7"
    assert "database system was interrupted" in own_server.log_tail(20_000)


def test_a_failed_start_raises_with_the_log_tail(postgres_server: PostgresServer) -> None:
    server = PostgresServer(settings={"shared_buffers": "'lots'"})
    try:
        with pytest.raises(RuntimeError, match="did not start") as info:
            server.start()
        assert "shared_buffers" in str(info.value)  # the server's own complaint, from its log
        assert not server.running
    finally:
        server.close()
    assert not server.root.exists()


# -- Where PostgreSQL cannot run: a clear skip, never a silent one ------------------------------


def test_no_binaries_in_an_empty_dir_says_where_it_looked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(postgres.BIN_ENV, raising=False)
    with pytest.raises(PostgresUnavailable, match="no PostgreSQL binaries"):
        find_bin_dir(path=str(tmp_path), fallback_glob=str(tmp_path / "*" / "bin"))
    monkeypatch.setenv(postgres.BIN_ENV, str(tmp_path))
    with pytest.raises(PostgresUnavailable, match=f"L4A_PG_BIN={tmp_path}"):
        find_bin_dir()


def test_root_without_a_postgres_user_is_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_user(name: str) -> None:
        raise KeyError(name)

    monkeypatch.setattr(postgres.os, "geteuid", lambda: 0)
    monkeypatch.setattr(postgres.pwd, "getpwnam", no_user)
    with pytest.raises(PostgresUnavailable, match="root and there is no 'postgres'"):
        postgres._run_as()


def test_a_failing_initdb_is_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    # A folder the postgres user can read too (pytest's tmp_path is root's only when root).
    fake = Path(tempfile.mkdtemp(prefix="l4a-fakepg-"))
    try:
        fake.chmod(0o755)
        for name in ("initdb", "pg_ctl", "psql"):
            (fake / name).write_text("#!/bin/sh\necho 'initdb: simulated failure' >&2\nexit 1\n")
            (fake / name).chmod(0o755)
        monkeypatch.setenv(postgres.BIN_ENV, str(fake))
        with pytest.raises(PostgresUnavailable, match=r"initdb failed.*simulated failure"):
            PostgresServer()
    finally:
        subprocess.run(["rm", "-rf", str(fake)], check=True)


def test_the_skip_reason_shows_in_the_pytest_summary(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    (tmp_path / "test_needs_pg.py").write_text("def test_needs_pg(postgres_server):\n    pass\n")
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    env = {**os.environ, postgres.BIN_ENV: str(empty), "PYTHONPATH": str(REPO)}
    got = subprocess.run(
        [sys.executable, "-m", "pytest", "-ra", "-p", "tests.support.postgres", "-p",
         "no:cacheprovider", "test_needs_pg.py"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert got.returncode == 0, got.stdout + got.stderr
    summary = got.stdout.split("short test summary info", 1)[-1]
    assert "SKIPPED [1]" in summary
    assert (
        f"PostgreSQL tests skipped: no PostgreSQL binaries (initdb, pg_ctl, psql) in "
        f"L4A_PG_BIN={empty}" in summary
    )


async def test_pg_store_url_is_a_fresh_copy_of_the_migrated_template(
    pg_store_url: str, postgres_server: PostgresServer, pg_template: str
) -> None:
    from bot.db.migrate import bundled_migrations, pg_schema_version

    conn = await asyncpg.connect(pg_store_url)
    try:
        latest = len(bundled_migrations("postgresql"))
        assert await pg_schema_version(conn) == latest
        await conn.execute("INSERT INTO users (front, user_id, created_at, updated_at)"
                           " VALUES ('console', 'ana', 'x', 'x')")  # fmt: skip
    finally:
        await conn.close()
    template = await asyncpg.connect(postgres_server.url(pg_template))
    try:  # the copy's rows never reach the template (nor the next test's copy)
        assert await template.fetchval("SELECT count(*) FROM users") == 0
    finally:
        await template.close()
