"""Native Matrix polls (MSC3381) through a real Synapse: started by a moderator's ``!poll start``,
voted by several clients with ``poll.response`` events, closed with ``poll.end``; the counts the
store keeps are the ones the responses say."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from bot.hub import Hub
from bot.polls.service import Polls
from fronts.matrix.polls import END, START
from tests.fronts.matrix.conftest import World
from tests.support.matrix_env import MatrixEnv, people, running_bot


async def _poll_event(world: World, line: str) -> dict[str, Any]:
    mod = await world.client("moderator")
    room = world.env.hub_room
    await mod.say(room, line)
    return await mod.wait_for(room, lambda evs: next((e for e in evs if e["type"] == START), None))


async def _until(check: Any, within: float = 10.0) -> None:
    for _ in range(int(within / 0.05)):
        if check():
            return
        await asyncio.sleep(0.05)
    assert check()


async def test_a_poll_voted_by_several_clients_counts_what_they_answered(
    world: World, polls: Polls
) -> None:
    start = await _poll_event(world, "!poll start Best capital? | human | social | cultural")
    body = start["content"][START]
    assert body["question"]["org.matrix.msc1767.text"] == "Best capital?"
    assert [a["id"] for a in body["answers"]] == ["1", "2", "3"]
    assert body["answers"][1]["org.matrix.msc1767.text"] == "social"
    assert body["kind"] == "org.matrix.msc3381.poll.disclosed" and body["max_selections"] == 1
    assert "!vote 1" in start["content"]["org.matrix.msc1767.text"]
    poll_id = start["content"]["org.local4action.poll_id"]
    room, event = world.env.hub_room, start["event_id"]

    ana, bea, bob, carl, dana = [
        await world.client(n) for n in ("ana", "bea", "bob", "carl", "dana")
    ]
    await ana.respond(room, event, ["1"])
    await bea.respond(room, event, ["1"])
    await bea.respond(room, event, ["2"])  # changed her mind: the latest counts
    await bob.respond(room, event, ["2"])
    await carl.respond(room, event, ["3"])
    await carl.respond(room, event, [])  # withdrawn
    await dana.respond(room, event, ["9"])  # no such answer: ignored
    chat = await dana.say(room, "I like polls")
    await dana.respond(room, chat, ["1"])  # not a poll: ignored
    await _until(lambda: polls.tally(poll_id).voters == 3)
    await asyncio.sleep(0.3)  # nothing else trickles in
    assert polls.tally(poll_id).counts == [1, 2, 0]
    assert polls.ballot(poll_id, "matrix:" + bea.user_id) == 1
    assert polls.ballot(poll_id, "matrix:" + carl.user_id) is None

    closed = await world.ask("moderator", f"!poll close {poll_id}")
    assert f"Poll #{poll_id}: final result" in closed["content"]["body"]
    mod = await world.client("moderator")
    end = await mod.wait_for(room, lambda evs: next((e for e in evs if e["type"] == END), None))
    assert end["content"]["m.relates_to"] == {"rel_type": "m.reference", "event_id": event}
    text = end["content"]["org.matrix.msc1767.text"]
    assert "social — 2 · 67 %" in text and "human — 1 · 33 %" in text

    await dana.respond(room, event, ["1"])  # too late: the poll is closed
    await world.ask("ana", "!now")  # a round trip: the response above was seen by then
    assert polls.tally(poll_id).counts == [1, 2, 0]


async def test_hidden_results_make_an_undisclosed_poll(world: World) -> None:
    start = await _poll_event(world, "!poll start scale=yesno hide Lunch at noon?")
    assert start["content"][START]["kind"] == "org.matrix.msc3381.poll.undisclosed"
    assert len(start["content"][START]["answers"]) == 2


async def test_only_moderators_start_polls(world: World) -> None:
    answer = await world.ask("ana", "!poll start Best capital? | human | social")
    assert "Only" in answer["content"]["body"] and "moderators" in answer["content"]["body"]


async def test_a_timer_close_posts_the_end_and_the_result_with_its_chart_notifying_nobody(
    world: World, polls: Polls, hub: Hub
) -> None:
    """The chart is an inline image in an ``m.notice``: an ``m.image`` would notify every
    member of the room (Synapse's default push rules), a notice notifies nobody."""
    start = await _poll_event(world, "!poll start timer=2m Best capital? | human | social")
    ana = await world.client("ana")
    await ana.respond(world.env.hub_room, start["event_id"], ["2"])
    poll_id = start["content"]["org.local4action.poll_id"]
    await _until(lambda: polls.tally(poll_id).voters == 1)
    await polls.close_due(hub.clock.now() + timedelta(minutes=3))  # the frozen clock's timer
    mod = await world.client("moderator")
    room = world.env.hub_room
    await mod.wait_for(room, lambda evs: next((e for e in evs if e["type"] == END), None))
    chart = await mod.wait_for(
        room,
        lambda evs: next(
            (e for e in evs if "<img" in e["content"].get("formatted_body", "")), None
        ),
    )
    content = chart["content"]
    assert content["msgtype"] == "m.notice" and content["m.mentions"] == {}
    assert content["formatted_body"].startswith('<img src="mxc://')
    assert content["body"].endswith(".png")
    bot = world.env.bot.user_id
    assert not [e for e in mod.bot_events(room, bot) if e["content"].get("msgtype") == "m.image"]
    this_test = {e["event_id"] for e in mod.timeline[room]}
    notified = await ana.request("GET", "/_matrix/client/v3/notifications", params={"limit": "100"})
    from_bot = [
        n["event"]
        for n in notified["notifications"]
        if n["event"]["sender"] == bot and n["event"]["event_id"] in this_test
    ]
    assert from_bot == []


async def test_responses_still_count_after_the_bot_restarts(
    hub: Hub, polls: Polls, matrix_env: MatrixEnv
) -> None:
    env, room = matrix_env, matrix_env.hub_room
    async with people(env) as folks:
        mod, ana, bob = await folks.all("moderator", "ana", "bob")
        async with running_bot(hub, env):
            await mod.say(room, "!poll start Best capital? | human | social")
            start = await mod.wait_for(
                room, lambda evs: next((e for e in evs if e["type"] == START), None)
            )
        poll_id = start["content"]["org.local4action.poll_id"]
        await ana.respond(room, start["event_id"], ["1"])  # while the bot is away
        async with running_bot(hub, env):  # same database: resumes from its sync token
            await bob.respond(room, start["event_id"], ["2"])
            await _until(lambda: polls.tally(poll_id).voters == 2)
        assert polls.tally(poll_id).counts == [1, 1]


async def test_web_matrix_and_discord_votes_land_in_one_tally_live_on_the_projector(
    world: World, polls: Polls, hub: Hub
) -> None:
    """Issue 12: a Matrix poll also gives the web's short link and QR; a vote from a phone on
    the web, one from Matrix and one from Discord make one tally, which the projector's
    server-sent events show."""
    import json

    from aiohttp import ClientSession, CookieJar
    from aiohttp.test_utils import TestServer

    from bot.config import Config
    from fronts.web.app import make_app
    from tests.fronts.web.conftest import csrf_of

    hub.config = Config.model_validate({"web": {"base_url": "https://hub.example.org"}})
    mod = await world.client("moderator")
    room = world.env.hub_room
    await mod.say(room, "!poll start scale=yesno Water first?")
    start = await mod.wait_for(room, lambda evs: next((e for e in evs if e["type"] == START), None))
    poll_id = start["content"]["org.local4action.poll_id"]
    link = await mod.wait_for(
        room,
        lambda evs: next(
            (e for e in evs if "hub.example.org/v/" in str(e["content"].get("body", ""))), None
        ),
    )
    assert f"https://hub.example.org/v/{poll_id}" in link["content"]["body"]
    hub.config = Config()  # the phone talks plain http to the test server (no Secure cookies)
    server = TestServer(make_app(hub, b"k"), host="127.0.0.1")
    await server.start_server()
    phone = ClientSession(cookie_jar=CookieJar(unsafe=True))
    try:
        base = str(server.make_url("")).rstrip("/")
        events = await phone.get(f"{base}/poll/{poll_id}/events")

        async def tally() -> list[int]:
            while True:
                line = (await asyncio.wait_for(events.content.readline(), 10)).decode()
                if line.startswith("data:"):
                    return json.loads(line[5:])["counts"]

        assert await tally() == [0, 0]
        page = await phone.get(f"{base}/v/{poll_id}")
        csrf = csrf_of(await page.text())
        voted = await phone.post(f"{base}/v/{poll_id}", data={"csrf": csrf, "choice": "1"})
        assert voted.status == 200
        ana = await world.client("ana")
        await ana.respond(room, start["event_id"], ["2"])
        await polls.vote(poll_id, "discord:42", 0)
        seen = await tally()
        while seen != [2, 1]:
            seen = await tally()
        assert polls.tally(poll_id).counts == [2, 1]
        events.close()
    finally:
        await phone.close()
        await server.close()
