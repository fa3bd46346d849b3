"""The console's outbox: announcements and reminders printed once, even across a crash."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.announce.fanout import DELIVERY_KEY
from bot.clock import FrozenClock
from bot.config import Config
from bot.doc import Reply
from bot.hub import Hub
from bot.polls.service import Polls
from bot.programme import Programme
from bot.store import Store
from fronts.console import Console
from tests.conftest import AppOf

pytestmark = pytest.mark.both_backends


async def _console(
    app_of: AppOf, db: Path | str, programme: Programme, clock: FrozenClock
) -> Console:
    store = await Store.open(db, clock)
    return Console(await app_of(Config(), programme, store, clock))


async def test_a_delivery_resent_after_a_crash_is_not_printed_twice(
    app_of: AppOf, db: Path | str, programme: Programme, clock: FrozenClock
) -> None:
    # The ledger resends what was 'sending' at a crash, with the same key (README,
    # "Exactly once"): the console plays the part of Discord's nonce / Matrix's txn id.
    before = await _console(app_of, db, programme, clock)
    after = await _console(app_of, db, programme, clock)  # the restarted bot, same database
    token = DELIVERY_KEY.set("rem:console:ana:hub-oct-6:20211006T1000Z")
    try:
        await before.outbox.direct("ana", Reply().para("⏰ Reminder"))
        await before.outbox.post("announcements", Reply().para("🔔 other"))  # same key: once
        await after.outbox.direct("ana", Reply().para("⏰ Reminder"))
    finally:
        DELIVERY_KEY.reset(token)
        await before.hub.store.close()
        await after.hub.store.close()
    assert len(before.announcements) == 1 and "⏰ Reminder" in before.announcements[0]
    assert after.announcements == []


async def test_messages_without_a_delivery_key_are_always_printed(
    app_of: AppOf, db: Path | str, programme: Programme, clock: FrozenClock
) -> None:
    console = await _console(app_of, db, programme, clock)
    try:
        await console.outbox.direct("ana", Reply().para("Good news: approved"))
        await console.outbox.direct("ana", Reply().para("Good news: approved"))
    finally:
        await console.hub.store.close()
    assert len(console.announcements) == 2


async def test_a_poll_closed_by_its_timer_is_printed_with_the_announcement_stamp(
    hub: Hub, polls: Polls, clock: FrozenClock, tmp_path: Path
) -> None:
    console = Console(hub, files_dir=tmp_path / "files")
    started = await console.handle("@moderator /poll start timer=2m climate-dialogue/s1")
    assert started is not None and "Poll #1" in started
    clock.advance(timedelta(minutes=2))
    await polls.close_due()
    await console.results_printed()  # the chart is drawn off the event loop
    [closing] = console.announcements
    assert closing.startswith("[2021-10-06 11:52 CEST] 📣\n")
    assert "0 voters" in closing  # the final result…
    chart = tmp_path / "files" / "poll-1.png"
    assert f"[poll-1.png: {chart}]" in closing and chart.exists()  # …with its chart saved
