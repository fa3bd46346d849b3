"""Several processes on one PostgreSQL database: one leads each front (a lease), the others are
hot standbys that take over when it dies; each delivery is claimed by one process only; a
follow removed in one process is gone from the others' announcers."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest

from bot.announce import follows
from bot.announce.model import Delivery
from bot.announce.repo import AnnounceRepo
from bot.app import build_app
from bot.clock import FrozenClock
from bot.config import Config
from bot.hub import Hub
from bot.lease import LEADER, STANDBY, Lease, lead
from bot.programme import Programme
from bot.store import Store
from tests.support.announce import FakeOutbox, person
from tests.support.postgres import PostgresServer, start_server

T = datetime(2021, 10, 6, 9, 40, tzinfo=UTC)  # 11:40 CEST, day 2; hub-oct-6 starts at 12:00
FAILOVER = 2.0


def _config(failover: float = FAILOVER) -> Config:
    return Config.model_validate(
        {"store": {"failover_seconds": failover}, "announcements": {"retry_seconds": 0}}
    )


@asynccontextmanager
async def process(
    url: str,
    tmp_path: Path,
    name: str,
    programme: Programme,
    clock: FrozenClock,
    failover: float = FAILOVER,
) -> AsyncIterator[Hub]:
    """One bot process on the PostgreSQL database ``url``."""
    store = await Store.open(url, clock)
    try:
        async with build_app(_config(failover), programme, store, clock) as hub:
            yield hub
    finally:
        await store.close()


async def _wait_for(check: Callable[[], object], within: float) -> float:
    """Seconds until ``check()`` is true (fails after ``within`` seconds)."""
    start = time.monotonic()
    while not check():
        if time.monotonic() - start > within:
            pytest.fail(f"not within {within} s")
        await asyncio.sleep(0.02)
    return time.monotonic() - start


async def test_one_of_two_processes_gets_a_fronts_lease_the_other_waits(
    pg_url: str, tmp_path: Path, programme: Programme
) -> None:
    clock = FrozenClock(T)
    async with (
        process(pg_url, tmp_path, "a", programme, clock) as a,
        process(pg_url, tmp_path, "b", programme, clock) as b,
    ):
        first = Lease(a.store.database, "console", FAILOVER)
        second = Lease(b.store.database, "console", FAILOVER)
        other_front = Lease(b.store.database, "matrix", FAILOVER)
        try:
            assert await first.try_acquire()
            assert not await second.try_acquire()
            assert not await second.try_acquire()  # still not: the first holds it
            assert await other_front.try_acquire()  # one lease per front
            await first.release()
            assert await second.try_acquire()  # a clean stop hands it over at the next try
        finally:
            for lease in (first, second, other_front):
                await lease.release()


async def test_on_sqlite_the_one_process_always_leads(store: Store) -> None:
    lease = Lease(store.database, "discord", FAILOVER)
    assert await lease.try_acquire()
    assert not lease.shared


async def _leader_pid(url: str, front: str) -> int:
    conn = await asyncpg.connect(url)
    try:
        pid = await conn.fetchval(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted"
            " AND ((classid::bigint << 32) | objid::bigint)"
            " = hashtextextended($1, 0)",
            f"l4a-lease:{front}",
        )
    finally:
        await conn.close()
    assert pid is not None, "nobody holds the lease"
    return int(pid)


async def _terminate(url: str, pid: int) -> None:
    conn = await asyncpg.connect(url)
    try:
        assert await conn.fetchval("SELECT pg_terminate_backend($1)", pid)
    finally:
        await conn.close()


async def test_a_standby_takes_over_within_failover_seconds_and_the_old_leader_fences(
    pg_url: str, tmp_path: Path, programme: Programme
) -> None:
    clock = FrozenClock(T)
    outboxes = {"a": FakeOutbox(), "b": FakeOutbox()}
    served: list[str] = []

    def serve(name: str, hub: Hub):  # type: ignore[no-untyped-def]
        async def run() -> None:
            served.append(name)
            hub.announcer.register(outboxes[name])
            await hub.announcer.start()
            await asyncio.Event().wait()

        return run

    async with (
        process(pg_url, tmp_path, "a", programme, clock) as a,
        process(pg_url, tmp_path, "b", programme, clock) as b,
    ):
        await follows.remind(a.context(person("ana")), "hub-oct-6")
        running_a = asyncio.create_task(lead(a, "console", serve("a", a)))
        await _wait_for(lambda: a.roles.get("console") == LEADER, FAILOVER)
        running_b = asyncio.create_task(lead(b, "console", serve("b", b)))
        await _wait_for(lambda: b.roles.get("console") == STANDBY, FAILOVER)
        await asyncio.sleep(FAILOVER)  # the standby tries again and again meanwhile
        assert (a.roles["console"], b.roles["console"]) == (LEADER, STANDBY)
        assert served == ["a"]  # the standby never connected

        await _terminate(pg_url, await _leader_pid(pg_url, "console"))
        took = await _wait_for(lambda: b.roles.get("console") == LEADER, FAILOVER)
        await _wait_for(lambda: a.roles.get("console") == STANDBY, FAILOVER)
        assert "console" not in a.announcer.outboxes  # fenced: the old leader sends nothing
        await _wait_for(lambda: served == ["a", "b"], FAILOVER)  # read again, then connected
        assert took <= FAILOVER

        clock.set(T + timedelta(minutes=10))  # the reminder and the announcement fall due
        await a.announcer.deliver_due()
        await _wait_for(lambda: "console" in b.announcer.outboxes, FAILOVER)
        await b.announcer.deliver_due()
        assert outboxes["a"].sent == []
        assert sorted(outboxes["b"].keys()) == [
            "ann:console:hub-oct-6:15:20211006T1000Z",
            "rem:console:ana:hub-oct-6:20211006T1000Z",
        ]
        for task in (running_a, running_b):
            task.cancel()
        await asyncio.gather(running_a, running_b, return_exceptions=True)


def _deliveries(count: int) -> list[Delivery]:
    due = T + timedelta(minutes=20)
    return [
        Delivery(f"ann:console:s{i}:15:x", due, "announce", "console", "general", f"s{i}", due)
        for i in range(count)
    ]


async def test_two_processes_claiming_the_same_keys_claim_each_once(pg_url: str) -> None:
    stores = [await Store.open(pg_url, FrozenClock(T)) for _ in range(2)]
    try:
        repos = [AnnounceRepo(s.database) for s in stores]
        everything = _deliveries(300)
        rng = random.Random(11)

        async def claims(repo: AnnounceRepo) -> set[str]:
            mine: set[str] = set()
            order = everything[:]
            rng.shuffle(order)
            for i in range(0, len(order), 7):  # batches as the fan-out's workers make them
                mine |= await repo.claim(order[i : i + 7], T)
            return mine

        got = await asyncio.gather(*(claims(r) for r in repos), claims(repos[0]))
        assert set().union(*got) == {d.key for d in everything}
        assert sum(len(g) for g in got) == len(everything)  # no key claimed twice

        # Settled keys are never claimed again; 'sending' ones only when retaken (a crash).
        key = everything[0].key
        await repos[0].settle([(key, "sent", None)], T)
        assert await repos[1].claim(everything[:2], T, retake={key}) == set()
        second = everything[1].key
        assert await repos[1].claim([everything[1]], T, retake={second}) == {second}
        assert (await repos[0].statuses([key, second])) == {key: "sent", second: "sending"}
    finally:
        for s in stores:
            await s.close()


async def test_a_claim_skips_keys_another_process_is_claiming_right_now(pg_url: str) -> None:
    stores = [await Store.open(pg_url, FrozenClock(T)) for _ in range(2)]
    try:
        first, second = (AnnounceRepo(s.database) for s in stores)
        batch = _deliveries(3)
        assert await first.claim(batch, T) == {d.key for d in batch}
        retake = {d.key for d in batch}
        conn = await asyncpg.connect(stores[0].database.url)  # type: ignore[attr-defined]
        try:
            async with conn.transaction():  # another claim holding the first row locked
                await conn.execute(
                    "SELECT key FROM announce_ledger WHERE key = $1 FOR UPDATE", batch[0].key
                )
                got = await asyncio.wait_for(second.claim(batch, T, retake), 5)
        finally:
            await conn.close()
        assert got == {batch[1].key, batch[2].key}  # not blocked, and the held key left alone
    finally:
        for s in stores:
            await s.close()


async def test_a_follow_removed_in_one_process_is_gone_from_the_others_announcer(
    pg_url: str, tmp_path: Path, programme: Programme
) -> None:
    clock = FrozenClock(T)
    async with (
        process(pg_url, tmp_path, "a", programme, clock) as a,
        process(pg_url, tmp_path, "b", programme, clock) as b,
    ):
        outbox = FakeOutbox()
        b.announcer.register(outbox)
        await b.announcer.start()
        await follows.remind(a.context(person("ana")), "hub-oct-6")
        await _wait_for(lambda: b.announcer.follows_of("console", "ana"), 5)
        assert any(d.key.startswith("rem:console:ana:") for d in b.announcer.pending())

        await follows.unremind(a.context(person("ana")), "hub-oct-6")
        await _wait_for(lambda: not b.announcer.follows_of("console", "ana"), 5)
        assert not any(d.key.startswith("rem:") for d in b.announcer.pending())
        clock.set(T + timedelta(minutes=10))
        await b.announcer.deliver_due()
        assert outbox.keys() == ["ann:console:hub-oct-6:15:20211006T1000Z"]  # no reminder


async def test_a_holder_that_stops_checking_loses_the_lease_within_failover_seconds(
    pg_url: str,
) -> None:
    """A frozen leader (no statement on its lease connection: stopped, its machine gone) is cut
    off by the server itself, and a standby gets the lease."""
    stores = [await Store.open(pg_url, FrozenClock(T)) for _ in range(2)]
    frozen = Lease(stores[0].database, "discord", FAILOVER)
    standby = Lease(stores[1].database, "discord", FAILOVER)
    try:
        assert await frozen.try_acquire()  # and then never checks again
        start = time.monotonic()
        while not await standby.try_acquire():
            assert time.monotonic() - start < FAILOVER, "the frozen holder kept the lease"
            await asyncio.sleep(0.1)
    finally:
        await frozen.release()
        await standby.release()
        for s in stores:
            await s.close()


class _Unreachable:
    """A PostgreSQL database whose server is gone (nothing listens on its port)."""

    dialect = "postgresql"

    def __init__(self) -> None:
        from tests.support.postgres import free_port

        self.url = f"postgresql://nobody:s3cret@127.0.0.1:{free_port()}/gone"
        self.target = "postgresql://nobody:***@127.0.0.1/gone"


async def test_a_lease_that_cannot_reach_the_database_tells_the_health_page_until_it_can(
    pg_url: str, tmp_path: Path, programme: Programme
) -> None:
    told: list[tuple[str, str | None]] = []
    gone = _Unreachable()
    lease = Lease(gone, "console", FAILOVER, on_reach=lambda *a: told.append(a))  # type: ignore[arg-type]
    assert not await lease.try_acquire()
    assert len(told) == 1 and told[0][0] == "lease:console"
    assert told[0][1] is not None and "cannot reach the database" in told[0][1]
    assert "s3cret" not in told[0][1]
    async with process(pg_url, tmp_path, "a", programme, FrozenClock(T)) as hub:
        lease.db = hub.store.database  # the server is back
        try:
            assert await lease.try_acquire()
            assert told[-1] == ("lease:console", None)
        finally:
            await lease.release()


async def test_a_process_whose_server_is_gone_is_not_ready_until_it_is_back(
    pg_url: str, tmp_path: Path, programme: Programme
) -> None:
    async with process(pg_url, tmp_path, "a", programme, FrozenClock(T)) as hub:
        database = hub.store.database
        real_url = database.url  # type: ignore[attr-defined]
        database.url = _Unreachable().url  # type: ignore[attr-defined]
        hub.health.expect("console")
        running = asyncio.create_task(lead(hub, "console", asyncio.Event().wait))
        try:
            await _wait_for(lambda: bool(hub.health.store_errors), FAILOVER)
            assert hub.roles["console"] == STANDBY and not hub.health.ready
            assert hub.health.problems()[0].startswith("store: cannot reach the database")
            database.url = real_url  # type: ignore[attr-defined]
            await _wait_for(lambda: hub.roles.get("console") == LEADER, FAILOVER)
            assert hub.health.store_errors == {}
        finally:
            database.url = real_url  # type: ignore[attr-defined]
            running.cancel()
            await asyncio.gather(running, return_exceptions=True)


async def test_a_database_restart_does_not_silence_the_leader_it_takes_its_lease_back(
    programme: Programme, tmp_path: Path, postgres_server: PostgresServer
) -> None:
    """The server restarts under two processes: the leader stops delivering at once, stays
    connected (its front is not restarted) and takes its lease back when the server is back;
    the standby, which could not reach the server either, lets it."""
    own = start_server()  # a server of this test's own: stopping it disturbs no other test
    try:
        url = own.new_database()
        clock = FrozenClock(T)
        served: list[str] = []

        def serve(name: str):  # type: ignore[no-untyped-def]
            async def run() -> None:
                served.append(name)
                await asyncio.Event().wait()

            return run

        slow = 8.0  # failover_seconds: a restart of the server fits well within it
        async with (
            process(url, tmp_path, "a", programme, clock, slow) as a,
            process(url, tmp_path, "b", programme, clock, slow) as b,
        ):
            running_a = asyncio.create_task(lead(a, "console", serve("a")))
            await _wait_for(lambda: a.roles.get("console") == LEADER, FAILOVER)
            running_b = asyncio.create_task(lead(b, "console", serve("b")))
            await _wait_for(lambda: b.roles.get("console") == STANDBY, FAILOVER)
            await asyncio.to_thread(own.stop)
            await _wait_for(lambda: not a.leads("console"), slow)  # fenced at once
            assert not running_a.done() and served == ["a"]  # …but still connected
            await asyncio.to_thread(own.start)  # same data, same port, within failover_seconds
            await _wait_for(lambda: a.leads("console"), slow)
            await asyncio.sleep(slow / 2)  # the standby tries again and again meanwhile
            assert (a.roles["console"], b.roles["console"]) == (LEADER, STANDBY)
            assert served == ["a"]  # the leader's front was never restarted, b never served
            for task in (running_a, running_b):
                task.cancel()
            await asyncio.gather(running_a, running_b, return_exceptions=True)
    finally:
        own.close()


async def test_an_outage_longer_than_failover_seconds_makes_the_leader_a_standby(
    programme: Programme, tmp_path: Path, postgres_server: PostgresServer
) -> None:
    """Past failover_seconds the leader stops holding on (if only it lost the server, a standby
    may lead by now): it disconnects, and leads again once it gets the lease."""
    own = start_server()
    try:
        url = own.new_database()
        clock = FrozenClock(T)
        served: list[str] = []

        async def run() -> None:
            served.append("a")
            await asyncio.Event().wait()

        async with process(url, tmp_path, "a", programme, clock) as a:
            running = asyncio.create_task(lead(a, "console", run))
            await _wait_for(lambda: a.roles.get("console") == LEADER, FAILOVER)
            assert served == ["a"]
            await asyncio.to_thread(own.stop)
            await asyncio.sleep(FAILOVER * 2)  # longer than failover_seconds
            assert a.roles["console"] == STANDBY
            await asyncio.to_thread(own.start)
            await _wait_for(lambda: served == ["a", "a"], 30)  # connected again
            assert a.roles["console"] == LEADER
            running.cancel()
            await asyncio.gather(running, return_exceptions=True)
    finally:
        own.close()
