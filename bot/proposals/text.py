"""The proposals' text commands (console, Matrix), declared in ``COMMANDS`` below.

Hosts: ``propose``, ``myproposals``, ``edit ID``, ``withdraw ID``. Moderators: ``review [ID]``,
``approve ID [slot]``, ``reject ID reason``, ``changes ID reason`` and
``proposals open|close|auto|review|export`` (``proposals`` alone: is the form open?).
"""

from __future__ import annotations

from bot.context import Ctx
from bot.doc import Code, Reply, error
from bot.i18n import t
from bot.programme import fold
from bot.proposals import conversation, moderation, service, window
from bot.proposals.conversation import is_word
from bot.proposals.model import parse_ref
from bot.registry import TEXT_FRONTS, Command, Invocation, Param

ACTIONS = ("status", "review", "open", "close", "auto", "export")


def _ctx(inv: Invocation) -> Ctx:
    return inv.hub.context(inv.caller)


def _id_and_rest(text: str) -> tuple[int | None, str]:
    head, _, rest = text.strip().partition(" ")
    return parse_ref(head), rest.strip()


async def propose(inv: Invocation) -> Reply:
    return await conversation.begin(_ctx(inv))


async def myproposals(inv: Invocation) -> Reply:
    reply, _ = await service.mine(_ctx(inv))
    return reply


async def edit(inv: Invocation) -> Reply:
    ctx = _ctx(inv)
    ref = parse_ref(inv.args)
    if ref is None:
        return error(t(ctx.lang, "proposals.bad_ref", cmd=f"{inv.prefix}myproposals"))
    return await conversation.begin(ctx, ref)


async def withdraw(inv: Invocation) -> Reply:
    reply, _ = await service.withdraw(_ctx(inv), parse_ref(inv.args))
    return reply


async def review(inv: Invocation) -> Reply:
    ctx = _ctx(inv)
    if inv.args.strip():
        ref = parse_ref(inv.args)
        if ref is None:
            return error(t(ctx.lang, "proposals.unknown", ref=inv.args.strip()[:20]))
        return await moderation.review(ctx, ref)
    return await moderation.review(ctx)


def _no_number(inv: Invocation, ref: int | None) -> Reply | None:
    """A moderator who gave no proposal number is asked for one (others hear they are not
    moderators, from ``decide``)."""
    if ref is not None or not inv.caller.is_moderator:
        return None
    return error(t(_ctx(inv).lang, "proposals.bad_ref", cmd=f"{inv.prefix}review"))


async def approve(inv: Invocation) -> Reply:
    ref, slot = _id_and_rest(inv.args)
    if refusal := _no_number(inv, ref):
        return refusal
    result = await moderation.decide(_ctx(inv), ref, "approved", slot=slot or None)
    return result.reply


async def reject(inv: Invocation) -> Reply:
    ref, reason = _id_and_rest(inv.args)
    if refusal := _no_number(inv, ref):
        return refusal
    return (await moderation.decide(_ctx(inv), ref, "rejected", reason=reason)).reply


async def changes(inv: Invocation) -> Reply:
    ref, reason = _id_and_rest(inv.args)
    if refusal := _no_number(inv, ref):
        return refusal
    return (await moderation.decide(_ctx(inv), ref, "changes_requested", reason=reason)).reply


async def proposals(inv: Invocation) -> Reply:
    ctx = _ctx(inv)
    word = fold(inv.args.strip())
    if not word or is_word(word, "status"):
        return await window.window_status(ctx)
    if is_word(word, "review"):
        return await moderation.review(ctx)
    if is_word(word, "export"):
        return await moderation.export(ctx)
    for mode in ("open", "close", "auto"):
        if is_word(word, mode):
            return await window.set_window(ctx, mode)
    reply = error(t(ctx.lang, "proposals.bad_action", value=inv.args.strip()[:30]))
    for action in ACTIONS:
        reply.item(Code(f"{inv.prefix}proposals {action}"))
    return reply


_ID = Param("id", required=True)

#: Discord: cogs/proposals.py (modals; edit, withdraw and review are buttons there).
COMMANDS = (
    Command("propose", (), propose, confidential=True, discord_ui=True),
    Command("myproposals", (), myproposals, confidential=True, discord_ui=True),
    Command("edit", (_ID,), edit, fronts=TEXT_FRONTS, confidential=True),
    Command("withdraw", (_ID,), withdraw, fronts=TEXT_FRONTS, confidential=True),
    Command("proposals", (Param("action"),), proposals, discord_ui=True),
    Command(
        "review",
        (Param("id"),),
        review,
        fronts=TEXT_FRONTS,
        moderator_only=True,
        confidential=True,
    ),
    Command("approve", (_ID, Param("slot")), approve, fronts=TEXT_FRONTS, moderator_only=True),
    Command("reject", (_ID, Param("reason")), reject, fronts=TEXT_FRONTS, moderator_only=True),
    Command("changes", (_ID, Param("reason")), changes, fronts=TEXT_FRONTS, moderator_only=True),
)
