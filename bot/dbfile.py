"""The database file before it is opened for writing: is it ours, is it in use by another process.

* **Ours or not.** The bot's database carries ``PRAGMA application_id`` = :data:`APPLICATION_ID`
  (stamped at creation, and on databases made before that mark existed, recognised by their
  ``schema_version`` table). Any other existing file (another application's SQLite database, a
  text file) is refused before anything writes to it: it is inspected through a read-only
  connection, so it stays byte for byte as it was (no WAL switch, no tables added).
* **One process.** A long-running bot (``console``, ``run``) holds an exclusive ``flock`` on
  ``<database>.lock``, whose text names the holder (``pid host``). A second process is refused
  with one line naming the holder. The kernel releases the lock when the process ends, however
  it ends (``kill -9`` included), so a crash never leaves a stale lock behind.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
import sqlite3
from dataclasses import dataclass
from pathlib import Path

#: "L4AB" — the mark in the SQLite header that says "this is the LOCAL4ACTION bot's database".
APPLICATION_ID = 0x4C344142
#: The first migration's name: a database made before the mark existed has it in schema_version.
FIRST_MIGRATION = "users"


class StoreError(Exception):
    """The database cannot be used: one line for the operator."""


def cannot_open(path: Path | str, cause: BaseException | str) -> StoreError:
    return StoreError(f"cannot open the database {path}: {cause}")


@dataclass(frozen=True, slots=True)
class Inspection:
    exists: bool
    version: int = 0  # the newest migration applied (0: a new or empty database)
    stamped: bool = False  # application_id already set


def inspect(path: Path, known_version: int, *, create: bool) -> Inspection:
    """Check ``path`` without writing to it. Raises :class:`StoreError` (one line) when it is
    missing and must not be created, is not this bot's database, or was made by a newer bot."""
    if not path.exists():
        if not create:
            raise StoreError(f"no database at {path} (check the path; nothing was created)")
        return Inspection(exists=False)
    if path.is_dir():
        raise cannot_open(path, "it is a directory")
    try:
        if path.stat().st_size == 0:
            return Inspection(exists=True)
        try:
            app_id, tables, first, version = _identify(path, "mode=ro")
        except sqlite3.OperationalError:
            # A WAL database whose folder is read-only cannot be opened for reading the usual
            # way (SQLite needs its -shm file): read the file alone, still without writing.
            app_id, tables, first, version = _identify(path, "mode=ro&immutable=1")
    except sqlite3.DatabaseError as exc:
        raise StoreError(
            f"{path} is not this bot's database ({exc}); it was left untouched"
        ) from None
    except OSError as exc:
        raise cannot_open(path, exc.strerror or exc) from None
    ours = app_id == APPLICATION_ID or (app_id == 0 and first == FIRST_MIGRATION)
    if not ours and (app_id != 0 or tables):
        named = ", ".join(sorted(tables)[:3]) + ("…" if len(tables) > 3 else "")
        what = f"tables {named}" if tables else f"application id {app_id:#x}"
        raise StoreError(
            f"{path} is not this bot's database (it has {what}); it was left untouched: "
            "give the bot its own file"
        )
    if version > known_version:
        raise StoreError(
            f"{path} was made by a newer version of the bot (schema {version}, this one knows "
            f"{known_version}): upgrade the bot instead of running an older one on it"
        )
    return Inspection(exists=True, version=version, stamped=app_id == APPLICATION_ID)


def _identify(path: Path, flags: str) -> tuple[int, list[str], str | None, int]:
    """``(application_id, tables, first migration's name, newest migration)`` of ``path``."""
    with contextlib.closing(sqlite3.connect(f"{path.resolve().as_uri()}?{flags}", uri=True)) as db:
        app_id = db.execute("PRAGMA application_id").fetchone()[0]
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        first, version = None, 0
        if "schema_version" in tables:
            rows = db.execute("SELECT version, name FROM schema_version").fetchall()
            first = next((name for v, name in rows if v == 1), None)
            version = max((v for v, _ in rows), default=0)
    return app_id, tables, first, version


class ProcessLock:
    """An exclusive ``flock`` on ``<database>.lock`` held while the bot runs."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd: int | None = fd

    @staticmethod
    def path_for(db: Path) -> Path:
        return db.with_name(db.name + ".lock")

    @classmethod
    def acquire(cls, db: Path) -> ProcessLock:
        path = cls.path_for(db)
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise cannot_open(db, f"cannot create the lock file {path}: {exc.strerror}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.pread(fd, 200, 0).decode("utf-8", "replace").split()
            os.close(fd)
            pid, host = [*holder, "?", "?"][:2]
            raise StoreError(
                f"the database {db} is in use by pid {pid} on host {host} "
                f"(lock {path}): stop that bot first, or give this one another --db"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()} {socket.gethostname()}\n".encode(), 0)
        return cls(path, fd)

    def release(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, 0)
            os.close(self._fd)  # closing the descriptor releases the flock
            self._fd = None
