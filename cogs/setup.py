"""Adding every cog to a bot, with the hub injected (no global state), and a generated slash
command for every registry command that no cog declares (``cogs/generic.py``)."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.hub import Hub
from cogs.announce import AnnounceCog
from cogs.calendar import CalendarCog
from cogs.common import CatalogTranslator, log_moderator_servers, on_app_command_error
from cogs.event_follow import EventFollowCog, FollowOffer
from cogs.events import EventsCog
from cogs.generic import add_generated_commands
from cogs.polls import PollsCog
from cogs.programme import ProgrammeCog
from cogs.proposal_form import CancelButton, FormButton, WithdrawButton
from cogs.proposal_review import ReviewButton, SlotSelect
from cogs.proposals import ProposalsCog
from cogs.settings import SettingsCog


async def add_cogs(bot: commands.Bot, hub: Hub) -> None:
    await bot.tree.set_translator(CatalogTranslator())
    log_moderator_servers(hub)
    await bot.add_cog(ProgrammeCog(hub))
    await bot.add_cog(SettingsCog(hub))
    await bot.add_cog(CalendarCog(hub))
    await bot.add_cog(EventsCog(bot, hub))
    await bot.add_cog(EventFollowCog(bot, hub))
    await bot.add_cog(ProposalsCog(bot, hub))
    bot.add_dynamic_items(
        FormButton, CancelButton, WithdrawButton, ReviewButton, SlotSelect, FollowOffer
    )
    await bot.add_cog(PollsCog(bot, hub))
    await bot.add_cog(AnnounceCog(bot, hub))
    add_generated_commands(bot.tree, hub)  # every registry command no cog declares

    @bot.tree.error
    async def handle(interaction: discord.Interaction, exc: app_commands.AppCommandError) -> None:
        await on_app_command_error(interaction, exc, hub)
