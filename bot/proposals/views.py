"""How proposals read: receipts, lists, review cards and the hosts' notices, as core replies.

Everything a host typed goes into a :class:`~bot.doc.Text` span, so each front escapes it for
its own markup: it can never ping anyone or change the formatting around it.
"""

from __future__ import annotations

from datetime import datetime

from bot.context import Ctx
from bot.doc import Code, Reply, Strong, Text
from bot.i18n import fmt_day_short, fmt_time, t, tn
from bot.proposals.form import FIELDS, FormEnv, SlotInfo, choice_label, slot_label
from bot.proposals.model import Answers, Proposal

#: Longest description shown on a review card or a receipt (the whole text is in the export).
CARD_TEXT_MAX = 700


def instant_text(ctx: Ctx, at: datetime) -> str:
    """``Mon, Oct 4, 11:59 PM CEST`` in the reader's zone and language."""
    local = at.astimezone(ctx.prefs.zone.tzinfo)
    day = fmt_day_short(local.date(), ctx.lang)
    return f"{day}, {fmt_time(local, ctx.lang)} {ctx.prefs.zone.label(at)}"


def status_text(lang: str, p: Proposal) -> str:
    return t(lang, f"proposals.status.{p.status}")


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def answers_items(
    env: FormEnv,
    reply: Reply,
    answers: Answers,
    *,
    numbered: bool = False,
    text_max: int | None = None,
) -> Reply:
    """One item per field: ``Title: …`` (empty optional answers say so)."""
    lang = env.ctx.lang
    for i, field in enumerate(FIELDS, 1):
        value = answers.get(field.key, "")
        shown = choice_label(env, field, value) if value else t(lang, "proposals.empty")
        if text_max and field.kind == "text":
            shown = _shorten(shown, text_max)
        head = f"{i}. {field.label(lang)}:" if numbered else f"{field.label(lang)}:"
        reply.item(Strong(head), " ", Text(shown))
    return reply


def heading(lang: str, p: Proposal) -> tuple[str, Text, str]:
    return (
        t(lang, "proposals.ref", ref=p.ref) + " · ",
        Text(p.title),
        f" · {status_text(lang, p)}",
    )


def summary(env: FormEnv, p: Proposal, *, text_max: int | None = None) -> Reply:
    lang = env.ctx.lang
    reply = Reply().heading(*heading(lang, p))
    answers_items(env, reply, p.answers(), text_max=text_max)
    if p.status == "approved" and p.approved_slot:
        info = env.slot(p.approved_slot)
        when = slot_label(env.ctx, info.session) if info else p.approved_slot
        reply.para(Strong(t(lang, "proposals.approved_into")), " ", when)
    if p.reason and p.status in ("rejected", "changes_requested"):
        reply.para(Strong(t(lang, "proposals.reason")), " ")
        reply.quote(Text(p.reason))
    reply.note(t(lang, "proposals.submitted", at=instant_text(env.ctx, p.created_at)))
    return reply


def receipt(env: FormEnv, p: Proposal, *, edited: bool) -> Reply:
    lang = env.ctx.lang
    key = "proposals.receipt.edited" if edited else "proposals.receipt.new"
    reply = Reply().para(t(lang, key, ref=p.ref))
    reply.extend(summary(env, p, text_max=CARD_TEXT_MAX))
    prefix = env.ctx.caller.prefix
    reply.note(t(lang, "proposals.receipt.next", cmd=f"{prefix}myproposals"))
    return reply


def my_list(env: FormEnv, proposals: list[Proposal], *, buttons: bool = False) -> Reply:
    """The host's proposals; how to edit or withdraw them by command, or by the buttons the front
    adds (``buttons``)."""
    lang = env.ctx.lang
    prefix = env.ctx.caller.prefix
    if not proposals:
        return Reply().para(t(lang, "proposals.mine.none", cmd=f"{prefix}propose"))
    reply = Reply().heading(t(lang, "proposals.mine.heading"))
    for p in proposals:
        info = env.slot(p.approved_slot or p.slot)
        when = slot_label(env.ctx, info.session) if info else (p.approved_slot or p.slot)
        reply.item(Code(p.ref), " ", Strong(p.title), f" · {status_text(lang, p)} · {when}")
        if p.reason and p.status in ("rejected", "changes_requested"):
            reply.quote(Text(p.reason))
    if any(p.is_open for p in proposals):
        key = "proposals.mine.how_buttons" if buttons else "proposals.mine.how"
        reply.note(t(lang, key, prefix=prefix))
    return reply


def slot_use(env: FormEnv, info: SlotInfo) -> str:
    return tn(  # "salle prise" / "salles prises" in French
        env.ctx.lang,
        "proposals.slot_use",
        info.approved,
        slot=slot_label(env.ctx, info.session),
        id=info.id,
        taken=info.approved,
        rooms=info.capacity,
    )


def review_card(
    env: FormEnv, p: Proposal, *, hints: bool, text_max: int | None = CARD_TEXT_MAX
) -> Reply:
    """What moderators see of one proposal; ``hints`` adds the text commands to decide.
    Long texts are shortened to ``text_max`` (``None``: shown whole; Discord attaches a card
    too long for one message as a file)."""
    lang = env.ctx.lang
    reply = summary(env, p, text_max=text_max)
    reply.note(t(lang, "proposals.review.from", host=p.host_name, front=p.front, user=p.user_id))
    if p.decided_by and p.decided_at and p.status != "pending":
        reply.note(
            t(
                lang,
                "proposals.review.decided",
                status=status_text(lang, p),
                by=p.decided_by,
                at=instant_text(env.ctx, p.decided_at),
            )
        )
    if hints and p.status in ("pending", "changes_requested"):
        reply.note(t(lang, "proposals.review.how", id=p.id, prefix=env.ctx.caller.prefix))
    return reply


def notice(env: FormEnv, p: Proposal) -> Reply:
    """The private message telling the host of a decision, in the host's language and zone."""
    lang = env.ctx.lang
    reply = Reply(private=True)
    if p.status == "approved":
        info = env.slot(p.approved_slot or "")
        when = slot_label(env.ctx, info.session) if info else (p.approved_slot or "")
        reply.para(t(lang, "proposals.notice.approved", ref=p.ref), " ", Text(p.title))
        reply.para(Strong(t(lang, "proposals.approved_into")), " ", when)
        reply.note(t(lang, "proposals.notice.approved_next", prefix=env.ctx.caller.prefix))
    elif p.status == "rejected":
        reply.para(t(lang, "proposals.notice.rejected", ref=p.ref), " ", Text(p.title))
        reply.quote(Text(p.reason or ""))
    else:
        reply.para(t(lang, "proposals.notice.changes", ref=p.ref), " ", Text(p.title))
        reply.quote(Text(p.reason or ""))
        cmd = f"{env.ctx.caller.prefix}myproposals"
        reply.note(t(lang, "proposals.notice.changes_next", cmd=cmd))
    return reply
