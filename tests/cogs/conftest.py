from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.hub import Hub
from fronts.discord_client import HubBot
from tests.support.discord_harness import DiscordHarness


@pytest.fixture
async def discord_bot(hub: Hub) -> AsyncIterator[DiscordHarness]:
    async with DiscordHarness(HubBot(hub, sync_commands=False)) as harness:
        yield harness
