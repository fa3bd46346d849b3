"""``l4a-bot db status|migrate|copy``: the database's schema against this bot's, and a
rehearsal's SQLite database copied into the live PostgreSQL one.

``--db`` (else ``[store] url``, ``L4A_DATABASE_URL``, ``[bot] database``) is turned into a
backend in one place, :func:`backend_for`: a SQLite file or a PostgreSQL database.

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
from bot.db import DatabaseTarget
from bot.db.target import redact as redact_url
from bot.dbfile import ProcessLock, StoreError, inspect
from bot.store import Migration, Store, bundled_migrations

EXIT_OK, EXIT_PENDING, EXIT_REFUSED = 0, 1, 2


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    db = sub.add_parser("db", help="the database: status, migrate, copy")
    actions = db.add_subparsers(dest="action", metavar="ACTION", required=True)
    for name, text in (
        ("status", "schema version, pending migrations, which bot holds it (exit 1: pending)"),
        ("migrate", "apply the pending migrations (refused while a bot runs on it)"),
    ):
        action = actions.add_parser(name, help=text)
        action.add_argument("--config", type=Path, help="TOML config file")
        action.add_argument(
            "--db", metavar="PATH|URL", help="the database: a SQLite file or postgresql:// URL"
        )
    copy = actions.add_parser(
        "copy", help="copy a database (a rehearsal's SQLite file) into a fresh PostgreSQL one"
    )
    copy.add_argument("--from", dest="source", required=True, metavar="PATH|URL")
    copy.add_argument("--to", dest="target", required=True, metavar="URL")


@dataclass(frozen=True, slots=True)
class Status:
    database: str  # as shown (a URL without its password)
    backend: str
    version: int
    known: int
    pending: list[Migration]
    holder: str | None  # "pid 123 on host h" while a bot holds the database


class Backend(Protocol):
    async def status(self) -> Status: ...

    async def migrate(self) -> tuple[list[Migration], int]:
        """Apply what is pending: ``(applied, schema version now)``."""
        ...


def backend_for(target: DatabaseTarget) -> Backend:
    """The one place a database target becomes a backend."""
    if target.url is not None:
        return PostgresTarget(target.url)
    assert target.path is not None
    return SqliteTarget(target.path)


class PostgresTarget:
    def __init__(self, url: str) -> None:
        self.url = url
        self.migrations = bundled_migrations("postgresql")
        self.known = max((m.version for m in self.migrations), default=0)

    async def status(self) -> Status:
        import asyncpg

        from bot.db.migrate import pg_schema_version

        try:
            conn = await asyncpg.connect(self.url)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            from bot.db.postgres import error_text

            reason = error_text(exc, self.url)
            raise StoreError(f"cannot open the database {redact_url(self.url)}: {reason}") from None
        try:
            try:
                version = await pg_schema_version(conn) or 0
            except RuntimeError as exc:
                raise StoreError(f"{redact_url(self.url)}: {exc}") from None
            others = await conn.fetchval(
                "SELECT COUNT(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        finally:
            await conn.close()
        if version > self.known:
            raise StoreError(
                f"{redact_url(self.url)} was made by a newer version of the bot (schema "
                f"{version}, this one knows {self.known}): upgrade the bot"
            )
        return Status(
            database=redact_url(self.url),
            backend="PostgreSQL",
            version=version,
            known=self.known,
            pending=[m for m in self.migrations if m.version > version],
            holder=f"{others} other connection(s)" if others else None,
        )

    async def migrate(self) -> tuple[list[Migration], int]:
        import asyncpg

        from bot.db.migrate import migrate_postgresql
        from bot.db.postgres import error_text

        await self.status()  # refuses another application's or a newer bot's database
        applied: list[Migration] = []
        try:
            conn = await asyncpg.connect(self.url)
            try:
                # Under the advisory lock a starting bot takes: what another process applied
                # meanwhile (a bot starting, a second `db migrate`) is not claimed as ours.
                await migrate_postgresql(conn, self.migrations, applied=applied)
            finally:
                await conn.close()
        except (RuntimeError, OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise StoreError(f"{redact_url(self.url)}: {error_text(exc, self.url)}") from None
        return applied, self.known


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
    config = load_config(getattr(args, "config", None))
    if args.action == "copy":
        return _copy(args.source, args.target)
    try:
        target = config.database_target(args.db)
    except ValueError as exc:
        print(f"l4a-bot: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    shown = str(target)
    try:
        backend = backend_for(target)
        if args.action == "status":
            return _status(asyncio.run(backend.status()))
        applied, version = asyncio.run(backend.migrate())
    except StoreError as exc:
        print(f"l4a-bot: {exc}", file=sys.stderr)
        return EXIT_REFUSED
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


def _copy(source: str, target: str) -> int:
    """``db copy --from PATH|URL --to postgresql://…``: one transaction, or nothing."""
    from bot.db.copy import Copied, CopyError, copy_database
    from bot.db.target import parse_target
    from bot.store import open_database

    try:
        src, dst = parse_target(source), parse_target(target)
    except ValueError as exc:
        print(f"l4a-bot: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    if dst.url is None:
        print(f"l4a-bot: --to must be a postgresql:// URL, not {dst}", file=sys.stderr)
        return EXIT_REFUSED

    def shown(copied: Copied) -> None:
        print(f"{copied.table}: {copied.rows} row{'' if copied.rows == 1 else 's'}")

    async def run() -> int:
        # The source's one-process lock: a bot still running on the rehearsal file refuses it.
        origin = await open_database(src, create=False, lock=src.path is not None)
        try:
            into = await open_database(dst)
            try:
                copied = await copy_database(origin, into, progress=shown)
            finally:
                await into.close()
        finally:
            await origin.close()
        total = sum(c.rows for c in copied)
        print(f"copied {total} rows in {len(copied)} tables from {src} to {dst}")
        return EXIT_OK

    try:
        return asyncio.run(run())
    except (StoreError, CopyError) as exc:
        print(f"l4a-bot: {exc}", file=sys.stderr)
        return EXIT_REFUSED
