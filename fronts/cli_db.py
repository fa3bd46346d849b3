"""``l4a-bot db status`` and ``l4a-bot db migrate``: the database's schema against this bot's.

``--db`` (else ``[bot] database``) is a *target* string, turned into a backend in one place,
:func:`database_target`: today a SQLite file path; a ``postgresql://`` URL is refused with one
line until that backend exists (it plugs in there, with the same two methods).

``status`` exits 0 when the schema is up to date, 1 when migrations are pending, 2 when the
database cannot be used (missing, not this bot's, made by a newer bot). ``migrate`` applies the
pending migrations while holding the one-process lock (refused, one line, while a bot runs on
the database) and says what it applied.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import fcntl
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from bot.config import load_config
from bot.dbfile import ProcessLock, StoreError, inspect
from bot.health import redact_url
from bot.store import Migration, Store, bundled_migrations

EXIT_OK, EXIT_PENDING, EXIT_REFUSED = 0, 1, 2


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    db = sub.add_parser("db", help="the database's schema: status, migrate")
    actions = db.add_subparsers(dest="action", metavar="ACTION", required=True)
    for name, text in (
        ("status", "schema version, pending migrations, which bot holds it (exit 1: pending)"),
        ("migrate", "apply the pending migrations (refused while a bot runs on it)"),
    ):
        action = actions.add_parser(name, help=text)
        action.add_argument("--config", type=Path, help="TOML config file")
        action.add_argument(
            "--db", metavar="PATH", help="the database (default: the config's [bot] database)"
        )


@dataclass(frozen=True, slots=True)
class Status:
    database: str  # as shown (a URL without its password)
    backend: str
    version: int
    known: int
    pending: list[Migration]
    holder: str | None  # "pid 123 on host h" while a bot holds the database


class DatabaseTarget(Protocol):
    async def status(self) -> Status: ...

    async def migrate(self) -> tuple[list[Migration], int]:
        """Apply what is pending: ``(applied, schema version now)``."""
        ...


def database_target(target: str) -> DatabaseTarget:
    """The one place a ``--db`` value becomes a backend."""
    if "://" in target:
        scheme = target.split("://", 1)[0]
        raise StoreError(
            f"{redact_url(target)}: {scheme} databases are not supported by this bot yet "
            "(give a SQLite file path)"
        )
    return SqliteTarget(Path(target))


class SqliteTarget:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.migrations = bundled_migrations()
        self.known = max((m.version for m in self.migrations), default=0)

    async def status(self) -> Status:
        found = inspect(self.path, self.known, create=False)  # read-only; StoreError: one line
        return Status(
            database=str(self.path),
            backend="SQLite",
            version=found.version,
            known=self.known,
            pending=[m for m in self.migrations if m.version > found.version],
            holder=lock_holder(self.path),
        )

    async def migrate(self) -> tuple[list[Migration], int]:
        from bot.clock import SystemClock

        found = inspect(self.path, self.known, create=False)
        pending = [m for m in self.migrations if m.version > found.version]
        # Store.open holds the process lock (refused while a bot runs), migrates, stamps the
        # file as this bot's, and lets go when closed.
        store = await Store.open(self.path, SystemClock(), create=False, lock=True)
        await store.close()
        return pending, self.known


def lock_holder(db: Path) -> str | None:
    """Who holds ``db``'s one-process lock (``pid … on host …``), without taking it for longer
    than a test; ``None`` when no process does."""
    path = ProcessLock.path_for(db)
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None  # no lock file: no bot ever held it
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            holder = os.pread(fd, 200, 0).decode("utf-8", "replace").split()
            pid, host = [*holder, "?", "?"][:2]
            return f"pid {pid} on host {host}"
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def _names(migrations: list[Migration]) -> str:
    return ", ".join(f"{m.version:04d}_{m.name}" for m in migrations)


def cmd_db(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    target = args.db or str(config.bot.database)
    try:
        backend = database_target(target)
        if args.action == "status":
            return _status(asyncio.run(backend.status()))
        applied, version = asyncio.run(backend.migrate())
    except StoreError as exc:
        print(f"l4a-bot: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    shown = redact_url(target)
    if applied:
        print(f"{shown}: applied {_names(applied)}; schema version {version}")
    else:
        print(f"{shown}: nothing to apply; schema version {version} is up to date")
    return EXIT_OK


def _status(status: Status) -> int:
    print(f"database: {status.database} ({status.backend})")
    print(f"schema version: {status.version} (this bot knows {status.known})")
    if status.pending:
        print(f"pending migrations: {_names(status.pending)} (apply: l4a-bot db migrate)")
    else:
        print("pending migrations: none")
    print(f"in use: by {status.holder}" if status.holder else "in use: no")
    return EXIT_PENDING if status.pending else EXIT_OK
