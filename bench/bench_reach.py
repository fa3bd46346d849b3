"""Reach benchmark (issue 14): how soon the followers of one session get their reminder, under
the platforms' real limits.

Run from the repository root (``make bench-reach``)::

    .venv/bin/python -m bench.bench_reach [--quick]

One session (the 6 October open space) followed by N people at a 10-minute lead. The real
announcer (planner, fan-out workers, SQLite ledger: claim before send, outcome after) hands the
reminders to the real outbox of a front — ``cogs.announce.DiscordOutbox`` on a discord.py client
whose ``discord.http.Route.BASE`` points at :mod:`bench.sim_discord`, or
``fronts.matrix.outbox.MatrixOutbox`` on a mautrix ``ClientAPI`` whose base URL is
:mod:`bench.sim_matrix` — each simulator in its own process on 127.0.0.1, enforcing the
documented limits (see their docstrings). The clock stops at the due instant; each follower's
"reached" time is when their message was accepted by the server, counted from that instant.

Time scaling: a run at scale K makes every limit K times faster in the simulator and the bot's
own pacing (``dm_per_second``, retry waits) K times faster too; the real times measured are
multiplied by K. The figures are then what the same traffic takes at the real limits, as long as
the bot is not CPU-bound (the "real s" column: the run's real duration; compare with the paced
minimum ``followers / dm_per_second / K``). Runs that would take too long even scaled are
*projected* from a measured run at the rate it achieved, and labelled so.

``run(mode, followers, ...)`` takes the delivery mode, ``[announcements.reminders] mode``:
``dm`` (a DM per follower), ``thread`` (one post in the session's thread, then its followers'
mentions in batches; on Discord one private thread per 999 followers, each with its own post,
concurrently) or ``mentions`` (the same in the session's channel); a mode the code does
not have prints "mode not available". For a post for many, a follower is *reached* when the
message that mentions them was accepted by the server (80 mentions a message on Discord, as
many as fit in 56 KB an event on Matrix, ~1,200 of the bench's ids). In ``thread`` mode the
followers are added to the thread ahead of the due instant (``mem:`` deliveries, paced at
``members_per_second``): timed and counted apart.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import socket
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for `python bench/...py`

import aiohttp
import aiosqlite
from pydantic import ValidationError

from bench.report import machine_info, percentile
from bot.announce.announcer import Announcer
from bot.app import build_app
from bot.clock import FrozenClock
from bot.config import BUNDLED_SCHEDULE, Config
from bot.outbox import Outbox
from bot.programme import load_programme
from bot.store import Store

SESSION = "hub-oct-6"
LEAD = 10
DM_PER_SECOND = 20.0  # the configured default pacing (config.example.toml)
MODES = ("dm", "thread", "mentions")
CHANNELS = {"discord": "300000000000000001", "matrix": "!announce:bench.local"}
MEMBERS_PER_SECOND = 10.0  # thread-member additions a second (assumed bucket: sim_discord)
GOAL_FOLLOWERS, GOAL_P99_S = 10_000, 60.0
DISCORD_SCALE = 5.0  # at ×10 the bot is CPU-bound on 2 shared cores (~165 DMs/s real)
GROUP_SCALE = 20.0  # a post for many sends few requests: not CPU-bound at ×20
DM_OPENS_PER_MINUTE = 30  # assumed: Discord publishes no figure (see bench/sim_discord.py)


@dataclass
class Outcome:
    label: str
    mode: str
    followers: int
    scale: float
    reached: list[float] = field(default_factory=list)  # seconds after the due instant
    stats: dict[str, int] = field(default_factory=dict)
    real_s: float = 0.0
    projected_from: Outcome | None = None
    began: float = 0.0  # monotonic instant of the due time (real)
    members_s: float | None = None  # simulated seconds to add the followers ahead (thread mode)
    member_stats: dict[str, int] = field(default_factory=dict)

    @property
    def share(self) -> float:
        """The part of the followers reached at all (of the measured run, for a projection)."""
        base = self.projected_from or self
        return len(base.reached) / base.followers if base.followers else 0.0

    def figure(self, p: float) -> float | None:
        """The time by which p % of all followers were reached (``None``: fewer ever were)."""
        if not self.reached or self.share < p / 100:
            return None
        rank = p / 100 / self.share * 100  # p % of everyone, among those reached
        return percentile(sorted(self.reached), min(100.0, rank))


def mode_available(mode: str) -> bool:
    """``dm`` always; another mode if ``[announcements.reminders] mode`` accepts it."""
    if mode == "dm":
        return True
    try:
        Config.model_validate({"announcements": {"reminders": {"mode": mode}}})
    except ValidationError:
        return False
    return True


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _simulator(module: str, *args: str) -> tuple[asyncio.subprocess.Process, str]:
    port = _free_port()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", module, "--port", str(port), *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    assert proc.stdout is not None
    line = await asyncio.wait_for(proc.stdout.readline(), 30)
    if b"ready" not in line:
        raise RuntimeError(f"{module} did not start")
    return proc, f"http://127.0.0.1:{port}"


async def _discord_outbox(url: str, scale: float) -> tuple[Outbox, Any]:
    import discord

    from cogs.announce import DiscordOutbox

    discord.http.Route.BASE = f"{url}/api/v10"
    client = discord.Client(intents=discord.Intents.none())
    await client._async_setup_hook()
    data = await client.http.static_login("bench-token")
    client._connection.user = discord.ClientUser(state=client._connection, data=data)
    outbox = DiscordOutbox(client)
    outbox.group_rate *= scale  # its own pacing of posts for many, at the simulator's pace
    return outbox, client.close


async def _matrix_outbox(
    url: str, store: Store, clock: FrozenClock, users: list[str], scale: float
) -> tuple[Outbox, Any]:
    from mautrix.client import ClientAPI
    from mautrix.types import UserID

    from fronts.matrix import outbox as matrix_outbox
    from fronts.matrix import ratelimit
    from fronts.matrix.state import MatrixState

    session = aiohttp.ClientSession()
    api = ClientAPI(UserID("@bot:bench.local"), base_url=url, token="t", client_session=session)
    ratelimit.install(api)
    calm = matrix_outbox.CALM
    matrix_outbox.CALM = calm / scale  # the outbox's own waits run at the simulator's pace
    outbox = matrix_outbox.MatrixOutbox(
        api, MatrixState(store.database), clock, max_wait=60 / scale
    )
    await outbox.load()
    # The DM rooms exist (opened earlier): creating them is rc_room_creation's business, see
    # the projection printed below.
    outbox.rooms.update({u: f"!dm{i}:bench.local" for i, u in enumerate(users)})

    async def close() -> None:
        matrix_outbox.CALM = calm
        await session.close()

    return outbox, close


def _users(front: str, n: int) -> list[str]:
    if front == "matrix":
        return [f"@f{i:06d}:bench.local" for i in range(n)]
    return [str(400_000_000_000_000_000 + i) for i in range(n)]


async def run(
    mode: str,
    followers: int,
    *,
    front: str = "discord",
    scale: float = 10.0,
    warm: bool = True,
    exempt: bool = False,
    label: str = "",
) -> Outcome | None:
    """Deliver the reminders of one session followed by ``followers`` people in ``mode``;
    ``None`` if the code has no such mode."""
    if not mode_available(mode):
        return None
    announcements: dict[str, Any] = {
        "channels": {},  # reminders only: no channel posts in the figures
        "retry_seconds": 2.0 / scale,
        "reminders": {"mode": mode},
    }
    if mode != "dm":  # the session's channel, where its thread opens; no channel posts
        announcements["channels"] = {front: {"default": CHANNELS[front]}}
        announcements["leads"] = []
    config = Config.model_validate({"announcements": announcements})
    # the pacing K times faster too (past the validated bounds)
    config.announcements.dm_per_second = DM_PER_SECOND * scale
    config.announcements.reminders.members_per_second = MEMBERS_PER_SECOND * scale
    programme = load_programme(BUNDLED_SCHEDULE)
    starts = programme.by_id[SESSION].starts_at
    assert starts is not None
    due = starts - timedelta(minutes=LEAD)
    users = _users(front, followers)
    if front == "discord":
        args = ["--scale", str(scale), "--dm-opens", str(DM_OPENS_PER_MINUTE)]
        proc, url = await _simulator("bench.sim_discord", *args, *(["--warm"] if warm else []))
    else:
        args = ["--scale", str(scale), *(["--exempt"] if exempt else [])]
        proc, url = await _simulator("bench.sim_matrix", *args)
    outcome = Outcome(label or f"{front} {mode}", mode, followers, scale)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            db = Path(tmp) / "reach.sqlite3"
            clock = FrozenClock(due - timedelta(minutes=1))
            store = await Store.open(db, clock)
            async with aiosqlite.connect(db) as con:
                await con.executemany(
                    "INSERT INTO announce_follows (front, user_id, target_type, target,"
                    " lead_minutes, since, locale) VALUES (?, ?, 'session', ?, ?, ?, NULL)",
                    [(front, u, SESSION, LEAD, "2021-01-01T00:00:00+00:00") for u in users],
                )
                await con.commit()
            try:
                async with build_app(config, programme, store, clock) as hub:
                    if front == "discord":
                        outbox, close = await _discord_outbox(url, scale)
                    else:
                        outbox, close = await _matrix_outbox(url, store, clock, users, scale)
                    try:
                        await _deliver(hub.announcer, outbox, clock, due, outcome, url)
                    finally:
                        await close()
            finally:
                await store.close()
        outcome.stats = await _stats(url)
        if mode != "dm":  # reached when the message that mentions them was accepted
            times = outcome.stats.pop("mention_times")
            outcome.reached = [(t - outcome.began) * scale for t, n in times for _ in range(n)]
        outcome.stats.pop("mention_times", None)
        if outcome.member_stats:  # the due instant's requests only; the additions apart
            ahead = outcome.member_stats
            outcome.stats = {
                k: v if k == "most_refusals" else v - ahead.get(k, 0)
                for k, v in outcome.stats.items()
            }
    finally:
        proc.terminate()
        await proc.wait()
    return outcome


async def _stats(url: str) -> dict[str, Any]:
    async with aiohttp.ClientSession() as http, http.get(f"{url}/_bench/stats?times") as resp:
        return dict(await resp.json())


async def _deliver(
    announcer: Announcer,
    outbox: Outbox,
    clock: FrozenClock,
    due: datetime,
    outcome: Outcome,
    url: str,
) -> None:
    """Plan before the due instant, then run it and time every reminder leaving. In thread
    mode the followers are added to the session's thread first (their ``mem:`` deliveries are
    due as soon as they follow: here, all at once a minute before the due instant, the clock
    held until they are done — they take longer than that minute, see ``members_s``)."""
    announcer.register(outbox)
    announcer.fanout.record_times = True
    ahead = time.monotonic()
    await announcer.start()  # planned; only the member additions are due
    await announcer.drain()
    if outcome.mode == "thread":
        outcome.members_s = (time.monotonic() - ahead) * outcome.scale
        outcome.member_stats = await _stats(url)
        outcome.member_stats.pop("mention_times", None)
    clock.set(due)
    began = time.monotonic()
    await announcer.run_due()
    await announcer.drain()
    outcome.real_s = time.monotonic() - began
    outcome.began = began
    outcome.reached = [
        (at - began) * outcome.scale
        for key, at in announcer.fanout.sent_at.items()
        if key.startswith("rem:")
    ]


def project(measured: Outcome, followers: int) -> Outcome:
    """The same delivery for ``followers``, at the rate the measured run achieved (every limit
    involved is a constant rate, so the time grows linearly with the number of followers)."""
    factor = followers / measured.followers
    out = Outcome(measured.label, measured.mode, followers, measured.scale)
    out.reached = [t * factor for t in measured.reached]
    out.stats = {k: round(v * factor) for k, v in measured.stats.items() if k != "most_refusals"}
    out.stats["most_refusals"] = measured.stats.get("most_refusals", 0)
    out.projected_from = measured
    return out


def _s(value: float | None) -> str:
    if value is None:
        return "not reached"
    return f"{value:,.0f} s" if value >= 10 else f"{value:.1f} s"


def line(o: Outcome) -> str:
    st = o.stats
    kinds_ = ("refused_global", "refused_route", "refused_dm_open", "refused_thread_full")
    refused = sum(st.get(k, 0) for k in kinds_)
    refused += st.get("refused", 0)
    kinds = ", ".join(
        f"{name} {st[key]:,}"
        for key, name in (
            ("refused_global", "global"),
            ("refused_route", "route"),
            ("refused_dm_open", "40003"),
            ("refused_thread_full", "30033"),
            ("refused", "M_LIMIT_EXCEEDED"),
        )
        if st.get(key)
    )
    p99 = o.figure(99)
    ok = (
        p99 is not None and p99 <= GOAL_P99_S and st.get("refused_twice", 0) == 0
        if o.followers >= GOAL_FOLLOWERS
        else None
    )
    verdict = "" if ok is None else (" OK" if ok else " MISSED")
    paced = o.followers / DM_PER_SECOND / o.scale
    if o.projected_from:
        how = f"projected from {o.projected_from.followers:,}"
    elif o.mode == "dm":
        how = f"measured at ×{o.scale:g}: {o.real_s:.1f} s real (paced minimum {paced:.1f} s)"
    else:
        how = f"measured at ×{o.scale:g}: {o.real_s:.1f} s real"
    return (
        f"| {o.label} | {o.followers:,} | {round(o.share * o.followers):,} | {_s(o.figure(50))} | "
        f"{_s(p99)} | {_s(max(o.reached) if o.reached else None)} | "
        f"{refused:,}{f' ({kinds})' if kinds else ''} | {st.get('refused_twice', 0):,} | "
        f"{how} |{verdict}"
    )


def members_line(o: Outcome) -> str:
    """The thread mode's work ahead of the due instant: every follower added to the thread."""
    st = o.member_stats
    refused = sum(st.get(k, 0) for k in ("refused_global", "refused_route", "refused",
                                         "refused_thread_full"))  # fmt: skip
    added = st.get("members_added", o.followers)
    return (
        f"| {o.label}: adding the followers ahead | {o.followers:,} | {added:,} added | "
        f"all in {_s(o.members_s)} | | | {refused:,} | {st.get('refused_twice', 0):,} | "
        f"before the due instant, paced {MEMBERS_PER_SECOND:g}/s |"
    )


HEAD = (
    "| delivery | followers | reached | p50 | p99 | max | requests refused | refused twice "
    "| how |\n|---|---|---|---|---|---|---|---|---|"
)


async def main(quick: bool) -> None:
    logging.basicConfig(level=logging.ERROR)  # discord.py warns at every 429: counted instead
    print("Reach benchmark — " + " | ".join(machine_info()))
    print(
        f"One session, N followers at a {LEAD}-minute lead; times after the due instant. Goal: "
        f"{GOAL_FOLLOWERS:,} followers, p99 ≤ {GOAL_P99_S:g} s, no request refused twice.\n"
    )
    print(HEAD)
    big = 1_000 if quick else 10_000
    rows: list[Outcome] = []
    warm = "Discord DM per follower (DM channels already open)"
    for n in (1_000, big):
        if (o := await run("dm", n, scale=DISCORD_SCALE, label=warm)) is not None:
            rows.append(o)
            print(line(o), flush=True)
    if rows and not quick:
        print(line(project(rows[-1], 50_000)), flush=True)
    cold = f"Discord DM per follower (first DMs; cap {DM_OPENS_PER_MINUTE} new DMs/min assumed)"
    if (o := await run("dm", 1_000, scale=DISCORD_SCALE, warm=False, label=cold)) is not None:
        print(line(o), flush=True)
    synapse = "Matrix DM per follower (Synapse default rc_message 0.2/s, burst 10)"
    if (o := await run("dm", 1_000, front="matrix", scale=100.0, label=synapse)) is not None:
        print(line(o), flush=True)
        for n in (10_000, 50_000):
            print(line(project(o, n)), flush=True)
    exempt = "Matrix DM per follower (bot exempt: override_ratelimit)"
    if (o := await run("dm", 1_000, front="matrix", exempt=True, label=exempt)) is not None:
        print(line(o), flush=True)  # paced like Discord: the larger sizes follow linearly
        for n in () if quick else (10_000, 50_000):
            print(line(project(o, n)), flush=True)
    for mode in MODES[1:]:
        if not mode_available(mode):
            print(f"| {mode} | — | — | — | — | — | — | — | mode not available |")
            continue
        # thread: one private thread per 999 followers (Discord's 1,000 participants, the bot
        # one of them), each its own channel bucket; measured at every size (not linear)
        sharded = mode == "thread"
        label = (
            "Discord thread, sharded (≤ 999 followers a private thread, 80 mentions a message)"
            if sharded
            else f"Discord {mode} (one post, 80 mentions a message)"
        )
        sizes = (1_000, big, *(() if quick or not sharded else (50_000,)))
        for n in sizes:
            o = await run(mode, n, scale=GROUP_SCALE, label=label)
            if o is not None:
                print(line(o), flush=True)
                if o.members_s is not None:
                    print(members_line(o), flush=True)
        if o is not None and not quick and not sharded:
            print(line(project(o, 50_000)), flush=True)
    if mode_available("thread"):
        for exempt_, scale, name in ((False, 100.0, "Synapse default rc_message"),
                                     (True, GROUP_SCALE, "bot exempt"),):  # fmt: skip
            label = f"Matrix thread (one post, mentions packed ≤ 56 KB an event; {name})"
            sizes = (1_000, big, *(() if quick or exempt_ else (50_000,)))
            for n in sizes:
                o = await run("thread", n, front="matrix", scale=scale, exempt=exempt_,
                              label=label)  # fmt: skip
                if o is not None:
                    print(line(o), flush=True)
            if o is not None and not quick and exempt_:
                print(line(project(o, 50_000)), flush=True)
    creation = 10_000 / 0.016
    print(
        f"\nMatrix DM rooms are taken as existing. Opening them is limited by Synapse's "
        f"rc_room_creation (0.016/s, burst 10): 10,000 new DM rooms take ~{creation / 3600:,.0f} "
        f"h. Discord DM pacing: {DM_PER_SECOND:g}/s (dm_per_second)."
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="1,000 followers only (a check)")
    asyncio.run(main(parser.parse_args().quick))
