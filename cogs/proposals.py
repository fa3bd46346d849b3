"""``/propose``, ``/myproposals`` and ``/proposals status|review|open|close|auto|export`` on
Discord. The form is in ``cogs/proposal_form.py``, the moderators' review in
``cogs/proposal_review.py``; at start-up the cog brings review cards up to date and sends the
decisions not yet told (a restart loses nothing)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Coroutine
from typing import Any, cast

import discord
from discord import app_commands
from discord.ext import commands

from bot.doc import Reply, error
from bot.hub import Hub
from bot.i18n import t, tn
from bot.proposals import moderation, service, window
from bot.proposals.env import form_env, repo_of
from bot.proposals.form import STEPS
from bot.proposals.model import Decision
from bot.proposals.views import review_card
from cogs.common import FRONT, add_route, caller_from, remove_route, text
from cogs.proposal_common import ctx_of, log, report_error, send_with_view, submitted_values
from cogs.proposal_form import CancelButton, FormButton, WithdrawButton, open_form, submit_page
from cogs.proposal_review import (
    ReviewButton,
    SlotSelect,
    card_message,
    decide_and_tell,
    deliver_notices,
    refresh_review,
    review_view,
)
from cogs.render import NO_PINGS, send_reply

FORM_MODAL = re.compile(r"l4a:prop:modal:(?P<target>\d{1,18}):(?P<step>\d)")
REASON_MODAL = re.compile(
    r"l4a:prop:reason:(?P<decision>rejected|changes_requested):(?P<id>\d{1,18})"
)
PREFIX = "l4a:prop:"
BUTTONS = (FormButton, CancelButton, WithdrawButton, ReviewButton, SlotSelect)
MAX_LISTED = 10  # proposals shown with buttons in one /myproposals or /proposals review


class ProposalsCog(commands.Cog):
    proposals = app_commands.Group(
        name=text("slash.proposals.name"), description=text("cmd.proposals.description")
    )

    def __init__(self, bot: commands.Bot, hub: Hub) -> None:
        self.bot = bot
        self.hub = hub
        self._catch_up: asyncio.Task[None] | None = None

    async def cog_load(self) -> None:
        add_route(self.bot, self.route)
        self._catch_up = asyncio.create_task(self.catch_up())
        self.hub.proposal_listeners.append(self._proposal_changed)

    async def cog_unload(self) -> None:
        remove_route(self.bot, self.route)
        if self._catch_up is not None:
            self._catch_up.cancel()
        if self._proposal_changed in self.hub.proposal_listeners:
            self.hub.proposal_listeners.remove(self._proposal_changed)

    async def _proposal_changed(self, proposal_id: int) -> None:
        """A proposal sent, edited or withdrawn on another front (the web): its review card."""
        try:
            await refresh_review(self.bot, self.hub, proposal_id)
        except Exception:
            log.exception("could not refresh the review card of proposal #%s", proposal_id)

    def route(self, interaction: discord.Interaction) -> Coroutine[Any, Any, None] | None:
        """Submissions of the proposal form and of the reasons modal, by ``custom_id`` (they
        work even when the modal was opened before a restart), and any ``l4a:prop:`` button or
        modal no handler knows (forged, or of an older version): a clear private answer."""
        data: Any = interaction.data or {}
        custom_id = str(data.get("custom_id", ""))
        if not custom_id.startswith(PREFIX):
            return None
        if interaction.type is discord.InteractionType.component:
            if any(b.__discord_ui_compiled_template__.fullmatch(custom_id) for b in BUTTONS):
                return None  # a DynamicItem answers it
            return self._stale(interaction)
        if interaction.type is not discord.InteractionType.modal_submit:
            return None
        form = FORM_MODAL.fullmatch(custom_id)
        reason = REASON_MODAL.fullmatch(custom_id)
        if form is not None and int(form["step"]) not in STEPS:
            form = None  # a page the form does not have
        if form is None and reason is None:
            return self._stale(interaction)
        return self._submitted(interaction, form, reason, submitted_values(data))

    async def _submitted(
        self,
        interaction: discord.Interaction,
        form: re.Match[str] | None,
        reason: re.Match[str] | None,
        values: dict[str, str | list[str]],
    ) -> None:
        try:
            if form is not None:
                await submit_page(interaction, int(form["target"]), int(form["step"]), values)
            elif reason is not None:
                # REASON_MODAL's pattern lets only decisions through
                decision = cast(Decision, reason["decision"])
                text = str(values.get("reason", ""))
                await decide_and_tell(interaction, int(reason["id"]), decision, reason=text)
        except Exception as exc:
            await report_error(interaction, exc)

    async def _stale(self, interaction: discord.Interaction) -> None:
        lang = self.hub.prefs(caller_from(interaction, self.hub)).lang
        await send_reply(interaction, error(t(lang, "proposals.stale.button")))

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
        ctx = await ctx_of(interaction)
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
        await send_reply(interaction, await window.window_status(await ctx_of(interaction)))

    @proposals.command(
        name=text("slash.proposals.review.name"), description=text("cmd.proposals.review")
    )
    async def review(self, interaction: discord.Interaction) -> None:
        ctx = await ctx_of(interaction)
        refusal = moderation.refuse_unless_moderator(ctx, "review")
        if refusal:
            await send_reply(interaction, refusal)
            return
        waiting = await repo_of(self.hub).with_status(["pending", "changes_requested"])
        env = await form_env(ctx)
        head = Reply().para(
            tn(ctx.lang, "proposals.review.count", len(waiting))
            if waiting
            else t(ctx.lang, "proposals.review.none")
        )
        await send_reply(interaction, head)
        for p in waiting[:MAX_LISTED]:
            content, files = card_message(
                review_card(env, p, hints=False, text_max=None), ctx.lang, f"proposal-{p.id}.txt"
            )
            await interaction.followup.send(
                content,
                files=files,
                ephemeral=True,
                view=review_view(p.id, ctx.lang),
                allowed_mentions=NO_PINGS,
            )

    async def _window(self, interaction: discord.Interaction, mode: window.WindowMode) -> None:
        await send_reply(interaction, await window.set_window(await ctx_of(interaction), mode))

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
        await send_reply(interaction, await moderation.export(await ctx_of(interaction)))
