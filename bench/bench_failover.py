"""Fail-over time: two ``l4a-bot run --front console`` processes on one (throwaway) PostgreSQL
with a rehearsal clock over a window full of channel announcements; the active one is killed
(``kill -9``) or frozen (``kill -STOP``: a hung process, or a machine that stopped answering)
mid-window; measured: the signal → the standby holds the lease → its first announcement.

    .venv/bin/python -m bench.bench_failover [--failover 15] [--how kill|stop] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.programme_gen import generate_programme_yaml
from bot.config import BUNDLED_SCHEDULE
from bot.programme import load_programme
from tests.support.postgres import start_server
from tests.support.processes import Proc, start_bot, wait_until

SPEED = 300.0
START = datetime(2021, 10, 6, 6, 0, tzinfo=UTC)


def one_run(url: str, folder: Path, failover: float, how: str) -> tuple[float, float]:
    schedule = folder / "programme.yaml"
    if not schedule.exists():
        text = generate_programme_yaml(load_programme(BUNDLED_SCHEDULE), 600, seed=5)
        schedule.write_text(text, encoding="utf-8")
    procs: list[Proc] = []
    try:
        began = time.monotonic()
        for name in ("a", "b"):
            config = folder / f"{name}.toml"
            config.write_text(
                f'[bot]\ndatabase = "{folder / name}-polls.sqlite3"\nschedule = "{schedule}"\n'
                f"[store]\nfailover_seconds = {failover}\n"
                "[announcements]\nwatch_schedule = false\n",
                encoding="utf-8",
            )
            at = START + timedelta(seconds=(time.monotonic() - began) * SPEED)
            proc = start_bot(
                [
                    *("run", "--front", "console", "--config", str(config), "--db", url),
                    *("--clock", at.isoformat(), "--speed", str(SPEED)),
                ]
            )
            procs.append(proc)
            word = "console: leader" if name == "a" else "console: standby"
            wait_until(lambda p=proc, w=word: p.first(p.err, w), 30, f"{name}: {word}")  # type: ignore[misc]
        a, b = procs
        time.sleep(3)
        os.kill(a.popen.pid, signal.SIGKILL if how == "kill" else signal.SIGSTOP)
        hit = time.monotonic()
        wait_until(lambda: b.first(b.err, "console: leader", hit), failover * 3, "takeover")
        lead = (b.first(b.err, "console: leader", hit) or 0) - hit
        wait_until(lambda: any("📣" in line for at, line in b.out if at >= hit), 60, "first post")
        post = next(at for at, line in b.out if "📣" in line and at >= hit) - hit
        return lead, post
    finally:
        for proc in procs:
            if proc.popen.poll() is None:
                os.kill(proc.popen.pid, signal.SIGCONT)  # a frozen one can be killed then
            proc.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--failover", type=float, default=15.0)
    parser.add_argument("--how", choices=("kill", "stop"), default="kill")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    server = start_server()
    try:
        leads, posts = [], []
        for i in range(args.runs):
            with tempfile.TemporaryDirectory(prefix="l4a-failover-") as folder:
                lead, post = one_run(server.new_database(), Path(folder), args.failover, args.how)
            leads.append(lead)
            posts.append(post)
            print(f"run {i + 1}: standby leads after {lead:.2f} s, first post after {post:.2f} s")
        print(
            f"failover_seconds={args.failover:g}, kill -{'9' if args.how == 'kill' else 'STOP'}:"
            f" leads after {statistics.median(leads):.2f} s (max {max(leads):.2f}),"
            f" first announcement after {statistics.median(posts):.2f} s"
            f" (max {max(posts):.2f}), median of {args.runs}"
        )
    finally:
        server.close()


if __name__ == "__main__":
    main()
