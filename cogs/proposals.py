"""``/propose``, ``/myproposals`` and ``/proposals …`` on Discord; review cards in the moderators'
channel; decisions told to hosts by private message.

Review cards and notices are driven by the database: after each change the card of that proposal
is posted or edited, and at start-up every card that is missing or out of date is brought up to
date and every decision not yet told is sent (a restart loses nothing).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.doc import Reply
from bot.hub import Caller, Hub
from bot.i18n import t
from bot.proposals import moderation, service, window
from bot.proposals.env import form_env, repo_of
from bot.proposals.model import Decision, Proposal
from bot.proposals.views import review_card
from cogs.common import FRONT, text
from cogs.proposal_ui import (
    FormButton,
    WithdrawButton,
    ctx_of,
    open_form,
    review_view,
    send_with_view,
    slot_select,
)
from cogs.render import MESSAGE_LIMIT, NO_PINGS, send_reply, to_messages

log = logging.getLogger(__name__)
MAX_LISTED = 10  # proposals shown with buttons in one /myproposals or /proposals review


def _one_message(reply: Reply) -> str:
    messages = to_messages(reply)
    if len(messages) == 1:
        return messages[0]
    return (messages[0][: MESSAGE_LIMIT - 2] + "\n…")[:MESSAGE_LIMIT]


async def _review_reply(hub: Hub, proposal: Proposal) -> tuple[Reply, str]:
    lang = hub.config.proposals.review_language or hub.config.bot.default_language
    ctx = hub.context(Caller(FRONT, "#review", "review", locale=lang))
    reply = Reply(private=False).para(t(ctx.lang, "proposals.review.card"))
    reply.extend(review_card(await form_env(ctx), proposal, hints=False))
    return reply, ctx.lang


async def _review_channel(bot: discord.Client, hub: Hub) -> discord.abc.Messageable | None:
    channel_id = hub.config.proposals.review_channel_id
    if channel_id is None:
        return None
    channel = bot.get_channel(channel_id)
    if channel is None:
        try:
            channel = await bot.fetch_channel(channel_id)
        except discord.HTTPException:
            log.warning("review channel %s cannot be reached", channel_id, exc_info=True)
            return None
    return channel if isinstance(channel, discord.abc.Messageable) else None


async def refresh_review(bot: discord.Client, hub: Hub, proposal_id: int) -> None:
    """Post the proposal's review card, or edit it to show its current state."""
    repo = repo_of(hub)
    proposal = await repo.get(proposal_id)
    channel = await _review_channel(bot, hub)
    if proposal is None or channel is None:
        return
    reply, lang = await _review_reply(hub, proposal)
    content = _one_message(reply)
    view = review_view(proposal.id, lang) if proposal.is_open else None
    post = await repo.review_post(proposal.id, FRONT)
    try:
        if post is not None:
            message = channel.get_partial_message(int(post.message_id))  # type: ignore[attr-defined]
            try:
                await message.edit(content=content, view=view, allowed_mentions=NO_PINGS)
                await repo.save_review_post(
                    proposal.id, FRONT, post.room, post.message_id, proposal.updated_at
                )
                return
            except discord.NotFound:
                pass  # deleted by someone: post it again
        if proposal.status == "withdrawn" and post is None:
            return
        kwargs: dict[str, Any] = {"view": view} if view else {}
        sent = await channel.send(content, allowed_mentions=NO_PINGS, **kwargs)
        await repo.save_review_post(
            proposal.id, FRONT, str(sent.channel.id), str(sent.id), proposal.updated_at
        )
    except discord.HTTPException:
        log.warning("could not post the review card of proposal #%s", proposal.id, exc_info=True)


async def deliver_notices(bot: discord.Client, hub: Hub) -> list[int]:
    """Send hosts the decisions not yet told; the ids of proposals whose host was unreachable."""
    failed = []
    for notice, reply in await moderation.due_notices(hub, FRONT):
        try:
            user = bot.get_user(int(notice.user_id)) or await bot.fetch_user(int(notice.user_id))
            for content in to_messages(reply):
                await user.send(content, allowed_mentions=NO_PINGS)
        except (discord.HTTPException, ValueError):
            log.info("could not tell the host of proposal #%s", notice.proposal_id)
            await moderation.notice_sent(hub, notice.id, delivered=False)
            failed.append(notice.proposal_id)
        else:
            await moderation.notice_sent(hub, notice.id, delivered=True)
    return failed


async def after_submit(bot: discord.Client, hub: Hub, proposal: Proposal) -> None:
    await refresh_review(bot, hub, proposal.id)


async def decide_and_tell(
    interaction: discord.Interaction,
    proposal_id: int,
    decision: Decision,
    *,
    reason: str | None = None,
    slot: str | None = None,
) -> None:
    """A moderator's decision: recorded, confirmed to them, the card updated, the host told."""
    ctx = ctx_of(interaction)
    result = await moderation.decide(ctx, proposal_id, decision, reason=reason, slot=slot)
    if result.choose_slot:
        env = await form_env(ctx)
        await send_with_view(interaction, result.reply, slot_select(env, proposal_id))
        return
    await send_reply(interaction, result.reply)
    if result.proposal is None or result.proposal.status != decision:
        return
    await refresh_review(interaction.client, ctx.hub, proposal_id)
    if proposal_id in await deliver_notices(interaction.client, ctx.hub):
        await interaction.followup.send(
            t(ctx.lang, "proposals.decided.dm_failed"), ephemeral=True, allowed_mentions=NO_PINGS
        )


class ProposalsCog(commands.Cog):
    proposals = app_commands.Group(
        name=text("slash.proposals.name"), description=text("cmd.proposals.description")
    )

    def __init__(self, bot: commands.Bot, hub: Hub) -> None:
        self.bot = bot
        self.hub = hub
        self._catch_up: asyncio.Task[None] | None = None

    async def cog_load(self) -> None:
        self._catch_up = asyncio.create_task(self.catch_up())

    async def cog_unload(self) -> None:
        if self._catch_up is not None:
            self._catch_up.cancel()

    async def catch_up(self) -> None:
        """After a (re)start: bring every review card up to date and tell hosts what is due."""
        await self.bot.wait_until_ready()
        try:
            for proposal in await repo_of(self.hub).unshown(FRONT):
                await refresh_review(self.bot, self.hub, proposal.id)
            await deliver_notices(self.bot, self.hub)
        except Exception:
            log.exception("catching up on proposals failed")

    @app_commands.command(
        name=text("slash.propose.name"), description=text("cmd.propose.description")
    )
    async def propose(self, interaction: discord.Interaction) -> None:
        await open_form(interaction, 0)

    @app_commands.command(
        name=text("slash.myproposals.name"), description=text("cmd.myproposals.description")
    )
    async def myproposals(self, interaction: discord.Interaction) -> None:
        ctx = ctx_of(interaction)
        reply, proposals = await service.mine(ctx, buttons=True)
        view = discord.ui.View(timeout=None)
        for p in [p for p in proposals if p.is_open][:MAX_LISTED]:
            label = t(ctx.lang, "proposals.button.edit", ref=p.ref)
            view.add_item(FormButton(p.id, 1, label))
            view.add_item(WithdrawButton(p.id, False, ctx.lang))
        await send_with_view(interaction, reply, view)

    @proposals.command(
        name=text("slash.proposals.status.name"), description=text("cmd.proposals.status")
    )
    async def status(self, interaction: discord.Interaction) -> None:
        await send_reply(interaction, await window.window_status(ctx_of(interaction)))

    @proposals.command(
        name=text("slash.proposals.review.name"), description=text("cmd.proposals.review")
    )
    async def review(self, interaction: discord.Interaction) -> None:
        ctx = ctx_of(interaction)
        refusal = moderation.refuse_unless_moderator(ctx, "review")
        if refusal:
            await send_reply(interaction, refusal)
            return
        waiting = await repo_of(self.hub).with_status(["pending", "changes_requested"])
        env = await form_env(ctx)
        head = Reply().para(
            t(ctx.lang, "proposals.review.count", count=len(waiting))
            if waiting
            else t(ctx.lang, "proposals.review.none")
        )
        await send_reply(interaction, head)
        for p in waiting[:MAX_LISTED]:
            card = review_card(env, p, hints=False)
            await interaction.followup.send(
                _one_message(card),
                ephemeral=True,
                view=review_view(p.id, ctx.lang),
                allowed_mentions=NO_PINGS,
            )

    async def _window(self, interaction: discord.Interaction, mode: window.WindowMode) -> None:
        await send_reply(interaction, await window.set_window(ctx_of(interaction), mode))

    @proposals.command(
        name=text("slash.proposals.open.name"), description=text("cmd.proposals.open")
    )
    async def open(self, interaction: discord.Interaction) -> None:
        await self._window(interaction, "open")

    @proposals.command(
        name=text("slash.proposals.close.name"), description=text("cmd.proposals.close")
    )
    async def close(self, interaction: discord.Interaction) -> None:
        await self._window(interaction, "close")

    @proposals.command(
        name=text("slash.proposals.auto.name"), description=text("cmd.proposals.auto")
    )
    async def auto(self, interaction: discord.Interaction) -> None:
        await self._window(interaction, "auto")

    @proposals.command(
        name=text("slash.proposals.export.name"), description=text("cmd.proposals.export")
    )
    async def export(self, interaction: discord.Interaction) -> None:
        await send_reply(interaction, await moderation.export(ctx_of(interaction)))
