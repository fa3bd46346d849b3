"""Poll events as other clients send them (MSC3381): stable ``m.poll.response`` with
``m.selections``, spoiled answers, redacted responses, and ``poll.end`` from a client."""

from __future__ import annotations

import asyncio
from typing import Any

from bot.hub import Hub
from bot.polls.service import Polls
from fronts.matrix.polls import END, START, parse_response
from tests.fronts.matrix.conftest import World
from tests.support.matrix_env import MatrixEnv, people, running_bot


async def _poll(world: World, line: str) -> tuple[int, str]:
    mod = await world.client("moderator")
    await mod.say(world.env.hub_room, line)
    start = await mod.wait_for(
        world.env.hub_room, lambda evs: next((e for e in evs if e["type"] == START), None)
    )
    return int(start["content"]["org.local4action.poll_id"]), str(start["event_id"])


async def _until(check: Any, within: float = 10.0) -> None:
    for _ in range(int(within / 0.05)):
        if check():
            return
        await asyncio.sleep(0.05)
    assert check()


def _ref(event_id: str) -> dict[str, Any]:
    return {"rel_type": "m.reference", "event_id": event_id}


def test_responses_are_read_in_every_shape_and_spoiled_ones_withdraw() -> None:
    assert parse_response({"m.selections": ["2"]}, 3) == 1
    assert parse_response({"m.poll.response": {"answers": ["3"]}}, 3) == 2
    assert parse_response({"org.matrix.msc3381.poll.response": {"answers": []}}, 3) is None
    assert parse_response({"m.selections": ["2", "9"]}, 3) == 1  # truncated to max_selections
    for spoiled in ({"m.selections": ["9"]}, {"m.selections": [2]}, {}, {"m.selections": "1"}):
        assert parse_response(spoiled, 3) == -1


async def test_stable_spoiled_and_redacted_responses_count_as_msc3381_says(
    world: World, polls: Polls
) -> None:
    poll_id, start = await _poll(world, "!poll start Best capital? | human | social | cultural")
    room = world.env.hub_room
    ana, bea, bob = [await world.client(n) for n in ("ana", "bea", "bob")]
    await ana.send(room, "m.poll.response", {"m.relates_to": _ref(start), "m.selections": ["1"]})
    await bea.respond(room, start, ["2"])
    await bob.respond(room, start, ["3"])
    await _until(lambda: polls.tally(poll_id).voters == 3)
    await bea.respond(room, start, ["7"])  # spoiled: her earlier vote is withdrawn
    latest = await bob.send(
        room, "m.poll.response", {"m.relates_to": _ref(start), "m.selections": ["2"]}
    )
    await _until(lambda: polls.tally(poll_id).counts == [1, 1, 0])
    await bob.request(
        "PUT", f"/_matrix/client/v3/rooms/{room}/redact/{latest}/txn-{latest[1:9]}", {}
    )
    await _until(lambda: polls.tally(poll_id).counts == [1, 0, 0])
    await asyncio.sleep(0.3)
    assert polls.tally(poll_id).counts == [1, 0, 0] and polls.tally(poll_id).voters == 1


async def test_a_poll_end_from_a_moderators_client_closes_the_poll_and_others_are_ignored(
    world: World, polls: Polls
) -> None:
    poll_id, start = await _poll(world, "!poll start Keep going? | yes | no")
    room = world.env.hub_room
    ana, mod = await world.client("ana"), await world.client("moderator")
    await ana.respond(room, start, ["1"])
    await _until(lambda: polls.tally(poll_id).voters == 1)
    end = {"m.relates_to": _ref(start), "m.text": [{"body": "The poll has ended."}]}
    await ana.send(room, "m.poll.end", end)  # not a moderator: ignored
    probe = await ana.say(room, "!now")  # handled after the end event above
    await ana.answer_to(room, probe, world.env.bot.user_id, threaded=True)
    poll = polls.get(poll_id)
    assert poll is not None and poll.is_open
    await mod.send(room, END, {**end, END: {}})
    await _until(lambda: not polls.get(poll_id).is_open)  # type: ignore[union-attr]
    result = await mod.wait_for(
        room,
        lambda evs: next(
            (
                e
                for e in evs
                if e["sender"] == world.env.bot.user_id
                and "final result" in e["content"].get("body", "")
            ),
            None,
        ),
    )
    assert "yes" in result["content"]["body"]


async def test_a_response_redacted_after_a_restart_still_withdraws_the_vote(
    hub: Hub, polls: Polls, matrix_env: MatrixEnv
) -> None:
    env, room = matrix_env, matrix_env.hub_room
    async with people(env) as folks:
        mod, ana, bob = await folks.all("moderator", "ana", "bob")
        async with running_bot(hub, env):
            await mod.say(room, "!poll start Stay late? | yes | no")
            start = await mod.wait_for(
                room, lambda evs: next((e for e in evs if e["type"] == START), None)
            )
            poll_id = int(start["content"]["org.local4action.poll_id"])
            older = await ana.respond(room, start["event_id"], ["1"])
            latest = await ana.respond(room, start["event_id"], ["2"])
            await bob.respond(room, start["event_id"], ["1"])
            await _until(lambda: polls.tally(poll_id).counts == [1, 1])
        async with running_bot(hub, env):  # a new run: nothing in memory
            await ana.request(
                "PUT", f"/_matrix/client/v3/rooms/{room}/redact/{older}/txn-old-{older[1:9]}", {}
            )
            probe = await ana.say(room, "!now")
            await ana.answer_to(room, probe, env.bot.user_id, threaded=True)
            assert polls.tally(poll_id).counts == [1, 1]  # an older response: nothing changes
            await ana.request(
                "PUT", f"/_matrix/client/v3/rooms/{room}/redact/{latest}/txn-new-{latest[1:9]}", {}
            )
            await _until(lambda: polls.tally(poll_id).counts == [1, 0])
