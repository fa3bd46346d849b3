"""Which failures mean the database cannot take a write right now, on either backend.

SQLite: the disk is full, another program holds the write lock, the file is read-only, an I/O
error. PostgreSQL: the server is gone or restarting (the connection was lost or refused), it
takes no more connections, its disk is full, or it is a read-only standby. These pass: the bot
tells the user it cannot save right now and retries what it must (the announcement ledger);
anything else is a bug and is reported as one.
"""

from __future__ import annotations

import errno
import sqlite3
import sys
from collections.abc import Iterator
from types import TracebackType

_SQLITE_WORDS = ("disk is full", "database is locked", "readonly database", "disk i/o error")
_STORAGE_ERRNOS = {errno.ENOSPC, errno.EROFS, errno.EDQUOT, errno.EIO}
#: A connection to the database server that failed (raised through the driver).
_NETWORK_ERRNOS = {
    errno.ECONNREFUSED, errno.ECONNRESET, errno.ECONNABORTED, errno.EPIPE, errno.ETIMEDOUT,
    errno.EHOSTUNREACH, errno.ENETUNREACH, errno.ENOENT,  # ENOENT: no unix socket yet
}  # fmt: skip
#: asyncpg's errors that say the server cannot take the write now (names looked up lazily, so
#: asyncpg is imported only where PostgreSQL is used).
_PG_ERRORS = (
    "PostgresConnectionError",  # SQLSTATE class 08: connection lost, refused, does not exist
    "CannotConnectNowError",  # 57P03: starting up, shutting down, in recovery
    "AdminShutdownError",  # 57P01: the server is shutting down
    "CrashShutdownError",  # 57P02
    "InsufficientResourcesError",  # class 53: disk full, out of memory, too many connections
    "ReadOnlySQLTransactionError",  # 25006: a read-only standby
    "TransactionRollbackError",  # class 40: deadlock or serialization failure: try again
)
_PG_INTERFACE_WORDS = ("connection is closed", "connection was closed", "underlying connection")


def _chain(exc: BaseException | None) -> Iterator[BaseException]:
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = getattr(exc, "original", None) or exc.__cause__ or exc.__context__


def _through_asyncpg(tb: TracebackType | None) -> bool:
    while tb is not None:
        if str(tb.tb_frame.f_globals.get("__name__", "")).startswith("asyncpg"):
            return True
        tb = tb.tb_next
    return False


def _postgres(cause: BaseException) -> str | None:
    asyncpg = sys.modules.get("asyncpg")
    if asyncpg is None:  # never imported: no PostgreSQL error can have happened
        return None
    text = str(cause) or type(cause).__name__
    if isinstance(cause, tuple(getattr(asyncpg, name) for name in _PG_ERRORS)):
        return text
    if isinstance(cause, asyncpg.InterfaceError) and any(
        word in text.lower() for word in _PG_INTERFACE_WORDS
    ):
        return text
    if (
        isinstance(cause, OSError)
        and cause.errno in _NETWORK_ERRNOS
        and _through_asyncpg(cause.__traceback__)
    ):
        return f"cannot reach the database server: {cause.strerror or cause}"
    return None


def storage_problem(exc: BaseException) -> str | None:
    """The storage failure behind ``exc`` (its message, one line), or ``None`` if it is
    something else. Follows ``__cause__``/``__context__`` and discord.py's ``original``."""
    for cause in _chain(exc):
        if isinstance(cause, sqlite3.Error):
            text = str(cause)
            if any(word in text.lower() for word in _SQLITE_WORDS):
                return text
        if isinstance(cause, OSError) and cause.errno in _STORAGE_ERRNOS:
            return cause.strerror or str(cause)
        problem = _postgres(cause)
        if problem is not None:
            return " ".join(problem.split())
    return None
