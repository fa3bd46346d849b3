"""Commands on Matrix, through a real Synapse: rich replies in rooms, plain answers in direct
rooms, escaping, moderators by power level or allow-list, the form moving to a direct room."""

from __future__ import annotations

import asyncio

from bot.hub import Hub
from bot.proposals.model import FIELD_KEYS
from fronts.matrix.render import WORD_JOINER
from tests.fronts.matrix.conftest import World
from tests.support.matrix_env import MatrixEnv, people, running_bot


async def test_next_in_a_room_is_a_threaded_notice_with_html_and_no_mentions(world: World) -> None:
    answer = await world.ask("ana", "!next")
    content = answer["content"]
    assert content["msgtype"] == "m.notice"
    assert content["m.mentions"] == {}
    assert content["format"] == "org.matrix.custom.html"
    assert "<ul><li>" in content["formatted_body"] and "hub-oct-6" in content["formatted_body"]
    assert "12:00" in content["body"] and "CEST" in content["body"]
    assert content["m.relates_to"]["m.in_reply_to"]["event_id"]


async def test_ordinary_chat_and_other_bots_notices_get_no_answer(world: World) -> None:
    ana = await world.client("ana")
    room = world.env.hub_room
    await ana.say(room, "hello everyone, next session soon?")
    await ana.send(room, "m.room.message", {"msgtype": "m.notice", "body": "!next"})
    marker = await world.ask("ana", "!now")  # answered after the two lines above
    answered = [e["event_id"] for e in ana.bot_events(room, world.env.bot.user_id)]
    assert answered == [marker["event_id"]]


async def test_user_text_cannot_inject_html_or_ping_the_room(world: World) -> None:
    answer = await world.ask("ana", "!session <b>@room</b> <a href='https://x'>x</a>")
    content = answer["content"]
    assert "<b>" not in content["formatted_body"] and "&lt;b&gt;" in content["formatted_body"]
    assert "<a href='https://x'>" not in content["formatted_body"]
    assert "@room" not in content["body"] and f"@{WORD_JOINER}room" in content["body"]
    assert content["m.mentions"] == {}


async def test_a_direct_room_answers_every_line_without_threading(world: World) -> None:
    room = world.env.direct["bea"]
    answer = await world.ask("bea", "!timezone asia/kathmandu", room=room)
    assert "Asia/Kathmandu" in answer["content"]["body"]
    assert "m.relates_to" not in answer["content"]
    hint = await world.ask("bea", "what is on?", room=room)
    assert "!help" in hint["content"]["body"]


async def test_propose_in_a_room_moves_the_form_to_the_direct_room(world: World) -> None:
    answer = await world.ask("kai", "!propose")
    assert "direct message" in answer["content"]["body"]
    kai = await world.client("kai")
    dm = world.env.direct["kai"]
    question = await kai.wait_for(
        dm, lambda evs: next((e for e in evs if e["sender"] == world.env.bot.user_id), None)
    )
    assert "(1/10)" in question["content"]["body"]
    agenda = await world.ask("kai", "!next 1", room=dm)  # other commands work mid-form
    assert "hub-oct-6" in agenda["content"]["body"]
    first = await world.ask("kai", "Kai Tanaka", room=dm)
    assert "(2/10)" in first["content"]["body"]
    # the answers go on in the direct room, with cancel
    back = await world.ask("kai", "back", room=dm)
    assert "(1/10)" in back["content"]["body"]
    cancelled = await world.ask("kai", "cancel", room=dm)
    assert "Form cancelled: nothing was sent." in cancelled["content"]["body"]


async def test_power_level_50_makes_a_moderator_in_the_room_only(world: World) -> None:
    refused = await world.ask("ana", "!proposals close")
    assert "Only the Hub's moderators" in refused["content"]["body"]
    closed = await world.ask("moderator", "!proposals close")
    assert "Only the Hub's moderators" not in closed["content"]["body"]
    in_direct = await world.ask("moderator", "!proposals open", room=world.env.direct["moderator"])
    assert "Only the Hub's moderators" in in_direct["content"]["body"]


async def test_moderation_rooms_and_the_allow_list_make_moderators_anywhere(
    hub: Hub, matrix_env: MatrixEnv
) -> None:
    env = matrix_env
    config = {"moderation_rooms": [env.hub_room], "moderators": [env.people["eva"].user_id]}
    async with running_bot(hub, env, **config), people(env) as folks:
        mod, eva = await folks.all("moderator", "eva")
        for who, client in (("moderator", mod), ("eva", eva)):
            room = env.direct[who]
            sent = await client.say(room, "!proposals close")
            answer = await client.answer_to(room, sent, env.bot.user_id, threaded=False)
            assert "Only the Hub's moderators" not in answer["content"]["body"], who


async def test_commands_typed_before_the_bot_started_are_not_answered(
    hub: Hub, matrix_env: MatrixEnv
) -> None:
    env = matrix_env
    async with people(env) as folks:
        ana = await folks.get("ana")
        early = await ana.say(env.hub_room, "!next")
        async with running_bot(hub, env):
            late = await ana.say(env.hub_room, "!now")
            await ana.answer_to(env.hub_room, late, env.bot.user_id, threaded=True)
            await asyncio.sleep(0.3)
            await ana.sync(0)
        replies = [
            e["content"]["m.relates_to"]["m.in_reply_to"]["event_id"]
            for e in ana.bot_events(env.hub_room, env.bot.user_id)
        ]
        assert replies == [late] and early not in replies


async def test_a_decision_taken_elsewhere_reaches_the_host_at_the_next_sync(
    world: World, hub: Hub
) -> None:
    from bot.context import Caller
    from bot.proposals import moderation
    from tests.test_scenarios import PROPOSAL

    dm = world.env.direct["ana"]
    await world.ask("ana", "!propose", room=dm)
    for key in FIELD_KEYS:
        await world.ask("ana", PROPOSAL.get(key) or "-", room=dm)
    receipt = await world.ask("ana", "send", room=dm)
    assert "Your proposal #1 is saved" in receipt["content"]["body"]
    on_discord = Caller("discord", "1", "Mod", None, is_moderator=True)
    await moderation.decide(hub.context(on_discord), 1, "approved")
    bea = await world.client("bea")
    await bea.say(world.env.hub_room, "good morning")  # any event wakes the bot's sync
    ana = await world.client("ana")
    told = await ana.wait_for(
        dm,
        lambda evs: next((e for e in evs if "Good news" in e["content"].get("body", "")), None),
    )
    assert told["sender"] == world.env.bot.user_id and told["content"]["m.mentions"] == {}


async def test_review_typed_in_a_room_is_answered_in_the_moderators_direct_room(
    world: World,
) -> None:
    from tests.test_scenarios import PROPOSAL

    dm = world.env.direct["ana"]
    await world.ask("ana", "!propose", room=dm)
    for key in FIELD_KEYS:
        await world.ask("ana", PROPOSAL.get(key) or "-", room=dm)
    await world.ask("ana", "send", room=dm)
    answer = await world.ask("moderator", "!review")
    assert "direct message" in answer["content"]["body"]
    assert "ana@example.org" not in answer["content"]["body"]
    mod = await world.client("moderator")
    card = await mod.wait_for(
        world.env.direct["moderator"],
        lambda evs: next((e for e in evs if "#1" in e["content"].get("body", "")), None),
    )
    assert "ana@example.org" in card["content"]["body"]  # the contact, for moderators only


async def test_discords_localized_names_work_as_matrix_commands(world: World) -> None:
    answer = await world.ask("ana", "!siguiente 1")
    assert "hub-oct-6" in answer["content"]["formatted_body"]
    refused = await world.ask("ana", "!eventos")
    assert "!events works on Discord only" in refused["content"]["body"]
