"""Moderators' review on Discord: a card per proposal in the review channel, with Approve,
Reject and Ask-for-changes buttons that keep working after a restart; a reason modal; a slot
select when the chosen slot is full; and the hosts' private messages.

Cards and messages follow the database: after each change the proposal's card is posted or
edited, and at start-up every missing or outdated card is brought up to date and every decision
not yet told is sent.

custom_ids: ``l4a:prop:review:<approve|reject|changes>:<id>``, ``l4a:prop:slot:<id>``.
"""

from __future__ import annotations

import io
import re
from typing import Any

import discord

from bot.announce.told import told_of
from bot.context import Caller
from bot.doc import Reply, error
from bot.hub import Hub
from bot.i18n import t
from bot.proposals import moderation
from bot.proposals.env import form_env, repo_of
from bot.proposals.form import FormEnv
from bot.proposals.model import Decision, Proposal
from bot.proposals.views import review_card, slot_use
from cogs.announce import DiscordOutbox
from cogs.common import FRONT
from cogs.proposal_common import (
    OPTION_MAX,
    SELECT_MAX,
    ctx_of,
    cut,
    log,
    send_with_view,
    view_of,
)
from cogs.render import MESSAGE_LIMIT, NO_PINGS, block_markdown, send_reply, to_messages

_ACTIONS: dict[str, Decision] = {
    "approve": "approved",
    "reject": "rejected",
    "changes": "changes_requested",
}


class ReviewButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"l4a:prop:review:(?P<action>approve|reject|changes):(?P<id>\d{1,18})",
):
    def __init__(self, action: str, proposal_id: int, lang: str = "en") -> None:
        style = {
            "approve": discord.ButtonStyle.success,
            "reject": discord.ButtonStyle.danger,
            "changes": discord.ButtonStyle.secondary,
        }[action]
        super().__init__(
            discord.ui.Button(
                label=t(lang, f"proposals.button.{action}"),
                style=style,
                custom_id=f"l4a:prop:review:{action}:{proposal_id}",
            )
        )
        self.action, self.proposal_id = action, proposal_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ReviewButton:
        return cls(match["action"], int(match["id"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        ctx = await ctx_of(interaction)
        refusal = moderation.refuse_unless_moderator(ctx, "decide")
        if refusal:
            await send_reply(interaction, refusal)
            return
        decision = _ACTIONS[self.action]
        if decision == "approved":
            await decide_and_tell(interaction, self.proposal_id, decision)
            return
        if await repo_of(ctx.hub).get(self.proposal_id) is None:  # no modal for nothing
            await send_reply(
                interaction, error(t(ctx.lang, "proposals.unknown", ref=f"#{self.proposal_id}"))
            )
            return
        await interaction.response.send_modal(ReasonModal(ctx.lang, self.proposal_id, decision))


def review_view(proposal_id: int, lang: str) -> discord.ui.View:
    return view_of(*(ReviewButton(a, proposal_id, lang) for a in _ACTIONS))


class ReasonModal(discord.ui.Modal):
    """The message that goes to the host with a rejection or a request for changes."""

    def __init__(self, lang: str, proposal_id: int, decision: Decision) -> None:
        super().__init__(
            title=cut(t(lang, f"proposals.modal.reason_{decision}", ref=f"#{proposal_id}"), 45),
            custom_id=f"l4a:prop:reason:{decision}:{proposal_id}",
            timeout=30 * 60,
        )
        self.proposal_id, self.decision = proposal_id, decision
        self.reason: discord.ui.TextInput[Any] = discord.ui.TextInput(
            custom_id="reason",
            style=discord.TextStyle.paragraph,
            min_length=moderation.REASON_MIN,
            max_length=moderation.REASON_MAX,
        )
        self.add_item(
            discord.ui.Label(
                text=t(lang, "proposals.modal.reason_label"),
                description=t(lang, "proposals.modal.reason_hint"),
                component=self.reason,
            )
        )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        """Nothing here: the cog handles every ``l4a:prop:reason:…`` submission (even one of a
        modal opened before a restart) with :func:`decide_and_tell`."""


class SlotSelect(
    discord.ui.DynamicItem[discord.ui.Select[Any]],
    template=r"l4a:prop:slot:(?P<id>\d{1,18})",
):
    """Approve into another slot (offered when the preferred one is full or has started)."""

    def __init__(self, proposal_id: int, options: list[discord.SelectOption] | None = None) -> None:
        super().__init__(
            discord.ui.Select(
                custom_id=f"l4a:prop:slot:{proposal_id}",
                options=options or [discord.SelectOption(label="…", value="-")],
            )
        )
        self.proposal_id = proposal_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> SlotSelect:
        select = cls(int(match["id"]))
        assert isinstance(item, discord.ui.Select)  # the custom id is a select's
        select.item.options = item.options
        return select

    async def callback(self, interaction: discord.Interaction) -> None:
        values = self.item.values
        slot = str(values[0]) if values else None
        await decide_and_tell(interaction, self.proposal_id, "approved", slot=slot)


def slot_select(env: FormEnv, proposal_id: int) -> discord.ui.View:
    options = [
        discord.SelectOption(label=cut(slot_use(env, s), OPTION_MAX), value=s.id)
        for s in env.open_slots()[:SELECT_MAX]
    ]
    select = SlotSelect(proposal_id, options)
    select.item.placeholder = t(env.ctx.lang, "proposals.button.slot_placeholder")
    return view_of(select)


def card_message(reply: Reply, lang: str, name: str) -> tuple[str, list[discord.File]]:
    """A review card as one message (it is edited as the proposal changes). A card too long for
    one message (a long description, text that needs escaping) keeps its first lines, says so,
    and carries the whole proposal as a text file: no line is ever dropped unseen."""
    full = "\n".join(block_markdown(b) for b in reply.blocks)
    if len(full) <= MESSAGE_LIMIT:
        return full, []
    note = "-# " + t(lang, "proposals.review_card.full_text_attached")
    head = to_messages(reply, limit=MESSAGE_LIMIT - len(note) - 1)[0]
    data = reply.plain().encode("utf-8")
    return f"{head}\n{note}", [discord.File(io.BytesIO(data), filename=name)]


async def _review_reply(hub: Hub, proposal: Proposal) -> tuple[Reply, str]:
    lang = hub.config.proposals.review_language or hub.config.bot.default_language
    ctx = hub.context(Caller(FRONT, "#review", "review", locale=lang))
    reply = Reply(private=False).para(t(ctx.lang, "proposals.review.card"))
    reply.extend(review_card(await form_env(ctx), proposal, hints=False, text_max=None))
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
    content, files = card_message(reply, lang, f"proposal-{proposal.id}.txt")
    view = review_view(proposal.id, lang) if proposal.is_open else None
    post = await repo.review_post(proposal.id, FRONT)
    try:
        if post is not None:
            # a guild channel (the only kind configured) has it; discord.py's Messageable does not
            message = channel.get_partial_message(int(post.message_id))  # type: ignore[attr-defined]
            try:
                await message.edit(
                    content=content, view=view, attachments=files, allowed_mentions=NO_PINGS
                )
                await repo.save_review_post(
                    proposal.id, FRONT, post.room, post.message_id, proposal.updated_at
                )
                return
            except discord.NotFound:
                pass  # deleted by someone: post it again
        if proposal.status == "withdrawn" and post is None:
            return
        kwargs: dict[str, Any] = {"view": view} if view else {}
        if files:
            kwargs["files"] = [_again(f) for f in files]  # the edit above may have read them
        sent = await channel.send(content, allowed_mentions=NO_PINGS, **kwargs)
        await repo.save_review_post(
            proposal.id, FRONT, str(sent.channel.id), str(sent.id), proposal.updated_at
        )
    except discord.HTTPException:
        log.warning("could not post the review card of proposal #%s", proposal.id, exc_info=True)


def _again(file: discord.File) -> discord.File:
    file.reset()
    return file


async def deliver_notices(bot: discord.Client, hub: Hub) -> list[int]:
    """Send hosts the decisions not yet told (ledger deliveries, see ``bot.announce.told``);
    the ids of proposals whose host could not be told."""
    told = told_of(hub)
    outbox = told.outboxes.get(FRONT)
    if not isinstance(outbox, DiscordOutbox) or outbox.bot is not bot:
        told.register(DiscordOutbox(bot))
    statuses = await told.tell_decisions(FRONT)
    return [proposal_id for proposal_id, status in statuses.items() if status == "failed"]


async def decide_and_tell(
    interaction: discord.Interaction,
    proposal_id: int,
    decision: Decision,
    *,
    reason: str | None = None,
    slot: str | None = None,
) -> None:
    """A moderator's decision: recorded, confirmed to them, the card updated, the host told."""
    ctx = await ctx_of(interaction)
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
