"""``/events sync`` and the automatic syncs, through real discord.py dispatch."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.config import Config
from bot.hub import Hub
from bot.programme import LocalText, Programme
from cogs.events import EventsCog
from fronts.discord_client import HubBot
from tests.conftest import AppOf
from tests.support.discord_harness import DiscordHarness, FakeUser, http_error

CREATE = "POST /guilds/{guild_id}/scheduled-events"
EDIT = "PATCH /guilds/{guild_id}/scheduled-events/{guild_scheduled_event_id}"
DELETE = "DELETE /guilds/{guild_id}/scheduled-events/{guild_scheduled_event_id}"


def upcoming(hub: Hub) -> int:
    now = hub.clock.now()
    return sum(1 for s in hub.programme.sessions if s.starts_at and s.starts_at > now)


def routes(h: DiscordHarness) -> list[str]:
    return [s.route or "" for s in h.sent if s.kind == "http"]


def mod(h: DiscordHarness, locale: str = "en-US") -> FakeUser:
    return h.user(name="mod", roles=["Moderators"], locale=locale)


async def sync(h: DiscordHarness, user: FakeUser) -> str:
    sent = [s for s in await h.slash("events sync", user=user) if s.kind != "http"]
    assert sent and all(s.ephemeral for s in sent)
    return "\n".join(s.text for s in sent if s.text)


def edited(programme: Programme, session_id: str, **changes: object) -> Programme:
    sessions = [
        dataclasses.replace(s, **changes) if s.id == session_id else s  # type: ignore[arg-type]
        for s in programme.sessions
    ]
    return Programme(programme.forum, programme.places, programme.days, sessions)


async def test_members_who_are_not_moderators_are_refused(discord_bot: DiscordHarness) -> None:
    text = await sync(discord_bot, discord_bot.user(name="eva", locale="es-ES"))
    assert "Solo la moderación puede sincronizar" in text
    assert discord_bot.scheduled_events == {} and CREATE not in routes(discord_bot)


async def test_a_moderator_sync_creates_one_event_per_upcoming_session_then_nothing_more(
    discord_bot: DiscordHarness, hub: Hub
) -> None:
    count = upcoming(hub)
    text = await sync(discord_bot, mod(discord_bot))
    assert f"{count} created, 0 updated, 0 deleted" in text
    events = list(discord_bot.scheduled_events.values())
    assert len(events) == count and all(e["entity_type"] == 3 for e in events)
    first = min(events, key=lambda e: e["scheduled_start_time"])
    assert first["name"] == "LOCAL4ACTION Hub · Open space on Wonder"
    assert first["scheduled_start_time"].startswith("2021-10-06T10:00:00")
    assert first["entity_metadata"] == {"location": "Wonder"}
    assert all(len(e["description"]) <= 1000 and e["scheduled_end_time"] for e in events)
    discord_bot.clear()
    text = await sync(discord_bot, mod(discord_bot))
    assert f"0 created, 0 updated, 0 deleted, {count} unchanged" in text
    assert CREATE not in routes(discord_bot) and EDIT not in routes(discord_bot)


async def test_a_changed_session_is_edited_and_a_cancelled_one_deleted(
    discord_bot: DiscordHarness, hub: Hub
) -> None:
    await sync(discord_bot, mod(discord_bot))
    hub_slot = hub.programme.by_id["hub-oct-7"]
    later = edited(hub.programme, "hub-oct-7", starts_at=hub_slot.starts_at + timedelta(hours=1))  # type: ignore[operator]
    await hub.set_programme(
        Programme(
            later.forum,
            later.places,
            later.days,
            [s for s in later.sessions if s.id != "water-justice"],
        )
    )
    discord_bot.clear()
    text = await sync(discord_bot, mod(discord_bot))
    assert "0 created, 1 updated, 1 deleted" in text
    assert routes(discord_bot).count(EDIT) == 1 and routes(discord_bot).count(DELETE) == 1
    events = discord_bot.scheduled_events.values()
    starts = {e["scheduled_start_time"][:16] for e in events}
    assert "2021-10-07T11:00" in starts and "2021-10-07T10:00" not in starts
    assert "2021-10-06T10:00" in starts  # the others untouched
    assert not any("\\[water-justice\\]" in e["description"] for e in events)


async def test_an_event_deleted_by_hand_in_discord_is_created_again(
    discord_bot: DiscordHarness, hub: Hub
) -> None:
    await sync(discord_bot, mod(discord_bot))
    gone = next(iter(discord_bot.scheduled_events))
    del discord_bot.scheduled_events[gone]
    text = await sync(discord_bot, mod(discord_bot))
    assert (
        "1 created, 0 updated" in text
        and "1 event deleted by hand in Discord was created again." in text
    )
    assert len(discord_bot.scheduled_events) == upcoming(hub)


async def test_other_peoples_events_are_left_alone(discord_bot: DiscordHarness, hub: Hub) -> None:
    theirs = discord_bot.add_scheduled_event("Karaoke", hub.clock.now() + timedelta(days=1))
    await sync(discord_bot, mod(discord_bot))
    assert discord_bot.scheduled_events[theirs]["name"] == "Karaoke"
    assert len(discord_bot.scheduled_events) == upcoming(hub) + 1


async def test_without_manage_events_the_moderator_gets_one_clear_line(
    discord_bot: DiscordHarness,
) -> None:
    discord_bot.http_fail[CREATE] = http_error(403, 50013, "Missing Permissions")
    text = await sync(discord_bot, mod(discord_bot, "fr"))
    assert text == (
        "Je ne peux pas gérer les événements de ce serveur : donnez à mon rôle la permission "
        "Gérer les événements, puis relancez."
    )
    assert routes(discord_bot).count(CREATE) == 1  # stopped at the first refusal


async def test_an_edit_discord_refuses_is_reported_and_the_other_changes_go_through(
    discord_bot: DiscordHarness, hub: Hub
) -> None:
    await sync(discord_bot, mod(discord_bot))
    started = next(
        i for i, e in discord_bot.scheduled_events.items() if "\\[hub-oct-7\\]" in e["description"]
    )
    # Someone started that event early: Discord refuses to move an active event's start.
    path = f"PATCH /guilds/{discord_bot.guild_id}/scheduled-events/{started}"
    discord_bot.http_fail[path] = http_error(400, 50035, "Invalid Form Body")
    hub.config.events.language = "es"  # the server's events now in Spanish: every one edited
    discord_bot.clear()
    text = await sync(discord_bot, mod(discord_bot, "es-ES"))
    count = upcoming(hub)
    assert f"0 creados, {count - 1} actualizados" in text
    assert "Discord rechazó parte de la sincronización (400" in text
    assert routes(discord_bot).count(EDIT) == count


async def test_a_discord_failure_midway_is_reported_and_the_next_sync_finishes(
    discord_bot: DiscordHarness, hub: Hub
) -> None:
    discord_bot.http_fail[CREATE] = http_error(500, 0, "Internal Server Error")
    text = await sync(discord_bot, mod(discord_bot))
    assert "Discord refused part of the sync (500" in text
    del discord_bot.http_fail[CREATE]
    text = await sync(discord_bot, mod(discord_bot))
    assert f"{upcoming(hub)} created" in text


@pytest.fixture
async def auto_bot(
    app_of: AppOf, programme: Programme, store, clock
) -> AsyncIterator[DiscordHarness]:  # type: ignore[no-untyped-def]
    config = Config.model_validate({"events": {"sync": True, "resync_minutes": 0}})
    hub = await app_of(config, programme, store, clock)
    async with DiscordHarness(HubBot(hub, sync_commands=False)) as harness:
        yield harness


async def test_with_sync_on_the_bot_syncs_once_ready_and_after_each_programme_change(
    auto_bot: DiscordHarness,
) -> None:
    hub: Hub = auto_bot.bot.hub  # type: ignore[attr-defined]
    cog = auto_bot.bot.get_cog("EventsCog")
    assert isinstance(cog, EventsCog)
    await cog.wait_idle()
    assert len(auto_bot.scheduled_events) == upcoming(hub)
    auto_bot.clear()
    await hub.set_programme(
        edited(hub.programme, "closing", starts_at=hub.programme.by_id["closing"].starts_at)
    )
    await cog.wait_idle()
    assert routes(auto_bot).count(CREATE) == 0  # nothing changed: only a listing
    await hub.set_programme(
        Programme(
            hub.programme.forum,
            hub.programme.places,
            hub.programme.days,
            [s for s in hub.programme.sessions if s.id != "closing"],
        )
    )
    await cog.wait_idle()
    assert routes(auto_bot).count(DELETE) == 1
    assert len(auto_bot.scheduled_events) == upcoming(hub)


async def test_an_automatic_sync_without_permission_logs_one_clear_line(
    app_of: AppOf,
    programme: Programme,
    store,
    clock,
    caplog: pytest.LogCaptureFixture,  # type: ignore[no-untyped-def]
) -> None:
    config = Config.model_validate({"events": {"sync": True, "resync_minutes": 0}})
    hub = await app_of(config, programme, store, clock)
    bot = HubBot(hub, sync_commands=False)
    harness = DiscordHarness(bot)
    harness.http_fail["GET /guilds/{guild_id}/scheduled-events"] = http_error(403, 50013, "x")
    with caplog.at_level(logging.WARNING, logger="cogs.events"):
        async with harness:
            cog = bot.get_cog("EventsCog")
            assert isinstance(cog, EventsCog)
            await cog.wait_idle()
    lines = [r.getMessage() for r in caplog.records if r.name == "cogs.events"]
    assert lines == [
        f"scheduled events of Test Guild ({harness.guild_id}): not synced, the bot lacks the "
        "Manage Events permission there"
    ]


async def test_a_hosts_markdown_is_shown_as_typed_and_stays_within_the_limit(
    discord_bot: DiscordHarness, hub: Hub
) -> None:
    slot = hub.programme.by_id["hub-oct-8"]
    text = "# Big **bold** [click](https://evil.example) <@&1> @everyone " + "x" * 990
    host = dataclasses.replace(
        slot,
        id="proposal-9",
        title=LocalText(es="**Agua**", en="**Water**"),
        summary=LocalText(es=text, en=text),
        host="Ana (Org)",
    )
    await hub.set_programme(hub.programme.with_sessions([host]))
    await sync(discord_bot, mod(discord_bot))
    [event] = [e for e in discord_bot.scheduled_events.values() if "Ana (Org)" in e["description"]]
    assert event["name"] == "**Water**"  # names are shown as plain text by Discord
    description = event["description"]
    assert len(description) <= 1000 and description.endswith("…\n\n\\[proposal-9\\]")
    assert "\\*\\*bold\\*\\*" in description and "\\[click\\](" in description
    assert "\\<@&1>" in description
