"""Two ``l4a-bot run --front console`` processes on one PostgreSQL database, a rehearsal clock
over a window full of due announcements and reminders: the active one is killed (``kill -9``)
mid-window, the standby takes over within ``failover_seconds``, and every due delivery is
printed exactly once over both processes' output."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest

from bench.programme_gen import generate_programme_yaml
from bot.announce.model import Follow
from bot.announce.plan import plan
from bot.announce.repo import AnnounceRepo
from bot.clock import FrozenClock
from bot.config import Config
from bot.programme import Programme, parse_programme
from bot.store import Store
from tests.support.processes import Proc, start_bot, wait_until

REPO = Path(__file__).resolve().parents[2]
FAILOVER = 3.0
SPEED = 300.0  # five rehearsal minutes a second
START = datetime(2021, 10, 6, 6, 0, tzinfo=UTC)  # 08:00 CEST, day 2
KILL_AFTER = 9.0  # real seconds after the first process started
RUN_FOR = 22.0  # real seconds: 110 rehearsal minutes
FOLLOWERS = ("ana", "bo", "chen")


def _write_setup(tmp_path: Path, name: str, schedule: Path) -> Path:
    config = tmp_path / f"{name}.toml"
    config.write_text(
        f'[bot]\ndatabase = "{tmp_path / name}-polls.sqlite3"\nschedule = "{schedule}"\n'
        f"[store]\nfailover_seconds = {FAILOVER}\n"
        "[announcements]\ndigest_minutes = 0\nwatch_schedule = false\n",
        encoding="utf-8",
    )
    return config


def _start(config: Path, url: str, clock: datetime) -> Proc:
    """``l4a-bot run --front console`` (standard input kept open: the console waits for lines
    and prints announcements)."""
    return start_bot(
        [
            *("run", "--front", "console", "--config", str(config)),
            *("--db", url, "--clock", clock.isoformat(), "--speed", str(SPEED)),
        ]
    )


_STAMP = re.compile(r"^\[[^\]]*\] ", re.MULTILINE)


def _printed(text: str) -> list[str]:
    """Every delivery printed (announcement or private message), without its time stamp."""
    blocks = [b for b in text.split("\n\n") if b.startswith("[")]
    return [_STAMP.sub("", b, count=1) for b in blocks if "📣" in b or "✉" in b]


async def _prepare(url: str, programme: Programme) -> list[str]:
    """Followers of some sessions in the window; the keys due in the window."""
    store = await Store.open(url, FrozenClock(START))
    try:
        repo = AnnounceRepo(store.database)
        early, late = START + timedelta(minutes=20), START + timedelta(hours=2)
        sessions = [s for s in programme.sessions if s.starts_at and early < s.starts_at < late]
        follows = [
            Follow("console", user, "session", s.id, 10, START - timedelta(days=1))
            for i, user in enumerate(FOLLOWERS)
            for s in sessions[i::3][:6]
        ]
        for f in follows:
            await repo.add_follow(f)
    finally:
        await store.close()
    settings = Config.model_validate({"announcements": {"digest_minutes": 0}}).announcements
    due = plan(programme, follows, settings, {"console"}, START, START + timedelta(minutes=95))
    return [d.key for d in due]


async def _ledger(url: str) -> tuple[dict[str, tuple[str, str | None]], list[str]]:
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch("SELECT key, status, detail FROM announce_ledger")
        printed = await conn.fetch("SELECT key FROM console_printed")
    finally:
        await conn.close()
    return {r[0]: (r[1], r[2]) for r in rows}, [r[0] for r in printed]


@pytest.mark.timeout(120)
def test_killing_the_active_process_mid_window_sends_every_due_delivery_exactly_once(
    pg_url: str, tmp_path: Path, programme: Programme
) -> None:
    text = generate_programme_yaml(programme, 600, seed=5)
    schedule = tmp_path / "programme.yaml"
    schedule.write_text(text, encoding="utf-8")
    generated = parse_programme(text, str(schedule))
    due = asyncio.run(_prepare(pg_url, generated))
    assert len(due) >= 30, "the window should hold many deliveries"
    assert any(k.startswith("rem:") for k in due)

    began = time.monotonic()
    a = _start(_write_setup(tmp_path, "a", schedule), pg_url, START)
    b: Proc | None = None
    try:
        wait_until(lambda: a.first(a.err, "console: leader"), 30, "the first process leads")
        # The second starts later: its rehearsal clock starts where the first one's is now.
        b_clock = START + timedelta(seconds=(time.monotonic() - began) * SPEED)
        b = _start(_write_setup(tmp_path, "b", schedule), pg_url, b_clock)
        wait_until(lambda: b.first(b.err, "console: standby"), 30, "the second waits as a standby")
        wait_until(lambda: time.monotonic() - began >= KILL_AFTER, 60, "mid-window")
        assert a.popen.poll() is None, "".join(line for _, line in a.err)
        assert _printed(a.stdout()), "the active process printed before it was killed"
        assert not _printed(b.stdout()), "the standby sends nothing"
        os.kill(a.popen.pid, signal.SIGKILL)
        killed = time.monotonic()
        a.popen.wait(10)
        wait_until(lambda: b.first(b.err, "console: leader", killed), FAILOVER + 2, "takeover")
        took = (b.first(b.err, "console: leader", killed) or 0) - killed
        wait_until(lambda: time.monotonic() - began >= RUN_FOR, 60, "the end of the window")
        first_post = next((at for at, line in b.out if "📣" in line or "✉" in line), None)
        assert b.popen.stdin is not None
        b.popen.stdin.close()  # end of input: the console front stops, the process ends
        assert b.popen.wait(15) == 0, "".join(line for _, line in b.err)
    finally:
        for proc in (a, b):
            if proc is not None:
                proc.close()
    assert took <= FAILOVER, f"took over after {took:.2f} s"
    assert first_post is not None, "the standby printed after taking over"
    print(
        f"\nfail-over ({len(due)} deliveries due): kill -9 -> standby leads {took:.2f} s,"
        f" -> its first delivery printed {first_post - killed:.2f} s"
    )

    ledger, printed_keys = asyncio.run(_ledger(pg_url))
    shown = _printed(a.stdout()) + _printed(b.stdout())
    repeated = [text for text, n in Counter(shown).items() if n > 1]
    assert repeated == [], "printed twice"
    assert len(printed_keys) == len(set(printed_keys)) == len(shown)
    sent = {k for k, (status, _) in ledger.items() if status == "sent"}
    assert set(printed_keys) == sent  # what was printed is what the ledger says was sent
    for key in due:  # every delivery due in the window: sent, or superseded by a later one
        status, detail = ledger.get(key, ("missing", None))
        assert status == "sent" or (
            status == "skipped" and detail is not None and "superseded" in detail
        ), f"{key}: {status} {detail}"
    assert any(_printed(b.stdout())) and any(_printed(a.stdout()))
