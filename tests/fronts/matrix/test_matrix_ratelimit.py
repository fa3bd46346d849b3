"""The homeserver's rate limit (HTTP 429 with ``retry_after_ms``) is honoured, and a ``/sync``
answer of the wrong shape is logged and fetched again, never fatal.

The 429s come from a tiny homeserver stub on 127.0.0.1 that accepts one message per interval,
as Synapse's ``rc_message`` does for an account that is not exempt."""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from mautrix.client import ClientAPI
from mautrix.errors import MLimitExceeded
from mautrix.types import UserID

from bot.clock import FrozenClock
from bot.doc import Reply
from bot.store import Store
from fronts.matrix import ratelimit
from fronts.matrix.errors import retry_after
from fronts.matrix.outbox import MatrixOutbox
from fronts.matrix.state import MatrixState
from tests.fronts.matrix.conftest import World

INTERVAL = 0.05  # the stub accepts one message per 50 ms


class Limited:
    """Accepts one message per INTERVAL; earlier ones get 429 and how long to wait."""

    def __init__(self, *, header_only: bool = False) -> None:
        self.header_only = header_only
        self.last = -math.inf
        self.accepted: list[tuple[float, str]] = []  # (time, body)
        self.refused = 0

    async def send(self, request: web.Request) -> web.Response:
        body = await request.json()
        now = time.monotonic()
        if now - self.last < INTERVAL:
            self.refused += 1
            wait_ms = math.ceil((INTERVAL - (now - self.last)) * 1000)
            if self.header_only:
                return web.json_response(
                    {"errcode": "M_LIMIT_EXCEEDED", "error": "Too Many Requests"},
                    status=429,
                    headers={"Retry-After": str(max(1, math.ceil(wait_ms / 1000)))},
                )
            return web.json_response(
                {"errcode": "M_LIMIT_EXCEEDED", "error": "Too Many", "retry_after_ms": wait_ms},
                status=429,
            )
        self.last = now
        self.accepted.append((now, str(body.get("body"))))
        return web.json_response({"event_id": f"$e{len(self.accepted)}"})


@pytest.fixture
async def stub() -> AsyncIterator[tuple[Limited, str]]:
    limited = Limited()
    app = web.Application()
    app.router.add_put("/_matrix/client/v3/rooms/{room}/send/{kind}/{txn}", limited.send)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield limited, f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


def _api(url: str, http: aiohttp.ClientSession) -> ClientAPI:
    api = ClientAPI(UserID("@bot:l4a.test"), base_url=url, token="t", client_session=http)
    ratelimit.install(api)
    return api


async def test_a_burst_of_answers_waits_as_the_homeserver_asks_instead_of_hammering_it(
    stub: tuple[Limited, str], store: Store, clock: FrozenClock
) -> None:
    limited, url = stub
    async with aiohttp.ClientSession() as http:
        box = MatrixOutbox(_api(url, http), MatrixState(store.database), clock)
        started = time.monotonic()
        burst = [box.post(f"!r{i}:l4a.test", Reply().para(f"#{i}"), key=f"k{i}") for i in range(30)]
        await asyncio.gather(*burst)
        elapsed = time.monotonic() - started
        later = [box.post("!r:l4a.test", Reply().para(f"after {i}"), key=f"a{i}") for i in range(5)]
        await asyncio.gather(*later)
    assert len(limited.accepted) == 35
    # the first burst meets the limit once per answer at most; after that the bot keeps pace
    assert limited.refused == box.refusals <= 30
    assert box.metrics.rate_limited.labels("matrix")._value.get() == box.refusals > 0
    assert elapsed >= 29 * INTERVAL * 0.9
    assert [b for _, b in limited.accepted[-5:]] == [f"after {i}" for i in range(5)]


async def test_a_retry_after_header_is_honoured_too(store: Store, clock: FrozenClock) -> None:
    limited = Limited(header_only=True)
    app = web.Application()
    app.router.add_put("/_matrix/client/v3/rooms/{room}/send/{kind}/{txn}", limited.send)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        async with aiohttp.ClientSession() as http:
            api = _api(f"http://127.0.0.1:{port}", http)
            await api.send_text("!r:l4a.test", "one")  # type: ignore[arg-type]
            with pytest.raises(MLimitExceeded) as refused:
                await api.send_text("!r:l4a.test", "two")  # type: ignore[arg-type]
    finally:
        await runner.cleanup()
    assert retry_after(refused.value) == 1.0


async def test_a_malformed_or_rate_limited_sync_is_retried_and_the_bot_goes_on(
    world: World, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot = world.bot
    real = bot.api.sync
    answers: list[Any] = [
        {"rooms": []},  # no next_batch
        {"next_batch": "s1", "rooms": {"join": []}},
        "<html>502</html>",
    ]
    calls: list[float] = []

    async def flaky(**kwargs: Any) -> Any:
        calls.append(time.monotonic())
        if answers:
            return answers.pop(0)
        if len(calls) == 4:
            exc = MLimitExceeded(429, "Too Many Requests")
            exc.retry_after_ms = 1500  # type: ignore[attr-defined]
            raise exc
        return await real(**kwargs)

    monkeypatch.setattr(bot.api, "sync", flaky)
    caplog.set_level(logging.WARNING, logger="l4a.matrix")
    ana = await world.client("ana")
    await ana.say(world.env.hub_room, "wake up")  # the sync in flight returns
    answer = await world.ask("ana", "!next 1")
    assert "hub-oct-6" in answer["content"]["body"]
    assert len(calls) >= 5 and calls[4] - calls[3] >= 1.45  # retry_after_ms, not 1 s
    logged = caplog.text
    assert "malformed /sync answer (no next_batch)" in logged
    assert "rooms.join is not an object" in logged
