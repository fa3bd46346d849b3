"""Benchmark of announcements and reminders (issue 3).

Run from the repository root::

    .venv/bin/python -m bench.bench_announce [--speed N] [--hours H]

A programme of 1,000 sessions (one every 3 minutes, built in memory from the bundled
programme's header) and 10,000 followers written to a SQLite file: each follows 3 random
sessions, 2 % also follow a kind, 0.2 % follow everything.

1. Planning: the pure ``plan()`` over the whole programme, and ``Announcer._replan()`` (plan,
   ledger filter, pending index and one APScheduler job per due instant), 5 runs each.
2. Lateness: the real announcer (APScheduler ``AsyncIOScheduler``, fan-out workers, the SQLite
   ledger: claim before send, outcome after) on a rehearsal clock running ``--speed`` times
   faster through the first ``--hours`` forum hours, with an outbox that only counts. Each
   message's lateness is the real time it left minus the real time its due instant was reached.
   Private messages are not paced here (``dm_per_second = 0``): the figure is the bot's own
   delay; on Discord the pacing (and Discord's limits) spread a burst of DMs on purpose.
   Meanwhile ``/next`` is answered every 20 ms and timed.
3. Burst: 10,000 followers of one session at the same lead; how long until the last of the
   10,000 DMs is out, and ``/next`` meanwhile.

Every figure is printed next to its limit; a missed target prints ``MISSED``; exit status 0.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for `python bench/...py`

from contextlib import AsyncExitStack

import aiosqlite

from bot.announce.announcer import FAR, Announcer
from bot.announce.plan import plan
from bot.announce.repo import AnnounceRepo
from bot.app import build_app
from bot.clock import RehearsalClock
from bot.commands import dispatch
from bot.config import BUNDLED_SCHEDULE, Config
from bot.context import Caller
from bot.doc import Reply
from bot.programme import KINDS, LocalText, Programme, Session, load_programme
from bot.programme.model import search_words
from bot.store import Store

N_SESSIONS = 1_000
N_FOLLOWERS = 10_000
SESSIONS_EACH = 3
KIND_SHARE, ALL_SHARE = 0.02, 0.002
START = datetime(2021, 10, 5, 7, 0, tzinfo=UTC)
SPACING = timedelta(minutes=3)
SEED = 20211005

LIMIT_PLAN_MS = 2_000.0  # replanning everything (start-up, each schedule change)
LIMIT_LATE_P99_S = 1.0
LIMIT_NEXT_P99_MS = 50.0


def line(name: str, value: float, limit: float, unit: str) -> str:
    verdict = "OK" if value <= limit else "MISSED"
    return f"{name}: {value:,.2f} {unit} (limit {limit:,.0f} {unit}) {verdict}"


def build_programme() -> Programme:
    base = load_programme(BUNDLED_SCHEDULE)
    places = list(base.places)
    sessions = []
    for i in range(N_SESSIONS):
        begins = START + SPACING * i
        title = LocalText(es=f"Sesión {i}", en=f"Session {i}", fr=f"Séance {i}")
        sessions.append(
            Session(
                id=f"s{i:04d}",
                kind=KINDS[i % 4],
                date=begins.date(),
                starts_at=begins,
                ends_at=begins + timedelta(minutes=45),
                format="virtual",
                places=(places[i % len(places)],),
                title=title,
                summary=title,
                search_text=search_words(f"s{i:04d} session {i}"),
            )
        )
    return Programme(base.forum, base.places, base.days, sessions)


async def write_follows(db: Path) -> int:
    rng = random.Random(SEED)
    rows = []
    for u in range(N_FOLLOWERS):
        user = str(400_000_000_000_000_000 + u)
        for i in rng.sample(range(N_SESSIONS), SESSIONS_EACH):
            rows.append((user, "session", f"s{i:04d}", rng.choice((5, 10, 15))))
        if rng.random() < KIND_SHARE:
            rows.append((user, "kind", rng.choice(KINDS[:4]), 10))
        if rng.random() < ALL_SHARE:
            rows.append((user, "all", "", 10))
    async with aiosqlite.connect(db) as con:
        await con.executemany(
            "INSERT OR IGNORE INTO announce_follows VALUES ('discord', ?, ?, ?, ?, ?, NULL)",
            [(*r, "2021-01-01T00:00:00+00:00") for r in rows],
        )
        await con.commit()
    return len(rows)


class CountingOutbox:
    front = "discord"

    def __init__(self) -> None:
        self.posts = 0
        self.directs = 0

    async def post(self, channel: str, reply: Reply) -> None:
        self.posts += 1

    async def direct(self, user_id: str, reply: Reply) -> None:
        self.directs += 1


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def main(speed: float, hours: float) -> None:
    programme = build_programme()
    config = Config.model_validate(
        {"announcements": {"channels": {"discord": {"default": "1"}}, "dm_per_second": 0}}
    )
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.sqlite3"
        clock = RehearsalClock(START - timedelta(minutes=20), speed=speed)
        store = await Store.open(db, clock)
        n_follows = await write_follows(db)
        apps = AsyncExitStack()
        hub = await apps.enter_async_context(build_app(config, programme, store, clock))
        announcer = hub.announcer
        outbox = CountingOutbox()
        announcer.register(outbox)

        index = announcer.follow_index()
        plan_ms = []
        for _ in range(5):
            began = time.perf_counter()
            planned = plan(programme, index, config.announcements, {"discord"}, START, FAR)
            plan_ms.append((time.perf_counter() - began) * 1e3)
        announcer.started = True
        announcer.jobs.start()
        replan_ms = []
        for _ in range(5):
            began = time.perf_counter()
            await announcer._replan()
            replan_ms.append((time.perf_counter() - began) * 1e3)
        jobs = len(announcer.jobs.job_ids())
        announcer.jobs.stop()
        announcer.started = False

        # -- lateness through the real scheduler ---------------------------------------------
        # Start the clock 30 forum minutes early: start-up planning (timed above) is done
        # before the first delivery falls due.
        clock = RehearsalClock(START - timedelta(minutes=30), speed=speed)
        hub.clock = clock
        store.clock = clock
        announcer = Announcer(hub, AnnounceRepo(store.database))  # a fresh one on the fresh clock
        await announcer.load()
        hub.announcer = announcer
        announcer.register(outbox)
        announcer.fanout.record_times = True
        end = START + timedelta(hours=hours)
        window = [d for d in planned if d.due < end]
        next_ms: list[float] = []

        async def ask_next() -> None:
            caller = Caller("discord", "1", "bench")
            while True:
                began = time.perf_counter()
                await dispatch(hub, caller, "/", "next", "")
                next_ms.append((time.perf_counter() - began) * 1e3)
                await asyncio.sleep(0.02)

        await announcer.start()
        asker = asyncio.create_task(ask_next())
        real_end = (end - clock.start).total_seconds() / speed
        await asyncio.sleep(max(0.0, real_end + 1.0 - (time.monotonic() - clock._origin)))
        await announcer.drain()
        asker.cancel()
        await announcer.stop()

        lateness = []
        for d in window:
            sent = announcer.fanout.sent_at.get(d.key)
            if sent is not None:
                due_real = clock._origin + (d.due - clock.start).total_seconds() / speed
                lateness.append(max(0.0, sent - due_real))
        await apps.aclose()
        await store.close()

    load = os.getloadavg()[0]
    print(f"Announcements benchmark — Python {sys.version.split()[0]}, load average {load:.2f}")
    print(
        f"{N_SESSIONS:,} sessions, {N_FOLLOWERS:,} followers ({n_follows:,} follows): "
        f"{len(planned):,} deliveries planned, {jobs:,} jobs (one per due instant)"
    )
    print(line("plan() median", statistics.median(plan_ms), LIMIT_PLAN_MS, "ms"))
    print(line("first replan (plan + every job)", replan_ms[0], LIMIT_PLAN_MS, "ms"))
    print(
        line(
            "replan again (jobs unchanged) median",
            statistics.median(replan_ms[1:]),
            LIMIT_PLAN_MS,
            "ms",
        )
    )
    print(
        f"delivered {len(lateness):,} of {len(window):,} due in the first {hours:g} forum hours "
        f"(rehearsal clock x{speed:g}: {real_end:.0f} s real; {outbox.posts:,} posts, "
        f"{outbox.directs:,} DMs)"
    )
    if lateness:
        print(f"lateness p50 {pct(lateness, 50) * 1e3:.1f} ms, max {max(lateness) * 1e3:.1f} ms")
        print(line("lateness p99", pct(lateness, 99), LIMIT_LATE_P99_S, "s"))
    if next_ms:
        median = statistics.median(next_ms)
        print(f"/next during the run: {len(next_ms)} answers, median {median:.2f} ms")
        print(line("/next p99 during the run", pct(next_ms, 99), LIMIT_NEXT_P99_MS, "ms"))


async def burst() -> None:
    """10,000 followers of one session at the same lead: one instant, 10,000 DMs."""
    programme = build_programme()
    config = Config.model_validate({"announcements": {"dm_per_second": 0}})
    session = programme.sessions[10]
    assert session.starts_at is not None
    due = session.starts_at - timedelta(minutes=10)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "burst.sqlite3"
        clock = RehearsalClock(due - timedelta(seconds=60), speed=60)  # due 1 s from now
        store = await Store.open(db, clock)
        async with aiosqlite.connect(db) as con:
            await con.executemany(
                "INSERT INTO announce_follows (front, user_id, target_type, target, lead_minutes,"
                " since, locale) VALUES ('discord', ?, 'session', ?, 10, ?, NULL)",
                [(str(u), session.id, "2021-01-01T00:00:00+00:00") for u in range(N_FOLLOWERS)],
            )
            await con.commit()
        apps = AsyncExitStack()
        hub = await apps.enter_async_context(build_app(config, programme, store, clock))
        announcer = hub.announcer
        outbox = CountingOutbox()
        announcer.register(outbox)
        announcer.fanout.record_times = True
        next_ms: list[float] = []

        async def ask_next() -> None:
            while True:
                began = time.perf_counter()
                await dispatch(hub, Caller("discord", "x", "bench"), "/", "next", "")
                next_ms.append((time.perf_counter() - began) * 1e3)
                await asyncio.sleep(0.02)

        await announcer.start()
        asker = asyncio.create_task(ask_next())
        await asyncio.sleep(1.0)  # the instant is reached
        await announcer.drain()
        asker.cancel()
        await announcer.stop()
        await apps.aclose()
        await store.close()
    due_real = clock._origin + 60 / clock.speed
    late = [t - due_real for t in announcer.fanout.sent_at.values()]
    print(
        f"burst: {len(late):,} DMs due at one instant, all out after {max(late):.2f} s "
        f"(p50 {pct(late, 50):.2f} s, {len(late) / max(late):,.0f} messages/s through the ledger)"
    )
    print(line("/next p99 during the burst", pct(next_ms, 99), LIMIT_NEXT_P99_MS, "ms"))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--speed", type=float, default=1200.0, help="rehearsal clock speed")
    parser.add_argument("--hours", type=float, default=8.0, help="forum hours to run through")
    args = parser.parse_args()
    asyncio.run(main(args.speed, args.hours))
    asyncio.run(burst())
