"""What every cog shares: who is asking, command texts from the catalogs, the error handler."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
import weakref
from collections.abc import Callable, Coroutine
from typing import Any

import discord
from discord import app_commands
from discord.app_commands import locale_str

from bot.context import Caller
from bot.doc import error
from bot.failures import failure_text
from bot.hub import Hub
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


MEMBER_TTL = 300.0  # seconds a forum server's answer about a DM user is trusted
_FOREIGN, _NOT_IN_FORUM, _NONE, _UNCHECKED = (
    "moderators.foreign_guild",
    "moderators.dm_not_moderator",
    "moderators.none_configured",
    "moderators.lookup_failed",
)
# Per client: user id -> (monotonic expiry, moderator in a forum server?), for direct messages.
_DM_MODERATORS: weakref.WeakKeyDictionary[discord.Client, dict[int, tuple[float, bool]]] = (
    weakref.WeakKeyDictionary()
)


def member_is_moderator(member: discord.Member, role: str) -> bool:
    """A member of one of the forum's servers with Manage Server or the moderator role."""
    if member.guild_permissions.manage_guild:
        return True
    return any(r.name == role or str(r.id) == role for r in member.roles)


def moderator_status(interaction: discord.Interaction, hub: Hub) -> tuple[bool, str | None]:
    """Is the user a moderator, and if not, the catalog key of why not *here* (or None).

    Rights come only from the forum's servers (``discord.forum_guild_ids``, default
    ``guild_ids``): anyone can add the bot to a server of their own, where they hold Manage
    Server. In a direct message this reads what :func:`caller_of` found out (or nothing yet)."""
    forum = hub.config.discord.forum_guilds
    if not forum:
        return False, _NONE
    if interaction.guild_id is not None:
        if interaction.guild_id not in forum:
            return False, _FOREIGN
        user = interaction.user
        if not isinstance(user, discord.Member):
            return False, None
        return member_is_moderator(user, hub.config.discord.moderator_role), None
    known = _DM_MODERATORS.get(interaction.client, {}).get(interaction.user.id)
    if known is not None and known[0] > time.monotonic():
        return known[1], None if known[1] else _NOT_IN_FORUM
    return False, _NOT_IN_FORUM


async def _lookup_dm_moderator(interaction: discord.Interaction, hub: Hub) -> bool:
    """In a direct message: is the user a moderator in one of the forum's servers? Members
    are not cached (no members intent), so ask Discord, and remember the answer a while.
    ``False`` when Discord could not be asked (nothing is remembered then)."""
    client = interaction.client
    cache = _DM_MODERATORS.setdefault(client, {})
    uid = interaction.user.id
    known = cache.get(uid)
    if known is not None and known[0] > time.monotonic():
        return True
    found, failed = False, False
    for gid in hub.config.discord.forum_guilds:
        guild = client.get_guild(gid)
        if guild is None:  # the bot is not in that server (or not connected yet)
            continue
        try:
            member = guild.get_member(uid) or await guild.fetch_member(uid)
        except discord.NotFound:
            continue
        except discord.HTTPException:
            log.warning("could not look up user %s in server %s", uid, gid, exc_info=True)
            failed = True
            continue
        if member_is_moderator(member, hub.config.discord.moderator_role):
            found = True
            break
    if not failed or found:  # a failed look-up is asked again next time
        cache[uid] = (time.monotonic() + MEMBER_TTL, found)
        return True
    return False


def caller_from(interaction: discord.Interaction, hub: Hub) -> Caller:
    """Who is asking, without waiting on Discord (a DM user's rights as last looked up)."""
    user = interaction.user
    moderator, note = moderator_status(interaction, hub)
    return Caller(
        front=FRONT,
        user_id=str(user.id),
        name=user.display_name,
        locale=str(interaction.locale),
        is_moderator=moderator,
        moderator_note=note,
    )


async def caller_of(interaction: discord.Interaction, hub: Hub) -> Caller:
    """Who is asking; in a direct message, moderator rights looked up in the forum's servers."""
    in_dm = interaction.guild_id is None and bool(hub.config.discord.forum_guilds)
    if in_dm and not await _lookup_dm_moderator(interaction, hub):
        return dataclasses.replace(caller_from(interaction, hub), moderator_note=_UNCHECKED)
    return caller_from(interaction, hub)


def log_moderator_servers(hub: Hub) -> None:
    forum = hub.config.discord.forum_guilds
    if forum:
        log.info(
            "Discord moderators: the role %r or Manage Server in servers %s",
            hub.config.discord.moderator_role,
            forum,
        )
    else:
        log.warning(
            "no discord.forum_guild_ids (nor guild_ids) in the configuration: nobody is a "
            "moderator on Discord"
        )


# -- a first look at every interaction, without a task for each -------------------------------
#: Looks at an interaction synchronously; returns the coroutine that answers it when it is one
#: of its own that nothing else answers (a stale button, a modal of an older start), else None.
Route = Callable[[discord.Interaction], Coroutine[Any, Any, None] | None]
_ROUTES: weakref.WeakKeyDictionary[discord.Client, list[Route]] = weakref.WeakKeyDictionary()
_ROUTED: set[asyncio.Task[None]] = set()


def add_route(client: discord.Client, route: Route) -> None:
    _ROUTES.setdefault(client, []).append(route)


def remove_route(client: discord.Client, route: Route) -> None:
    routes = _ROUTES.get(client, [])
    if route in routes:
        routes.remove(route)


def route_interaction(client: discord.Client, interaction: discord.Interaction) -> None:
    """Called for every interaction (``HubBot.dispatch``). An ``on_interaction`` listener would
    cost a task per listener for every vote click of a burst, for the rare click it is for."""
    for route in _ROUTES.get(client, ()):
        coro = route(interaction)
        if coro is not None:
            task = asyncio.create_task(_routed(coro), name="l4a-interaction-route")
            _ROUTED.add(task)
            task.add_done_callback(_ROUTED.discard)


async def _routed(coro: Coroutine[Any, Any, None]) -> None:
    try:
        await coro
    except Exception:
        log.exception("an interaction route failed")


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
