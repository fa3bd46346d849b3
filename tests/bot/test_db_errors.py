"""Which failures are "the database cannot take a write right now", on both backends."""

from __future__ import annotations

import errno
import sqlite3

import asyncpg
import pytest

from bot.db.errors import storage_problem
from bot.store import Store


def _raised_through_asyncpg(exc: BaseException) -> BaseException:
    """``exc`` with a traceback passing through asyncpg, as a refused connect has."""
    code = compile("raise exc", "asyncpg/connect_utils.py", "exec")
    try:
        exec(code, {"__name__": "asyncpg.connect_utils", "exc": exc})
    except BaseException as raised:
        return raised
    raise AssertionError("not raised")


@pytest.mark.parametrize(
    "exc",
    [
        asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
        asyncpg.ConnectionFailureError("connection failure"),
        asyncpg.CannotConnectNowError("the database system is starting up"),
        asyncpg.AdminShutdownError("terminating connection due to administrator command"),
        asyncpg.CrashShutdownError("terminating connection because of crash of another"),
        asyncpg.TooManyConnectionsError("sorry, too many clients already"),
        asyncpg.DiskFullError('could not extend file "base/1/2": No space left on device'),
        asyncpg.ReadOnlySQLTransactionError("cannot execute INSERT in a read-only transaction"),
        asyncpg.InterfaceError("cannot call Connection.fetch(): connection is closed"),
    ],
    ids=lambda exc: type(exc).__name__,
)
def test_a_postgresql_server_that_cannot_take_the_write_is_a_storage_problem(
    exc: BaseException,
) -> None:
    assert storage_problem(exc) == " ".join(str(exc).split())


def test_a_refused_connection_to_the_server_is_a_storage_problem() -> None:
    refused = _raised_through_asyncpg(ConnectionRefusedError(errno.ECONNREFUSED, "refused"))
    assert storage_problem(refused) == "cannot reach the database server: refused"
    wrapped = RuntimeError("command failed")
    wrapped.__cause__ = refused
    assert storage_problem(wrapped) is not None


def test_postgresql_errors_that_are_bugs_or_not_about_the_database_are_not() -> None:
    assert storage_problem(asyncpg.UniqueViolationError("duplicate key")) is None
    assert storage_problem(asyncpg.UndefinedColumnError('column "x" does not exist')) is None
    assert storage_problem(asyncpg.InterfaceError("pool is closing")) is None  # our own shutdown
    # A refused connection elsewhere (a platform's API) is not the database's.
    assert storage_problem(ConnectionRefusedError(errno.ECONNREFUSED, "refused")) is None


def test_sqlite_storage_failures_are_still_recognised() -> None:
    assert storage_problem(sqlite3.OperationalError("database is locked")) == "database is locked"
    assert storage_problem(sqlite3.IntegrityError("UNIQUE constraint failed")) is None


async def test_a_change_notice_read_while_the_server_is_gone_is_one_warning_not_a_traceback(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    async def reload(payload: str) -> None:
        raise asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of it")

    await store.database.listen("l4a_test", reload)
    await store.database._dispatch("l4a_test", "ana")  # the fixture fails on a traceback
    [record] = [r for r in caplog.records if "l4a_test" in r.getMessage()]
    assert record.levelname == "WARNING" and record.exc_info is None
    assert "could not read the database: connection was closed" in record.getMessage()


@pytest.mark.expect_logged_errors
async def test_a_change_notice_listener_with_a_bug_is_logged_with_its_traceback(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    async def reload(payload: str) -> None:
        raise KeyError(payload)

    await store.database.listen("l4a_test", reload)
    await store.database._dispatch("l4a_test", "ana")
    [record] = [r for r in caplog.records if "l4a_test" in r.getMessage()]
    assert record.levelname == "ERROR" and record.exc_info is not None
