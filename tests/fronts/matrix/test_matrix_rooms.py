"""Rooms as people really use them: room version 12 owners, other bots, threads, two-line
commands, hidden poll results and vote confirmations kept out of the room."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bot.hub import Hub
from bot.polls.service import Polls
from fronts.matrix.polls import START
from fronts.matrix.power import creators_have_power, creators_of
from tests.fronts.matrix.conftest import World
from tests.support.matrix_env import MatrixEnv, people, running_bot

ONLY_MODS = "Only"


def _start_in(events: list[dict[str, Any]]) -> dict[str, Any] | None:
    return next((e for e in events if e["type"] == START), None)


@pytest.mark.parametrize(
    ("version", "creators"),
    [("12", {"@o:x", "@b:x"}), ("org.matrix.hydra.11", {"@o:x", "@b:x"}), ("11", set())],
)
def test_creators_of_room_version_12_have_unlimited_power(version: str, creators: set[str]) -> None:
    create = {
        "sender": "@o:x",
        "content": {"room_version": version, "additional_creators": ["@b:x", 3]},
    }
    assert creators_of(create) == creators
    assert creators_have_power("13") and not creators_have_power("10")
    assert not creators_have_power(None)  # no room_version: version 1


async def test_the_owner_of_a_version_12_moderation_room_is_a_moderator(
    hub: Hub, polls: Polls, matrix_env: MatrixEnv
) -> None:
    """Element's "Owner" of #hub-mods (its creator, and an additional creator) is in no power
    levels in room version 12; both may start a poll; a member at level 0 may not."""
    env = matrix_env
    async with people(env) as folks:
        kai, bea, carl = await folks.all("kai", "bea", "carl")
        mods = await kai.create_room(
            preset="private_chat",
            room_version="12",
            creation_content={"additional_creators": [bea.user_id]},
            invite=[bea.user_id, carl.user_id, env.bot.user_id],
        )
        await bea.join(mods)
        await carl.join(mods)
        path = f"/_matrix/client/v3/rooms/{mods}/state/m.room.power_levels"
        levels = await kai.request("GET", path)
        assert kai.user_id not in levels.get("users", {})
        async with running_bot(hub, env, moderation_rooms=[mods]):
            for client in (kai, bea):
                sent = await client.say(env.hub_room, "!poll start Owner's poll? | yes | no")
                await client.wait_for(
                    env.hub_room,
                    lambda evs, s=sent: (
                        _start_in(evs[[e["event_id"] for e in evs].index(s) :])
                        if s in [e["event_id"] for e in evs]
                        else None
                    ),
                )
            refused = await carl.say(env.hub_room, "!poll start Carl's poll? | yes | no")
            answer = await carl.answer_to(env.hub_room, refused, env.bot.user_id, threaded=True)
    assert ONLY_MODS in answer["content"]["body"] and "moderators" in answer["content"]["body"]


async def test_another_bots_command_gets_no_answer_in_a_room_but_help_in_a_direct_room(
    world: World,
) -> None:
    ana = await world.client("ana")
    room, dm = world.env.hub_room, world.env.direct["ana"]
    await ana.say(room, "!ping")
    marker = await world.ask("ana", "!now")
    answered = [e["event_id"] for e in ana.bot_events(room, world.env.bot.user_id)]
    assert answered == [marker["event_id"]]
    unknown = await world.ask("ana", "!ping", room=dm)
    assert "!help" in unknown["content"]["body"]


async def test_a_command_in_a_thread_is_answered_in_the_thread(world: World) -> None:
    ana = await world.client("ana")
    room = world.env.hub_room
    root = await ana.say(room, "Questions about the open space")
    sent = await ana.send(
        room,
        "m.room.message",
        {
            "msgtype": "m.text",
            "body": "!next 1",
            "m.relates_to": {
                "rel_type": "m.thread",
                "event_id": root,
                "is_falling_back": True,
                "m.in_reply_to": {"event_id": root},
            },
        },
    )
    answer = await ana.answer_to(room, sent, world.env.bot.user_id, threaded=True)
    relates = answer["content"]["m.relates_to"]
    assert relates["rel_type"] == "m.thread" and relates["event_id"] == root
    assert relates["m.in_reply_to"]["event_id"] == sent
    assert "hub-oct-6" in answer["content"]["body"]


async def test_a_command_on_two_lines_works(world: World) -> None:
    answer = await world.ask("ana", "!next\n1")
    assert "hub-oct-6" in answer["content"]["body"]
    answer = await world.ask("ana", "!next\n")
    assert "Coming up" in answer["content"]["body"]


async def test_hidden_poll_results_asked_in_the_room_go_to_the_moderators_direct_room(
    world: World, polls: Polls
) -> None:
    mod = await world.client("moderator")
    room, dm = world.env.hub_room, world.env.direct["moderator"]
    await mod.say(room, "!poll start hide Secret? | alpha | beta")
    start = await mod.wait_for(room, _start_in)
    poll_id = start["content"]["org.local4action.poll_id"]
    ana = await world.client("ana")
    await ana.respond(room, start["event_id"], ["2"])
    for _ in range(200):
        if polls.tally(poll_id).voters == 1:
            break
        await asyncio.sleep(0.05)
    told = await world.ask("moderator", f"!poll results {poll_id}")
    body = told["content"]["body"]
    assert "direct message" in body and "beta" not in body and "100" not in body
    result = await mod.wait_for(
        dm, lambda evs: next((e for e in evs if "beta" in e["content"].get("body", "")), None)
    )
    assert "1 · 100" in result["content"]["body"] or "100 %" in result["content"]["body"]
    bot = world.env.bot.user_id
    room_bodies = [e["content"].get("body", "") for e in mod.bot_events(room, bot)]
    assert not any("100 %" in b for b in room_bodies)


async def test_a_vote_confirmation_never_names_the_choice_in_the_room(
    world: World, polls: Polls
) -> None:
    mod = await world.client("moderator")
    room, dm = world.env.hub_room, world.env.direct["ana"]
    await mod.say(room, "!poll start Colour? | crimson | teal")
    start = await mod.wait_for(room, _start_in)
    poll_id = start["content"]["org.local4action.poll_id"]
    answer = await world.ask("ana", f"!vote {poll_id} 2")
    assert "teal" not in answer["content"]["body"] and "direct message" in answer["content"]["body"]
    ana = await world.client("ana")
    private = await ana.wait_for(
        dm, lambda evs: next((e for e in evs if "teal" in e["content"].get("body", "")), None)
    )
    assert private["sender"] == world.env.bot.user_id
    assert polls.tally(poll_id).counts == [0, 1]


async def test_a_poll_export_typed_in_the_room_goes_to_the_moderators_direct_room(
    world: World,
) -> None:
    mod = await world.client("moderator")
    room, dm = world.env.hub_room, world.env.direct["moderator"]
    await mod.say(room, "!poll start hide Export me? | one | two")
    start = await mod.wait_for(room, _start_in)
    poll_id = start["content"]["org.local4action.poll_id"]
    told = await world.ask("moderator", f"!poll export {poll_id}")
    assert "direct message" in told["content"]["body"]
    csv = await mod.wait_for(
        dm, lambda evs: next((e for e in evs if e["content"].get("msgtype") == "m.file"), None)
    )
    assert csv["content"]["body"] == f"poll-{poll_id}.csv"
    await mod.sync(0)
    bot = world.env.bot.user_id
    assert not [e for e in mod.bot_events(room, bot) if e["content"].get("msgtype") == "m.file"]
