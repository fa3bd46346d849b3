"""A throwaway PostgreSQL for the tests and benches: 127.0.0.1 only, a free port, a temp dir.

:class:`PostgresServer` finds Debian's binaries (``initdb`` on ``PATH``, else the newest
``/usr/lib/postgresql/*/bin``; ``L4A_PG_BIN`` names the folder explicitly), makes a cluster with
``initdb`` in a fresh temp dir, starts it with ``pg_ctl -w start`` (TCP on 127.0.0.1 only, its
unix socket in the temp dir) and stops it with ``pg_ctl stop -m fast`` (the postmaster's process
group is killed if that fails). ``initdb`` refuses to run as root: as root every binary runs as
the ``postgres`` system user, which owns the temp dir. Unless ``durable=True`` the cluster trades
crash safety for speed (``fsync``, ``synchronous_commit``, ``full_page_writes`` off).

The session fixture :func:`postgres_server` (used through ``tests/conftest.py``) starts one per
test session, only when a test asks for it, and skips those tests, saying why, where PostgreSQL
cannot run here. :func:`pg_url` gives each test a fresh empty database (dropped afterwards),
:func:`pg_store_url` one already migrated (a copy of a template migrated once per session).

Everything here is synchronous (``subprocess`` and ``psql``), so session-scoped set-up needs no
event loop.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import glob
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

START_TIMEOUT = 60  # seconds; measured well under 1 s here, CI machines may be slower
BIN_ENV = "L4A_PG_BIN"  # a folder holding initdb, pg_ctl and psql (overrides the search)
_BIN_GLOB = "/usr/lib/postgresql/*/bin"
_FAST = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}
_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_LIVE: set[PostgresServer] = set()  # stopped at exit too (Ctrl-C, a crashed session)


class PostgresUnavailable(RuntimeError):
    """PostgreSQL cannot run on this machine (no binaries, or no user to run them as)."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _version_key(folder: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", folder)) or (0,)


def find_bin_dir(path: str | None = None, fallback_glob: str | None = _BIN_GLOB) -> Path:
    """The folder of ``initdb``: ``$L4A_PG_BIN`` if set, else ``initdb`` on ``path`` (default
    ``PATH``, symlinks followed), else the newest ``fallback_glob`` match.

    Raises :class:`PostgresUnavailable` saying where it looked."""
    explicit = os.environ.get(BIN_ENV)
    if explicit:
        candidates = [explicit]
        where = f"{BIN_ENV}={explicit}"
    else:
        found = shutil.which("initdb", path=path)
        candidates = [str(Path(found).resolve().parent)] if found else []
        if fallback_glob:
            candidates += sorted(glob.glob(fallback_glob), key=_version_key, reverse=True)
        where = f"PATH and {fallback_glob}" if fallback_glob else "PATH"
    for folder in candidates:
        if all(os.access(Path(folder, b), os.X_OK) for b in ("initdb", "pg_ctl", "psql")):
            return Path(folder)
    raise PostgresUnavailable(
        f"no PostgreSQL binaries (initdb, pg_ctl, psql) in {where}: "
        "install Debian's postgresql package (make test does it as root)"
    )


def _run_as() -> pwd.struct_passwd | None:
    """The user to run the binaries as: ``postgres`` when we are root, else ourselves (None)."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam("postgres")
    except KeyError:
        raise PostgresUnavailable(
            "running as root and there is no 'postgres' system user: initdb refuses to run as "
            "root (install Debian's postgresql package, or run the tests as another user)"
        ) from None


class PostgresServer:
    """One throwaway cluster. ``start`` / ``stop`` / ``kill`` / ``restart`` / ``close``."""

    def __init__(
        self,
        *,
        durable: bool = False,
        port: int | None = None,
        bin_dir: Path | None = None,
        settings: dict[str, str] | None = None,
    ) -> None:
        self.bin_dir = bin_dir or find_bin_dir()
        self.user = _run_as()
        self.port = port or free_port()
        self.durable = durable
        self.root = Path(tempfile.mkdtemp(prefix="l4a-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self._settings = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(self.port),
            "unix_socket_directories": f"'{self.root}'",
            "max_connections": "200",
            "logging_collector": "off",
            **({} if durable else _FAST),
            **(settings or {}),
        }
        if self.user is not None:
            os.chown(self.root, self.user.pw_uid, self.user.pw_gid)
            self.root.chmod(0o755)  # root reads the log; postgres owns everything in it
        _LIVE.add(self)
        try:
            self._initdb()
        except BaseException:
            self.close()  # no temp dir left behind
            raise

    # -- process --------------------------------------------------------------------------
    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env.update(LC_ALL="C", LANG="C", TZ="UTC")
        if self.user is not None:
            env.update(HOME=self.user.pw_dir, USER="postgres", LOGNAME="postgres")
        return env

    def _run(self, *args: str, timeout: float = START_TIMEOUT) -> subprocess.CompletedProcess[str]:
        """Run one of the binaries (as ``postgres`` when we are root); never raises on exit code."""
        user: dict[str, Any] = {}
        if self.user is not None:
            user = {"user": self.user.pw_uid, "group": self.user.pw_gid, "extra_groups": []}
        return subprocess.run(
            [str(self.bin_dir / args[0]), *args[1:]],
            cwd=self.root,
            env=self._env(),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            start_new_session=True,  # a Ctrl-C in the terminal never reaches the server
            **user,
        )

    def _initdb(self) -> None:
        try:
            got = self._run(
                "initdb", "-D", str(self.data), "--auth=trust", "-U", "postgres",
                "--encoding=UTF8", "--no-locale", "--no-sync",
            )  # fmt: skip
        except OSError as exc:  # e.g. the postgres user may not read the binaries' folder
            raise PostgresUnavailable(f"initdb could not run: {exc}") from None
        if got.returncode != 0:
            raise PostgresUnavailable(
                f"initdb failed (exit {got.returncode}): "
                f"{(got.stderr or got.stdout).strip()[-800:]}"
            )
        conf = "".join(f"{k} = {v}\n" for k, v in self._settings.items())
        with (self.data / "postgresql.conf").open("a", encoding="utf-8") as f:
            f.write("\n# tests/support/postgres.py\n" + conf)

    def start(self) -> None:
        got = self._run(
            "pg_ctl", "start", "-w", "-t", str(START_TIMEOUT), "-D", str(self.data),
            "-l", str(self.log), timeout=START_TIMEOUT + 10,
        )  # fmt: skip
        if got.returncode != 0:
            self.kill()
            raise RuntimeError(
                f"PostgreSQL did not start on 127.0.0.1:{self.port} within {START_TIMEOUT} s "
                f"(pg_ctl exit {got.returncode}: {got.stderr.strip()}); "
                f"log tail:\n{self.log_tail()}"
            )

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError as exc:
            return f"(no log: {exc})"

    @property
    def pid(self) -> int | None:
        """The postmaster's process id while its pid file exists."""
        try:
            return int((self.data / "postmaster.pid").read_text().split("\n", 1)[0])
        except (OSError, ValueError):
            return None

    @property
    def running(self) -> bool:
        pid = self.pid
        return pid is not None and _alive(pid)

    def stop(self) -> None:
        """A clean shutdown (``pg_ctl stop -m fast``); the data stays for ``start``."""
        if not self.running:
            return
        got = self._run("pg_ctl", "stop", "-w", "-m", "fast", "-D", str(self.data), timeout=30)
        if got.returncode != 0 or self.running:
            self.kill()

    def kill(self) -> None:
        """``kill -9`` of the postmaster and its backends (its own process group), as a crash."""
        pid = self.pid
        if pid is None:
            return
        for target in (
            lambda: os.killpg(pid, signal.SIGKILL),
            lambda: os.kill(pid, signal.SIGKILL),
        ):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                target()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and _alive(pid):
            time.sleep(0.02)
        # Where no init reaps the dead postmaster its zombie keeps its pid, and a new postmaster
        # would take the lock files for a live server's: they go with the process.
        for lock in (self.data / "postmaster.pid", *self.root.glob(".s.PGSQL.*.lock")):
            lock.unlink(missing_ok=True)

    def restart(self) -> None:
        """Stop (if running) and start again on the same data and port."""
        self.stop()
        self.start()

    def close(self) -> None:
        """Stop and remove the temp dir (the cluster is gone)."""
        try:
            self.stop()
        finally:
            _LIVE.discard(self)
            shutil.rmtree(self.root, ignore_errors=True)

    # -- databases ------------------------------------------------------------------------
    @property
    def dsn(self) -> str:
        return self.url("postgres")

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def psql(self, sql: str, database: str = "postgres") -> str:
        """Run ``sql`` through ``psql`` (stops at the first error); its unaligned output."""
        got = self._run(
            "psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
            "-d", self.url(database), "-c", sql, timeout=60,
        )  # fmt: skip
        if got.returncode != 0:
            raise RuntimeError(f"psql failed: {got.stderr.strip()}")
        return got.stdout.strip()

    def new_database(self, name: str | None = None, *, template: str | None = None) -> str:
        """The URL of a fresh database (``name`` or a random one): empty, or a copy of the
        database ``template`` (which nobody may be connected to meanwhile)."""
        name = name or f"t_{secrets.token_hex(6)}"
        for checked in (name, template or name):
            if not _NAME.match(checked):
                raise ValueError(f"database name {checked!r}: lower-case letters, digits, _ only")
        copy = f' TEMPLATE "{template}"' if template else ""
        self.psql(f'CREATE DATABASE "{name}"{copy}')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drop ``name``, ending its connections (``WITH (FORCE)``)."""
        if not _NAME.match(name):
            raise ValueError(f"database name {name!r}: lower-case letters, digits and _ only")
        self.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie (killed, not yet reaped by a container's init) is dead for this purpose
    with contextlib.suppress(OSError, IndexError):
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][:1] != "Z"
    return True


@atexit.register
def _close_all() -> None:
    for server in list(_LIVE):
        with contextlib.suppress(Exception):
            server.close()


def start_server(*, durable: bool = False) -> PostgresServer:
    """A started server; :class:`PostgresUnavailable` if PostgreSQL cannot run here."""
    server = PostgresServer(durable=durable)
    try:
        server.start()
    except BaseException:
        server.close()
        raise
    return server


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One PostgreSQL for the whole session, closed at the end; skips (saying why) the tests
    asking for it where PostgreSQL cannot run here."""
    try:
        server = start_server()
    except PostgresUnavailable as exc:
        pytest.skip(f"PostgreSQL tests skipped: {exc}")
    try:
        yield server
    finally:
        server.close()


def migrate_in_thread(url: str) -> None:
    """Bring the database at ``url`` to the bot's schema (on a loop of its own, in a thread, so
    a synchronous fixture may do it whatever loop the tests run)."""
    from bot.store import open_database

    async def migrate() -> None:
        await (await open_database(url)).close()

    failed: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(migrate())
        except BaseException as exc:
            failed.append(exc)

    worker = threading.Thread(target=run, name="pg-template")
    worker.start()
    worker.join()
    if failed:
        raise failed[0]


@pytest.fixture(scope="session")
def pg_template(postgres_server: PostgresServer) -> str:
    """The name of a database migrated to the bot's schema once per session: fresh migrated
    databases are copies of it (``CREATE DATABASE … TEMPLATE``: 10x faster than migrating)."""
    name = f"l4a_migrated_{secrets.token_hex(3)}"
    migrate_in_thread(postgres_server.new_database(name))
    return name


@pytest.fixture
def pg_store_url(postgres_server: PostgresServer, pg_template: str) -> Iterator[str]:
    """A fresh database already at the bot's schema (a copy of :func:`pg_template`), dropped
    after the test."""
    url = postgres_server.new_database(template=pg_template)
    yield url
    postgres_server.drop_database(url.rsplit("/", 1)[1])


@pytest.fixture
def pg_url(postgres_server: PostgresServer) -> Iterator[str]:
    """A fresh empty database on the session's server, dropped after the test."""
    url = postgres_server.new_database()
    yield url
    postgres_server.drop_database(url.rsplit("/", 1)[1])
