"""The web front over a test hub (frozen clock inside the forum, real SQLite), through a real
aiohttp server on 127.0.0.1 and aiohttp's client."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.hub import Hub
from bot.polls.service import Polls
from fronts.web.app import RUNNER_OPTIONS, make_app

SECRET = b"test-secret-key-not-for-production"
_CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')


def csrf_of(html: str) -> str:
    m = _CSRF.search(html)
    assert m, "the page has no CSRF field"
    return m.group(1)


@pytest.fixture
async def web(hub: Hub, polls: Polls) -> AsyncIterator[TestClient]:
    server = TestServer(make_app(hub, SECRET), host="127.0.0.1")
    await server.start_server(**RUNNER_OPTIONS)  # as served: no access log (tokens in paths)
    client = TestClient(server)
    await client.start_server()
    yield client
    await client.close()
