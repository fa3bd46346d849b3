"""Live polls on the web: one vote per browser (changeable, withdrawable), counted in the same
tally as the chat fronts, and the projector's server-sent events following every change."""

from __future__ import annotations

import asyncio
import json

import pytest
from aiohttp import ClientSession, CookieJar
from aiohttp.test_utils import TestClient

from bot.config import Config
from bot.hub import Hub
from bot.polls import replies
from bot.polls.model import PollSpec, Question
from bot.polls.service import Polls
from tests.fronts.web.conftest import csrf_of
from tests.support.proposals import moderator


async def start_poll(polls: Polls) -> int:
    spec = PollSpec(Question({"*": "Water first?"}), "yesno")
    poll = await polls.start(spec, front="discord", by="discord:mod", lang="en")
    return poll.id


async def vote(client: TestClient | ClientSession, base: str, poll_id: int, **data: str):
    page = await client.get(f"{base}/v/{poll_id}")
    html = await page.text()
    return await client.post(f"{base}/v/{poll_id}", data={"csrf": csrf_of(html), **data})


async def test_votes_from_browsers_and_chat_land_in_one_tally(
    web: TestClient, polls: Polls
) -> None:
    poll_id = await start_poll(polls)
    base = str(web.make_url("")).rstrip("/")
    phones = [ClientSession(cookie_jar=CookieJar(unsafe=True)) for _ in range(3)]
    try:
        for phone, choice in zip(phones, ("1", "1", "2"), strict=True):
            resp = await vote(phone, base, poll_id, choice=choice)
            assert resp.status == 200
        # The first phone changes its mind; the second withdraws.
        resp = await vote(phones[0], base, poll_id, choice="2")
        assert "is now No (it was Yes)" in await resp.text()
        await vote(phones[1], base, poll_id, withdraw="1")
        # A vote from Discord, through the same service.
        await polls.vote(poll_id, "discord:42", 0)
        assert polls.tally(poll_id).counts == [1, 2]
        # The vote page shows which answer is this browser's.
        html = await (await phones[0].get(f"{base}/v/{poll_id}")).text()
        assert 'value="2" checked' in html
    finally:
        for phone in phones:
            await phone.close()


async def test_a_vote_out_of_range_is_refused_in_the_visitors_language(
    web: TestClient, polls: Polls
) -> None:
    poll_id = await start_poll(polls)
    resp = await vote(web, "", poll_id, choice="7")
    assert resp.status == 422
    assert polls.tally(poll_id).counts == [0, 0]
    page = await web.get("/v/999")
    assert page.status == 404


async def test_the_projector_receives_each_change_then_the_final_result(
    web: TestClient, polls: Polls, hub: Hub
) -> None:
    poll_id = await start_poll(polls)
    screen = await web.get(f"/poll/{poll_id}/screen")
    html = await screen.text()
    assert "<svg" in html and "Water first?" in html
    events = await web.get(f"/poll/{poll_id}/events")
    assert events.headers["Content-Type"].startswith("text/event-stream")

    async def next_tally() -> dict:
        while True:
            line = (await asyncio.wait_for(events.content.readline(), 5)).decode()
            if line.startswith("data:"):
                return json.loads(line[5:])

    first = await next_tally()
    assert first["counts"] == [0, 0] and first["open"]
    await polls.vote(poll_id, "matrix:@a:x", 1)
    assert (await next_tally())["counts"] == [0, 1]
    ctx = hub.context(moderator(front="discord"))
    await replies.close(ctx, str(poll_id))
    final = await next_tally()
    assert not final["open"] and final["status"] == "Final result"
    events.close()


async def test_chat_poll_start_gives_the_short_link_and_qr_when_the_web_is_configured(
    hub: Hub, polls: Polls
) -> None:
    ctx = hub.context(moderator())
    reply, _ = await replies.start(ctx, "Water first?", scale="yesno")
    assert not [a for a in reply.attachments if a.filename.endswith("-qr.png")]
    hub.config = Config.model_validate({"web": {"base_url": "https://hub.example.org/live"}})
    reply, poll = await replies.start(ctx, "Energy next?", scale="yesno")
    assert f"https://hub.example.org/live/v/{poll.id}" in reply.plain()
    [qr] = [a for a in reply.attachments if a.filename.endswith("-qr.png")]
    assert qr.data.startswith(b"\x89PNG")


async def test_votes_beyond_the_rate_limit_of_an_address_are_refused(
    hub: Hub, polls: Polls
) -> None:
    from aiohttp.test_utils import TestServer

    from fronts.web.app import make_app

    hub.config = Config.model_validate({"web": {"posts_per_minute": 3}})
    client = TestClient(TestServer(make_app(hub, b"k"), host="127.0.0.1"))
    await client.start_server()
    try:
        poll_id = await start_poll(polls)
        statuses = [(await vote(client, "", poll_id, choice="1")).status for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
    finally:
        await client.close()


async def test_projector_streams_are_bounded(
    web: TestClient, polls: Polls, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fronts.web import polls as web_polls

    monkeypatch.setattr(web_polls, "MAX_STREAMS", 1)
    poll_id = await start_poll(polls)
    first = await web.get(f"/poll/{poll_id}/events")
    assert first.status == 200
    second = await web.get(f"/poll/{poll_id}/events?lang=es")
    assert second.status == 503 and "Demasiado ocupado" in await second.text()
    first.close()
