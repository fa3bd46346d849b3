"""The web front under load: the server (``l4a-bot web``) in its own process, a local load
generator (aiohttp client) in this one, on 127.0.0.1.

    python -m bench.bench_web [--requests 2000] [--phones 1000] [--window 10] [--screens 100]

1. Programme page: ``--requests`` GETs of ``/`` by 50 concurrent clients: requests/s, p50, p99.
2. Votes at full speed: 50 concurrent phones, each its own browser (cookie), GET the vote page
   then POST a vote: POSTs/s, p50, p99.
3. A room: ``--phones`` phones arrive evenly over ``--window`` seconds, each GETs the vote page
   and POSTs its vote, while ``--screens`` projector screens follow the poll's server-sent
   events. Every vote must be counted (the screens' last tally and the store's), the POST p99
   must stay ≤ 200 ms, and every screen must show the final count within 1 s of the last vote.
4. Projector latency: single votes, 0.5 s apart; the delay from each vote's committed answer to
   its arrival on the last of the ``--screens`` screens (max ≤ 1 s).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from aiohttp import ClientSession, ClientTimeout, DummyCookieJar, TCPConnector

from bot.clock import FrozenClock, parse_instant
from bot.polls.model import PollSpec, Question
from bot.polls.service import Polls
from bot.store import Store

CLOCK = "2021-10-05T14:00:00+02:00"
CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))] if ordered else float("nan")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def prepare(db: Path) -> int:
    clock = FrozenClock(parse_instant(CLOCK))
    store = await Store.open(db, clock)
    polls = await Polls.open(store.database, clock)
    spec = PollSpec(Question({"*": "Water first?"}), "agree")
    poll = await polls.start(spec, front="console", by="console:bench", lang="en")
    await polls.close()
    await store.close()
    return poll.id


async def wait_up(base: str, proc: asyncio.subprocess.Process) -> None:
    async with ClientSession() as s:
        for _ in range(200):
            if proc.returncode is not None:
                raise SystemExit("the web server stopped at start-up")
            try:
                async with s.get(base + "/") as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            await asyncio.sleep(0.1)
    raise SystemExit("the web server did not start")


class Phone:
    """One browser: its own cookie, a GET of the vote page, then a POST of the vote."""

    def __init__(self, session: ClientSession, base: str, poll_id: int) -> None:
        self.session, self.base, self.poll_id = session, base, poll_id

    async def vote(self, choice: int) -> float:
        url = f"{self.base}/v/{self.poll_id}"
        async with self.session.get(url) as r:
            html = await r.text()
            bid = r.cookies["l4a_bid"].value
        token = CSRF.search(html)
        assert token, "no CSRF field on the vote page"
        start = time.perf_counter()
        async with self.session.post(
            url,
            data={"csrf": token.group(1), "choice": str(choice)},
            headers={"Cookie": f"l4a_bid={bid}"},
        ) as r:
            await r.read()
            assert r.status == 200, r.status
        return time.perf_counter() - start


class Screen:
    """One projector: follows the poll's server-sent events; remembers when each total arrived."""

    def __init__(self, session: ClientSession, url: str) -> None:
        self.session, self.url = session, url
        self.total = -1
        self.seen: dict[int, float] = {}  # total -> arrival time
        self.ready = asyncio.Event()
        self.task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        async with self.session.get(self.url) as r:
            async for raw in r.content:
                line = raw.decode()
                if line.startswith("data:"):
                    counts = json.loads(line[5:])["counts"]
                    self.total = sum(counts)
                    self.seen.setdefault(self.total, time.perf_counter())
                    self.ready.set()


async def closed_loop(n: int, concurrency: int, job) -> tuple[float, list[float]]:  # type: ignore
    latencies: list[float] = []
    queue = list(range(n))

    async def worker() -> None:
        while queue:
            i = queue.pop()
            latencies.append(await job(i))

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - start, latencies


async def run(args: argparse.Namespace) -> list[str]:
    tmp = Path(tempfile.mkdtemp(prefix="bench-web-"))
    db = tmp / "web.sqlite3"
    room_poll = await prepare(db)
    fast_poll = await prepare(db)
    config = tmp / "config.toml"
    config.write_text("[web]\nposts_per_minute = 1000000\n", encoding="utf-8")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "L4A_WEB_SECRET": "bench-secret"}
    command = [sys.executable, "-m", "fronts.cli", "web", "--config", str(config)]
    command += ["--db", str(db), "--port", str(port), "--clock", CLOCK]
    proc = await asyncio.create_subprocess_exec(
        *command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    lines: list[str] = []
    try:
        await wait_up(base, proc)
        conn = TCPConnector(limit=0)
        timeout = ClientTimeout(total=60)
        async with ClientSession(connector=conn, cookie_jar=DummyCookieJar(), timeout=timeout) as s:
            # 1. the programme page
            size = len(await (await s.get(base + "/")).read())

            async def get_programme(_: int) -> float:
                t0 = time.perf_counter()
                async with s.get(base + "/") as r:
                    await r.read()
                return time.perf_counter() - t0

            elapsed, lat = await closed_loop(args.requests, 50, get_programme)
            lines.append(
                f"programme page ({size:,} bytes): {args.requests / elapsed:,.0f} req/s, "
                f"p50 {statistics.median(lat) * 1000:.1f} ms, p99 {pct(lat, 0.99) * 1000:.1f} ms"
            )
            # 2. votes at full speed (distinct phones)
            elapsed, lat = await closed_loop(
                args.requests, 50, lambda i: Phone(s, base, fast_poll).vote(1 + i % 5)
            )
            lines.append(
                f"votes, 50 phones at a time ({args.requests:,} phones, GET + POST each): "
                f"{args.requests / elapsed:,.0f} votes/s, POST p50 "
                f"{statistics.median(lat) * 1000:.1f} ms, p99 {pct(lat, 0.99) * 1000:.1f} ms"
            )
            # 3. a room of phones within the window, screens watching
            url = f"{base}/poll/{room_poll}/events"
            screens = [Screen(s, url) for _ in range(args.screens)]
            await asyncio.gather(*(sc.ready.wait() for sc in screens))
            gap = args.window / args.phones
            t0 = time.perf_counter()

            async def arrive(i: int) -> float:
                await asyncio.sleep(i * gap)
                return await Phone(s, base, room_poll).vote(1 + i % 5)

            lat = await asyncio.gather(*(arrive(i) for i in range(args.phones)))
            last_vote = time.perf_counter()
            spread = last_vote - t0
            deadline = last_vote + 5
            while any(sc.total < args.phones for sc in screens):
                if time.perf_counter() > deadline:
                    break
                await asyncio.sleep(0.01)
            final = [sc.seen.get(args.phones, float("inf")) - last_vote for sc in screens]
            counted = min(sc.total for sc in screens)
            lines.append(
                f"room: {args.phones:,} phones within {spread:.1f} s: POST p50 "
                f"{statistics.median(lat) * 1000:.1f} ms, p99 {pct(lat, 0.99) * 1000:.1f} ms, "
                f"max {max(lat) * 1000:.1f} ms (limit p99 ≤ 200 ms); counted {counted:,}/"
                f"{args.phones:,} on every screen; final count on all {args.screens} screens "
                f"{max(final) * 1000:.0f} ms after the last vote (limit 1,000 ms)"
            )
            # 4. single updates to the screens
            delays = []
            for i in range(10):
                total = args.phones + i + 1
                await Phone(s, base, room_poll).vote(1)
                sent = time.perf_counter()
                while any(total not in sc.seen for sc in screens):
                    if time.perf_counter() - sent > 5:
                        break
                    await asyncio.sleep(0.002)
                delays.append(max(sc.seen.get(total, float("inf")) for sc in screens) - sent)
                await asyncio.sleep(0.5)
            lines.append(
                f"projector: {args.screens} screens, 10 single votes: last screen updated "
                f"median {statistics.median(delays) * 1000:.0f} ms, "
                f"max {max(delays) * 1000:.0f} ms "
                "after the vote's answer (limit 1,000 ms)"
            )
            for sc in screens:
                sc.task.cancel()
            ok = counted == args.phones and pct(lat, 0.99) <= 0.2 and max(final) <= 1.0
            ok = ok and max(delays) <= 1.0
            lines.append("within limits: " + ("yes" if ok else "NO"))
    finally:
        proc.terminate()
        await asyncio.wait_for(proc.wait(), 10)
    with __import__("sqlite3").connect(db) as check:
        stored = check.execute(
            "SELECT COUNT(*) FROM poll_votes WHERE poll_id = ?", (room_poll,)
        ).fetchone()[0]
    lines.append(f"store: {stored:,} votes on the room's poll ({args.phones + 10:,} cast)")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--phones", type=int, default=1000)
    parser.add_argument("--window", type=float, default=10.0)
    parser.add_argument("--screens", type=int, default=100)
    args = parser.parse_args()
    print(f"bench_web: load average {os.getloadavg()[0]:.1f}, {os.cpu_count()} cores")
    for line in asyncio.run(run(args)):
        print(line)


if __name__ == "__main__":
    main()
