"""One active process per front, the others hot standbys: a lease per front on PostgreSQL.

Several processes may run the same front (``l4a-bot run --front discord`` on two machines) on
one PostgreSQL database. Only the holder of the front's lease connects to the platform and sends
its deliveries; the others keep the hub open (programme, store, caches kept fresh by change
notices) and try to take the lease over every few seconds.

The lease is a session-level advisory lock, ``pg_try_advisory_lock(hashtextextended(
'l4a-lease:<front>', 0))``, held on a connection of its own. Why a lock and not a lease row
with an expiry: the server itself releases it the moment the holder's session ends, with no
clock shared between machines and no row to renew; a process killed (``kill -9``) loses it as
soon as the kernel closes its socket. For a holder whose *machine* stops answering, the lease
session asks the server for TCP keepalives (``tcp_keepalives_*``) so the server drops it (and
the lock) within about two thirds of ``failover_seconds``, and sets ``idle_session_timeout`` (same
limit; PostgreSQL 14+) so that a holder that stopped checking (frozen, its machine gone) is cut
off by the server itself. The holder checks its own lease connection every fifth of
``failover_seconds``: when that check fails (the connection was terminated, the network or the
server is gone) it *fences* at once (stops delivering that front) — earlier than the server can
give the lock to anyone else.

A database outage (the server restarting) is not a reason to go silent: when the holder's check
fails because the server cannot be reached at all, it stops delivering at once (fenced, as above)
but stays connected to the platform for up to ``failover_seconds``, answering what it can (reads
from memory; writes are answered "I cannot save anything right now"), and asks for the lease
again every beat. Nobody can take the lease while the server is down; once it is back, the
standbys (which could not reach it either) wait two beats before competing, so the old holder
takes its lease back and resumes delivering. If the outage lasts longer than ``failover_seconds``
(or only this process cannot reach the server, so a standby took the lease meanwhile), it
disconnects and becomes a standby, as after any loss.

On SQLite one process holds the database file's lock already: it always leads.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from bot.db import Database

if TYPE_CHECKING:
    from bot.hub import Hub

log = logging.getLogger(__name__)
LEADER, STANDBY = "leader", "standby"


def lease_name(front: str) -> str:
    return f"l4a-lease:{front}"


class Lease:
    """The lease of one front, held on a dedicated connection (PostgreSQL)."""

    def __init__(
        self,
        db: Database,
        front: str,
        failover_seconds: float,
        *,
        on_reach: Callable[[str, str | None], None] | None = None,
    ) -> None:
        self.db = db
        #: Told ``(source, error)`` when asking for the lease cannot reach the database, and
        #: ``(source, None)`` once it can again (the health page: ``Health.store_reached``).
        self.on_reach = on_reach
        self.front = front
        self.name = lease_name(front)
        #: Between two tries of a standby, and between two checks of the holder.
        self.beat = max(0.2, failover_seconds / 5)
        self.failover_seconds = failover_seconds
        self.held = False
        #: Whether the last try reached the database (False: the server could not be reached).
        self.reachable = True
        self._conn: Any = None  # asyncpg.Connection
        self._gone = asyncio.Event()

    @property
    def shared(self) -> bool:
        return self.db.dialect == "postgresql"

    def _keepalives(self) -> dict[str, str]:
        """The server drops a holder that stopped answering within ~2/3 of failover_seconds."""
        idle = max(1, int(self.failover_seconds / 3))
        interval = max(1, int(self.failover_seconds / 6))
        return {
            "application_name": f"l4a-lease-{self.front}"[:63],
            "tcp_keepalives_idle": str(idle),
            "tcp_keepalives_interval": str(interval),
            "tcp_keepalives_count": "2",
        }

    async def _idle_limit(self, conn: Any) -> None:
        """A holder that stops checking (frozen, its machine gone) is cut off by the server
        itself after ~2/3 of failover_seconds without a statement (PostgreSQL 14+'s
        ``idle_session_timeout``; older servers rely on the keepalives alone)."""
        limit_ms = int(self.failover_seconds * 2000 / 3)
        try:
            await conn.execute(f"SET idle_session_timeout = {limit_ms}")
        except Exception as exc:  # an older server: keepalives only
            log.info("idle_session_timeout not available (%s); TCP keepalives only", exc)

    async def try_acquire(self, *, grab: bool = True) -> bool:
        """One try: True if this process holds the lease now. ``grab=False``: only see whether
        the database can be reached (:attr:`reachable`), without taking the lease."""
        if not self.shared:
            self.held = True
            return True
        import asyncpg

        try:
            if self._conn is None or self._conn.is_closed():
                await self._drop()
                url = self.db.url  # type: ignore[attr-defined]
                conn = await asyncpg.connect(
                    url, timeout=self.beat * 2, server_settings=self._keepalives()
                )
                self._gone = asyncio.Event()
                conn.add_termination_listener(lambda _c, gone=self._gone: gone.set())
                self._conn = conn
                await self._idle_limit(conn)
            query = "SELECT pg_try_advisory_lock(hashtextextended($1, 0))" if grab else "SELECT $1"
            got = await asyncio.wait_for(self._conn.fetchval(query, self.name), self.beat * 2)
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            from bot.db.postgres import error_text

            reason = error_text(exc, self.db.url)  # type: ignore[attr-defined]
            log.warning("cannot ask for the %s lease on %s: %s", self.front, self.db.target, reason)
            self._reached(f"cannot reach the database: {reason}")
            self.reachable = False
            await self._drop()
            return False
        self._reached(None)
        self.reachable = True
        if not grab:
            return False
        self.held = bool(got)
        return self.held

    def _reached(self, error: str | None) -> None:
        if self.on_reach is not None:
            self.on_reach(f"lease:{self.front}", error)

    async def acquire(self) -> None:
        """Wait until this process holds the lease (trying every :attr:`beat` seconds). After
        an outage (the database could not be reached), wait two beats once it can before
        competing: the process that held the lease before the outage takes it back first."""
        away = False
        while True:
            if self._conn is not None and self._conn.is_closed():
                away = True  # our connection died since the last try: the server went away
            if away:  # only look, without taking the lease, until the server is back
                await self.try_acquire(grab=False)
                if self.reachable:
                    away = False
                    await asyncio.sleep(self.beat * 2)  # the old holder's turn first
                    continue
            elif await self.try_acquire():
                return
            elif not self.reachable:
                away = True
            await asyncio.sleep(self.beat)

    async def take_back(self, serving: asyncio.Future[Any]) -> bool:
        """After losing the lease: True if it is taken back within ``failover_seconds`` while
        the database could not be reached (an outage: nobody else can hold it meanwhile);
        False at once if the server answers (the connection was cut for this process alone:
        the standbys take over), or when the time is up, or ``serving`` ended."""
        if not self.shared:
            return False
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.failover_seconds
        first = True
        while loop.time() < deadline and not serving.done():
            if await self.try_acquire():
                if first:  # reachable at once: not an outage, this process's session was cut
                    await self.release()  # let the standbys lead
                    return False
                return True
            if self.reachable:
                return False  # the server answers and another process holds the lease
            first = False
            await asyncio.sleep(self.beat)
        return False

    async def lost(self) -> None:
        """Return once the lease is lost (never on SQLite): the lease connection ended or did
        not answer a check in time. The caller fences at once."""
        if not self.shared:
            await asyncio.Event().wait()
        import asyncpg

        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._gone.wait(), self.beat)
            conn = self._conn
            if conn is None or conn.is_closed() or self._gone.is_set():
                break
            try:
                await asyncio.wait_for(conn.fetchval("SELECT 1"), self.beat)
            except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError):
                break
        self.held = False
        await self._drop()

    async def release(self) -> None:
        """Give the lease up (a clean stop): a standby takes over at its next try."""
        self.held = False
        if self._conn is not None and not self._conn.is_closed():
            with contextlib.suppress(Exception):
                await asyncio.wait_for(
                    self._conn.execute(
                        "SELECT pg_advisory_unlock(hashtextextended($1, 0))", self.name
                    ),
                    self.beat,
                )
        await self._drop()

    async def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.terminate()


async def lead(
    hub: Hub,
    front: str,
    serve: Callable[[], Awaitable[None]],
    *,
    lease: Lease | None = None,
    on_role: Callable[[str, str], None] | None = None,
) -> None:
    """Run ``front`` (``serve()``: connect to the platform and deliver) while this process
    holds its lease; as a standby until then. On winning the lease, what may be stale is read
    again (follows, the ledger) before serving; on losing it the front is fenced at once (its
    outbox goes, nothing more of it is claimed or sent) and this process waits as a standby
    again. Returns (or raises) when ``serve()`` does."""
    lease = lease or Lease(
        hub.store.database,
        front,
        hub.config.store.failover_seconds,
        on_reach=hub.health.store_reached,
    )
    try:
        while True:
            _set_role(hub, front, STANDBY, on_role)
            if lease.shared:
                log.info("%s: standby, waiting for the lease", front)
            await lease.acquire()
            _set_role(hub, front, LEADER, on_role)
            if lease.shared:
                log.info("%s: leader (holds the lease); connecting", front)
                await hub.announcer.reread()  # another process may have changed everything
            serving = asyncio.ensure_future(serve())
            by_itself = False  # serve() ended (the front stopped or failed), not a lost lease
            try:
                while True:
                    losing = asyncio.ensure_future(lease.lost())
                    try:
                        await asyncio.wait({serving, losing}, return_when=asyncio.FIRST_COMPLETED)
                    finally:
                        if not losing.done():
                            losing.cancel()
                    if serving.done():
                        by_itself = True
                        break
                    # Fenced at once: nothing of this front is claimed or sent from here on.
                    _set_role(hub, front, STANDBY, on_role)
                    log.warning("%s: lost the lease; fenced, trying to take it back", front)
                    if not await lease.take_back(serving):
                        break
                    _set_role(hub, front, LEADER, on_role)
                    log.info("%s: took the lease back after the database came back", front)
                    await hub.announcer.reread()
            finally:
                if not serving.done():
                    serving.cancel()
            if by_itself:
                serving.result()
                return
            # Lost for good: the other process takes over.
            _set_role(hub, front, STANDBY, on_role)
            log.warning("%s: now a standby", front)
            await hub.announcer.fence(front)
            await _ended(serving)
            # A process that just lost its connection is the suspect one: let the standbys
            # (trying every beat) take the front before competing again.
            await asyncio.sleep(lease.beat * 2)
    finally:
        await lease.release()


async def _ended(task: asyncio.Future[Any]) -> None:
    with contextlib.suppress(BaseException):
        await task


def _set_role(hub: Hub, front: str, role: str, on_role: Callable[[str, str], None] | None) -> None:
    hub.roles[front] = role
    if on_role is not None:
        on_role(front, role)
