"""``/next``, ``/now``, ``/schedule`` and ``/session`` on Discord."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot import agenda, listing
from bot.hub import Hub
from bot.i18n import fmt_day
from bot.programme import fold
from bot.render import when_text
from cogs.common import caller_from, text
from cogs.render import send_reply

CHOICE_LIMIT = 25
CHOICE_NAME_MAX = 100
Page = app_commands.Range[int, 1, listing.MAX_PAGE]
_FILTER_NAMES = {
    "room": text("slash.schedule.room"),
    "kind": text("slash.schedule.kind"),
    "page": text("slash.schedule.page"),
}


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
    @app_commands.rename(**_FILTER_NAMES)
    @app_commands.describe(
        room=text("cmd.now.room"), kind=text("cmd.now.kind"), page=text("cmd.now.page")
    )
    async def now(
        self,
        interaction: discord.Interaction,
        room: str | None = None,
        kind: str | None = None,
        page: Page | None = None,
    ) -> None:
        ctx = self.hub.context(caller_from(interaction, self.hub))
        await send_reply(interaction, agenda.now_sessions(ctx, room=room, kind=kind, page=page))

    @app_commands.command(
        name=text("slash.schedule.name"), description=text("cmd.schedule.description")
    )
    @app_commands.rename(day=text("slash.schedule.day"), **_FILTER_NAMES)
    @app_commands.describe(
        day=text("cmd.schedule.day"),
        room=text("cmd.schedule.room"),
        kind=text("cmd.schedule.kind"),
        page=text("cmd.schedule.page"),
    )
    async def schedule(
        self,
        interaction: discord.Interaction,
        day: str | None = None,
        room: str | None = None,
        kind: str | None = None,
        page: Page | None = None,
    ) -> None:
        ctx = self.hub.context(caller_from(interaction, self.hub))
        # The day as one value: words in it are never read as options.
        reply = agenda.schedule(ctx, None, day=day, room=room, kind=kind, page=page)
        await send_reply(interaction, reply)

    @now.autocomplete("room")
    @schedule.autocomplete("room")
    async def _room_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        ctx = self.hub.context(caller_from(interaction, self.hub))
        return [
            app_commands.Choice(name=_choice_name(name), value=value)
            for value, name in listing.room_choices(ctx, current, CHOICE_LIMIT)
        ]

    @now.autocomplete("kind")
    @schedule.autocomplete("kind")
    async def _kind_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        ctx = self.hub.context(caller_from(interaction, self.hub))
        return [
            app_commands.Choice(name=_choice_name(name), value=value)
            for value, name in listing.kind_choices(ctx, current, CHOICE_LIMIT)
        ]

    @schedule.autocomplete("day")
    async def _day_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        ctx = self.hub.context(caller_from(interaction, self.hub))
        q = fold(current)
        out = []
        for d in self.hub.programme.days:
            day = fmt_day(d.date, ctx.lang)
            label = f"{d.title.get(ctx.lang)} — {day}" if d.title else day  # imported: untitled
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
