"""``/next``, ``/now``, ``/schedule`` and ``/session`` on Discord."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot import agenda
from bot.hub import Hub
from bot.i18n import fmt_day
from bot.programme import fold
from bot.render import when_text
from cogs.common import caller_from, text
from cogs.render import send_reply

CHOICE_LIMIT = 25
CHOICE_NAME_MAX = 100


def _choice_name(label: str) -> str:
    return label if len(label) <= CHOICE_NAME_MAX else label[: CHOICE_NAME_MAX - 1] + "…"


class ProgrammeCog(commands.Cog):
    def __init__(self, hub: Hub) -> None:
        self.hub = hub

    @app_commands.command(name=text("slash.next.name"), description=text("cmd.next.description"))
    @app_commands.rename(count=text("slash.next.count"))
    @app_commands.describe(count=text("cmd.next.count"))
    async def next(
        self,
        interaction: discord.Interaction,
        count: app_commands.Range[int, 1, agenda.MAX_NEXT] = agenda.DEFAULT_NEXT,
    ) -> None:
        ctx = self.hub.context(caller_from(interaction, self.hub))
        await send_reply(interaction, agenda.next_sessions(ctx, count))

    @app_commands.command(name=text("slash.now.name"), description=text("cmd.now.description"))
    async def now(self, interaction: discord.Interaction) -> None:
        ctx = self.hub.context(caller_from(interaction, self.hub))
        await send_reply(interaction, agenda.now_sessions(ctx))

    @app_commands.command(
        name=text("slash.schedule.name"), description=text("cmd.schedule.description")
    )
    @app_commands.rename(day=text("slash.schedule.day"))
    @app_commands.describe(day=text("cmd.schedule.day"))
    async def schedule(self, interaction: discord.Interaction, day: str | None = None) -> None:
        ctx = self.hub.context(caller_from(interaction, self.hub))
        await send_reply(interaction, agenda.schedule(ctx, day))

    @schedule.autocomplete("day")
    async def _day_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        ctx = self.hub.context(caller_from(interaction, self.hub))
        q = fold(current)
        out = []
        for d in self.hub.programme.days:
            label = f"{d.title.get(ctx.lang)} — {fmt_day(d.date, ctx.lang)}"
            if q in fold(label) or q in d.date.isoformat():
                out.append(app_commands.Choice(name=_choice_name(label), value=d.date.isoformat()))
        return out[:CHOICE_LIMIT]

    @app_commands.command(
        name=text("slash.session.name"), description=text("cmd.session.description")
    )
    @app_commands.rename(query=text("slash.session.query"))
    @app_commands.describe(query=text("cmd.session.query"))
    async def session(self, interaction: discord.Interaction, query: str) -> None:
        ctx = self.hub.context(caller_from(interaction, self.hub))
        await send_reply(interaction, agenda.session_details(ctx, query))

    @session.autocomplete("query")
    async def _session_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        ctx = self.hub.context(caller_from(interaction, self.hub))
        programme = self.hub.programme
        if current.strip():
            sessions = programme.find(current, limit=CHOICE_LIMIT)
        else:
            ongoing = programme.ongoing(ctx.now)
            sessions = [*ongoing, *programme.upcoming(ctx.now, CHOICE_LIMIT)] or programme.sessions
        return [
            app_commands.Choice(
                name=_choice_name(f"{s.title.get(ctx.lang)} · {when_text(ctx, s)}"), value=s.id
            )
            for s in sessions[:CHOICE_LIMIT]
        ]
