"""Matrix front tests: a real bot on the test's hub, against the session's Synapse."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest

from bot.hub import Hub
from bot.polls.service import Polls
from fronts.matrix.client import MatrixBot
from tests.support.matrix_client import Client
from tests.support.matrix_env import MatrixEnv, People, people, running_bot


@dataclass
class World:
    bot: MatrixBot
    people: People
    env: MatrixEnv

    async def ask(self, who: str, line: str, *, room: str | None = None) -> dict[str, Any]:
        """``who`` types ``line`` in ``room`` (default: the hub room); the bot's answer."""
        me = await self.people.get(who)
        where = room or self.env.hub_room
        sent = await me.say(where, line)
        threaded = where not in self.env.direct.values()
        return await me.answer_to(where, sent, self.env.bot.user_id, threaded=threaded)

    async def client(self, who: str) -> Client:
        return await self.people.get(who)


@pytest.fixture
async def world(hub: Hub, polls: Polls, matrix_env: MatrixEnv) -> AsyncIterator[World]:
    async with running_bot(hub, matrix_env) as bot, people(matrix_env) as folks:
        yield World(bot, folks, matrix_env)
