"""Discord's own notifications (issue 14, item 5), through real discord.py dispatch: the bot starts
the events it synced at their session's start and ends them at its end, once; a person who
marks an event "Interested" (gateway ``GUILD_SCHEDULED_EVENT_USER_ADD``) is offered a follow
once, and the button follows the session."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.app import build_app
from bot.clock import FrozenClock
from bot.config import Config
from bot.events_sync import EventsRepo
from bot.hub import Hub
from bot.programme import Programme
from bot.store import Store
from cogs.event_follow import USER_ADD, EventFollowCog
from cogs.events import EventsCog
from fronts.discord_client import HubBot
from tests.support.discord_harness import DiscordHarness

STATUS = "PATCH /guilds/{guild_id}/scheduled-events/{guild_scheduled_event_id}"
HUB_START = datetime(2021, 10, 6, 10, 0, tzinfo=UTC)
HUB_END = datetime(2021, 10, 6, 10, 45, tzinfo=UTC)


def _config(**events: Any) -> Config:
    return Config.model_validate({"events": {"sync": True, "resync_minutes": 0, **events}})


@asynccontextmanager
async def discord_process(
    config: Config, programme: Programme, db_path: Path, clock: FrozenClock
) -> AsyncIterator[tuple[Hub, DiscordHarness, EventFollowCog]]:
    store = await Store.open(db_path, clock)
    try:
        async with (
            build_app(config, programme, store, clock) as hub,
            DiscordHarness(HubBot(hub, sync_commands=False)) as h,
        ):
            events = h.bot.get_cog("EventsCog")
            assert isinstance(events, EventsCog)
            await events.wait_idle()  # the first sync made the events
            cog = h.bot.get_cog("EventFollowCog")
            assert isinstance(cog, EventFollowCog)
            while cog._tasks:
                await h.drain()
            yield hub, h, cog
    finally:
        await store.close()


async def _event_of(hub: Hub, h: DiscordHarness, session_id: str) -> str:
    mapping = await EventsRepo(hub.store.database).mapping(str(h.guild_id))
    return next(m.event_id for m in mapping if m.session_id == session_id)


def _status_edits(h: DiscordHarness) -> list[int]:
    return [s.data["status"] for s in h.sent if s.route == STATUS and "status" in s.data]


async def test_the_bot_starts_an_event_at_its_start_and_ends_it_at_its_end_once(
    programme: Programme, db_path: Path, clock: FrozenClock
) -> None:
    async with discord_process(_config(), programme, db_path, clock) as (hub, h, cog):
        event_id = await _event_of(hub, h, "hub-oct-6")
        assert _status_edits(h) == []  # 11:50 CEST: nothing has begun
        clock.set(HUB_START)
        assert await cog.advance_all() == 1
        assert h.scheduled_events[int(event_id)]["status"] == 2
        assert await cog.advance_all() == 0  # already started: nothing twice
        clock.set(HUB_END)
        assert await cog.advance_all() == 1
        assert h.scheduled_events[int(event_id)]["status"] == 3
        assert _status_edits(h) == [2, 3]
        assert await cog.advance_all() == 0


async def test_an_event_that_fell_due_while_the_bot_was_away_is_started_at_start_up(
    programme: Programme, db_path: Path, clock: FrozenClock
) -> None:
    async with discord_process(_config(), programme, db_path, clock) as (hub, h, cog):
        event_id = await _event_of(hub, h, "hub-oct-6")
        clock.set(datetime(2021, 10, 6, 10, 5, tzinfo=UTC))  # no job ran at 10:00
        await cog._first()  # what the cog runs once connected
        assert h.scheduled_events[int(event_id)]["status"] == 2
        assert await cog.advance_all() == 0


async def test_an_event_someone_ended_by_hand_is_left_alone(
    programme: Programme, db_path: Path, clock: FrozenClock
) -> None:
    async with discord_process(_config(), programme, db_path, clock) as (hub, h, cog):
        event_id = await _event_of(hub, h, "hub-oct-6")
        h.scheduled_events[int(event_id)]["status"] = 4  # cancelled in Discord
        clock.set(HUB_START)
        assert await cog.advance_all() == 0
        assert _status_edits(h) == []


async def test_interested_people_are_offered_a_follow_once_and_the_button_follows(
    programme: Programme, db_path: Path, clock: FrozenClock
) -> None:
    config = _config(follow_interested=True)
    async with discord_process(config, programme, db_path, clock) as (hub, h, _cog):
        ana = h.user(name="ana")
        event_id = await _event_of(hub, h, "opening-plenary")
        mark = {"guild_scheduled_event_id": event_id, "user_id": str(ana.id),
                "guild_id": str(h.guild_id)}  # fmt: skip
        h.clear()
        await h.gateway(USER_ADD, mark)
        (offer,) = h.messages("dm")
        assert "You marked “Intermediary Cities" in offer.text and "as interested" in offer.text
        assert "Want a reminder 10 minutes before it starts?" in offer.text
        (row,) = offer.data["components"]
        (button,) = row["components"]
        assert button["custom_id"] == "l4a:follow:opening-plenary"
        await h.gateway(USER_ADD, mark)  # marked again (un-marked and marked): no second offer
        assert len(h.messages("dm")) == 1
        [answer] = await h.click(button["custom_id"], message=offer, user=ana)
        assert "opening-plenary" in answer.text or "Intermediary" in answer.text
        follows = hub.announcer.follows_of("discord", str(ana.id))  # type: ignore[union-attr]
        assert [(f.target_type, f.target) for f in follows] == [("session", "opening-plenary")]
    async with discord_process(config, programme, db_path, clock) as (hub, h, _cog):
        event_id = await _event_of(hub, h, "opening-plenary")
        bea = h.user(name="bea")
        for who in (ana, bea):
            mark = {"guild_scheduled_event_id": event_id, "user_id": str(who.id),
                    "guild_id": str(h.guild_id)}  # fmt: skip
            await h.gateway(USER_ADD, mark)
        # after a restart: ana (offered before, and following) gets nothing; bea her offer
        assert [m.user_id for m in h.messages("dm")] == [bea.id]


async def test_without_follow_interested_nobody_is_offered_anything(
    programme: Programme, db_path: Path, clock: FrozenClock
) -> None:
    async with discord_process(_config(), programme, db_path, clock) as (hub, h, _cog):
        ana = h.user(name="ana")
        event_id = await _event_of(hub, h, "opening-plenary")
        mark = {"guild_scheduled_event_id": event_id, "user_id": str(ana.id),
                "guild_id": str(h.guild_id)}  # fmt: skip
        await h.gateway(USER_ADD, mark)
        assert h.messages("dm") == []
