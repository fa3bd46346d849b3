"""The ``h`` fixture: a started DiscordHarness around the demo bot of harness_demo_bot.py."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from .discord_harness import DiscordHarness
from .harness_demo_bot import make_bot


@pytest.fixture
async def h() -> AsyncIterator[DiscordHarness]:
    async with DiscordHarness(make_bot()) as harness:
        yield harness
