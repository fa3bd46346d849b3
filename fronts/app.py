"""Wiring shared by every front: config, clock, programme and store into one :class:`Hub`."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path

from bot.app import build_app
from bot.clock import Clock, RehearsalClock, SystemClock
from bot.config import Config
from bot.db import DatabaseTarget
from bot.hub import Hub
from bot.interchange.live import LiveSource
from bot.programme import load_programme
from bot.store import Store, StoreError
from fronts.http_fetch import fetch


def make_clock(config: Config, start: datetime | None, speed: float | None) -> Clock:
    """``--clock`` wins over the config's ``bot.clock``; neither: the real clock."""
    at = start or config.bot.clock
    if at is None:
        return SystemClock()
    return RehearsalClock(at, speed or config.bot.clock_speed)


#: Young collections every 50,000 new container objects instead of 700 (then one older pass in
#: 20, a full one in 100). In a burst thousands of clicks are in flight at once (each a discord.py
#: interaction with its message, member and buttons, waiting for its vote's commit); with the
#: default thresholds every young collection walked them all again and a 10,000-click burst
#: spent 0.6–1.2 s of CPU in the collector, ~2 s of Discord's 3; with these, 0.1–0.2 s.
#: Answered clicks are freed by reference counting (``cogs.poll_parts.release``), so little
#: waits for the collector in between.
GC_THRESHOLDS = (50_000, 20, 100)


def settle_heap() -> None:
    """Once start-up is done: collect, then move every object alive (libraries, catalogs, the
    programme) out of the garbage collector's view. A burst of votes then triggers collections
    that walk only what the burst made, instead of full passes over the whole heap (measured:
    30 ms pauses in 10,000-vote bursts, every other burst); and collect young objects rarely
    (:data:`GC_THRESHOLDS`)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


@asynccontextmanager
async def open_hub(
    config: Config,
    clock: Clock,
    *,
    db: DatabaseTarget | Path | str | None = None,
    schedule: Path | None = None,
    create: bool = True,
    lock: bool = False,
) -> AsyncIterator[Hub]:
    """Load the programme (refused whole if invalid), open the store, and close it afterwards.

    ``lock``: hold the database's one-process lock (``console``, ``run``); ``create=False``:
    refuse a missing database file instead of making an empty one (read-only commands).

    With a live source (``schedule = "https://…"``) and no ``schedule`` override, the source is
    fetched first (else its last good copy is used) and refreshed while the hub is open."""
    try:
        target = db if isinstance(db, DatabaseTarget) else config.database_target(db)
    except ValueError as exc:  # a --db URL of another kind: one line, password hidden
        raise StoreError(str(exc)) from None
    files = target.path if target.path is not None else config.bot.database
    live = None if schedule is not None else LiveSource.from_config(config, fetch, files)
    if live is not None:
        schedule = await live.prime()
    programme = load_programme(schedule or config.bot.schedule)
    source = Path(schedule or config.bot.schedule)
    store = await Store.open(
        target, clock, create=create, lock=lock, pool_size=config.store.pool_size
    )
    try:
        async with build_app(config, programme, store, clock, schedule=source, live=live) as hub:
            settle_heap()
            yield hub
    finally:
        await store.close()
