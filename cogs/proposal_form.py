"""The proposal form on Discord: modals built from the core's form definition (two pages of at
most five fields), and the hosts' buttons, which keep working after a restart (``DynamicItem``:
the ids live in the ``custom_id``, the truth in the database).

custom_ids: ``l4a:prop:form:<target>:<page>`` (open a page; target 0 = a new proposal),
``l4a:prop:cancel:<target>``, ``l4a:prop:withdraw:<id>`` and ``l4a:prop:withdraw-yes:<id>``.
"""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.doc import Reply
from bot.i18n import t
from bot.proposals import service
from bot.proposals.env import repo_of
from bot.proposals.form import BY_KEY, STEPS, Field, FormEnv, choices, step_fields
from bot.proposals.model import Answers
from cogs.proposal_common import (
    HINT_MAX,
    LABEL_MAX,
    OPTION_MAX,
    SELECT_MAX,
    ctx_of,
    cut,
    hub_of,
    send_with_view,
    view_of,
)
from cogs.proposal_review import refresh_review
from cogs.render import send_reply

RADIO_MIN, RADIO_MAX = 2, 10
TEXT_INPUT_MAX = 4000  # Discord's limit for a text input


def _component(env: FormEnv, field: Field, value: str) -> discord.ui.Item[Any]:
    custom_id = f"field:{field.key}"
    if not field.is_choice:
        style = discord.TextStyle.paragraph if field.kind == "text" else discord.TextStyle.short
        # A draft may hold more than the field takes (an answer refused as too long, kept so that
        # nothing typed is lost): Discord refuses a modal prefilled beyond its max_length.
        return discord.ui.TextInput(
            custom_id=custom_id,
            style=style,
            default=value[: min(field.max_len, TEXT_INPUT_MAX)] or None,
            required=field.required,
            max_length=min(field.max_len, TEXT_INPUT_MAX),
        )
    options = choices(env, field, value)
    picked = set(value.split(",")) if value else set()
    if field.kind == "choice" and RADIO_MIN <= len(options) <= RADIO_MAX and field.key != "slot":
        return discord.ui.RadioGroup(
            custom_id=custom_id,
            required=field.required,
            options=[
                discord.RadioGroupOption(
                    label=cut(c.label, OPTION_MAX), value=c.value, default=c.value in picked
                )
                for c in options
            ],
        )
    options = options[:SELECT_MAX]
    return discord.ui.Select(
        custom_id=custom_id,
        required=field.required,
        min_values=1 if field.required else 0,
        max_values=len(options) if field.kind == "multi" else 1,
        options=[
            discord.SelectOption(
                label=cut(c.label, OPTION_MAX), value=c.value, default=c.value in picked
            )
            for c in options
        ],
    )


class ProposalForm(discord.ui.Modal):
    """One page of the form (at most five fields), prefilled with the host's answers."""

    def __init__(self, env: FormEnv, target: int, step: int, answers: Answers) -> None:
        lang = env.ctx.lang
        title = (
            t(lang, "proposals.modal.edit_title", ref=f"#{target}", step=step, steps=len(STEPS))
            if target
            else t(lang, "proposals.modal.title", step=step, steps=len(STEPS))
        )
        super().__init__(
            title=cut(title, LABEL_MAX),
            custom_id=f"l4a:prop:modal:{target}:{step}",
            timeout=30 * 60,
        )
        for field in step_fields(step):
            self.add_item(
                discord.ui.Label(
                    text=cut(field.label(lang), LABEL_MAX),
                    description=cut(field.hint(lang), HINT_MAX),
                    component=_component(env, field, answers.get(field.key, "")),
                )
            )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        """Nothing here: every page is handled by :func:`submit_page`, called by the cog for any
        ``l4a:prop:modal:…`` submission, so a page opened before a restart is not lost."""


async def submit_page(
    interaction: discord.Interaction, target: int, step: int, raw: dict[str, str | list[str]]
) -> None:
    """A submitted page: kept in the draft; its problems named (with a button that reopens the
    page as typed), or the next page offered, or, after the last one, the proposal stored and
    its receipt shown."""
    ctx = await ctx_of(interaction)
    lang = ctx.lang
    fields = step_fields(step)
    known = {f.key for f in fields}
    values = {k.removeprefix("field:"): v for k, v in raw.items()}
    values = {k: v for k, v in values.items() if k in known}
    answers, errors, env = await service.save_answers(ctx, target, values, fields=fields)
    if errors:
        reply = service.errors_reply(env, errors)
        view = view_of(FormButton(target, step, t(lang, "proposals.button.fix")))
        await send_with_view(interaction, reply, view)
        return
    if step < STEPS[-1]:
        reply = Reply().para(t(lang, "proposals.discord.step_saved", step=step, steps=len(STEPS)))
        view = view_of(
            FormButton(target, step + 1, t(lang, "proposals.button.continue")),
            CancelButton(target, lang),
        )
        await send_with_view(interaction, reply, view)
        return
    result = await service.submit(ctx, target, answers)
    if result.errors:
        first = min(BY_KEY[key].step for key in result.errors)
        view = view_of(FormButton(target, first, t(lang, "proposals.button.fix")))
        await send_with_view(interaction, result.reply, view)
        return
    await send_reply(interaction, result.reply)
    if result.proposal is not None:
        await refresh_review(interaction.client, hub_of(interaction), result.proposal.id)


async def open_form(interaction: discord.Interaction, target: int, step: int = 1) -> None:
    """Show a form page prefilled with the host's answers, or say why they cannot fill it in."""
    ctx = await ctx_of(interaction)
    started = await service.start(ctx, target)
    if isinstance(started, Reply):
        await send_reply(interaction, started)
        return
    answers, env = started
    await interaction.response.send_modal(ProposalForm(env, target, step, answers))


class FormButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"l4a:prop:form:(?P<target>\d{1,18}):(?P<step>\d)",
):
    def __init__(self, target: int, step: int, label: str = "…") -> None:
        super().__init__(
            discord.ui.Button(
                label=cut(label, 80),
                style=discord.ButtonStyle.primary,
                custom_id=f"l4a:prop:form:{target}:{step}",
            )
        )
        self.target, self.step = target, step

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> FormButton:
        return cls(int(match["target"]), int(match["step"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await open_form(interaction, self.target, self.step if self.step in STEPS else 1)


class CancelButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"l4a:prop:cancel:(?P<target>\d{1,18})",
):
    def __init__(self, target: int, lang: str = "en") -> None:
        super().__init__(
            discord.ui.Button(
                label=t(lang, "proposals.button.cancel"),
                style=discord.ButtonStyle.secondary,
                custom_id=f"l4a:prop:cancel:{target}",
            )
        )
        self.target = target

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> CancelButton:
        return cls(int(match["target"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        ctx = await ctx_of(interaction)
        caller = ctx.caller
        await repo_of(ctx.hub).delete_draft(caller.front, caller.user_id, self.target)
        await send_reply(interaction, Reply().para(t(ctx.lang, "proposals.discord.cancelled")))


class WithdrawButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"l4a:prop:withdraw(?P<yes>-yes)?:(?P<id>\d{1,18})",
):
    """``withdraw`` asks for confirmation; ``withdraw-yes`` withdraws."""

    def __init__(self, proposal_id: int, confirmed: bool = False, lang: str = "en") -> None:
        key = "proposals.button.withdraw_confirm" if confirmed else "proposals.button.withdraw"
        super().__init__(
            discord.ui.Button(
                label=t(lang, key, ref=f"#{proposal_id}"),
                style=discord.ButtonStyle.danger,
                custom_id=f"l4a:prop:withdraw{'-yes' if confirmed else ''}:{proposal_id}",
            )
        )
        self.proposal_id, self.confirmed = proposal_id, confirmed

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> WithdrawButton:
        return cls(int(match["id"]), bool(match["yes"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        ctx = await ctx_of(interaction)
        if not self.confirmed:
            ask = Reply().para(
                t(ctx.lang, "proposals.discord.withdraw_ask", ref=f"#{self.proposal_id}")
            )
            await send_with_view(
                interaction, ask, view_of(WithdrawButton(self.proposal_id, True, ctx.lang))
            )
            return
        reply, proposal = await service.withdraw(ctx, self.proposal_id)
        await send_reply(interaction, reply)
        if proposal is not None:
            await refresh_review(interaction.client, ctx.hub, proposal.id)
