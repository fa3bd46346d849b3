"""``/timezone``, ``/language`` and ``/help`` on Discord."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot import settings
from bot.commands import commands_for
from bot.hub import Hub
from bot.i18n import LANGUAGE_NAMES, LANGUAGES, catalog, t
from bot.zones import suggest_zones
from cogs.common import FRONT, caller_from, client_lang, text
from cogs.render import send_reply

LANGUAGE_CHOICES = [app_commands.Choice(name=LANGUAGE_NAMES[c], value=c) for c in LANGUAGES]


class SettingsCog(commands.Cog):
    def __init__(self, hub: Hub) -> None:
        self.hub = hub

    @app_commands.command(
        name=text("slash.timezone.name"), description=text("cmd.timezone.description")
    )
    @app_commands.rename(zone=text("slash.timezone.zone"))
    @app_commands.describe(zone=text("cmd.timezone.zone"))
    async def timezone(self, interaction: discord.Interaction, zone: str | None = None) -> None:
        ctx = self.hub.context(caller_from(interaction, self.hub))
        await send_reply(interaction, await settings.timezone(ctx, zone))

    @timezone.autocomplete("zone")
    async def _zone_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=z, value=z) for z in suggest_zones(current[:100], 25)]

    @app_commands.command(
        name=text("slash.language.name"), description=text("cmd.language.description")
    )
    @app_commands.rename(code=text("slash.language.code"))
    @app_commands.describe(code=text("cmd.language.code"))
    @app_commands.choices(code=LANGUAGE_CHOICES)
    async def language(
        self, interaction: discord.Interaction, code: app_commands.Choice[str] | None = None
    ) -> None:
        ctx = self.hub.context(caller_from(interaction, self.hub))
        await send_reply(interaction, await settings.language(ctx, code.value if code else None))

    @app_commands.command(name=text("slash.help.name"), description=text("cmd.help.description"))
    async def help(self, interaction: discord.Interaction) -> None:
        ctx = self.hub.context(caller_from(interaction, self.hub))
        names = catalog(client_lang(interaction))
        usages = []
        for command in commands_for(FRONT):
            name = names.get(f"slash.{command.name}.name", command.name)
            args = " ".join(
                f"[{names.get(f'slash.{command.name}.{p.name}', p.name)}]" for p in command.params
            )
            usages.append(
                (f"{name} {args}".strip(), t(ctx.lang, f"cmd.{command.name}.description"))
            )
        await send_reply(interaction, settings.help_reply(ctx, "/", usages))
