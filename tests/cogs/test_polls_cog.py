"""Polls on Discord through real discord.py dispatch (gateway payloads in, HTTP recorded)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.clock import FrozenClock
from bot.config import Config
from bot.hub import Hub
from bot.polls import chart
from bot.polls.service import Polls
from bot.programme import Programme
from bot.store import Store
from cogs.polls import PollsCog
from fronts.discord_client import HubBot
from tests.conftest import AppOf, forum_config
from tests.support.discord_harness import DiscordHarness, Sent

DURING_CLIMATE_DIALOGUE = datetime(2021, 10, 5, 12, 0, tzinfo=UTC)  # 14:00 CEST, day 1


@pytest.fixture
async def harness(hub: Hub, polls: Polls, clock: FrozenClock) -> AsyncIterator[DiscordHarness]:
    clock.set(DURING_CLIMATE_DIALOGUE)
    bot = HubBot(hub, sync_commands=False)
    async with DiscordHarness(bot) as h:
        cog(h).refresher.interval = 0.01
        yield h


def cog(h: DiscordHarness) -> PollsCog:
    found = h.bot.get_cog("PollsCog")  # type: ignore[attr-defined]
    assert isinstance(found, PollsCog)
    return found


async def start_poll(h: DiscordHarness, **options: object) -> Sent:
    moderator = h.user(name="mod", roles=["Moderators"])
    sent = await h.slash("poll start", options, user=moderator)
    assert not sent[0].ephemeral, sent[0].text
    return sent[0]


async def test_a_moderator_picks_a_key_statement_of_the_session_on_now(
    harness: DiscordHarness,
) -> None:
    moderator = harness.user(name="mod", roles=["Moderators"])
    choices = await harness.autocomplete("poll start", {"question": ""}, "question", user=moderator)
    assert choices[0]["value"] == "climate-dialogue/s1" and len(choices) <= 25
    assert all(len(c["name"]) <= 100 for c in choices)
    message = await start_poll(harness, question=choices[0]["value"], duration="5m")
    assert "The financial and economic resilience" in message.text
    assert message.custom_ids() == [f"poll:1:{i}" for i in range(5)]
    assert "Strongly agree" in str(message.components)


async def test_others_are_refused_the_moderator_commands(harness: DiscordHarness) -> None:
    ana = harness.user(name="ana")
    (refusal,) = await harness.slash("poll start", {"question": "Lunch?"}, user=ana)
    assert refusal.ephemeral and refusal.text == "Only moderators can start a poll."
    await start_poll(harness, question="Lunch?", scale="yesno")
    (refusal,) = await harness.slash("poll export", {"poll": "1"}, user=ana, locale="fr")
    assert (
        refusal.ephemeral and refusal.text == "Seuls les modérateurs peuvent exporter un sondage."
    )


async def test_people_vote_change_their_minds_and_the_tally_follows(
    harness: DiscordHarness, polls: Polls
) -> None:
    message = await start_poll(harness, question="climate-dialogue/s1")
    ana, bob = harness.user(name="ana"), harness.user(name="bob", locale="es-ES")
    (confirm,) = await harness.click("poll:1:0", message=message, user=ana)
    assert confirm.ephemeral and "recorded: Strongly agree" in confirm.text
    await harness.click("poll:1:0", message=message, user=bob)
    (confirm,) = await harness.click("poll:1:3", message=message, user=bob)
    assert "es ahora En desacuerdo (antes: Muy de acuerdo)" in confirm.text
    await cog(harness).refresher.idle()
    assert polls.tally(1).counts == [1, 0, 0, 1, 0]
    latest = harness.messages("edit_message")[-1]
    assert "1\\. Strongly agree** — 1 · 50 %" in latest.text and "2 votes" in latest.text


async def test_a_burst_of_clicks_edits_the_poll_message_only_a_few_times(
    harness: DiscordHarness, polls: Polls
) -> None:
    message = await start_poll(harness, question="Lunch?", scale="yesno")
    cog(harness).refresher.interval = 0.5
    started = time.monotonic()
    for i in range(200):
        await harness.click("poll:1:0", message=message, user=harness.user(name=f"p{i}"))
    await cog(harness).refresher.idle()
    edits = harness.messages("edit_message")
    # At most one edit per interval (plus the first and the last), however slow the machine is.
    assert 1 <= len(edits) <= (time.monotonic() - started) / 0.5 + 2 < 200
    assert "200 votes" in edits[-1].text and polls.tally(1).voters == 200


@pytest.mark.expect_logged_errors
async def test_a_vote_that_cannot_be_saved_is_not_confirmed_and_the_voter_is_told(
    harness: DiscordHarness, polls: Polls
) -> None:
    message = await start_poll(harness, question="Lunch?", scale="yesno")

    async def disk_full(*args: object) -> None:
        raise OSError("disk full")

    real = polls.store._statements
    polls.store._statements = disk_full  # type: ignore[method-assign,assignment]
    try:
        (answer,) = await harness.click("poll:1:0", message=message, user=harness.user(name="x"))
    finally:
        polls.store._statements = real  # type: ignore[method-assign]
    assert answer.ephemeral and "could not be saved, so it was not counted" in answer.text
    assert polls.tally(1).voters == 0
    (again,) = await harness.click("poll:1:0", message=message, user=harness.user(name="x"))
    assert "recorded: Yes" in again.text


async def test_the_timer_closes_the_poll_and_posts_the_chart(
    harness: DiscordHarness, polls: Polls, clock: FrozenClock
) -> None:
    message = await start_poll(harness, question="climate-dialogue/s2", duration="2m")
    for i, choice in enumerate([1, 1, 1, 2]):
        await harness.click(f"poll:1:{choice}", message=message, user=harness.user(name=f"v{i}"))
    stale = harness.message_payload(int(message.message_id or 0))  # as a slow client still shows it
    clock.advance(timedelta(minutes=2))
    await polls.close_due()
    await harness.drain()
    await cog(harness).idle()
    await cog(harness).refresher.idle()
    (result,) = [s for s in harness.sent if s.kind == "channel_message"]
    assert "Poll #1: final result" in result.text and "4 voters" in result.text
    assert "Agree** — 3 · 75 %" in result.text and "Vulnerability to climate change" in result.text
    ((name, png),) = result.files
    assert name == "poll-1.png" and png.startswith(b"\x89PNG")
    final = harness.messages("edit_message")[-1]
    assert "closed" in final.text
    assert all(c.get("disabled") for c in final.components[0]["components"])
    (late,) = await harness.click("poll:1:0", message=stale, user=harness.user(name="late"))
    assert late.ephemeral and "Poll #1 is closed: this vote was not counted." in late.text


async def test_a_moderator_closes_a_poll_and_gets_the_result_and_export(
    harness: DiscordHarness,
) -> None:
    message = await start_poll(harness, question="Where next?", options="Rabat | Bogotá")
    await harness.click("poll:1:1", message=message, user=harness.user(name="ana"))
    moderator = harness.user(name="mod", roles=["Moderators"])
    sent = await harness.slash("poll close", {"poll": "1"}, user=moderator)
    assert [s.type for s in sent if s.kind == "interaction_response"] == [5]  # thinking…
    (result,) = [s for s in sent if s.kind == "followup"]
    assert not result.ephemeral and "Bogotá** — 1 · 100 %" in result.text
    assert result.files[0][0] == "poll-1.png"
    (export,) = await harness.slash("poll export", {"poll": "#1"}, user=moderator)
    assert export.ephemeral and export.files[0][0] == "poll-1.csv"
    assert b"ana" not in export.files[0][1]


async def test_after_a_restart_the_buttons_still_work(
    app_of: AppOf, config: Config, programme: Programme, db_path: Path, clock: FrozenClock
) -> None:
    clock.set(DURING_CLIMATE_DIALOGUE)
    store = await Store.open(db_path, clock)
    hub = await app_of(config, programme, store, clock)
    async with DiscordHarness(HubBot(hub, sync_commands=False)) as h:
        message = await start_poll(h, question="climate-dialogue/s1", duration="10m")
        await h.click("poll:1:0", message=message, user=h.user(name="ana"))
        payload = h.message_payload(int(message.message_id or 0))
    await hub.polls.close()  # the bot stops (or is killed: see test_polls_durability)

    hub.polls = await Polls.open(store.database, clock)
    try:
        async with DiscordHarness(HubBot(hub, sync_commands=False)) as h:
            (confirm,) = await h.click("poll:1:4", message=payload, user=h.user(name="ana"))
            assert "now Strongly disagree (it was Strongly agree)" in confirm.text
            (ghost,) = await h.click("poll:7:0", user=h.user(name="ana"))
            assert ghost.ephemeral and ghost.text == "There is no poll #7."
        assert hub.polls.tally(1).counts == [0, 0, 0, 0, 1]
    finally:
        await hub.polls.close()
        await store.close()


async def test_vote_command_with_choices_and_withdrawal(harness: DiscordHarness) -> None:
    await start_poll(harness, question="Lunch?", scale="yesno")
    ana = harness.user(name="ana")
    choices = await harness.autocomplete("vote", {"poll": "1", "choice": ""}, "choice", user=ana)
    assert [c["name"] for c in choices] == ["Yes", "No", "withdraw"]
    (confirm,) = await harness.slash("vote", {"poll": "1", "choice": "2"}, user=ana)
    assert "recorded: No" in confirm.text
    (confirm,) = await harness.slash("vote", {"poll": "1", "choice": "withdraw"}, user=ana)
    assert "is withdrawn" in confirm.text


async def test_poll_close_answers_before_the_close_is_committed(
    harness: DiscordHarness, polls: Polls, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Discord wants an answer within 3 s: a slow disk must not make /poll close fail."""
    await start_poll(harness, question="Lunch?", scale="yesno")
    commit = asyncio.Event()
    real_close = polls.store.submit_close

    async def slow_close(*args: object) -> bool:
        await commit.wait()
        return await real_close(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(polls.store, "submit_close", slow_close)
    moderator = harness.user(name="mod", roles=["Moderators"])
    pending = await harness.begin_slash("poll close", {"poll": "1"}, user=moderator)
    assert pending.response_type == 5 and not pending.done()  # "thinking…", public
    assert polls.get(1).is_open  # type: ignore[union-attr]
    commit.set()
    (result,) = [s for s in await pending.result() if s.kind == "followup"]
    assert not result.ephemeral and "final result" in result.text and result.files


async def test_poll_results_defers_and_draws_the_chart_off_the_event_loop(
    harness: DiscordHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While Pillow draws (here: held in its thread), votes are still confirmed."""
    message = await start_poll(harness, question="Lunch?", scale="yesno")
    drawing, release = threading.Event(), threading.Event()
    real = chart.bar_chart

    def slow_chart(*args: Any, **kwargs: Any) -> bytes:
        drawing.set()
        release.wait(timeout=3)  # drawn on the loop (the old way) this would stall every click
        return real(*args, **kwargs)

    monkeypatch.setattr(chart, "bar_chart", slow_chart)
    ana = harness.user(name="ana")
    pending = await harness.begin_slash("poll results", {"poll": "1"}, user=ana)
    assert pending.response_type == 5  # answered before anything waited
    assert await asyncio.to_thread(drawing.wait, 3)
    (vote,) = await harness.click("poll:1:0", message=message, user=harness.user(name="bo"))
    assert "recorded: Yes" in vote.text
    assert not release.is_set() and not pending.done()  # the chart was still being drawn
    release.set()
    (result,) = [s for s in await pending.result() if s.kind == "followup"]
    assert result.ephemeral and result.files[0][0] == "poll-1.png"


async def test_a_click_whose_commit_is_slow_is_deferred_then_confirmed_once_committed(
    harness: DiscordHarness, polls: Polls, monkeypatch: pytest.MonkeyPatch
) -> None:
    message = await start_poll(harness, question="Lunch?", scale="yesno")
    monkeypatch.setattr("cogs.poll_parts.ACK_SECONDS", 0.01)
    disk = asyncio.Event()
    real = polls.store._statements

    async def slow_disk(*args: Any) -> Any:
        await disk.wait()
        return await real(*args)

    polls.store._statements = slow_disk  # type: ignore[method-assign]
    try:
        pending = await harness.begin_click("poll:1:1", message=message)
        assert pending.response_type == 6  # kept alive before anything was confirmed
        assert polls.tally(1).voters == 0
        disk.set()
        sent = await pending.result()
    finally:
        polls.store._statements = real  # type: ignore[method-assign]
    (confirmation,) = [s for s in sent if s.kind == "followup"]
    assert confirmation.ephemeral and "recorded: No" in confirmation.text
    assert polls.tally(1).voters == 1


def test_the_answer_deadline_counts_from_the_click_not_from_when_the_bot_reads_it() -> None:
    from types import SimpleNamespace

    from cogs.poll_parts import ACK_SECONDS, ack_delay

    def clicked(seconds_ago: float) -> Any:
        return SimpleNamespace(created_at=datetime.now(UTC) - timedelta(seconds=seconds_ago))

    assert ack_delay(clicked(0)) == pytest.approx(ACK_SECONDS, abs=0.2)
    assert ack_delay(clicked(1.5)) == pytest.approx(ACK_SECONDS - 1.5, abs=0.2)
    assert ack_delay(clicked(2.5)) == 0  # the bot fell behind: keep it alive at once
    assert ack_delay(clicked(-60)) == ACK_SECONDS  # a clock ahead of Discord's: never later


async def test_an_answered_click_leaves_no_garbage_for_the_cycle_collector(
    harness: DiscordHarness,
) -> None:
    """A burst must not fill the old generation with dead clicks (see cogs.polls.release)."""
    import gc

    import discord

    message = await start_poll(harness, question="Lunch?", scale="yesno")
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        for i in range(20):
            await harness.click("poll:1:0", message=message, user=harness.user(name=f"g{i}"))
        await harness.drain()
        gc.collect()
        leaked = [o for o in gc.garbage if isinstance(o, discord.Interaction)]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert leaked == []


async def test_with_the_web_front_the_poll_message_carries_its_short_link_and_qr(
    harness: DiscordHarness, hub: Hub
) -> None:
    hub.config = forum_config().model_copy(
        update={"web": Config.model_validate({"web": {"base_url": "https://hub.example.org"}}).web}
    )
    message = await start_poll(harness, question="Lunch?", scale="yesno")
    assert "https://hub.example.org/v/1" in message.text
    [(name, data)] = message.files
    assert name == "poll-1-qr.png" and data.startswith(b"\x89PNG")
    assert message.custom_ids() == ["poll:1:0", "poll:1:1"]  # the buttons still there
