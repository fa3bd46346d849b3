"""The store on both backends, side by side: poll votes end to end through discord.py dispatch
on SQLite and on PostgreSQL, the vote store's ingest beside raw inserts of the same rows on
the same database, announcement lateness with two processes, and fail-over, with the limits
they are compared against printed (and, for the raw limits, measured) in the same run.

    python -m bench.bench_store [--votes 10000] [--rounds 3] [--followers 5000] [--hours 8]
                                [--speed 1200] [--failover-runs 2] [--failover-seconds 15]

PostgreSQL is a throwaway durable server (``tests.support.postgres.start_server(durable=True)``:
``fsync`` and ``synchronous_commit`` on, 127.0.0.1, a temp dir), a fresh database for every
measurement; SQLite is a fresh file with ``synchronous=FULL``, as ``[polls] synchronous`` says by
default. Both: a confirmed vote survives a power cut.

Measurements (one function each):

* ``votes_end_to_end``: gateway-shaped button clicks of distinct members → discord.py dispatch of
  the poll's persistent view → the group-commit writer → ephemeral confirmation (see
  ``bench/bench_polls.py``), an instant burst of ``--votes``; "discord.py alone" (the same clicks,
  a handler that only answers) is the ceiling. Target ≥ 5,000 votes/s on each backend.
* ``votes_ingest``: ``--votes`` queued at once → committed → resolved, beside the raw limit on the
  same server right after: SQLite one ``executemany`` and one commit (as ``bench_polls``);
  PostgreSQL the same upsert through asyncpg's ``executemany`` in one transaction, and ``COPY``
  of the same rows (the fastest bulk path), both into the bot's own ``poll_votes`` (its foreign
  key to ``polls`` checked row by row, as the store's writes are). Target ≥ 1/3 of the faster
  raw path. ``COPY`` into a bare table without the foreign key is printed too.
* ``announcement_lateness``: ``bench/bench_announce.py``'s programme and followers (``--followers``
  a front, two fronts), every channel announcement and reminder due in the first ``--hours``
  forum hours, delivered by the real announcer in real OS processes (``bench/lateness_procs.py``):
  SQLite one process leading both fronts; PostgreSQL two processes on one database, one leading
  each front, claiming and settling in the one ledger. Lateness = real seconds from the due
  instant to the message leaving. Limit: p99 ≤ 1 s; duplicates, missing and deliveries not
  'sent' in the ledger must be 0. A bare asyncio timer at the same instants in the bench's own
  process is printed beside it (the machine's floor at that moment). Then (unless
  ``--no-contended``) PostgreSQL again with both processes delivering both fronts, as no lease
  would let them: the ledger's claim alone keeps each delivery to one process.
* ``failover`` (PostgreSQL only; SQLite has one process): ``bench/bench_failover.py``'s run
  (``kill -9`` of the leading ``l4a-bot run --front console``), ``--failover-runs`` times;
  kill → the standby leads → its first announcement. Limit: ≤ ``failover_seconds``.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from bench import lateness_procs as lp
from bench.bench_announce import START, pct
from bench.bench_failover import one_run
from bench.bench_polls import end_to_end, raw_batched, store_ingest
from bench.report import machine_info, verdict
from bench.store_raw import raw_pg_copy, raw_pg_executemany
from tests.support.postgres import PostgresServer, PostgresUnavailable, start_server

SYNCHRONOUS = "FULL"
E2E_TARGET = 5_000  # votes/s end to end (issue 5)
INGEST_RATIO = 1 / 3  # store ingest ÷ raw, same rows, same database
LATE_P99_S = 1.0  # announcement lateness p99 with two processes (issue 11)


@dataclass
class Backend:
    """Where a measurement runs: ``fresh()`` gives a new empty database target each time
    (``None``: a fresh SQLite file in the work dir)."""

    name: str
    fresh: Callable[[], str | None]


@dataclass
class Figures:
    lines: list[str] = field(default_factory=list)
    checks: list[tuple[bool, str]] = field(default_factory=list)
    extra: dict[str, float] = field(default_factory=dict)


# -- measurements ------------------------------------------------------------------------------
async def votes_end_to_end(workdir: Path, backend: Backend, votes: int, rounds: int) -> Figures:
    out = Figures()
    bot, bare = [], []
    for _ in range(rounds):
        run = await end_to_end(workdir, votes, SYNCHRONOUS, target=backend.fresh())
        assert run.extra["counted"] == run.confirmed == votes, (run.extra, run.confirmed)
        bot.append(run)
        bare.append(await end_to_end(workdir, votes, SYNCHRONOUS, bare=True))
    for r, b in zip(bot, bare, strict=True):
        out.lines.append(
            f"  {backend.name:<10} end to end {r.rate:>7,.0f} votes/s ({r.seconds:.2f} s, "
            f"{r.extra['batches']:.0f} commits, {r.deferred} deferred, slowest confirmation "
            f"{max(r.latencies):.2f} s) · discord.py alone right after {b.rate:>7,.0f} clicks/s"
        )
    rate = statistics.median(r.rate for r in bot)
    ceiling = statistics.median(b.rate for b in bare)
    out.checks.append(
        (
            rate >= E2E_TARGET,
            f"{backend.name}: median end to end {rate:,.0f} votes/s — target ≥ {E2E_TARGET:,}"
            f" (discord.py alone: {ceiling:,.0f}/s)",
        )
    )
    return out


async def votes_ingest(
    workdir: Path,
    backend: Backend,
    votes: int,
    rounds: int,
    raws: dict[str, Callable[[str | None], Awaitable[float]]],
    info: dict[str, Callable[[str | None], Awaitable[float]]],
) -> Figures:
    """``raws``: the limits compared against (the same rows into the same table); ``info``:
    other raw figures, printed only."""
    out = Figures()
    ratios, ingests = [], []
    for _ in range(rounds):
        rate, commits = await store_ingest(workdir, votes, SYNCHRONOUS, target=backend.fresh())
        measured = {name: await raw(backend.fresh()) for name, raw in raws.items()}
        best = max(measured.values())
        ingests.append(rate)
        ratios.append(rate / best)
        shown = measured | {name: await raw(backend.fresh()) for name, raw in info.items()}
        raw_text = " · ".join(f"raw {name} {r:,.0f} rows/s" for name, r in shown.items())
        out.lines.append(
            f"  {backend.name:<10} store ingest {rate:>9,.0f} votes/s ({commits} commits) · "
            f"{raw_text} · ratio to the faster {rate / best:.2f}"
        )
    ratio = statistics.median(ratios)
    out.checks.append(
        (
            ratio >= INGEST_RATIO,
            f"{backend.name}: store ingest median {statistics.median(ingests):,.0f} votes/s, "
            f"÷ raw side by side median {ratio:.2f} — target ≥ 0.33",
        )
    )
    return out


async def announcement_lateness(
    workdir: Path,
    backend: Backend,
    followers: int,
    hours: float,
    speed: float,
    *,
    contended: bool = False,
) -> Figures:
    """Channel announcements and reminders due in the first ``hours`` forum hours (rehearsal
    clock ``speed`` times faster), delivered by the real announcer in real OS processes: on
    SQLite one process leading both fronts (the embedded default), on PostgreSQL two processes
    on one database, one leading each front, both claiming and settling in the one ledger
    (change notices live). Lateness: real seconds from the due instant to the message leaving;
    beside it, a bare asyncio timer at the same instants in this (otherwise idle) process
    meanwhile: the floor of the machine at that moment. ``contended`` (PostgreSQL): both
    processes deliver both fronts, as no lease would let them: the ledger's claim (``FOR UPDATE
    SKIP LOCKED``) alone must keep each delivery to one process."""
    out = Figures()
    url = backend.fresh()
    target = url or str(workdir / f"lateness-{secrets.token_hex(4)}.sqlite3")
    fronts = tuple(lp.CHANNELS)
    groups = [fronts] if url is None else [(front,) for front in fronts]
    if contended:
        groups = [fronts, fronts]
    planned = await lp.prepare(target, followers)
    end = START + timedelta(hours=hours)
    window = [(due, key) for due, key in planned if due < end]
    real_seconds = (end - (START - lp.LEAD_IN)).total_seconds() / speed
    loop = asyncio.get_running_loop()
    started: asyncio.Future[float] = loop.create_future()
    bare: list[float] = []

    async def bare_timer() -> None:
        origin = await started
        for due in sorted({due for due, _ in window}):
            at = lp.due_real(due, origin, speed)
            await asyncio.sleep(max(0.0, at - time.monotonic()))
            bare.append(time.monotonic() - at)

    timer = asyncio.ensure_future(bare_timer())
    try:
        runs, origin = await asyncio.to_thread(
            lp.run_processes,
            target,
            groups,
            speed,
            real_seconds,
            lambda at: loop.call_soon_threadsafe(started.set_result, at),
        )
        await asyncio.wait_for(timer, 5)
    finally:
        timer.cancel()
    messages = Counter(key for run in runs for key, _ in run.sent)
    # Twice the same message, or one reminder sent by both processes (in different digests).
    parts = Counter(key for run in runs for key in run.sent_at)
    duplicates = sum(n - 1 for n in messages.values()) + sum(n - 1 for n in parts.values())
    sent_at: dict[str, float] = {}
    for run in runs:
        sent_at |= run.sent_at
    lateness = [
        sent_at[key] - lp.due_real(due, origin, speed) for due, key in window if key in sent_at
    ]
    missing = len(window) - len(lateness)
    statuses = await lp.ledger(target)
    unsettled = sum(1 for _, key in window if statuses.get(key) != "sent")
    by_process = " + ".join(f"{'+'.join(run.fronts)} {len(run.sent):,}" for run in runs)
    p99 = pct(lateness, 99) if lateness else float("inf")
    how = " both delivering both fronts (no lease)" if contended else ""
    out.lines.append(
        f"  {backend.name:<10} {len(runs)} process(es){how}, {len(lateness):,} of"
        f" {len(window):,} due delivered ({len(messages):,} messages in the run: {by_process})"
        f" · lateness p50"
        f" {pct(lateness, 50) * 1e3 if lateness else 0:.0f} ms · p99 {p99 * 1e3:.0f} ms · max"
        f" {max(lateness, default=0) * 1e3:.0f} ms · {duplicates} duplicates · {missing} missing"
        f" · {unsettled} not 'sent' in the ledger · bare timer p99"
        f" {pct(bare, 99) * 1e3 if bare else 0:.1f} ms"
    )
    lost = [(due, key) for due, key in window if key not in sent_at or statuses.get(key) != "sent"]
    for due, key in lost[:5]:
        out.lines.append(
            f"    not delivered or not 'sent': {key} due {due:%H:%M:%S}, ledger"
            f" {statuses.get(key, 'absent')}, sent {'yes' if key in sent_at else 'no'}"
        )
    out.checks.append(
        (
            p99 <= LATE_P99_S,
            f"{backend.name}: announcement lateness p99 {p99:.3f} s with {len(runs)}"
            f" process(es){how} — limit ≤ {LATE_P99_S:g} s",
        )
    )
    out.checks.append(
        (
            duplicates == 0 and missing == 0 and unsettled == 0,
            f"{backend.name}{how}: {duplicates} duplicates, {missing} missing, {unsettled}"
            f" unsettled of {len(window):,} due — must be 0",
        )
    )
    out.extra = {"duplicates": duplicates, "missing": missing, "unsettled": unsettled,
                 "due": len(window), "p99": p99}  # fmt: skip
    return out


async def failover(server: PostgresServer, runs: int, seconds: float) -> Figures:
    """``bench/bench_failover.py``'s run, ``runs`` times: two ``l4a-bot run --front console``
    processes on a fresh database of ``server``, the leader killed (``kill -9``) mid-window;
    measured: the kill → the standby holds the lease → its first announcement."""
    out = Figures()
    leads, posts = [], []
    for i in range(runs):
        with tempfile.TemporaryDirectory(prefix="l4a-failover-") as folder:
            url = server.new_database()
            lead, post = await asyncio.to_thread(one_run, url, Path(folder), seconds, "kill")
        leads.append(lead)
        posts.append(post)
        out.lines.append(
            f"  {'PostgreSQL':<10} run {i + 1}: kill -9 → standby leads {lead:.2f} s → first"
            f" announcement {post:.2f} s (failover_seconds {seconds:g})"
        )
    out.lines.append(
        f"  fail-over: kill -9 → standby leads {statistics.median(leads):.2f} s"
        f" (max {max(leads):.2f}) → first announcement {statistics.median(posts):.2f} s"
        f" (max {max(posts):.2f}), median of {runs} (limit: failover_seconds {seconds:g})"
    )
    out.checks.append(
        (
            max(posts) <= seconds,
            f"PostgreSQL: fail-over, kill -9 → first announcement by the standby, slowest of"
            f" {runs} {max(posts):.2f} s — limit ≤ failover_seconds {seconds:g} s",
        )
    )
    return out


# -- the run -----------------------------------------------------------------------------------
@dataclass
class Sizes:
    votes: int = 10_000
    rounds: int = 3
    followers: int = 5_000  # per front
    hours: float = 8.0  # forum hours of announcements and reminders
    speed: float = 1200.0  # rehearsal clock
    contended: bool = True  # lateness: also both processes on both fronts (PostgreSQL)
    failover_runs: int = 2
    failover_seconds: float = 15.0


async def main(sizes: Sizes) -> int:
    votes, rounds = sizes.votes, sizes.rounds
    try:
        server: PostgresServer | None = start_server(durable=True)
    except PostgresUnavailable as exc:
        print(f"PostgreSQL cannot run here ({exc}): SQLite only")
        server = None
    try:
        with tempfile.TemporaryDirectory() as tmp:
            workdir = Path(tmp)
            sqlite = Backend("SQLite", lambda: None)
            backends = [sqlite]
            if server is not None:
                backends.append(Backend("PostgreSQL", server.new_database))
            results: list[Figures] = []
            print(
                f"store: poll votes on SQLite (synchronous={SYNCHRONOUS}) and PostgreSQL "
                f"(durable: fsync, synchronous_commit on), {votes:,} distinct voters a round, "
                f"{rounds} rounds"
            )
            for line in machine_info():
                print(f"  {line}")
            print("end to end (gateway-shaped click → discord.py → commit → confirmation):")
            for backend in backends:
                figures = await votes_end_to_end(workdir, backend, votes, rounds)
                print("\n".join(figures.lines))
                results.append(figures)
            print("store ingest (queued → committed → resolved) beside the raw limit, same rows:")

            async def raw_sqlite(_: str | None) -> float:
                return raw_batched(workdir, votes, SYNCHRONOUS)

            async def executemany(url: str | None) -> float:
                return await raw_pg_executemany(url, votes)

            async def copy(url: str | None) -> float:
                return await raw_pg_copy(url, votes)

            async def copy_bare(url: str | None) -> float:
                return await raw_pg_copy(url, votes, bare=True)

            raws: dict[str, dict[str, Callable[[str | None], Awaitable[float]]]] = {
                "SQLite": {"executemany": raw_sqlite},
                "PostgreSQL": {"executemany": executemany, "COPY": copy},
            }
            info: dict[str, dict[str, Callable[[str | None], Awaitable[float]]]] = {
                "SQLite": {},
                "PostgreSQL": {"COPY without the foreign key": copy_bare},
            }
            for backend in backends:
                figures = await votes_ingest(
                    workdir, backend, votes, rounds, raws[backend.name], info[backend.name]
                )
                print("\n".join(figures.lines))
                results.append(figures)
            print(
                f"announcement lateness: the real announcer, {sizes.followers:,} followers a"
                f" front (discord, matrix), the first {sizes.hours:g} forum hours on a rehearsal"
                f" clock x{sizes.speed:g}, private messages unpaced; SQLite one process,"
                f" PostgreSQL two processes (one a front) on one database:"
            )
            for backend in backends:
                figures = await announcement_lateness(
                    workdir, backend, sizes.followers, sizes.hours, sizes.speed
                )
                print("\n".join(figures.lines))
                results.append(figures)
            if server is not None and sizes.contended:
                figures = await announcement_lateness(
                    workdir, backends[-1], sizes.followers, sizes.hours, sizes.speed,
                    contended=True,
                )  # fmt: skip
                print("\n".join(figures.lines))
                results.append(figures)
            print("fail-over (two `l4a-bot run --front console`, the leader killed mid-window):")
            print(f"  {'SQLite':<10} n/a: one process (the file's lock; no standby)")
            if server is not None and sizes.failover_runs > 0:
                figures = await failover(server, sizes.failover_runs, sizes.failover_seconds)
                print("\n".join(figures.lines))
                results.append(figures)
    finally:
        if server is not None:
            server.close()
    checks = [c for f in results for c in f.checks]
    for ok, text in checks:
        print(f"{text}: {verdict(ok)}")
    return 0 if all(ok for ok, _ in checks) else 1


def cli() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = Sizes()
    parser.add_argument("--votes", type=int, default=default.votes)
    parser.add_argument("--rounds", type=int, default=default.rounds)
    parser.add_argument(
        "--followers", type=int, default=default.followers, help="lateness: followers a front"
    )
    parser.add_argument(
        "--hours", type=float, default=default.hours, help="lateness: forum hours run through"
    )
    parser.add_argument(
        "--speed", type=float, default=default.speed, help="lateness: rehearsal clock speed"
    )
    parser.add_argument(
        "--no-contended",
        dest="contended",
        action="store_false",
        help="lateness: skip the run with both processes delivering both fronts",
    )
    parser.add_argument("--failover-runs", type=int, default=default.failover_runs, help="0: none")
    parser.add_argument("--failover-seconds", type=float, default=default.failover_seconds)
    args = parser.parse_args()
    return asyncio.run(main(Sizes(**vars(args))))


if __name__ == "__main__":
    sys.exit(cli())
