"""``/poll start|close|results|export|list`` and ``/vote`` on Discord, and the vote buttons.

The buttons' ``custom_id`` is ``poll:<id>:<choice>``. Every poll of the store has a persistent
view registered at start-up (and when it starts), so the buttons work after a restart: the
truth is in the store, the poll id in the button. A persistent view is dispatched by a
dictionary lookup; a ``DynamicItem`` would make discord.py rebuild the whole view from the
message on every click, which measured as about half the CPU of a vote burst. The poll
message's tally is edited through a :class:`~bot.polls.refresh.Refresher`, at most once per
``polls.refresh_seconds`` however fast votes come. The buttons and the helpers of the hot
path are in ``cogs/poll_parts.py``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.announce.told import told_of
from bot.context import Caller, Ctx
from bot.doc import Reply, error
from bot.hub import Hub
from bot.i18n import t
from bot.polls import replies
from bot.polls.model import Poll, search_candidates
from bot.polls.refresh import Refresher
from bot.polls.service import Polls, voter_key
from bot.polls.store import VoteResult
from cogs.announce import DiscordOutbox
from cogs.common import FRONT, add_route, caller_from, caller_of, remove_route, text
from cogs.poll_parts import (
    POLL_CUSTOM_ID,
    ack_delay,
    missing_permissions,
    poll_view,
    release,
    short,
)
from cogs.render import NO_PINGS, send_reply, to_files, to_messages

log = logging.getLogger(__name__)
CHOICE_LIMIT, CHOICE_NAME_MAX = 25, 100
SCALE_CHOICES = [
    app_commands.Choice(name=text(f"polls.scale_name.{s}"), value=s)
    for s in ("agree", "yesno", "custom")
]


class PollsCog(commands.Cog):
    poll = app_commands.Group(
        name=text("slash.poll.name"), description=text("cmd.poll.description")
    )

    def __init__(self, bot: commands.Bot, hub: Hub) -> None:
        self.bot = bot
        self.hub = hub
        self.polls: Polls = hub.polls
        self.refresher: Refresher[int] = Refresher(
            self.refresh_card, hub.config.polls.refresh_seconds
        )
        self._confirmations: dict[tuple[str, int, VoteResult], str] = {}

    async def cog_load(self) -> None:
        for poll in self.polls.all_polls():
            if poll.front == FRONT:  # closed ones too: a late click is told the poll is closed
                self.bot.add_view(poll_view(poll))
        add_route(self.bot, self.route)
        self.polls.on_change(self._changed)
        told_of(self.hub).register(DiscordOutbox(self.bot))  # timed results: bot.announce.told
        self.polls.start_timers()  # closes polls whose timer ran out while the bot was down
        await told_of(self.hub).post_missed_results(FRONT)

    async def cog_unload(self) -> None:
        remove_route(self.bot, self.route)
        await self.refresher.close()

    async def idle(self) -> None:
        """Wait until the results posted by timers are sent (tests; a clean stop)."""
        await told_of(self.hub).drain()

    def route(self, interaction: discord.Interaction) -> Coroutine[Any, Any, None] | None:
        """A ``poll:`` button no persistent view answers (a poll the store does not know, an
        answer it does not have, a forged id): a clear private answer, never Discord's "This
        interaction failed". Synchronous and cheap: every vote click of a burst passes here."""
        if interaction.type is not discord.InteractionType.component:
            return None
        data = interaction.data
        custom_id = str(data.get("custom_id", "")) if data else ""
        if not custom_id.startswith("poll:"):
            return None
        match = POLL_CUSTOM_ID.fullmatch(custom_id)
        poll = self.polls.get(int(match["poll"])) if match else None
        if match and poll is None:
            return self.vote_button(interaction, int(match["poll"]), int(match["choice"]))
        choice = int(match["choice"]) if match else -1
        canonical = poll is not None and custom_id == f"poll:{poll.id}:{choice}"
        if canonical and poll is not None and poll.front == FRONT and choice < poll.size:
            return None  # the poll's persistent view answers it
        return self._stale(interaction, poll)

    async def _stale(self, interaction: discord.Interaction, poll: Poll | None) -> None:
        caller = Caller(FRONT, str(interaction.user.id), locale=str(interaction.locale))
        lang = self.hub.prefs(caller).lang
        if poll is None:
            await send_reply(interaction, error(t(lang, "polls.stale.unknown")))
        else:
            await send_reply(interaction, error(t(lang, "polls.stale.button", id=poll.id)))

    # -- live tally -----------------------------------------------------------------------------
    def _changed(self, poll_ids: set[int]) -> None:
        for poll_id in poll_ids:
            poll = self.polls.get(poll_id)
            if poll is not None and poll.front == FRONT and poll.message_id:
                self.refresher.mark(poll_id)

    def _room(self, poll: Poll) -> Ctx:
        return self.hub.context(Caller(FRONT, "0", locale=poll.lang))

    async def refresh_card(self, poll_id: int) -> None:
        """Edit the poll message to show the current tally (buttons disabled once closed)."""
        poll = self.polls.get(poll_id)
        if poll is None or not poll.channel_id or not poll.message_id:
            return
        content = to_messages(replies.card(self._room(poll), poll, self.polls.tally(poll_id)))[0]
        channel = self.bot.get_partial_messageable(int(poll.channel_id))
        message = channel.get_partial_message(int(poll.message_id))
        try:
            await message.edit(content=content, view=poll_view(poll), allowed_mentions=NO_PINGS)
        except discord.HTTPException:
            log.warning("could not update the message of poll %s", poll_id, exc_info=True)

    # -- voting ---------------------------------------------------------------------------------
    async def vote_button(
        self, interaction: discord.Interaction, poll_id: int, choice: int
    ) -> None:
        """A click: queue the vote, and confirm (privately) only once it is committed.

        This is the hot path of a burst (thousands of clicks in seconds), so it does no more
        than it must: the voter's language from memory, the confirmation text from a cache.
        """
        user_id = str(interaction.user.id)
        lang = self.hub.prefs(Caller(FRONT, user_id, locale=str(interaction.locale))).lang
        poll = self.polls.get(poll_id)
        if poll is None or not 0 <= choice < poll.size:
            await send_reply(interaction, error(t(lang, "polls.err.no_poll", id=poll_id)))
            return
        future = self.polls.submit_vote(poll_id, voter_key(FRONT, user_id), choice)
        deferring: asyncio.Task[object] | None = None
        timer = None
        if not future.done():  # the disk is slow: keep the interaction alive past Discord's 3 s
            timer = asyncio.get_running_loop().call_later(
                ack_delay(interaction), lambda: self._defer(interaction, future, holder)
            )
            holder: list[asyncio.Task[object]] = []
        try:
            result: VoteResult | None = await future
        except Exception:  # not committed (disk full, database locked…): say so, count nothing
            log.exception("a vote on poll %s could not be saved", poll_id)
            result = None
        if timer is not None:
            timer.cancel()
            if holder:
                deferring = holder[0]
                await deferring
        if result is None:
            await send_reply(interaction, error(t(lang, "polls.vote.not_saved", id=poll_id)))
            return
        key = (lang, poll_id, result)
        content = self._confirmations.get(key)
        if content is None:
            content = to_messages(replies.confirmation(lang, poll, result))[0]
            self._confirmations[key] = content
        if interaction.response.is_done():
            await interaction.followup.send(content, ephemeral=True, allowed_mentions=NO_PINGS)
        else:
            await interaction.response.send_message(
                content, ephemeral=True, allowed_mentions=NO_PINGS
            )
        release(interaction)

    def _defer(
        self,
        interaction: discord.Interaction,
        future: asyncio.Future[VoteResult],
        holder: list[asyncio.Task[object]],
    ) -> None:
        if not future.done():
            holder.append(asyncio.create_task(interaction.response.defer(ephemeral=True)))

    @app_commands.command(name=text("slash.vote.name"), description=text("cmd.vote.description"))
    @app_commands.rename(poll=text("slash.vote.poll"), choice=text("slash.vote.choice"))
    @app_commands.describe(poll=text("cmd.vote.poll"), choice=text("cmd.vote.choice"))
    async def vote(self, interaction: discord.Interaction, poll: str, choice: str) -> None:
        ctx = self.hub.context(caller_from(interaction, self.hub))
        await send_reply(interaction, await replies.vote_text(ctx, f"{poll} {choice}"))

    @vote.autocomplete("choice")
    async def _choice_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        ctx = self.hub.context(caller_from(interaction, self.hub))
        found = replies.find_poll(ctx, str(getattr(interaction.namespace, "poll", "") or ""))
        if not isinstance(found, Poll):
            return []
        labels = [
            *found.labels(ctx.lang),
            t(ctx.lang, "polls.vote.withdraw_words").split(",")[0].strip(),
        ]
        return [
            app_commands.Choice(
                name=short(label, CHOICE_NAME_MAX), value=str(i + 1) if i < found.size else label
            )
            for i, label in enumerate(labels)
            if current.casefold() in label.casefold()
        ][:CHOICE_LIMIT]

    # -- /poll … --------------------------------------------------------------------------------
    @poll.command(
        name=text("slash.poll_start.name"), description=text("cmd.poll_start.description")
    )
    @app_commands.rename(
        question=text("slash.poll_start.question"),
        scale=text("slash.poll_start.scale"),
        options=text("slash.poll_start.options"),
        duration=text("slash.poll_start.duration"),
        hide_results=text("slash.poll_start.hide_results"),
    )
    @app_commands.describe(
        question=text("cmd.poll_start.question"),
        scale=text("cmd.poll_start.scale"),
        options=text("cmd.poll_start.options"),
        duration=text("cmd.poll_start.duration"),
        hide_results=text("cmd.poll_start.hide_results"),
    )
    @app_commands.choices(scale=SCALE_CHOICES)
    async def start(
        self,
        interaction: discord.Interaction,
        question: app_commands.Range[str, 1, 400],
        scale: app_commands.Choice[str] | None = None,
        options: app_commands.Range[str, 1, 1000] | None = None,
        duration: app_commands.Range[str, 1, 20] | None = None,
        hide_results: bool = False,
    ) -> None:
        ctx = self.hub.context(await caller_of(interaction, self.hub))
        lacking = missing_permissions(interaction) if ctx.caller.is_moderator else []
        if lacking:  # refused before the poll exists: nobody could see its tally or result
            names = ", ".join(t(ctx.lang, f"polls.channel.{p}") for p in lacking)
            await send_reply(
                interaction, error(t(ctx.lang, "polls.channel.missing", missing=names))
            )
            return
        reply, poll = await replies.start(
            ctx,
            question,
            scale=scale.value if scale else None,
            options=options,
            duration=duration,
            hide_results=hide_results,
        )
        if poll is None:
            await send_reply(interaction, reply)
            return
        content = to_messages(reply)[0]
        view = poll_view(poll)
        self.bot.add_view(view)  # persistent from the start, whatever message carries it
        sent = await interaction.response.send_message(
            content, view=view, files=to_files(reply), allowed_mentions=NO_PINGS
        )
        message = sent.resource
        if isinstance(message, discord.InteractionMessage):
            await self.polls.set_message(poll.id, str(message.channel.id), str(message.id))
            self.refresher.mark(poll.id)  # votes may have come between the start and now

    @start.autocomplete("question")
    async def _question_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        ctx = self.hub.context(caller_from(interaction, self.hub))
        found = search_candidates(ctx.programme, ctx.now, current[:100])
        return [
            app_commands.Choice(
                name=short(f"{c.ref} · {c.text.get(ctx.lang)}", CHOICE_NAME_MAX), value=c.ref
            )
            for c in found[:CHOICE_LIMIT]
        ]

    @poll.command(
        name=text("slash.poll_close.name"), description=text("cmd.poll_close.description")
    )
    @app_commands.rename(poll=text("slash.poll_close.poll"))
    @app_commands.describe(poll=text("cmd.poll_close.poll"))
    async def close(self, interaction: discord.Interaction, poll: str) -> None:
        """Answered before anything waits: a refusal at once (privately); otherwise "thinking…"
        (public, as the result will be) while the close commits and the chart is drawn."""
        if interaction.guild_id is None:  # a DM: looking the user up in the forum may wait
            await interaction.response.defer(thinking=True)
            ctx = self.hub.context(await caller_of(interaction, self.hub))
        else:
            ctx = self.hub.context(caller_from(interaction, self.hub))
            refusal = replies.refuse_unless_moderator(ctx, "close")
            found = refusal or replies.find_poll(ctx, poll)
            if isinstance(found, Reply):
                await send_reply(interaction, found)
                return
            await interaction.response.defer(thinking=True, ephemeral=not found.is_open)
        await send_reply(interaction, await replies.close(ctx, poll))

    @poll.command(
        name=text("slash.poll_results.name"), description=text("cmd.poll_results.description")
    )
    @app_commands.rename(poll=text("slash.poll_results.poll"))
    @app_commands.describe(poll=text("cmd.poll_results.poll"))
    async def results(self, interaction: discord.Interaction, poll: str) -> None:
        """Private; "thinking…" at once, then the chart is drawn off the event loop."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        ctx = self.hub.context(await caller_of(interaction, self.hub))
        await send_reply(interaction, await replies.results(ctx, poll))

    @poll.command(
        name=text("slash.poll_export.name"), description=text("cmd.poll_export.description")
    )
    @app_commands.rename(poll=text("slash.poll_export.poll"))
    @app_commands.describe(poll=text("cmd.poll_export.poll"))
    async def export(self, interaction: discord.Interaction, poll: str) -> None:
        ctx = self.hub.context(await caller_of(interaction, self.hub))
        await send_reply(interaction, replies.export(ctx, poll))

    @poll.command(name=text("slash.poll_list.name"), description=text("cmd.poll_list.description"))
    async def list_polls(self, interaction: discord.Interaction) -> None:
        ctx = self.hub.context(caller_from(interaction, self.hub))
        await send_reply(interaction, replies.list_open(ctx))

    @close.autocomplete("poll")
    @results.autocomplete("poll")
    @export.autocomplete("poll")
    @vote.autocomplete("poll")
    async def _poll_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        ctx = self.hub.context(caller_from(interaction, self.hub))
        polls = sorted(self.polls.store.polls.values(), key=lambda p: (not p.is_open, -p.id))
        out = []
        for p in polls:
            name = f"#{p.id} · {p.question.get(ctx.lang)}"
            if current.strip().lstrip("#") in str(p.id) or current.casefold() in name.casefold():
                out.append(app_commands.Choice(name=short(name, CHOICE_NAME_MAX), value=str(p.id)))
        return out[:CHOICE_LIMIT]
