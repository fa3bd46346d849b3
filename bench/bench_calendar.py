"""Benchmark of the calendar export and the scheduled-events planner (core, no front).

Run from the repository root::

    .venv/bin/python -m bench.bench_calendar

On a generated 2,000-session programme (the foundation bench's generator):

1. ``calendar_bytes`` of the whole programme (what ``/ics all`` and ``l4a-bot ics`` build), and
   ``Calendar.from_ical`` of the result (what a calendar application parses); then
   ``calendar_bytes`` of 1,000 sessions in 16 rooms (the scale programme of the tests);
2. ``record_revisions`` for the 2,000 sessions on a real SQLite file: the first export (every
   row inserted) and a second one (nothing changed: reads only);
3. ``events.plan`` before the forum (the 100 nearest of 2,000 sessions) with an empty mapping,
   then with the mapping and the server's listing of the first sync (nothing to do).

Every figure is printed next to its limit with ``OK`` or ``MISSED``; the exit status stays 0.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for `python bench/...py`

from icalendar import Calendar

from bench.bench_foundation import generate_programme_yaml, machine_info, verdict
from bot.calendar import calendar_bytes
from bot.clock import FrozenClock
from bot.config import BUNDLED_SCHEDULE
from bot.events import LiveEvent, Mapped, plan
from bot.programme import Programme, load_programme, parse_programme
from bot.revisions import record_revisions
from bot.store import Store

BEFORE = datetime(2021, 10, 1, 8, 0, tzinfo=UTC)
RUNS = 5


def median_ms(fn: Callable[[], object], runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter_ns()
        fn()
        times.append((time.perf_counter_ns() - start) / 1e6)
    return statistics.median(times)


def row(what: str, value: float, limit: float) -> None:
    print(f"| {what} | {value:.1f} ms | ≤ {limit:.0f} ms | {verdict(value <= limit)} |")


async def revisions(programme: Programme) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        store = await Store.open(Path(tmp) / "bench.sqlite3", FrozenClock(BEFORE))
        try:
            start = time.perf_counter_ns()
            await record_revisions(store.database, programme.sessions, programme, BEFORE)
            first = (time.perf_counter_ns() - start) / 1e6
            start = time.perf_counter_ns()
            await record_revisions(store.database, programme.sessions, programme, BEFORE)
            again = (time.perf_counter_ns() - start) / 1e6
        finally:
            await store.close()
    return first, again


async def loop_lag(programme: Programme) -> tuple[float, float]:
    """The event loop's worst lateness (ms) while ``calendar_bytes`` of the whole programme runs
    in a thread (as ``calendar_reply`` does), and while it runs on the loop itself."""

    async def ticker(stop: asyncio.Event) -> float:
        worst = 0.0
        while not stop.is_set():
            start = time.perf_counter()
            await asyncio.sleep(0.001)
            worst = max(worst, (time.perf_counter() - start - 0.001) * 1000)
        return worst

    def build() -> bytes:
        return calendar_bytes(programme.sessions, programme, "es", now=BEFORE)

    stop = asyncio.Event()
    tick = asyncio.create_task(ticker(stop))
    await asyncio.to_thread(build)
    stop.set()
    threaded = await tick
    stop = asyncio.Event()
    tick = asyncio.create_task(ticker(stop))
    await asyncio.sleep(0.01)
    build()
    stop.set()
    inline = await tick
    return threaded, inline


def main() -> None:
    base = load_programme(BUNDLED_SCHEDULE)
    programme = parse_programme(generate_programme_yaml(base), "<generated>")
    n = len(programme.sessions)
    print("\n".join(machine_info()))
    print(f"\n{n} sessions\n")
    print("| what | median | limit | |\n|---|---|---|---|")
    data = calendar_bytes(programme.sessions, programme, "es", now=BEFORE)
    row(
        f"`calendar_bytes`, {n} sessions ({len(data) // 1024} KiB)",
        median_ms(lambda: calendar_bytes(programme.sessions, programme, "es", now=BEFORE)),
        1000,
    )
    row("`Calendar.from_ical` of that file", median_ms(lambda: Calendar.from_ical(data)), 3000)
    scale = parse_programme(generate_programme_yaml(base, 1000, rooms=16), "<generated rooms>")
    scale_data = calendar_bytes(scale.sessions, scale, "es", now=BEFORE)
    row(
        f"`calendar_bytes`, 1,000 sessions in 16 rooms ({len(scale_data) // 1024} KiB)",
        median_ms(lambda: calendar_bytes(scale.sessions, scale, "es", now=BEFORE)),
        1000,
    )
    threaded, inline = asyncio.run(loop_lag(programme))
    row("event-loop lag during that export, in a thread (as `/ics`)", threaded, 100)
    print(f"| (the same export run on the loop would stall it {inline:.0f} ms) | | | |")
    first, again = asyncio.run(revisions(programme))
    row(f"`record_revisions`, first export ({n} rows written)", first, 500)
    row("`record_revisions`, nothing changed", again, 200)
    empty = plan(programme, BEFORE, [], "en")
    row("`events.plan`, first sync", median_ms(lambda: plan(programme, BEFORE, [], "en")), 200)
    mapping = [
        Mapped(op.session_id, f"e{i}", op.spec.fingerprint) for i, op in enumerate(empty.ops)
    ]  # type: ignore[union-attr]
    live = [LiveEvent(m.event_id, True, True) for m in mapping]
    second = plan(programme, BEFORE, mapping, "en", live=live)
    assert not second.ops and second.unchanged == len(mapping) == 100
    row(
        "`events.plan`, second sync (nothing to do)",
        median_ms(lambda: plan(programme, BEFORE, mapping, "en", live=live)),
        200,
    )


if __name__ == "__main__":
    main()
