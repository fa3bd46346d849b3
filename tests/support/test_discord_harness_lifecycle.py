"""DiscordHarness lifecycle: patches installed and restored, tokens guarded, tasks drained."""

from __future__ import annotations

import asyncio
import warnings

import aiohttp
import pytest

with warnings.catch_warnings():  # discord.py imports the deprecated stdlib audioop module
    warnings.simplefilter("ignore", DeprecationWarning)
    import discord
    from discord.webhook.async_ import AsyncWebhookAdapter

from .discord_harness import DiscordHarness, FakeUser, Sent
from .harness_demo_bot import Demo, make_bot


async def test_close_restores_class_level_patches_and_http() -> None:
    original = AsyncWebhookAdapter.__dict__["request"]
    bot = make_bot()
    harness = DiscordHarness(bot)
    await harness.start()
    await harness.start()  # idempotent
    assert AsyncWebhookAdapter.__dict__["request"] is not original
    assert "request" in vars(bot.http)
    await harness.slash("secret")
    await harness.close()
    await harness.close()  # idempotent
    assert AsyncWebhookAdapter.__dict__["request"] is original
    assert "request" not in vars(bot.http)
    assert "on_error" not in vars(bot.tree)
    assert "on_error" not in vars(bot)
    assert asyncio.get_running_loop().get_task_factory() is None
    assert bot.is_closed()


async def test_nested_harnesses_share_the_patch_until_the_last_closes() -> None:
    original = AsyncWebhookAdapter.__dict__["request"]
    async with DiscordHarness(make_bot()) as first:
        async with DiscordHarness(make_bot()) as second:
            assert (await second.slash("secret"))[0].ephemeral
        assert AsyncWebhookAdapter.__dict__["request"] is not original
        assert (await first.slash("secret"))[0].ephemeral
        assert len(second.sent) == 1 and len(first.sent) == 1
    assert AsyncWebhookAdapter.__dict__["request"] is original


async def test_unknown_webhook_tokens_never_reach_discord(h: DiscordHarness) -> None:
    async with aiohttp.ClientSession() as session:
        webhook = discord.Webhook.partial(h.application_id, "not-a-harness-token", session=session)
        with pytest.raises(RuntimeError, match="blocked"):
            await webhook.send("hello", wait=True)


async def test_start_without_setup_hook_and_clear() -> None:
    bot = make_bot()
    harness = DiscordHarness(bot, application_id=1234)
    await harness.start(run_setup_hook=False)
    try:
        assert bot.application_id == 1234
        assert bot.user is not None and bot.user.id == 1234
        assert bot.get_cog("Demo") is None
        await bot.add_cog(Demo(bot))
        sent = await harness.slash("secret")
        assert isinstance(sent[0], Sent)
        harness.clear()
        assert harness.sent == [] and harness.requests == []
        assert isinstance(harness.default_user, FakeUser)
    finally:
        await harness.close()


async def test_drain_waits_for_tasks_spawned_by_handlers_and_close_cancels_timers(
    h: DiscordHarness,
) -> None:
    sent = await h.slash("later")
    assert [s.text for s in sent] == ["on it"]
    await h.drain()  # the delete_after timer (1h) is not awaited by drain...
    assert h.channel_texts() == ["posted later"]
    assert [s.kind for s in h.sent].count("channel_message") == 1  # ...and close() cancels it


async def test_failing_setup_hook_propagates_and_leaves_no_patch_behind() -> None:
    original = AsyncWebhookAdapter.__dict__["request"]
    bot = make_bot()

    async def broken_setup_hook() -> None:
        raise RuntimeError("setup failed")

    bot.setup_hook = broken_setup_hook  # type: ignore[method-assign]
    with pytest.raises(RuntimeError, match="setup failed"):
        async with DiscordHarness(bot):
            pass
    assert AsyncWebhookAdapter.__dict__["request"] is original
    assert "request" not in vars(bot.http)
