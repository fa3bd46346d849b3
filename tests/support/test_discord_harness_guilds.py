"""The harness's other guilds: gateway-shaped payloads of a second server the bot is in."""

from __future__ import annotations

from collections.abc import AsyncIterator

import discord
import pytest
from discord.ext import commands

from tests.support.discord_harness import DEFAULT_GUILD_ID, DiscordHarness, FakeUser


@pytest.fixture
async def h() -> AsyncIterator[DiscordHarness]:
    bot = commands.Bot(command_prefix="!", intents=discord.Intents.none())
    seen: list[discord.Interaction] = []

    @bot.tree.command(name="where")
    async def where(interaction: discord.Interaction) -> None:
        seen.append(interaction)
        await interaction.response.send_message("here", ephemeral=True)

    harness = DiscordHarness(bot)
    harness.seen = seen  # type: ignore[attr-defined]
    async with harness:
        yield harness


async def test_an_interaction_in_another_guilds_channel_comes_from_that_guild(
    h: DiscordHarness,
) -> None:
    owner = h.user(name="owner")
    gid, channel = h.add_guild("Elsewhere", owner_id=owner.id, roles={"Mods": 0})
    helper = FakeUser(id=42, name="helper", roles=(h.guild_roles[gid]["Mods"],))
    h.users[42] = helper
    await h.slash("where", user=owner, channel_id=channel)
    await h.slash("where", user=helper, channel_id=channel)
    await h.slash("where", user=helper)
    there, helper_there, helper_home = h.seen  # type: ignore[attr-defined]
    assert there.guild_id == gid and there.guild is not None and there.guild.name == "Elsewhere"
    assert isinstance(there.user, discord.Member) and there.user.guild_permissions.manage_guild
    assert [r.name for r in helper_there.user.roles if r.name != "@everyone"] == ["Mods"]  # type: ignore[union-attr]
    assert helper_home.guild_id == DEFAULT_GUILD_ID
    assert [r.name for r in helper_home.user.roles if r.name != "@everyone"] == []  # type: ignore[union-attr]


async def test_member_look_ups_answer_per_guild_and_404_for_non_members(h: DiscordHarness) -> None:
    ana = h.user(name="ana")
    gid, _ = h.add_guild("Elsewhere")
    guild = h.bot.get_guild(gid)
    assert guild is not None
    assert (await guild.fetch_member(ana.id)).guild.id == gid
    h.remove_member(ana, gid)
    with pytest.raises(discord.NotFound):
        await guild.fetch_member(ana.id)
    assert (await h.guild.fetch_member(ana.id)).id == ana.id  # still in the main guild
