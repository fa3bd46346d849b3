"""``/ics`` on Discord: the calendar file, privately."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot import calendar
from bot.feeds import feed_command
from bot.hub import Hub
from cogs.common import caller_from, text
from cogs.render import send_reply


class CalendarCog(commands.Cog):
    def __init__(self, hub: Hub) -> None:
        self.hub = hub

    @app_commands.command(name=text("slash.ics.name"), description=text("cmd.ics.description"))
    @app_commands.rename(
        all_=text("slash.ics.all"), feed=text("slash.ics.feed"), reset=text("slash.ics.reset")
    )
    @app_commands.describe(
        all_=text("cmd.ics.all"), feed=text("cmd.ics.feed"), reset=text("cmd.ics.reset")
    )
    async def ics(
        self,
        interaction: discord.Interaction,
        all_: bool = False,
        feed: bool = False,
        reset: bool = False,
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        ctx = self.hub.context(caller_from(interaction, self.hub))
        if feed or reset:  # the subscribable URL of the agenda (bot.feeds)
            reply = await feed_command(ctx, "reset" if reset else "")
        else:
            reply = await (calendar.programme_calendar(ctx) if all_ else calendar.my_calendar(ctx))
        await send_reply(interaction, reply)
