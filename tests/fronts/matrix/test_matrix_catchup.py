"""Commands typed while the bot was down: answered once when recent, one "sorry" per room when
too old; history from before an invite is never answered."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

from bot.hub import Hub
from tests.support.matrix_client import Client
from tests.support.matrix_env import MatrixEnv, people, running_bot


def _replied(client: Client, room: str, bot: str) -> Counter[str]:
    return Counter(
        e["content"]["m.relates_to"]["m.in_reply_to"]["event_id"]
        for e in client.bot_events(room, bot, "m.room.message")
    )


def _after(event_id: str, bot: str) -> Any:
    def found(events: list[dict[str, Any]]) -> dict[str, Any] | None:
        ids = [e.get("event_id") for e in events]
        if event_id not in ids:
            return None
        later = events[ids.index(event_id) + 1 :]
        return next((e for e in later if e.get("sender") == bot), None)

    return found


async def test_commands_typed_while_the_bot_was_down_are_answered_once_after_it_restarts(
    hub: Hub, matrix_env: MatrixEnv
) -> None:
    """The bot is stopped without a graceful finish (its task cancelled, as a kill would), ten
    commands and a form answer in a direct room are typed meanwhile; after the restart each is
    answered, exactly once, and a second restart answers nothing again."""
    env, room = matrix_env, matrix_env.hub_room
    bot_id = env.bot.user_id
    async with people(env) as folks:
        ana, bea = await folks.all("ana", "bea")
        dm = env.direct["bea"]
        async with running_bot(hub, env):
            first = await ana.say(room, "!now")
            await ana.answer_to(room, first, bot_id, threaded=True)
            form = await bea.say(dm, "!propose")
            await bea.answer_to(dm, form, bot_id, threaded=False)
        while_down = [await ana.say(room, line) for line in ("!next", "!now", "!next 1") * 3]
        while_down.append(await bea.say(room, "!help"))
        title = await bea.say(dm, "Cities that listen")  # the form's first answer
        async with running_bot(hub, env):
            for command in while_down:
                await ana.answer_to(room, command, bot_id, threaded=True)
            asked = await bea.wait_for(dm, _after(title, bot_id))
        assert "Cities that listen" in asked["content"]["body"] or "2/" in asked["content"]["body"]
        async with running_bot(hub, env):  # again: nothing is answered twice
            probe = await ana.say(room, "!now")
            await ana.answer_to(room, probe, bot_id, threaded=True)
            await asyncio.sleep(0.5)
        await ana.sync(0)
        await bea.sync(0)
    assert _replied(ana, room, bot_id) == dict.fromkeys([first, *while_down, probe], 1)
    after_title = bea.timeline[dm][[e["event_id"] for e in bea.timeline[dm]].index(title) :]
    assert len([e for e in after_title if e["sender"] == bot_id]) == 1


async def test_commands_too_old_get_one_sorry_per_room_and_no_answer(
    hub: Hub, matrix_env: MatrixEnv
) -> None:
    env, room = matrix_env, matrix_env.hub_room
    bot_id = env.bot.user_id
    async with people(env) as folks:
        ana, bea = await folks.all("ana", "bea")
        dm = env.direct["ana"]
        async with running_bot(hub, env):
            first = await ana.say(room, "!now")
            await ana.answer_to(room, first, bot_id, threaded=True)
        old = [await ana.say(room, "!next"), await bea.say(room, "!now"), await ana.say(dm, "!now")]
        await asyncio.sleep(3.5)  # older than catch_up_minutes = 0.05 (3 s)
        async with running_bot(hub, env, catch_up_minutes=0.05):
            sorry = await ana.answer_to(room, old[0], bot_id, threaded=True)
            in_dm = await ana.wait_for(dm, _after(old[2], bot_id))
            fresh = await bea.say(room, "!next 1")
            answer = await bea.answer_to(room, fresh, bot_id, threaded=True)
            await asyncio.sleep(0.5)
        await ana.sync(0)
    assert "offline when you wrote" in sorry["content"]["body"]
    assert sorry["content"]["msgtype"] == "m.notice"
    assert "offline when you wrote" in in_dm["content"]["body"]
    assert "hub-oct-6" in answer["content"]["body"]
    assert _replied(ana, room, bot_id) == {first: 1, old[0]: 1, fresh: 1}  # bea's: no 2nd sorry


async def test_history_from_before_an_invite_is_not_answered(
    hub: Hub, matrix_env: MatrixEnv
) -> None:
    env = matrix_env
    bot_id = env.bot.user_id
    async with running_bot(hub, env), people(env) as folks:
        kai = await folks.get("kai")
        room = await kai.create_room(preset="public_chat", name="Side room")
        history = [await kai.say(room, "!next"), await kai.say(room, "!now")]
        await kai.request("POST", f"/_matrix/client/v3/rooms/{room}/invite", {"user_id": bot_id})
        for _ in range(200):
            await kai.sync(0)
            if any(
                e["type"] == "m.room.member" and e["state_key"] == bot_id
                for e in kai.timeline.get(room, [])
            ):
                break
            await asyncio.sleep(0.05)
        probe = await kai.say(room, "!next 1")
        await kai.answer_to(room, probe, bot_id, threaded=True)
        await asyncio.sleep(0.5)
        await kai.sync(0)
    replied = _replied(kai, room, bot_id)
    assert replied == {probe: 1} and not set(history) & set(replied)
