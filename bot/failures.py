"""What went wrong, in the user's words: one place that maps a command's failure to its answer.

Every front's error handler asks :func:`failure_text` for the answer to an unexpected exception.
When the database cannot take a write right now (disk full, another program holding the write
lock, a read-only file), the user is told the bot cannot save right now and to try again later,
instead of "something went wrong"; the operator gets one line in the log saying what failed.
"""

from __future__ import annotations

import errno
import logging
import sqlite3
from collections.abc import Iterator

from bot.i18n import t

log = logging.getLogger(__name__)

_STORAGE_WORDS = ("disk is full", "database is locked", "readonly database", "disk i/o error")
_STORAGE_ERRNOS = {errno.ENOSPC, errno.EROFS, errno.EDQUOT, errno.EIO}
#: PostgreSQL's "transaction rollback" class (a deadlock, a serialization failure): the server
#: gave this transaction up so that another could go on; the same write succeeds when tried again.
_ROLLBACK_SQLSTATE = "40"


def _chain(exc: BaseException | None) -> Iterator[BaseException]:
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = getattr(exc, "original", None) or exc.__cause__ or exc.__context__


def storage_problem(exc: BaseException) -> str | None:
    """The storage failure behind ``exc`` (its message), or ``None`` if it is something else."""
    for cause in _chain(exc):
        if isinstance(cause, sqlite3.Error):
            text = str(cause)
            if any(word in text.lower() for word in _STORAGE_WORDS):
                return text
        if isinstance(cause, OSError) and cause.errno in _STORAGE_ERRNOS:
            return cause.strerror or str(cause)
        sqlstate = getattr(cause, "sqlstate", None)  # asyncpg's errors carry it
        if isinstance(sqlstate, str) and sqlstate.startswith(_ROLLBACK_SQLSTATE):
            return str(cause)
    return None


def failure_text(lang: str, exc: BaseException, what: str) -> str:
    """The answer to a command that raised ``exc``, logged for the operator (``what`` names the
    command): the storage one in one line, anything else with its traceback."""
    problem = storage_problem(exc)
    if problem is not None:
        log.warning("%s could not save: %s", what, problem)
        return t(lang, "storage.cannot_save")
    log.error("%s failed", what, exc_info=exc)
    return t(lang, "errors.internal")
