"""Announcement lateness with the bot in real OS processes on one database (``bench_store``).

Each process (``multiprocessing``, spawned) builds the whole app with :func:`bot.app.build_app`
on the same database target, registers a recording outbox for the fronts it leads and runs the
real announcer (APScheduler jobs, fan-out workers, the ledger: claim before send, outcome after)
on a rehearsal clock shared by every process: the same forum start and the same real origin
(``time.monotonic`` is system-wide), so a delivery's lateness is the real time its message left
minus the real time its due instant was reached, in seconds, whichever process sent it.

The programme and followers are ``bench/bench_announce.py``'s (1,000 sessions, one every
3 minutes; each follower follows 3 random sessions, 2 % a kind, 0.2 % everything), the
followers split between the fronts. Private messages are not paced (``dm_per_second = 0``):
the figure is the bot's own delay, as in ``bench_announce``.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import queue
import random
import time
import traceback
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from multiprocessing.synchronize import Event
from typing import Any

from bench.bench_announce import KIND_SHARE, SEED, SESSIONS_EACH, START, build_programme
from bot.announce.announcer import FAR
from bot.announce.fanout import DELIVERY_KEY
from bot.announce.model import Follow
from bot.announce.plan import FollowIndex, plan
from bot.app import build_app
from bot.clock import RehearsalClock
from bot.config import Config
from bot.doc import Reply
from bot.programme import KINDS
from bot.store import Store

#: The fronts delivered, and the channel each posts its announcements in.
CHANNELS = {"discord": "1", "matrix": "!announcements:l4a.local"}
LEAD_IN = timedelta(minutes=30)  # forum time before the first session: start-up is done by then
ALL_SHARE = 0.002
GO_AFTER = 3.0  # real seconds between "every process is ready" and the clock's start


def config() -> Config:
    return Config.model_validate(
        {
            "announcements": {
                "channels": {front: {"default": ch} for front, ch in CHANNELS.items()},
                "dm_per_second": 0,
                "watch_schedule": False,
            }
        }
    )


def follows(followers: int) -> list[Follow]:
    """``followers`` per front, as ``bench_announce.write_follows`` draws them."""
    rng = random.Random(SEED)
    since = START - timedelta(days=30)
    out = []
    n_sessions = len(build_programme().sessions)
    for front in CHANNELS:
        for u in range(followers):
            user = str(400_000_000_000_000_000 + u)
            for i in rng.sample(range(n_sessions), SESSIONS_EACH):
                out.append(
                    Follow(front, user, "session", f"s{i:04d}", rng.choice((5, 10, 15)), since)
                )
            if rng.random() < KIND_SHARE:
                out.append(Follow(front, user, "kind", rng.choice(KINDS[:4]), 10, since))
            if rng.random() < ALL_SHARE:
                out.append(Follow(front, user, "all", "", 10, since))
    return out


async def prepare(target: str, followers: int) -> list[tuple[datetime, str]]:
    """Create the bot's schema at ``target`` and write the followers; returns the keys of every
    delivery due from the clock's start on (planned as the processes will plan them)."""
    rows = follows(followers)
    clock = RehearsalClock(START - LEAD_IN)
    store = await Store.open(target, clock)
    try:
        await store.database.executemany(
            "INSERT INTO announce_follows (front, user_id, target_type, target, lead_minutes,"
            " since, locale, dm) VALUES (?, ?, ?, ?, ?, ?, NULL, 0) ON CONFLICT DO NOTHING",
            [
                (f.front, f.user_id, f.target_type, f.target, f.lead_minutes, f.since.isoformat())
                for f in rows
            ],
        )
    finally:
        await store.close()
    planned = plan(
        build_programme(), FollowIndex(rows), config().announcements, set(CHANNELS),
        START - LEAD_IN, FAR,
    )  # fmt: skip
    return [(d.due, d.key) for d in planned]


async def ledger(target: str) -> dict[str, str]:
    """Every key of the ledger at ``target`` with its status (after the run)."""
    store = await Store.open(target, RehearsalClock(START), create=False)
    try:
        rows = await store.database.fetch("SELECT key, status FROM announce_ledger")
        return {r[0]: r[1] for r in rows}
    finally:
        await store.close()


class RecordingOutbox:
    """Records which delivery key left when (real time); sends nothing."""

    def __init__(self, front: str, sent: list[tuple[str, float]]) -> None:
        self.front = front
        self.sent = sent

    async def post(self, channel: str, reply: Reply) -> None:
        self.sent.append((DELIVERY_KEY.get() or "?", time.monotonic()))

    async def direct(self, user_id: str, reply: Reply) -> None:
        self.sent.append((DELIVERY_KEY.get() or "?", time.monotonic()))


@dataclass
class Run:
    """What one process reports: every message it sent (key, real time) and, by reminder or
    announcement key, when it left (a digest's parts leave with it)."""

    fronts: tuple[str, ...]
    sent: list[tuple[str, float]] = field(default_factory=list)
    sent_at: dict[str, float] = field(default_factory=dict)


def child(
    target: str,
    fronts: tuple[str, ...],
    speed: float,
    real_seconds: float,
    ready: Any,
    go: Event,
    origin: Any,
    results: Any,
) -> None:
    """One bot process (the ``multiprocessing`` target)."""
    try:
        run = asyncio.run(_serve(target, fronts, speed, real_seconds, ready, go, origin))
        results.put(("ok", run))
    except BaseException:
        results.put(("error", f"process {'+'.join(fronts)}: {traceback.format_exc()}"))


async def _serve(
    target: str,
    fronts: tuple[str, ...],
    speed: float,
    real_seconds: float,
    ready: Any,
    go: Event,
    origin: Any,
) -> Run:
    clock = RehearsalClock(START - LEAD_IN, speed=speed)
    store = await Store.open(target, clock, create=False)
    run = Run(fronts)
    try:
        async with build_app(config(), build_programme(), store, clock) as hub:
            announcer = hub.announcer
            for front in fronts:
                announcer.register(RecordingOutbox(front, run.sent))
            announcer.fanout.record_times = True
            ready.put(fronts)
            await asyncio.to_thread(go.wait)
            clock._origin = origin.value  # every process: the same forum instant at once
            # Started before the clock reaches the lead-in's start: start-up planning (every
            # delivery, one job per due instant) is not counted as lateness.
            await announcer.start()
            await asyncio.sleep(max(0.0, clock._origin + real_seconds - time.monotonic()))
            # A loop running late has not yet run every job of the window: wait for them (the
            # heap holds what is planned and not yet handed over, earliest first).
            end = clock.start + timedelta(seconds=real_seconds * speed)
            waited = time.monotonic() + 60
            while announcer._heap and announcer._heap[0][0] < end and time.monotonic() < waited:  # noqa: ASYNC110
                await asyncio.sleep(0.05)
            await announcer.drain()
            await announcer.stop()
            run.sent_at = dict(announcer.fanout.sent_at)
    finally:
        await store.close()
    return run


def run_processes(
    target: str,
    groups: Sequence[tuple[str, ...]],
    speed: float,
    real_seconds: float,
    on_go: Callable[[float], object] = lambda _origin: None,
) -> tuple[list[Run], float]:
    """One process per group of fronts on ``target``, started together; returns what each sent
    and the real origin of the shared clock (``time.monotonic``), also given to ``on_go`` as
    soon as it is chosen."""
    ctx = multiprocessing.get_context("spawn")
    ready, results = ctx.Queue(), ctx.Queue()
    go = ctx.Event()
    origin = ctx.Value("d", 0.0)
    procs = [
        ctx.Process(
            target=child,
            args=(target, fronts, speed, real_seconds, ready, go, origin, results),
            name=f"l4a-bench-{'+'.join(fronts)}",
        )
        for fronts in groups
    ]
    for p in procs:
        p.start()
    try:
        for _ in procs:
            _wait(ready, results, procs, 120, "ready")
        origin.value = time.monotonic() + GO_AFTER
        go.set()
        on_go(origin.value)
        runs = []
        for _ in procs:
            status, value = _wait(results, None, procs, real_seconds + 120, "results")
            if status != "ok":
                raise RuntimeError(value)
            runs.append(value)
        return runs, origin.value
    finally:
        for p in procs:
            p.join(timeout=30)
            if p.is_alive():
                p.kill()
                p.join()


def _wait(q: Any, errors: Any, procs: list[Any], timeout: float, what: str) -> Any:
    """The next item of ``q`` — or the error a process reported meanwhile on ``errors``, or
    the exit of a process that could not report."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with suppress(queue.Empty):
            return q.get(timeout=0.2)
        if errors is not None:
            with suppress(queue.Empty):
                status, value = errors.get_nowait()
                raise RuntimeError(value if status == "error" else f"{what}: {status}")
        dead = [p for p in procs if p.exitcode not in (None, 0)]
        if dead:
            raise RuntimeError(f"bench process {dead[0].name} exited ({dead[0].exitcode})")
    raise TimeoutError(f"no {what} from the bench processes within {timeout:.0f} s")


def due_real(due: datetime, origin: float, speed: float) -> float:
    """The real time (``time.monotonic``) the shared clock reaches ``due``."""
    return origin + (due - (START - LEAD_IN)).total_seconds() / speed
