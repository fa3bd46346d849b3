"""The shared backend: PostgreSQL through an asyncpg pool, for several processes on one forum.

SQL is written once with SQLite's ``?`` placeholders; they become ``$1, $2…`` here (outside
string literals), once per statement text. ``tx.notify`` sends a ``NOTIFY`` in the transaction,
so other processes hear of a change only once it is committed; one dedicated connection listens
and is reopened (and every listener told, payload ``"*"``: reload everything) after it is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import Any, ClassVar

import asyncpg

from bot.db.base import Database, IntegrityError, Params, Row, rows_changed
from bot.db.migrate import Migration, bundled_migrations, migrate_postgresql
from bot.db.target import redact
from bot.dbfile import StoreError

log = logging.getLogger(__name__)


class _PoolNetworkErrorOneLine(logging.Filter):
    """While the server is away, asyncpg's pool warns "Failed to restore the pool connection
    floor; retrying" with a 30-line traceback at every retry. A network error (``OSError``:
    refused, reset, unreachable) is the server's, not a bug: one line naming it."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, OSError):
            record.msg = f"{record.getMessage()}: {exc}"
            record.args = None
            record.exc_info = record.exc_text = None
        return True


logging.getLogger("asyncpg.pool").addFilter(_PoolNetworkErrorOneLine())

#: Sent to listeners after the listening connection was lost and reopened: they may have missed
#: notices, so they reload what they cache.
RESYNC = "*"
_LISTEN_RETRY_S = 1.0
#: Connections tried for one statement after the server restarted (stale pool connections).
_STALE_TRIES = 3
_CONNECTION_ERRORS = (
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
    ConnectionError,
)
_RESYNC_TRIES = 5
#: How long ``listen`` waits for the listening connection to be in place (it keeps trying in
#: the background after that, and tells every listener "*" once it is).
_LISTEN_READY_S = 5.0


@functools.lru_cache(maxsize=2048)
def to_dollar(sql: str) -> str:
    """``?`` placeholders → ``$1…$n``, leaving quoted text and identifiers alone."""
    out: list[str] = []
    n = 0
    quote: str | None = None
    for ch in sql:
        if quote is not None:
            if ch == quote:
                quote = None
        elif ch in ("'", '"'):
            quote = ch
        elif ch == "?":
            n += 1
            out.append(f"${n}")
            continue
        out.append(ch)
    return "".join(out)


def _integrity(exc: asyncpg.PostgresError) -> Exception:
    if isinstance(exc, asyncpg.IntegrityConstraintViolationError):
        return IntegrityError(str(exc))
    return exc


class _Tx:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn
        self.notices: list[tuple[str, str]] = []

    async def execute(self, sql: str, params: Params = ()) -> int:
        try:
            return rows_changed(await self.conn.execute(to_dollar(sql), *params))
        except asyncpg.PostgresError as exc:
            raise _integrity(exc) from exc

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        batch = [tuple(r) for r in rows]
        if not batch:
            return
        try:
            await self.conn.executemany(to_dollar(sql), batch)
        except asyncpg.PostgresError as exc:
            raise _integrity(exc) from exc

    async def fetch(self, sql: str, params: Params = ()) -> list[Row]:
        try:
            return list(await self.conn.fetch(to_dollar(sql), *params))
        except asyncpg.PostgresError as exc:
            raise _integrity(exc) from exc

    async def fetchrow(self, sql: str, params: Params = ()) -> Row | None:
        try:
            return await self.conn.fetchrow(to_dollar(sql), *params)
        except asyncpg.PostgresError as exc:
            raise _integrity(exc) from exc

    async def fetchval(self, sql: str, params: Params = ()) -> Any:
        try:
            return await self.conn.fetchval(to_dollar(sql), *params)
        except asyncpg.PostgresError as exc:
            raise _integrity(exc) from exc

    async def copy(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        try:
            await self.conn.copy_records_to_table(table, records=rows, columns=list(columns))
        except asyncpg.PostgresError as exc:
            raise _integrity(exc) from exc

    async def lock(self, name: str) -> None:
        await self.conn.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", name)

    def notify(self, channel: str, payload: str = "") -> None:
        # Queued: sent by the transaction helper just before COMMIT (delivered at commit).
        self.notices.append((channel, payload))


class PostgresDatabase(Database):
    dialect: ClassVar[str] = "postgresql"
    shared: ClassVar[bool] = True

    def __init__(self, pool: asyncpg.Pool, url: str) -> None:
        super().__init__(redact(url))
        self.url = url
        self.pool = pool
        self._listen_conn: asyncpg.Connection | None = None
        self._listen_task: asyncio.Task[None] | None = None
        self._dispatching: set[asyncio.Task[bool]] = set()  # kept until done (not collected)
        self._listening = asyncio.Event()
        self._closing = False

    @classmethod
    async def open(
        cls,
        url: str,
        migrations: list[Migration] | None = None,
        *,
        create: bool = True,
        max_size: int = 10,
        migrate: bool = True,
    ) -> PostgresDatabase:
        """Connect and migrate. Raises :class:`StoreError` (one line, password hidden) when the
        server cannot be reached, refuses the login, or the database is not this bot's."""
        migrations = migrations if migrations is not None else bundled_migrations("postgresql")
        shown = redact(url)
        try:
            pool = await asyncpg.create_pool(url, min_size=1, max_size=max_size, command_timeout=60)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise StoreError(f"cannot open the database {shown}: {error_text(exc, url)}") from None
        try:
            if migrate:
                async with pool.acquire() as conn:
                    await migrate_postgresql(conn, migrations, create=create)
        except (RuntimeError, asyncpg.PostgresError, OSError) as exc:
            await pool.close()
            raise StoreError(f"cannot open the database {shown}: {error_text(exc, url)}") from None
        except BaseException:
            await pool.close()
            raise
        return cls(pool, url)

    async def close(self) -> None:
        self._closing = True
        if self._listen_task is not None:
            self._listen_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listen_task
            self._listen_task = None
        for task in list(self._dispatching):  # a notice being handled never meets a closed pool
            task.cancel()
        await asyncio.gather(*self._dispatching, return_exceptions=True)
        if self._listen_conn is not None:
            with contextlib.suppress(Exception):
                await self._listen_conn.close()
            self._listen_conn = None
        await self.pool.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[_Tx]:
        async with self._begun() as (conn, tr):
            tx = _Tx(conn)
            try:
                yield tx
                for channel, payload in tx.notices:
                    await conn.execute("SELECT pg_notify($1, $2)", channel, payload)
            except BaseException:
                await _to_the_end(_quietly(tr.rollback()))
                raise
            try:
                await _to_the_end(tr.commit())
            except asyncpg.PostgresError as exc:
                raise _integrity(exc) from exc

    @asynccontextmanager
    async def _begun(self) -> AsyncIterator[tuple[Any, Any]]:
        """A pool connection with its transaction started. After the server restarted, the
        pool still holds connections to the old one, each failing its first statement: such a
        connection is given back (the pool replaces it) and another taken; nothing was done
        on it, so nothing is done twice."""
        for attempt in range(_STALE_TRIES):
            conn = await self.pool.acquire()
            tr = conn.transaction()
            try:
                await tr.start()
            except _CONNECTION_ERRORS:
                await self.pool.release(conn)
                if attempt == _STALE_TRIES - 1:
                    raise
                continue
            try:
                yield conn, tr
            finally:
                await self.pool.release(conn)
            return

    async def _read(self, how: str, sql: str, params: Params) -> Any:
        """A read, tried again on another connection when the first was stale (a read is
        safe to repeat)."""
        for attempt in range(_STALE_TRIES):
            try:
                return await getattr(self.pool, how)(to_dollar(sql), *params)
            except _CONNECTION_ERRORS:
                if attempt == _STALE_TRIES - 1:
                    raise
        raise AssertionError("unreachable")

    async def fetch(self, sql: str, params: Params = ()) -> list[Row]:
        return list(await self._read("fetch", sql, params))

    async def fetchrow(self, sql: str, params: Params = ()) -> Row | None:
        return await self._read("fetchrow", sql, params)

    async def fetchval(self, sql: str, params: Params = ()) -> Any:
        return await self._read("fetchval", sql, params)

    # -- change notices across processes -----------------------------------------------------
    async def listen(self, channel: str, listener: Any) -> None:
        first = channel not in self._listeners
        await super().listen(channel, listener)
        if self._listen_task is None:
            self._listen_task = asyncio.create_task(self._keep_listening(), name="pg-listen")
        elif first and self._listen_conn is not None:
            await self._listen_conn.add_listener(channel, self._heard)
        # Returns once notices are heard: a change committed after this is not missed (a
        # cache loaded next is then followed from the state it read).
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._listening.wait(), _LISTEN_READY_S)

    def _transient(self, exc: Exception) -> str | None:
        # A pool connection caught mid-operation by the server going away can refuse the
        # next statement ("another operation is in progress") until the pool replaces it.
        if isinstance(exc, asyncpg.InternalClientError | asyncpg.InterfaceError):
            return " ".join(str(exc).split())
        return super()._transient(exc)

    def _heard(self, _conn: Any, _pid: int, channel: str, payload: str) -> None:
        if self._closing:
            return
        task = asyncio.get_running_loop().create_task(self._hear(channel, payload))
        self._dispatching.add(task)
        task.add_done_callback(self._dispatching.discard)

    async def _hear(self, channel: str, payload: str) -> bool:
        """A notice: its listeners run; if one failed on the connection (not a bug), the
        channel's listeners reload everything a little later, so no cache stays stale."""
        if await self._dispatch(channel, payload) or self._closing:
            return True
        await asyncio.sleep(_LISTEN_RETRY_S)
        for attempt in range(_RESYNC_TRIES):
            last = attempt == _RESYNC_TRIES - 1
            if self._closing or await self._dispatch(channel, RESYNC, again=not last):
                return True
            await asyncio.sleep(_LISTEN_RETRY_S)
        return False

    async def _resync(self) -> None:
        """Every listener reloads (payload ``"*"``); one that fails (the pool's connections
        still coming back with the server) tries again, a few times, then logs why."""
        for channel in list(self._listeners):
            for attempt in range(_RESYNC_TRIES):
                last = attempt == _RESYNC_TRIES - 1
                if await self._dispatch(channel, RESYNC, again=not last):
                    break
                if not last:
                    await asyncio.sleep(_LISTEN_RETRY_S)

    async def _keep_listening(self) -> None:
        lost = False
        while not self._closing:
            try:
                conn = await asyncpg.connect(self.url)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.warning(
                    "cannot listen on %s: %s; retrying", self.target, error_text(exc, self.url)
                )
                lost = True  # whoever waited for it went on: they may miss notices meanwhile
                await asyncio.sleep(_LISTEN_RETRY_S)
                continue
            gone = asyncio.Event()
            conn.add_termination_listener(lambda _c, gone=gone: gone.set())
            self._listen_conn = conn
            for channel in list(self._listeners):
                await conn.add_listener(channel, self._heard)
            self._listening.set()
            if lost:  # notices sent while we were away are gone: everyone reloads
                await self._resync()
            try:
                while not conn.is_closed() and not gone.is_set():
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(gone.wait(), 5.0)
                    if not conn.is_closed():
                        with contextlib.suppress(Exception):
                            await conn.execute("SELECT 1")  # notices a dead server
            finally:
                self._listen_conn = None
                self._listening.clear()
                with contextlib.suppress(Exception):
                    await conn.close()
            lost = True
            if not self._closing:
                log.warning("lost the change-notice connection to %s; reconnecting", self.target)
                await asyncio.sleep(_LISTEN_RETRY_S)


async def _to_the_end(aw: Any) -> Any:
    """Await ``aw`` even if the caller is cancelled meanwhile (a commit or rollback under way
    finishes before its connection goes back to the pool: else the next user of that
    connection meets "another operation is in progress"); the cancel is raised afterwards."""
    task = asyncio.ensure_future(aw)
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        with contextlib.suppress(BaseException):
            await task
        raise


async def _quietly(aw: Any) -> None:
    with contextlib.suppress(Exception):
        await aw


def error_text(exc: BaseException, url: str) -> str:
    """The error's text for a log or error line: one line (the server's ``DETAIL:`` joined on),
    never with the password in it."""
    text = " ".join((str(exc) or type(exc).__name__).split())
    from urllib.parse import urlsplit

    password = urlsplit(url).password
    if password:
        text = text.replace(password, "***")
    return text.replace(url, redact(url))
