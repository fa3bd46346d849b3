"""Announcements and reminders on Discord: the outbox (channel posts, DMs) and the commands
``/remind``, ``/reminders``, ``/unremind``, ``/agenda`` and ``/reload``."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from typing import Final

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands
from discord.utils import MISSING

from bot import listing
from bot.announce import follows, moderation
from bot.announce.fanout import DELIVERY_KEY, nonce_for
from bot.announce.model import GroupMode
from bot.doc import Reply
from bot.hub import Hub
from bot.i18n import t
from bot.outbox import DeliveryError, GroupFull
from bot.programme import KINDS, fold
from bot.render import when_text
from cogs.common import FRONT, caller_from, caller_of, text
from cogs.render import NO_PINGS, send_reply, to_files, to_messages

log = logging.getLogger(__name__)
CHOICE_LIMIT = 25
CHOICE_NAME_MAX = 100
#: Channel announcements show each time as the reader's local time and as "in 15 minutes".
ANNOUNCEMENT_STAMPS = ("f", "R")
#: Discord error codes that will not change on a retry (closed DMs, no access, unknown channel).
PERMANENT_CODES = {50007, 50001, 50013, 10003, 10013}
#: "You are opening direct messages too fast" (answered with 403): the bot's pace, not the
#: person's settings; a later attempt can succeed, and the person must not be noted as closed.
TRANSIENT_CODES = {40003}
#: User mentions per message of a post for many: ``allowed_mentions.users`` takes at most 100
#: ids, and a message at most 2,000 characters, ~22 of them per ``<@id>`` (README).
MENTIONS_PER_MESSAGE = 80
THREAD_NAME_MAX = 100
PRIVATE_THREAD: Final = 12  # channel type: members see it, others do not
WEEK: Final = 10080  # the longest auto-archive duration, in minutes
ARCHIVED_THREAD = 50083  # "Operation cannot be performed on an archived thread"
#: "Maximum number of thread participants has been reached (1000)" (Discord's JSON error codes).
THREAD_FULL = 30033
#: Followers per private thread: 1,000 participants, the bot (its creator) one of them.
THREAD_FOLLOWERS = 999
#: Messages a second the posts for many allow themselves, all threads together: under Discord's
#: global 50 requests a second per bot (commands and member additions share it), so the threads
#: of a big session posting side by side are not refused (a 429 each, then a wait).
GROUP_MESSAGES_PER_SECOND = 40.0


class DiscordOutbox:
    """Posts in channels (by id) and direct messages through discord.py. Every message carries a
    ``nonce`` derived from the delivery's ledger key, with ``enforce_nonce`` (discord.py 2.7
    sets it with every nonce): if a crash made the bot send a message again, Discord returns the
    first one instead of posting twice (for a few minutes after the first send)."""

    front = FRONT
    #: A session with more followers is spread over several threads (bot/announce/shards.py).
    max_group_members = THREAD_FOLLOWERS

    def __init__(self, bot: discord.Client) -> None:
        self.bot = bot
        self.group_rate = GROUP_MESSAGES_PER_SECOND
        self._next_slot = 0.0  # time.monotonic() of the next group message's turn

    async def _group_turn(self) -> None:
        """Wait for this group message's turn (at most :attr:`group_rate` a second)."""
        now = time.monotonic()
        slot = max(now, self._next_slot)
        self._next_slot = slot + 1.0 / self.group_rate
        if slot > now:
            await asyncio.sleep(slot - now)

    async def post(self, channel: str, reply: Reply) -> None:
        try:
            target = self.bot.get_partial_messageable(int(channel))
        except ValueError:
            raise DeliveryError(f"not a Discord channel id: {channel!r}", permanent=True) from None
        await self._send(target, reply, ANNOUNCEMENT_STAMPS)

    async def direct(self, user_id: str, reply: Reply) -> None:
        with delivery_errors():
            dm = await self.bot.create_dm(discord.Object(id=int(user_id)))
        await self._send(dm, reply, ANNOUNCEMENT_STAMPS)

    async def _send(
        self, target: discord.abc.Messageable, reply: Reply, stamps: tuple[str, ...]
    ) -> None:
        key = DELIVERY_KEY.get()
        messages = to_messages(reply, stamps=stamps)
        for i, content in enumerate(messages):
            nonce = nonce_for(f"{key}:{i}") if key else None
            last = i == len(messages) - 1
            files = to_files(reply) if last and reply.attachments else []
            with delivery_errors():
                # discord.py's overloads omit the None (no nonce) its implementation takes
                await target.send(
                    content,
                    nonce=nonce,  # type: ignore[arg-type]
                    allowed_mentions=NO_PINGS,
                    files=files or MISSING,
                )

    # -- one post for many (bot.announce.groups.GroupOutbox) -----------------------------------
    async def open_group(self, channel: str, mode: GroupMode, title: str) -> str:
        """A private thread for the session in its announcement channel, members only."""
        try:
            channel_id = int(channel)
        except ValueError:
            raise DeliveryError(f"not a Discord channel id: {channel!r}", permanent=True) from None
        with delivery_errors():
            data = await self.bot.http.start_thread_without_message(
                channel_id,
                name=title[:THREAD_NAME_MAX],
                auto_archive_duration=WEEK,
                type=PRIVATE_THREAD,
                invitable=False,
            )
        return str(data["id"])

    async def add_member(self, mode: GroupMode, group: str, user_id: str) -> None:
        """PUT /channels/{thread}/thread-members/{user}; an archived thread (a week without
        messages) is reopened first (adding to an archived thread is refused)."""
        await self._thread_call(group, lambda: self.bot.http.add_user_to_thread(group, user_id))

    async def remove_member(self, mode: GroupMode, group: str, user_id: str) -> None:
        await self._thread_call(
            group, lambda: self.bot.http.remove_user_from_thread(group, user_id)
        )

    async def _thread_call(self, thread: str, call: Callable[[], Awaitable[object]]) -> None:
        for attempt in (0, 1):
            try:
                await call()
                return
            except discord.RateLimited as exc:
                raise _rate_limited(exc) from None
            except discord.HTTPException as exc:
                if exc.code == THREAD_FULL:
                    raise GroupFull(f"HTTP {exc.status} (code {exc.code}): {exc.text}") from None
                if exc.code == ARCHIVED_THREAD and attempt == 0:
                    try:
                        await self.bot.http.edit_channel(thread, archived=False)
                    except discord.HTTPException as again:
                        raise _delivery_error(again) from None
                    continue
                raise _delivery_error(exc) from None
            except (TimeoutError, aiohttp.ClientError, OSError) as exc:
                raise DeliveryError(f"{type(exc).__name__}: {exc}", permanent=False) from None

    async def notify_group(
        self,
        channel: str,
        mode: GroupMode,
        group: str | None,
        members: Sequence[str],
        reply: Reply,
    ) -> None:
        """The reminder once in the session's thread (or channel), then the followers'
        mentions, at most :data:`MENTIONS_PER_MESSAGE` per message, each message allowed to
        ping exactly the users it names. Every message has a nonce from the ledger key."""
        try:
            target = self.bot.get_partial_messageable(int(group or channel))
        except ValueError:
            raise DeliveryError(f"not a Discord channel id: {channel!r}", permanent=True) from None
        messages: list[tuple[str, discord.AllowedMentions]] = [
            (content, NO_PINGS) for content in to_messages(reply, stamps=ANNOUNCEMENT_STAMPS)
        ]
        for i in range(0, len(members), MENTIONS_PER_MESSAGE):
            batch = members[i : i + MENTIONS_PER_MESSAGE]
            pings = discord.AllowedMentions(
                everyone=False,
                roles=False,
                replied_user=False,
                users=[discord.Object(id=int(u)) for u in batch],
            )
            messages.append((" ".join(f"<@{int(u)}>" for u in batch), pings))
        key = DELIVERY_KEY.get()
        for i, (content, allowed) in enumerate(messages):
            nonce = nonce_for(f"{key}:{i}") if key else None
            await self._group_turn()
            with delivery_errors():
                # discord.py's overloads omit the None (no nonce) its implementation takes
                await target.send(content, nonce=nonce, allowed_mentions=allowed)  # type: ignore[arg-type]


@contextlib.contextmanager
def delivery_errors() -> Iterator[None]:
    """A Discord call's failure as the :class:`DeliveryError` the fan-out understands: a rate
    limit discord.py gave up waiting out (retry after it), an HTTP error (permanent or not by
    its code), or a network failure (transient)."""
    try:
        yield
    except discord.RateLimited as exc:
        raise _rate_limited(exc) from None
    except discord.HTTPException as exc:
        raise _delivery_error(exc) from None
    except (TimeoutError, aiohttp.ClientError, OSError) as exc:
        raise DeliveryError(f"{type(exc).__name__}: {exc}", permanent=False) from None


def _delivery_error(exc: discord.HTTPException) -> DeliveryError:
    permanent = exc.code not in TRANSIENT_CODES and (
        exc.code in PERMANENT_CODES or exc.status in (401, 403, 404)
    )
    return DeliveryError(
        f"HTTP {exc.status} (code {exc.code}): {exc.text}",
        permanent=permanent,
        retry_after=_retry_after(exc),
    )


def _rate_limited(exc: discord.RateLimited) -> DeliveryError:
    """discord.py refused to wait that long for a rate limit: try again after it."""
    return DeliveryError(str(exc), permanent=False, retry_after=exc.retry_after)


def _retry_after(exc: discord.HTTPException) -> float | None:
    """A 429 that discord.py gave up waiting out: the seconds Discord asked for (its
    ``Retry-After`` header), so the delivery is not tried again sooner."""
    if exc.status != 429:
        return None
    headers = getattr(exc.response, "headers", None) or {}
    try:
        return float(headers.get("Retry-After", "")) or None
    except ValueError:
        return None


def _choice(name: str, value: str) -> app_commands.Choice[str]:
    if len(name) > CHOICE_NAME_MAX:
        name = name[: CHOICE_NAME_MAX - 1] + "…"
    return app_commands.Choice(name=name, value=value[:100])


class AnnounceCog(commands.Cog):
    def __init__(self, bot: commands.Bot, hub: Hub) -> None:
        self.bot = bot
        self.hub = hub
        self.outbox = DiscordOutbox(bot)

    async def cog_load(self) -> None:
        # Runs from setup_hook (never on_ready, which can fire many times).
        self.hub.announcer.register(self.outbox)
        await self.hub.announcer.start()

    async def cog_unload(self) -> None:
        # Discord stops: only its outbox goes; the announcer is shared (build_app stops it).
        self.hub.announcer.unregister(self.outbox.front)

    @app_commands.command(
        name=text("slash.remind.name"), description=text("cmd.remind.description")
    )
    @app_commands.rename(
        what=text("slash.remind.what"), lead=text("slash.remind.lead"), dm=text("slash.remind.dm")
    )
    @app_commands.describe(
        what=text("cmd.remind.what"), lead=text("cmd.remind.lead"), dm=text("cmd.remind.dm")
    )
    async def remind(
        self,
        interaction: discord.Interaction,
        what: str,
        lead: app_commands.Range[int, 0, follows.MAX_LEAD] | None = None,
        dm: bool = False,
    ) -> None:
        ctx = self.hub.context(caller_from(interaction, self.hub))
        await send_reply(interaction, await follows.remind(ctx, what, lead, dm))

    @remind.autocomplete("what")
    async def _remind_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        ctx = self.hub.context(caller_from(interaction, self.hub))
        lang, q = ctx.lang, fold(current.strip())
        out: list[app_commands.Choice[str]] = []
        label_all = t(lang, "remind.choice_all")
        if not q or q in fold(label_all) or q in "all":
            out.append(_choice(label_all, "all"))
        for kind in (*KINDS, *self.hub.programme.kinds):
            label = t(lang, "remind.choice_kind", kind=follows.kind_name(ctx, kind))
            if not q or q in fold(label) or q in kind:
                out.append(_choice(label, f"kind:{kind}"))
        programme = self.hub.programme
        sessions = (
            programme.find(current, limit=CHOICE_LIMIT)
            if q
            else programme.upcoming(ctx.now, CHOICE_LIMIT)
        )
        for s in sessions:
            if s.starts_at is not None and s.starts_at > ctx.now:
                out.insert(0, _choice(f"{s.title.get(lang)} · {when_text(ctx, s)}", s.id))
        return out[:CHOICE_LIMIT]

    # /reminders has no special UI: cogs/generic.py makes it from its spec (bot.announce.follows)

    @app_commands.command(
        name=text("slash.unremind.name"), description=text("cmd.unremind.description")
    )
    @app_commands.rename(what=text("slash.unremind.what"))
    @app_commands.describe(what=text("cmd.unremind.what"))
    async def unremind(self, interaction: discord.Interaction, what: str) -> None:
        ctx = self.hub.context(caller_from(interaction, self.hub))
        await send_reply(interaction, await follows.unremind(ctx, what))

    @unremind.autocomplete("what")
    async def _unremind_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        ctx = self.hub.context(caller_from(interaction, self.hub))
        announcer = self.hub.announcer
        q = fold(current.strip())
        out = [_choice(t(ctx.lang, "remind.choice_all"), "all")]
        for f in announcer.follows_of(ctx.caller.front, ctx.caller.user_id):
            value = f.target if f.target_type == "session" else f"kind:{f.target}"
            if f.target_type == "all":
                continue
            label = follows.describe(ctx, f.target_type, f.target)
            if not q or q in fold(label) or q in value:
                out.append(_choice(label, value))
        return out[:CHOICE_LIMIT]

    @app_commands.command(
        name=text("slash.agenda.name"), description=text("cmd.agenda.description")
    )
    @app_commands.rename(page=text("slash.schedule.page"))
    @app_commands.describe(page=text("cmd.schedule.page"))
    async def agenda(
        self,
        interaction: discord.Interaction,
        page: app_commands.Range[int, 1, listing.MAX_PAGE] | None = None,
    ) -> None:
        ctx = self.hub.context(caller_from(interaction, self.hub))
        await send_reply(interaction, follows.agenda(ctx, page=page))

    @app_commands.command(
        name=text("slash.reload.name"), description=text("cmd.reload.description")
    )
    async def reload(self, interaction: discord.Interaction) -> None:
        ctx = self.hub.context(await caller_of(interaction, self.hub))
        if ctx.caller.is_moderator:
            await interaction.response.defer(ephemeral=True, thinking=True)
        await send_reply(interaction, await moderation.reload(ctx))
