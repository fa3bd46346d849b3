"""What every cog shares: who is asking, command texts from the catalogs, the error handler."""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.app_commands import locale_str

from bot.doc import error
from bot.failures import failure_text
from bot.hub import Caller, Hub
from bot.i18n import LANGUAGES, catalog, negotiate, t
from cogs.render import send_reply

log = logging.getLogger(__name__)
FRONT = "discord"

# Discord client locales served by each language of the catalogs (es-ES and es-419 by es, tr
# by tr…): every locale Discord has whose language the bot speaks.
DISCORD_LOCALES: dict[discord.Locale, str] = {
    locale: negotiate(locale.value)
    for locale in discord.Locale
    if locale.value.split("-")[0].lower() in LANGUAGES
}


def text(key: str) -> locale_str:
    """A command text whose English form is the default and whose translations come from the
    catalogs (``key`` in ``bot/locales/*.toml``)."""
    return locale_str(t("en", key), key=key)


class CatalogTranslator(app_commands.Translator):
    """Localizes command names, descriptions and options for Discord clients in every language
    of the catalogs."""

    async def translate(
        self,
        string: locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        key = string.extras.get("key")
        lang = DISCORD_LOCALES.get(locale)
        if key is None or lang is None:
            return None
        return catalog(lang).get(key)


def is_moderator(interaction: discord.Interaction, role: str) -> bool:
    user = interaction.user
    if not isinstance(user, discord.Member):
        return False
    if user.guild_permissions.manage_guild:
        return True
    return any(r.name == role or str(r.id) == role for r in user.roles)


def caller_from(interaction: discord.Interaction, hub: Hub) -> Caller:
    user = interaction.user
    return Caller(
        front=FRONT,
        user_id=str(user.id),
        name=user.display_name,
        locale=str(interaction.locale),
        is_moderator=is_moderator(interaction, hub.config.discord.moderator_role),
    )


def client_lang(interaction: discord.Interaction) -> str:
    """The language of the user's Discord client (which decides the command names they see)."""
    return negotiate(str(interaction.locale))


async def on_app_command_error(
    interaction: discord.Interaction, exc: app_commands.AppCommandError, hub: Hub
) -> None:
    """One handler for every command: a clear private answer, and the details in the log."""
    lang = hub.prefs(caller_from(interaction, hub)).lang
    if isinstance(exc, app_commands.CommandOnCooldown):
        reply = error(t(lang, "errors.too_fast"))
    elif isinstance(exc, app_commands.CheckFailure | app_commands.TransformerError):
        reply = error(str(exc))
    else:
        command = interaction.command.qualified_name if interaction.command else "?"
        reply = error(failure_text(lang, exc, f"command /{command}"))
    try:
        await send_reply(interaction, reply)
    except discord.HTTPException:
        log.warning("could not tell the user about the error", exc_info=True)
