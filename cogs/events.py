"""Discord scheduled events for the programme: ``/events sync`` (moderators), and automatic syncs
(once connected, on programme changes, every ``events.resync_minutes``) when ``events.sync``."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine, Iterator
from typing import Any

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands

from bot.doc import error
from bot.events import DESCRIPTION_MAX, EventSpec, LiveEvent
from bot.events_sync import (
    EventGone,
    EventsApiError,
    EventsForbidden,
    EventsRepo,
    SyncResult,
    sync_events,
    sync_reply,
)
from bot.hub import Hub
from bot.i18n import t
from bot.moderators import moderators_only
from bot.programme import Programme
from cogs.common import caller_of, text
from cogs.render import cut_escaped, escape_text, send_reply

log = logging.getLogger(__name__)
REASON = "LOCAL4ACTION Hub programme"
LIVE = (discord.EventStatus.scheduled, discord.EventStatus.active)
OWNER = "discord-events"  # this cog's tasks and jobs in the hub's supervisor
RESYNC_JOB = "discord-events-resync"


@contextlib.contextmanager
def _translated() -> Iterator[None]:
    """discord.py's exceptions as the core's (rate limits, 429, are retried by discord.py)."""
    try:
        yield
    except discord.Forbidden as exc:
        raise EventsForbidden(f"{exc.status} {exc.text or 'Forbidden'}") from exc
    except discord.NotFound as exc:
        raise EventGone(f"{exc.status} {exc.text or 'Not Found'}") from exc
    except discord.HTTPException as exc:
        raise EventsApiError(f"{exc.status} {exc.text or exc.response.reason}", exc.status) from exc
    except (OSError, TimeoutError, aiohttp.ClientError) as exc:
        raise EventsApiError(f"{type(exc).__name__}: {exc}"[:200]) from exc


def _description(spec: EventSpec) -> str:
    """Discord shows event descriptions as Markdown: every line escaped as text
    (:func:`~cogs.render.escape_text`: hosts' ``**``, links, headings and mentions shown as
    typed), still within the limit once escaped, the session's id (the last line) kept whole."""
    body, sep, tail = spec.description.rpartition("\n\n")
    tail = escape_text(tail)
    return cut_escaped(escape_text(body), DESCRIPTION_MAX - len(sep) - len(tail)) + sep + tail


class GuildEvents:
    """The core's ``EventsApi`` for one server."""

    def __init__(self, guild: discord.Guild, bot_user_id: int) -> None:
        self.guild = guild
        self.bot_user_id = bot_user_id
        self._seen: dict[str, discord.ScheduledEvent] = {}

    async def list(self) -> list[LiveEvent]:
        with _translated():
            events = await self.guild.fetch_scheduled_events(with_counts=False)
        self._seen = {str(e.id): e for e in events}
        return [
            LiveEvent(
                str(e.id), e.status in LIVE, e.creator_id == self.bot_user_id, e.name, e.start_time
            )
            for e in events
        ]

    async def create(self, spec: EventSpec) -> str:
        with _translated():
            event = await self.guild.create_scheduled_event(
                name=spec.name,
                description=_description(spec),
                start_time=spec.start,
                end_time=spec.end,
                entity_type=discord.EntityType.external,
                privacy_level=discord.PrivacyLevel.guild_only,
                location=spec.location,
                reason=REASON,
            )
        self._seen[str(event.id)] = event
        return str(event.id)

    async def edit(self, event_id: str, spec: EventSpec) -> None:
        with _translated():
            event = self._seen.get(event_id) or await self.guild.fetch_scheduled_event(
                int(event_id)
            )
            await event.edit(
                name=spec.name,
                description=_description(spec),
                start_time=spec.start,
                end_time=spec.end,
                location=spec.location,
                reason=REASON,
            )

    async def delete(self, event_id: str) -> None:
        with _translated():
            event = self._seen.get(event_id) or await self.guild.fetch_scheduled_event(
                int(event_id)
            )
            await event.delete(reason=REASON)
        self._seen.pop(event_id, None)


class EventsCog(commands.Cog):
    events = app_commands.Group(
        name=text("slash.events.name"),
        description=text("cmd.events.description"),
        guild_only=True,
    )

    def __init__(self, bot: commands.Bot, hub: Hub) -> None:
        self.bot = bot
        self.hub = hub
        self.repo = EventsRepo(hub.store.database)
        self._lock = asyncio.Lock()  # one sync at a time: two would both create
        self._auto = hub.config.events.sync

    @property
    def lang(self) -> str:
        return self.hub.config.events.language or self.hub.config.bot.default_language

    async def cog_load(self) -> None:
        if self._auto:
            self.hub.programmes.subscribe(self._programme_changed)
            self._spawn(self._first_sync())

    async def cog_unload(self) -> None:
        self.hub.programmes.unsubscribe(self._programme_changed)
        await self.hub.supervisor.stop_owner(OWNER)  # this cog's syncs and periodic job only

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        self.hub.supervisor.spawn(coro, name="discord-events-sync", owner=OWNER)

    async def wait_idle(self) -> None:
        """Wait for the syncs under way (start-up, programme changes); not the periodic one."""
        await self.hub.supervisor.idle(OWNER)

    def _programme_changed(self, programme: Programme) -> None:
        # Not awaited by whoever changed the programme (a moderator's decision): in the background.
        self._spawn(self.sync_all())

    async def _first_sync(self) -> None:
        """Once connected (``setup_hook`` runs before the gateway), then every resync period."""
        await self.bot.wait_until_ready()
        await self.sync_all()
        minutes = self.hub.config.events.resync_minutes
        if minutes:
            self.hub.supervisor.every(RESYNC_JOB, minutes * 60, self.sync_all, owner=OWNER)

    def _guilds(self) -> list[discord.Guild]:
        """The forum's servers (``discord.forum_guild_ids``, else ``guild_ids``), never a server
        of someone who merely added the bot; with neither set, every server the bot is in."""
        ids = self.hub.config.discord.forum_guilds
        if not ids:
            return list(self.bot.guilds)
        return [g for g in (self.bot.get_guild(i) for i in ids) if g is not None]

    async def sync_guild(self, guild: discord.Guild) -> SyncResult:
        assert self.bot.user is not None
        async with self._lock:
            return await sync_events(
                GuildEvents(guild, self.bot.user.id),
                self.repo,
                str(guild.id),
                self.hub.programme,
                self.hub.clock.now(),
                self.lang,
            )

    async def sync_all(self) -> None:
        for guild in self._guilds():
            try:
                result = await self.sync_guild(guild)
            except Exception:
                log.exception("scheduled events of %s (%s): sync failed", guild.name, guild.id)
                continue
            if result.forbidden:
                log.warning(
                    "scheduled events of %s (%s): not synced, the bot lacks the Manage Events "
                    "permission there",
                    guild.name,
                    guild.id,
                )
            else:
                log.info(
                    "scheduled events of %s (%s): %s",
                    guild.name,
                    guild.id,
                    sync_reply(result, "en").plain().replace("\n", " "),
                )

    @events.command(name=text("slash.events.sync"), description=text("cmd.events.sync"))
    async def sync(self, interaction: discord.Interaction) -> None:
        ctx = self.hub.context(await caller_of(interaction, self.hub))
        lang = ctx.lang
        if not ctx.caller.is_moderator:
            await send_reply(interaction, moderators_only(ctx, t(lang, "events.moderators_only")))
            return
        if interaction.guild is None:
            await send_reply(interaction, error(t(lang, "events.no_guild")))
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        result = await self.sync_guild(interaction.guild)
        await send_reply(interaction, sync_reply(result, lang))
