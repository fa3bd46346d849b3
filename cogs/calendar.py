"""``/ics`` on Discord: the calendar file, privately."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot import calendar
from bot.hub import Hub
from cogs.common import caller_from, text
from cogs.render import send_reply


class CalendarCog(commands.Cog):
    def __init__(self, hub: Hub) -> None:
        self.hub = hub

    @app_commands.command(name=text("slash.ics.name"), description=text("cmd.ics.description"))
    @app_commands.rename(all_=text("slash.ics.all"))
    @app_commands.describe(all_=text("cmd.ics.all"))
    async def ics(self, interaction: discord.Interaction, all_: bool = False) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        ctx = self.hub.context(caller_from(interaction, self.hub))
        reply = await (calendar.programme_calendar(ctx) if all_ else calendar.my_calendar(ctx))
        await send_reply(interaction, reply)
