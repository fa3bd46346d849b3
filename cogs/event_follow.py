"""Discord's own notifications for the synced scheduled events (issue 14, item 5).

* With ``[events] sync``: the bot starts each event it made at its session's start (Discord then
  notifies everyone who marked it "Interested") and ends it at the session's end if nobody has:
  APScheduler jobs (:class:`bot.announce.jobs.DueJobs`) at those instants, and once at start-up
  (what fell due while the bot was away). Idempotent by the events' status.
* With ``[events] follow_interested``: a person who marks one of the bot's events "Interested"
  (gateway ``GUILD_SCHEDULED_EVENT_USER_ADD``, intent ``GUILD_SCHEDULED_EVENTS``) is offered,
  once (a ledger key, claimed before the message leaves), a private message with a button that
  follows the session (``/remind``). Nobody is followed without clicking.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import Any

import aiohttp
import discord
from discord.ext import commands

from bot.announce import follows
from bot.announce.fanout import nonce_for
from bot.announce.jobs import DueJobs
from bot.announce.model import Delivery
from bot.announce.repo import AnnounceRepo
from bot.announce.texts import duration
from bot.doc import Reply, error
from bot.events_status import offer_key, status_dues, status_steps
from bot.events_sync import EventsApiError, EventsRepo
from bot.hub import Caller, Hub
from bot.i18n import t
from bot.render import when_text
from cogs.common import FRONT, caller_from
from cogs.events import REASON, _translated
from cogs.render import NO_PINGS, send_reply, to_messages

log = logging.getLogger(__name__)
USER_ADD = "GUILD_SCHEDULED_EVENT_USER_ADD"


class FollowOffer(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"l4a:follow:(?P<session>[\w.-]{1,80})",
):
    """The button of an offer: a click follows the session, as ``/remind SESSION`` would."""

    def __init__(self, session_id: str, label: str = "…") -> None:
        super().__init__(
            discord.ui.Button(
                label=label[:80],
                style=discord.ButtonStyle.primary,
                custom_id=f"l4a:follow:{session_id}",
            )
        )
        self.session_id = session_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> FollowOffer:
        return cls(match["session"])

    async def callback(self, interaction: discord.Interaction) -> None:
        hub: Hub = interaction.client.hub  # type: ignore[attr-defined]
        ctx = hub.context(caller_from(interaction, hub))
        if self.session_id not in hub.programme.by_id:
            await send_reply(interaction, error(t(ctx.lang, "notify.offer_gone")))
            return
        await send_reply(interaction, await follows.remind(ctx, self.session_id))


class EventFollowCog(commands.Cog):
    def __init__(self, bot: commands.Bot, hub: Hub) -> None:
        self.bot = bot
        self.hub = hub
        self.repo = EventsRepo(hub.store.database)
        self.ledger = AnnounceRepo(hub.store.database)
        self.jobs = DueJobs(hub.clock, self._due, hub.supervisor, prefix="event-status:")
        self._tasks: set[asyncio.Task[Any]] = set()
        self._parser: Callable[[dict[str, Any]], None] | None = None

    async def cog_load(self) -> None:
        config = self.hub.config.events
        if config.sync:
            self.jobs.start()
            self.hub.programme_listeners.append(self._programme_changed)
            self._spawn(self._first())
        if config.follow_interested:
            self._listen_interested()

    async def cog_unload(self) -> None:
        self.jobs.stop()
        if self._programme_changed in self.hub.programme_listeners:
            self.hub.programme_listeners.remove(self._programme_changed)
        if self._parser is not None:
            self.bot._connection.parsers[USER_ADD] = self._parser
        for task in list(self._tasks):
            task.cancel()

    def _spawn(self, work: Coroutine[Any, Any, object]) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- starting and ending events ------------------------------------------------------------
    async def _first(self) -> None:
        await self.bot.wait_until_ready()
        await self.advance_all()
        await self.jobs.sync(status_dues(self.hub.programme, self.hub.clock.now()), replace=True)

    def _programme_changed(self, programme: object) -> None:
        self._spawn(self.jobs.sync(status_dues(self.hub.programme, self.hub.clock.now()),
                                   replace=True))  # fmt: skip

    async def _due(self, at: datetime) -> None:
        await self.advance_all()

    async def advance_all(self) -> int:
        """Start or end, in every server, the events whose session began or ended."""
        done = 0
        for guild in self._guilds():
            try:
                done += await self.advance(guild)
            except EventsApiError as exc:
                log.warning("scheduled events of %s: not started/ended: %s", guild.id, exc)
        return done

    def _guilds(self) -> list[discord.Guild]:
        ids = self.hub.config.discord.guild_ids
        if not ids:
            return list(self.bot.guilds)
        return [g for g in (self.bot.get_guild(i) for i in ids) if g is not None]

    async def advance(self, guild: discord.Guild) -> int:
        mapping = await self.repo.mapping(str(guild.id))
        if not mapping:
            return 0
        with _translated():
            events = {str(e.id): e for e in await guild.fetch_scheduled_events(with_counts=False)}
        statuses = {i: e.status.value for i, e in events.items()}
        done = 0
        for step in status_steps(self.hub.programme, mapping, statuses, self.hub.clock.now()):
            event = events[step.event_id]
            try:
                with _translated():
                    if step.action == "start":
                        await event.start(reason=REASON)
                    else:
                        await event.end(reason=REASON)
                done += 1
            except (EventsApiError, ValueError) as exc:  # ValueError: its status just changed
                log.info("event %s (%s): %s refused: %s", step.event_id, step.session_id,
                         step.action, exc)  # fmt: skip
        return done

    # -- offers to people who marked an event "Interested" -------------------------------------
    def _listen_interested(self) -> None:
        """discord.py drops this gateway event when the user is not in its cache (always, without
        the privileged members intent): the payload is read as it comes, then passed on."""
        parsers = self.bot._connection.parsers
        original = parsers.get(USER_ADD)
        self._parser = original

        def parse(data: dict[str, Any]) -> None:
            self._spawn(self.interested(data))
            if original is not None:
                original(data)

        parsers[USER_ADD] = parse

    async def interested(self, data: dict[str, Any]) -> bool:
        """Offer a follow, once, to the user of a ``GUILD_SCHEDULED_EVENT_USER_ADD``. True if
        an offer was sent."""
        user_id, guild_id = str(data["user_id"]), str(data["guild_id"])
        me = self.bot.user
        if me is not None and user_id == str(me.id):
            return False
        session_id = await self.repo.session_of(guild_id, str(data["guild_scheduled_event_id"]))
        session = self.hub.programme.by_id.get(session_id or "")
        now = self.hub.clock.now()
        if session is None or session.starts_at is None or session.starts_at <= now:
            return False
        if session in self.hub.announcer.followed(FRONT, user_id):
            return False  # already followed
        key = offer_key(FRONT, session.id, user_id)
        if await self.ledger.status(key) is not None:
            return False  # offered before (sent, or being sent when the bot stopped)
        offer = Delivery(key, now, "remind", FRONT, user_id, session.id, session.starts_at)
        if key not in await self.ledger.claim([offer], now):
            return False  # another process offered it meanwhile
        status, detail = "sent", None
        try:
            await self._send_offer(user_id, session.id)
        except discord.HTTPException as exc:
            status, detail = "failed", f"HTTP {exc.status} (code {exc.code}): {exc.text}"[:300]
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            status, detail = "failed", f"{type(exc).__name__}: {exc}"[:300]
        await self.ledger.settle([(key, status, detail)], self.hub.clock.now())
        if detail:
            log.info("offer to follow %s not sent to %s: %s", session.id, user_id, detail)
        return status == "sent"

    async def _send_offer(self, user_id: str, session_id: str) -> None:
        session = self.hub.programme.by_id[session_id]
        ctx = self.hub.context(Caller(FRONT, user_id))
        lead = duration(self.hub.config.announcements.reminder_lead, ctx.lang)
        when = when_text(ctx, session)
        text = t(ctx.lang, "notify.offer", title=session.title.get(ctx.lang), when=when, lead=lead)
        (content,) = to_messages(Reply(private=True).para(text))[:1]
        view = discord.ui.View(timeout=None)
        view.add_item(FollowOffer(session_id, t(ctx.lang, "notify.offer_button")))
        dm = await self.bot.create_dm(discord.Object(id=int(user_id)))
        nonce = nonce_for(offer_key(FRONT, session_id, user_id))
        await dm.send(content, view=view, nonce=nonce, allowed_mentions=NO_PINGS)
