"""The proposal form on Discord: modals built from the core's form definition, and buttons that
keep working after a restart (``DynamicItem``: the proposal id lives in the ``custom_id``, the
truth in the database).

custom_ids: ``l4a:prop:form:<target>:<step>`` (open a form page; target 0 = a new proposal),
``l4a:prop:cancel:<target>``, ``l4a:prop:withdraw:<id>``, ``l4a:prop:withdraw-yes:<id>``,
``l4a:prop:review:<approve|reject|changes>:<id>``, ``l4a:prop:slot:<id>`` (a slot select).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

import discord

from bot.doc import Reply, error
from bot.hub import Ctx, Hub
from bot.i18n import t
from bot.proposals import moderation, service
from bot.proposals.env import repo_of
from bot.proposals.form import BY_KEY, STEPS, Field, FormEnv, choices, step_fields
from bot.proposals.model import Answers, Decision
from bot.proposals.views import slot_use
from cogs.common import caller_from
from cogs.render import NO_PINGS, send_reply, to_messages

log = logging.getLogger(__name__)
SELECT_MAX = 25
RADIO_MIN, RADIO_MAX = 2, 10
LABEL_MAX, HINT_MAX, OPTION_MAX = 45, 100, 100


def hub_of(interaction: discord.Interaction) -> Hub:
    hub = getattr(interaction.client, "hub", None)
    assert isinstance(hub, Hub), "the client must carry the hub (fronts.discord_client.HubBot)"
    return hub


def ctx_of(interaction: discord.Interaction) -> Ctx:
    hub = hub_of(interaction)
    return hub.context(caller_from(interaction, hub))


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


async def send_with_view(
    interaction: discord.Interaction, reply: Reply, view: discord.ui.View | None = None
) -> None:
    """Answer with ``reply`` (split as needed); the buttons go on the last message."""
    if view is None or not view.children:
        await send_reply(interaction, reply)
        return
    messages = to_messages(reply)
    for i, content in enumerate(messages):
        extra: dict[str, Any] = {"view": view} if i == len(messages) - 1 else {}
        if not interaction.response.is_done():
            await interaction.response.send_message(
                content, ephemeral=reply.private, allowed_mentions=NO_PINGS, **extra
            )
        else:
            await interaction.followup.send(
                content, ephemeral=reply.private, allowed_mentions=NO_PINGS, **extra
            )


# -- the form --------------------------------------------------------------------------------
def _component(env: FormEnv, field: Field, value: str) -> discord.ui.Item[Any]:
    custom_id = f"field:{field.key}"
    if not field.is_choice:
        style = discord.TextStyle.paragraph if field.kind == "text" else discord.TextStyle.short
        return discord.ui.TextInput(
            custom_id=custom_id,
            style=style,
            default=value or None,
            required=field.required,
            max_length=field.max_len,
        )
    options = choices(env, field, value)
    picked = set(value.split(",")) if value else set()
    if field.kind == "choice" and RADIO_MIN <= len(options) <= RADIO_MAX and field.key != "slot":
        return discord.ui.RadioGroup(
            custom_id=custom_id,
            required=field.required,
            options=[
                discord.RadioGroupOption(
                    label=_cut(c.label, OPTION_MAX), value=c.value, default=c.value in picked
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
                label=_cut(c.label, OPTION_MAX), value=c.value, default=c.value in picked
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
            title=_cut(title, LABEL_MAX),
            custom_id=f"l4a:prop:modal:{target}:{step}",
            timeout=30 * 60,
        )
        self.target = target
        self.step = step
        self.fields = step_fields(step)
        for field in self.fields:
            self.add_item(
                discord.ui.Label(
                    text=_cut(field.label(lang), LABEL_MAX),
                    description=_cut(field.hint(lang), HINT_MAX),
                    component=_component(env, field, answers.get(field.key, "")),
                )
            )

    def values(self) -> dict[str, str | list[str]]:
        out: dict[str, str | list[str]] = {}
        for label in self.children:
            assert isinstance(label, discord.ui.Label)
            item = label.component
            key = str(getattr(item, "custom_id", "")).removeprefix("field:")
            if isinstance(item, discord.ui.TextInput):
                out[key] = item.value or ""
            elif isinstance(item, discord.ui.Select):
                out[key] = [str(v) for v in item.values]
            elif isinstance(item, discord.ui.RadioGroup):
                out[key] = item.value or ""
        return out

    async def on_submit(self, interaction: discord.Interaction) -> None:
        from cogs.proposals import after_submit  # the cog posts review cards

        ctx = ctx_of(interaction)
        lang = ctx.lang
        answers, errors, env = await service.save_answers(
            ctx, self.target, self.values(), fields=self.fields
        )
        if errors:
            reply = service.errors_reply(env, errors)
            view = _view(FormButton(self.target, self.step, t(lang, "proposals.button.fix")))
            await send_with_view(interaction, reply, view)
            return
        if self.step < STEPS[-1]:
            reply = Reply().para(
                t(lang, "proposals.discord.step_saved", step=self.step, steps=len(STEPS))
            )
            view = _view(
                FormButton(self.target, self.step + 1, t(lang, "proposals.button.continue")),
                CancelButton(self.target, lang),
            )
            await send_with_view(interaction, reply, view)
            return
        result = await service.submit(ctx, self.target, answers)
        if result.errors:
            first = min(BY_KEY[key].step for key in result.errors)
            view = _view(FormButton(self.target, first, t(lang, "proposals.button.fix")))
            await send_with_view(interaction, result.reply, view)
            return
        await send_reply(interaction, result.reply)
        if result.proposal is not None:
            await after_submit(interaction.client, hub_of(interaction), result.proposal)

    async def on_error(self, interaction: discord.Interaction, exc: Exception, /) -> None:
        await report_error(interaction, exc)


async def report_error(interaction: discord.Interaction, exc: Exception) -> None:
    log.error("proposal interaction failed", exc_info=exc)
    lang = hub_of(interaction).prefs(caller_from(interaction, hub_of(interaction))).lang
    try:
        await send_reply(interaction, error(t(lang, "errors.internal")))
    except discord.HTTPException:
        log.warning("could not tell the user about the error", exc_info=True)


def _view(*items: discord.ui.Item[Any]) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for item in items:
        view.add_item(item)
    return view


async def open_form(interaction: discord.Interaction, target: int, step: int = 1) -> None:
    """Show a form page prefilled with the host's answers, or say why they cannot fill it in."""
    ctx = ctx_of(interaction)
    started = await service.start(ctx, target)
    if isinstance(started, Reply):
        await send_reply(interaction, started)
        return
    answers, env = started
    await interaction.response.send_modal(ProposalForm(env, target, step, answers))


# -- persistent buttons ----------------------------------------------------------------------
class FormButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"l4a:prop:form:(?P<target>\d+):(?P<step>\d)",
):
    def __init__(self, target: int, step: int, label: str = "…") -> None:
        super().__init__(
            discord.ui.Button(
                label=_cut(label, 80),
                style=discord.ButtonStyle.primary,
                custom_id=f"l4a:prop:form:{target}:{step}",
            )
        )
        self.target, self.step = target, step

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str], /
    ) -> FormButton:
        return cls(int(match["target"]), int(match["step"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await open_form(interaction, self.target, self.step if self.step in STEPS else 1)


class CancelButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"l4a:prop:cancel:(?P<target>\d+)",
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
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str], /
    ) -> CancelButton:
        return cls(int(match["target"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        ctx = ctx_of(interaction)
        caller = ctx.caller
        await repo_of(ctx.hub).delete_draft(caller.front, caller.user_id, self.target)
        await send_reply(interaction, Reply().para(t(ctx.lang, "proposals.discord.cancelled")))


class WithdrawButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"l4a:prop:withdraw(?P<yes>-yes)?:(?P<id>\d+)",
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
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str], /
    ) -> WithdrawButton:
        return cls(int(match["id"]), bool(match["yes"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        from cogs.proposals import refresh_review

        ctx = ctx_of(interaction)
        if not self.confirmed:
            ask = Reply().para(
                t(ctx.lang, "proposals.discord.withdraw_ask", ref=f"#{self.proposal_id}")
            )
            await send_with_view(
                interaction, ask, _view(WithdrawButton(self.proposal_id, True, ctx.lang))
            )
            return
        reply, proposal = await service.withdraw(ctx, self.proposal_id)
        await send_reply(interaction, reply)
        if proposal is not None:
            await refresh_review(interaction.client, ctx.hub, proposal.id)


ReviewAction = Callable[[discord.Interaction, int], Awaitable[None]]
_ACTIONS: dict[str, Decision] = {
    "approve": "approved",
    "reject": "rejected",
    "changes": "changes_requested",
}


class ReviewButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"l4a:prop:review:(?P<action>approve|reject|changes):(?P<id>\d+)",
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
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str], /
    ) -> ReviewButton:
        return cls(match["action"], int(match["id"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        from cogs.proposals import decide_and_tell

        ctx = ctx_of(interaction)
        refusal = moderation.refuse_unless_moderator(ctx, "decide")
        if refusal:
            await send_reply(interaction, refusal)
            return
        decision = _ACTIONS[self.action]
        if decision == "approved":
            await decide_and_tell(interaction, self.proposal_id, decision)
            return
        await interaction.response.send_modal(ReasonModal(ctx.lang, self.proposal_id, decision))


def review_view(proposal_id: int, lang: str) -> discord.ui.View:
    return _view(*(ReviewButton(a, proposal_id, lang) for a in _ACTIONS))


class ReasonModal(discord.ui.Modal):
    """The message that goes to the host with a rejection or a request for changes."""

    def __init__(self, lang: str, proposal_id: int, decision: Decision) -> None:
        super().__init__(
            title=_cut(t(lang, f"proposals.modal.reason_{decision}", ref=f"#{proposal_id}"), 45),
            custom_id=f"l4a:prop:reason:{decision}:{proposal_id}",
            timeout=30 * 60,
        )
        self.proposal_id, self.decision = proposal_id, decision
        self.reason = discord.ui.TextInput(
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
        from cogs.proposals import decide_and_tell

        await decide_and_tell(
            interaction, self.proposal_id, self.decision, reason=self.reason.value or ""
        )

    async def on_error(self, interaction: discord.Interaction, exc: Exception, /) -> None:
        await report_error(interaction, exc)


class SlotSelect(
    discord.ui.DynamicItem[discord.ui.Select[Any]],
    template=r"l4a:prop:slot:(?P<id>\d+)",
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
        cls, interaction: discord.Interaction, item: discord.ui.Select[Any], match: re.Match[str], /
    ) -> SlotSelect:
        select = cls(int(match["id"]))
        select.item.options = item.options
        return select

    async def callback(self, interaction: discord.Interaction) -> None:
        from cogs.proposals import decide_and_tell

        values = self.item.values
        slot = str(values[0]) if values else None
        await decide_and_tell(interaction, self.proposal_id, "approved", slot=slot)


def slot_select(env: FormEnv, proposal_id: int) -> discord.ui.View:
    options = [
        discord.SelectOption(label=_cut(slot_use(env, s), OPTION_MAX), value=s.id)
        for s in env.open_slots()[:SELECT_MAX]
    ]
    select = SlotSelect(proposal_id, options)
    select.item.placeholder = t(env.ctx.lang, "proposals.button.slot_placeholder")
    return _view(select)


DYNAMIC_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (
    FormButton,
    CancelButton,
    WithdrawButton,
    ReviewButton,
    SlotSelect,
)
