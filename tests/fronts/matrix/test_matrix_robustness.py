"""The bot against a real Synapse that misbehaves: invites from servers it does not allow, a
homeserver restart in the middle, a crash between sending an answer and noting it sent."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from bot.hub import Hub
from bot.outbox import DeliveryError
from bot.polls.service import Polls
from fronts.matrix import client as client_module
from fronts.matrix.outbox import MatrixOutbox
from fronts.matrix.polls import START
from fronts.matrix.state import MatrixState, Outgoing
from tests.fronts.matrix.conftest import World
from tests.support.matrix_client import Client
from tests.support.matrix_env import MatrixEnv, people, running_bot


async def _membership(client: Client, room: str, user: str) -> str | None:
    state = await client.request("GET", f"/_matrix/client/v3/rooms/{room}/state")
    for event in state:  # type: ignore[attr-defined]
        if event["type"] == "m.room.member" and event["state_key"] == user:
            return str(event["content"]["membership"])
    return None


async def _until_membership(client: Client, room: str, user: str, want: str) -> None:
    for _ in range(200):
        if await _membership(client, room, user) == want:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{user} is not {want} in {room}")


async def test_invites_from_a_server_not_allowed_are_refused(
    hub: Hub, matrix_env: MatrixEnv
) -> None:
    env = matrix_env
    async with running_bot(hub, env, allowed_servers=["elsewhere.example"]), people(env) as folks:
        ana = await folks.get("ana")
        room = await ana.create_room(preset="private_chat", invite=[env.bot.user_id])
        await _until_membership(ana, room, env.bot.user_id, "leave")


async def test_a_direct_invite_from_an_allowed_server_is_joined_and_used(
    hub: Hub, matrix_env: MatrixEnv
) -> None:
    env = matrix_env
    env.people.setdefault("newcomer", env.synapse.register("newcomer"))
    async with running_bot(hub, env) as bot, people(env) as folks:
        dana = await folks.get("newcomer")
        room = await dana.create_room(
            preset="trusted_private_chat", is_direct=True, invite=[env.bot.user_id]
        )
        await _until_membership(dana, room, env.bot.user_id, "join")
        for _ in range(100):  # the bot notes the room once its join has returned
            if dana.user_id in bot.outbox.rooms:
                break
            await asyncio.sleep(0.02)
        assert bot.outbox.rooms[dana.user_id] == room
        m_direct = await bot.api.get_account_data("m.direct")
        assert room in m_direct[dana.user_id]
        sent = await dana.say(room, "!next 1")
        answer = await dana.answer_to(room, sent, env.bot.user_id, threaded=False)
        assert "hub-oct-6" in answer["content"]["body"]


async def test_the_homeserver_restarts_and_each_command_is_answered_once(
    hub: Hub, matrix_env: MatrixEnv
) -> None:
    env, room = matrix_env, matrix_env.hub_room
    async with running_bot(hub, env) as bot, people(env) as folks:
        ana = await folks.get("ana")
        commands = [await ana.say(room, "!timezone asia/kathmandu")]
        await ana.answer_to(room, commands[0], env.bot.user_id, threaded=True)
        syncs = bot.syncs
        try:
            env.synapse.stop()
            await asyncio.sleep(1.5)  # the bot's sync fails and it backs off
        finally:
            env.synapse.start()
        for line in ("!next", "!now", "!next 1"):
            commands.append(await ana.say(room, line))
            answer = await ana.answer_to(room, commands[-1], env.bot.user_id, threaded=True)
            assert answer["content"]["msgtype"] == "m.notice"
        assert "UTC+05:45" in answer["content"]["body"]  # the zone set before the restart
        assert bot.syncs > syncs
        await asyncio.sleep(1.0)  # time for any duplicate to show up
        await ana.sync(0)
    replied = Counter(
        e["content"]["m.relates_to"]["m.in_reply_to"]["event_id"]
        for e in ana.bot_events(room, env.bot.user_id)
    )
    assert replied == dict.fromkeys(commands, 1)


async def test_an_answer_sent_before_a_crash_is_not_sent_again(
    hub: Hub, matrix_env: MatrixEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bot dies after the homeserver took its answer but before noting it sent: the next
    start resends the recorded answer with the same transaction ids, and Synapse drops it."""
    env, room = matrix_env, matrix_env.hub_room

    async def crash(self: MatrixState, event_id: str) -> None:
        raise asyncio.CancelledError  # as if the process died here

    async with people(env) as folks:
        ana = await folks.get("ana")
        with monkeypatch.context() as patch:
            patch.setattr(MatrixState, "done", crash)
            async with running_bot(hub, env):
                sent = await ana.say(room, "!next 1")
                await ana.answer_to(room, sent, env.bot.user_id, threaded=True)
        state = MatrixState(hub.store.database)
        assert [event for event, _, _ in await state.pending()] == [sent]
        async with running_bot(hub, env):  # catches up: resends what is pending
            probe = await ana.say(room, "!now")
            await ana.answer_to(room, probe, env.bot.user_id, threaded=True)
        # The crashed answer was resent and noted done. (The probe's may still be pending: the
        # bot can stop between the homeserver taking it and noting it, and the next start
        # resends it with the same transaction id, which Synapse drops, as above.)
        assert sent not in [event for event, _, _ in await state.pending()]
        await ana.sync(0)
    replied = Counter(
        e["content"]["m.relates_to"]["m.in_reply_to"]["event_id"]
        for e in ana.bot_events(room, env.bot.user_id)
    )
    assert replied == {sent: 1, probe: 1}


async def test_an_answer_refused_for_now_is_sent_after_the_next_sync(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = MatrixOutbox.send_all
    refused: list[str] = []

    async def busy_once(
        self: MatrixOutbox, events: Outgoing, *, key: str | None = None
    ) -> list[str]:
        if key and key.startswith("reply:") and not refused:
            refused.append(key)
            raise DeliveryError("M_LIMIT_EXCEEDED: too many requests", permanent=False)
        return await real(self, events, key=key)

    monkeypatch.setattr(MatrixOutbox, "send_all", busy_once)
    ana, bea = await world.client("ana"), await world.client("bea")
    room = world.env.hub_room
    sent = await ana.say(room, "!next 1")
    for _ in range(100):  # the bot saw the command and was refused
        if refused:
            break
        await asyncio.sleep(0.05)
    assert refused
    await bea.say(room, "hello")  # any event: the bot syncs again, and resends
    answer = await ana.answer_to(room, sent, world.env.bot.user_id, threaded=True)
    assert "hub-oct-6" in answer["content"]["body"]
    await asyncio.sleep(0.3)
    await ana.sync(0)
    assert len(ana.bot_events(room, world.env.bot.user_id)) == 1


async def test_responses_beyond_a_limited_timeline_are_fetched_and_counted(
    hub: Hub, polls: Polls, matrix_env: MatrixEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """More events than the sync's timeline limit came while the bot was away: the bot pages
    back through the gap, so the first voter's response counts too."""
    monkeypatch.setattr(
        client_module, "FILTER", client_module.FILTER.replace('"limit": 200', '"limit": 5')
    )
    env, room = matrix_env, matrix_env.hub_room
    async with people(env) as folks:
        mod, ana, bob, carl = await folks.all("moderator", "ana", "bob", "carl")
        async with running_bot(hub, env):
            await mod.say(room, "!poll start Best capital? | human | social")
            start = await mod.wait_for(
                room, lambda evs: next((e for e in evs if e["type"] == START), None)
            )
        poll_id = start["content"]["org.local4action.poll_id"]
        await ana.respond(room, start["event_id"], ["1"])  # the oldest: beyond the limit
        for i in range(12):
            await (bob if i % 2 else carl).respond(room, start["event_id"], [str(1 + i % 2)])
        async with running_bot(hub, env):
            for _ in range(200):
                if polls.tally(poll_id).voters == 3:
                    break
                await asyncio.sleep(0.05)
    assert polls.tally(poll_id).counts == [2, 1]  # ana 1, carl 1, bob 2


async def test_an_encrypted_room_is_told_once_that_the_bot_cannot_read_it(
    hub: Hub, matrix_env: MatrixEnv
) -> None:
    env = matrix_env
    async with running_bot(hub, env) as bot, people(env) as folks:
        eva = await folks.get("eva")
        room = await eva.create_room(
            preset="trusted_private_chat",
            is_direct=True,
            invite=[env.bot.user_id],
            initial_state=[
                {
                    "type": "m.room.encryption",
                    "state_key": "",
                    "content": {"algorithm": "m.megolm.v1.aes-sha2"},
                }
            ],
        )
        await _until_membership(eva, room, env.bot.user_id, "join")
        sealed = {"algorithm": "m.megolm.v1.aes-sha2", "ciphertext": "AwgA…", "session_id": "x"}
        first = await eva.send(room, "m.room.encrypted", sealed)
        told = await eva.answer_to(room, first, env.bot.user_id, threaded=False)
        assert "cannot read encrypted messages" in told["content"]["body"]
        await eva.send(room, "m.room.encrypted", sealed)
        await asyncio.sleep(0.3)
        await eva.sync(0)
        assert len(eva.bot_events(room, env.bot.user_id, "m.room.message")) == 1
        assert bot.outbox.rooms[eva.user_id] == env.direct["eva"]  # not the encrypted one
