"""DiscordHarness webhook and REST recorders: defer, follow-ups, messages, DMs, failures."""

from __future__ import annotations

import datetime
import warnings
from typing import Any

import pytest

with warnings.catch_warnings():  # discord.py imports the deprecated stdlib audioop module
    warnings.simplefilter("ignore", DeprecationWarning)
    import discord
    from discord import app_commands

from .discord_harness import DiscordHarness, HttpCall, InteractionFailed, http_error
from .harness_demo_bot import cog


async def test_defer_then_followup_with_file_and_edit_original(h: DiscordHarness) -> None:
    sent = await h.slash("slow")
    kinds = [s.kind for s in sent]
    assert kinds == ["interaction_response", "followup", "edit_original"]
    deferred, followup, edit = sent
    assert deferred.type == 5 and deferred.ephemeral
    assert followup.ephemeral  # inherits the ephemeral defer
    assert followup.files == [("agenda.csv", b"a,b\n1,2\n")]
    assert edit.text == "done thinking (edited)"
    assert followup.message_id == deferred.message_id  # first follow-up replaces "thinking..."
    assert [r.kind for r in h.requests if r.route and r.route.startswith("GET")] == ["webhook"]


async def test_channel_send_and_edit_go_through_http_recorder(h: DiscordHarness) -> None:
    sent = await h.slash("announce", {"text": "Plenary moved"})
    assert [s.kind for s in sent] == [
        "interaction_response",
        "channel_message",
        "edit_message",
        "followup",
    ]
    assert sent[1].route == "POST /channels/{channel_id}/messages"
    assert h.channel_texts() == ["Plenary moved"]
    assert h.channel_texts(include_interactions=True) == ["Plenary moved"]  # the rest is ephemeral
    assert sent[2].data["content"] == "Plenary moved!"
    assert h.message_payload(sent[1].message_id or 0)["content"] == "Plenary moved!"


async def test_dm_is_recorded_per_user(h: DiscordHarness) -> None:
    bea = h.user(name="bea")
    sent = await h.slash("remind", user=bea)
    assert sent[-1].text == "Sent you a DM"
    assert h.dm_texts(bea) == ["Reminder: plenary at 10:00"]
    assert h.dm_texts(h.default_user) == []
    assert any(r.route == "POST /users/@me/channels" for r in h.sent)


async def test_fail_dms_for_user_raises_forbidden_50007(h: DiscordHarness) -> None:
    bea = h.user(name="bea")
    h.fail_dms_for(bea)
    sent = await h.slash("remind", user=bea)
    assert sent[-1].text == "Open your DMs (code 50007)"
    assert h.dm_texts(bea) == []
    failed = [s for s in sent if not s.ok]
    assert len(failed) == 1 and isinstance(failed[0].error, discord.Forbidden)


async def test_http_fail_by_route_surfaces_forbidden_after_cog_handler(h: DiscordHarness) -> None:
    h.http_fail["POST /channels/{channel_id}/messages"] = http_error(
        403, 50013, "Missing Permissions"
    )
    with pytest.raises(InteractionFailed) as info:
        await h.slash("announce", {"text": "x"})
    assert isinstance(info.value.original, discord.Forbidden)
    assert info.value.original.code == 50013
    assert isinstance(cog(h).seen["error"], app_commands.CommandInvokeError)  # cog handler ran
    assert [s.kind for s in info.value.sent] == ["interaction_response", "channel_message"]
    assert not info.value.sent[1].ok


async def test_canned_http_responses_by_route(h: DiscordHarness) -> None:
    def fake_message(call: HttpCall) -> dict[str, Any]:
        return {**h.message_payload(seeded), "content": f"fetched {call.params['message_id']}"}

    channel = h.guild.get_channel(h.channel_id)
    assert isinstance(channel, discord.TextChannel)
    seeded = (await channel.send("seed")).id
    h.http_responses["GET /channels/{channel_id}/messages/{message_id}"] = fake_message
    fetched = await channel.fetch_message(seeded)
    assert fetched.content == f"fetched {seeded}"
    assert [s.kind for s in h.sent] == ["channel_message"]  # GETs only in h.requests
    assert h.requests[-1].route == "GET /channels/{channel_id}/messages/{message_id}"


async def test_tree_sync_and_scheduled_events_use_plausible_fake_json(h: DiscordHarness) -> None:
    synced = await h.bot.tree.sync()
    assert {c.name for c in synced} >= {"next", "poll", "feedback"}
    start = discord.utils.utcnow() + datetime.timedelta(days=1)
    event = await h.guild.create_scheduled_event(
        name="Plenary",
        start_time=start,
        end_time=start + datetime.timedelta(hours=1),
        entity_type=discord.EntityType.external,
        location="Hall A",
        privacy_level=discord.PrivacyLevel.guild_only,
    )
    assert event.name == "Plenary" and event.location == "Hall A"
    routes = [s.route for s in h.sent]
    assert "PUT /applications/{application_id}/commands" in routes
    assert "POST /guilds/{guild_id}/scheduled-events" in routes


async def test_scheduled_events_are_stored_listed_edited_and_deleted(h: DiscordHarness) -> None:
    start = discord.utils.utcnow() + datetime.timedelta(days=1)
    event = await h.guild.create_scheduled_event(
        name="Plenary",
        start_time=start,
        end_time=start + datetime.timedelta(hours=1),
        entity_type=discord.EntityType.external,
        location="Hall A",
        privacy_level=discord.PrivacyLevel.guild_only,
    )
    other = h.add_scheduled_event("Party", start, status=4)
    listed = {e.id: e for e in await h.guild.fetch_scheduled_events()}
    assert listed.keys() == {event.id, other}
    assert listed[event.id].creator_id == h.application_id
    assert listed[other].creator_id == h.owner_id
    assert listed[other].status is discord.EventStatus.cancelled
    edited = await event.edit(name="Opening plenary", location="Hall B")
    assert edited.name == "Opening plenary" and edited.location == "Hall B"
    assert h.scheduled_events[event.id]["name"] == "Opening plenary"
    await event.delete()
    assert event.id not in h.scheduled_events
    with pytest.raises(discord.NotFound) as gone:
        await event.edit(name="Again")
    assert gone.value.code == 10070
    with pytest.raises(discord.NotFound):
        await event.delete()
