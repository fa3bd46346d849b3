"""What went wrong, in the user's words: one place that maps a command's failure to its answer.

Every front's error handler asks :func:`failure_text` for the answer to an unexpected exception.
When the database cannot take a write right now (disk full, another program holding the write
lock, a read-only file, a PostgreSQL server gone or refusing: :mod:`bot.db.errors`), the user
is told the bot cannot save right now and to try again later, instead of "something went
wrong"; the operator gets one line in the log saying what failed.
"""

from __future__ import annotations

import logging

from bot.db.errors import storage_problem
from bot.i18n import t

__all__ = ["failure_text", "storage_problem"]

log = logging.getLogger(__name__)


def failure_text(lang: str, exc: BaseException, what: str) -> str:
    """The answer to a command that raised ``exc``, logged for the operator (``what`` names the
    command): the storage one in one line, anything else with its traceback."""
    problem = storage_problem(exc)
    if problem is not None:
        log.warning("%s could not save: %s", what, problem)
        return t(lang, "storage.cannot_save")
    log.error("%s failed", what, exc_info=exc)
    return t(lang, "errors.internal")
