"""What every backend offers: one transaction helper, statements, and change notices."""

from __future__ import annotations

import abc
import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, ClassVar, Protocol

from bot.db.errors import storage_problem

log = logging.getLogger(__name__)

#: A row: ``row[0]`` and ``row["name"]`` both work (aiosqlite.Row, asyncpg.Record).
Row = Any
Params = Sequence[Any]
#: ``listener(payload)``, run on the event loop after another (or this) process committed.
Listener = Callable[[str], Awaitable[None] | None]


class IntegrityError(Exception):
    """A constraint refused the write (UNIQUE, FOREIGN KEY, CHECK); nothing was written."""


class Executor(Protocol):
    """Statements, inside a transaction or each on its own."""

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; the number of rows it changed."""
        ...

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None: ...

    async def fetch(self, sql: str, params: Params = ()) -> list[Row]: ...

    async def fetchrow(self, sql: str, params: Params = ()) -> Row | None: ...

    async def fetchval(self, sql: str, params: Params = ()) -> Any: ...


class Transaction(Executor, Protocol):
    async def copy(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        """Insert ``rows``, all new, at once (PostgreSQL: ``COPY``, the fastest bulk path, one
        round trip). :class:`IntegrityError` if one is refused: the transaction cannot go on
        then, and is rolled back as the error leaves its block."""
        ...

    def notify(self, channel: str, payload: str = "") -> None:
        """Tell every process's listeners of ``channel`` once this transaction commits."""
        ...

    async def lock(self, name: str) -> None:
        """Hold ``name`` until this transaction ends: no other process's transaction holding
        it runs meanwhile (check-then-write on several rows, such as a limit per host)."""
        ...


class Reads:
    """``fetchrow`` and ``fetchval`` from a ``fetch`` (for backends without their own)."""

    async def fetch(self, sql: str, params: Params = ()) -> list[Row]:
        raise NotImplementedError

    async def fetchrow(self, sql: str, params: Params = ()) -> Row | None:
        rows = await self.fetch(sql, params)
        return rows[0] if rows else None

    async def fetchval(self, sql: str, params: Params = ()) -> Any:
        row = await self.fetchrow(sql, params)
        return None if row is None else row[0]


class Database(Reads, abc.ABC):
    """A connection (pool) to the bot's database."""

    #: "sqlite" or "postgresql".
    dialect: ClassVar[str]
    #: Several processes may share it (PostgreSQL), so caches must follow change notices.
    shared: ClassVar[bool]

    def __init__(self, target: str) -> None:
        #: What to call it in logs and errors (a path, or a URL without its password).
        self.target = target
        self._listeners: dict[str, list[Listener]] = {}

    # -- the one transaction helper --------------------------------------------------------
    @abc.abstractmethod
    def transaction(self) -> AbstractAsyncContextManager[Transaction]:
        """A write transaction: committed when the block ends, rolled back if it raises (or if
        the task is cancelled before the commit); a commit under way finishes even if the
        caller is cancelled meanwhile."""

    def fast_transaction(
        self, *, durable: bool = False
    ) -> AbstractAsyncContextManager[Transaction]:
        """:meth:`transaction`, for a few short statements run very often (a burst of votes):
        on SQLite they run on the event-loop thread instead of one thread hop each, and only
        taking a busy write lock and the commit (which waits for the disk) go to the worker
        thread; ``durable``: the commit returns only once it would survive a power cut
        (``synchronous=FULL`` for this commit; the bot's other writes survive the process being
        killed). The same as :meth:`transaction` on PostgreSQL, whose server's settings decide."""
        return self.transaction()

    # -- one statement, one transaction -----------------------------------------------------
    async def execute(self, sql: str, params: Params = ()) -> int:
        async with self.transaction() as tx:
            return await tx.execute(sql, params)

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        async with self.transaction() as tx:
            await tx.executemany(sql, rows)

    @abc.abstractmethod
    async def fetch(self, sql: str, params: Params = ()) -> list[Row]: ...

    @abc.abstractmethod
    async def close(self) -> None: ...

    # -- change notices ---------------------------------------------------------------------
    async def listen(self, channel: str, listener: Listener) -> None:
        """Run ``listener(payload)`` after each committed ``tx.notify(channel, payload)``, from
        this process or (PostgreSQL) any other."""
        self._listeners.setdefault(channel, []).append(listener)

    def _transient(self, exc: Exception) -> str | None:
        """A listener's failure that a later reload fixes (the connection, not the code): a
        listener only reads the database, so a network error is the server's."""
        return str(exc) if isinstance(exc, OSError) else None

    async def _dispatch(self, channel: str, payload: str, *, again: bool = False) -> bool:
        """Run ``channel``'s listeners; False if one failed. ``again``: a failure will be
        retried (a reload right after the server came back), so it is one warning line."""
        ok = True
        for listener in list(self._listeners.get(channel, ())):
            try:
                result = listener(payload)
                if asyncio.iscoroutine(result) or isinstance(result, asyncio.Future):
                    await result
            except Exception as exc:
                ok = False
                # A listener only reads the database: a network error is the server's.
                problem = storage_problem(exc) or self._transient(exc)
                if problem is None and not again:
                    log.exception("listener of %s failed", channel)
                else:  # the server went away meanwhile: once back, listeners are told to reload
                    log.warning(
                        "listener of %s could not read the database: %s", channel, problem or exc
                    )
        return ok


def rows_changed(status: str) -> int:
    """PostgreSQL's command tag ("UPDATE 3", "INSERT 0 1") → 3, 1; 0 when it has no count."""
    last = status.rsplit(" ", 1)[-1] if status else ""
    return int(last) if last.isdigit() else 0


def as_mapping(row: Row) -> dict[str, Any]:
    """A row as a dict of column → value (either backend's row type)."""
    return {key: row[key] for key in row.keys()}  # noqa: SIM118 (sqlite3.Row iterates values)
