"""The moderators' side: review, decide (approve into a slot with room, reject, ask for
changes), export; and the notices that tell hosts of each decision in their own language."""

from __future__ import annotations

from dataclasses import dataclass

from bot.context import Caller, Ctx
from bot.doc import Attachment, Reply, Strong, Text, error
from bot.hub import Hub
from bot.i18n import t, tn
from bot.moderators import moderators_only
from bot.proposals.env import form_env, repo_of
from bot.proposals.export import export_name, proposals_csv
from bot.proposals.form import FormEnv, SlotInfo
from bot.proposals.model import OPEN_STATUSES, Decision, Proposal, clean_text
from bot.proposals.repo import Notice
from bot.proposals.sessions import rebuild_programme
from bot.proposals.views import instant_text, notice, review_card, slot_use

REASON_MIN, REASON_MAX = 3, 1000


def refuse_unless_moderator(ctx: Ctx, action: str) -> Reply | None:
    if ctx.caller.is_moderator:
        return None
    return moderators_only(ctx, t(ctx.lang, f"proposals.refuse.{action}"))


async def review(ctx: Ctx, ref: int | None = None, *, hints: bool = True) -> Reply:
    """One proposal in full, or every proposal waiting for a decision."""
    refusal = refuse_unless_moderator(ctx, "review")
    if refusal:
        return refusal
    env = await form_env(ctx)
    repo = repo_of(ctx.hub)
    if ref is not None:
        p = await repo.get(ref)
        if p is None:
            return error(t(ctx.lang, "proposals.unknown", ref=f"#{ref}"))
        return review_card(env, p, hints=hints)
    waiting = await repo.with_status(OPEN_STATUSES)
    if not waiting:
        return Reply().para(t(ctx.lang, "proposals.review.none"))
    reply = Reply().para(tn(ctx.lang, "proposals.review.count", len(waiting)))
    for p in waiting:
        reply.extend(review_card(env, p, hints=hints))
    for info in env.slots:
        reply.note(slot_use(env, info))
    return reply


@dataclass(slots=True)
class Decided:
    reply: Reply
    proposal: Proposal | None = None
    #: Set when the chosen slot cannot take the session: the slots that can (maybe none).
    choose_slot: list[SlotInfo] | None = None


def _resolve_slot(env: FormEnv, text: str) -> SlotInfo | None:
    q = text.strip().casefold()
    if q.isdigit() and 1 <= int(q) <= len(env.slots):
        return env.slots[int(q) - 1]
    return env.slot(q)


async def decide(
    ctx: Ctx,
    proposal_id: int | None,
    decision: Decision,
    *,
    reason: str | None = None,
    slot: str | None = None,
) -> Decided:
    """Approve (into the preferred slot or ``slot``), reject, or ask for changes (both with a
    reason for the host). The host's notice is queued with the decision."""
    lang = ctx.lang
    refusal = refuse_unless_moderator(ctx, "decide")
    if refusal:
        return Decided(refusal)
    repo = repo_of(ctx.hub)
    p = await repo.get(proposal_id) if proposal_id is not None else None
    if p is None:
        shown = f"#{proposal_id}" if proposal_id is not None else "?"
        return Decided(error(t(lang, "proposals.unknown", ref=shown)))
    if not _may_decide(p, decision):
        return Decided(_already(ctx, p), p)
    env = await form_env(ctx)
    who = ctx.caller.name or ctx.caller.user_id
    if decision == "approved":
        info = _resolve_slot(env, slot) if slot else env.slot(p.slot)
        if info is None:
            return Decided(_choose_slot(env, p, None, t(lang, "proposals.slot_unknown")), p, [])
        if not info.open(ctx.now):
            key = "proposals.slot_started" if info.started(ctx.now) else "proposals.slot_full"
            why = t(lang, key, slot=slot_use(env, info))
            return Decided(_choose_slot(env, p, info, why), p, env.open_slots())
        ok = await repo.decide(
            p.id, "approved", by=who, now=ctx.now, slot=info.id, capacity=info.capacity
        )
        if not ok:
            return await _lost_race(ctx, p)
        await rebuild_programme(ctx.hub)
    else:
        text = clean_text(reason or "", multiline=True)
        if not REASON_MIN <= len(text) <= REASON_MAX:
            verb = "reject" if decision == "rejected" else "changes"
            cmd = f"{ctx.caller.prefix}{verb} {p.id} …"
            return Decided(
                error(t(lang, "proposals.reason_needed", min=REASON_MIN, max=REASON_MAX, cmd=cmd)),
                p,
            )
        if not await repo.decide(p.id, decision, by=who, now=ctx.now, reason=text):
            return await _lost_race(ctx, p)
    decided = await repo.get(p.id)
    assert decided is not None
    env = await form_env(ctx)  # the slots' use after this decision
    done = Reply().para(
        t(lang, f"proposals.decided.{decision}", ref=decided.ref), " ", Text(decided.title)
    )
    if decision == "approved":
        info = env.slot(decided.approved_slot or "")
        if info:
            done.para(Strong(t(lang, "proposals.approved_into")), " ", slot_use(env, info))
    done.note(t(lang, "proposals.decided.host_told"))
    return Decided(done, decided)


def _may_decide(p: Proposal, decision: Decision) -> bool:
    """Pending: any decision. Waiting for the host's changes: approve or reject only."""
    return p.status == "pending" or (
        p.status == "changes_requested" and decision != "changes_requested"
    )


def _already(ctx: Ctx, p: Proposal) -> Reply:
    status = t(ctx.lang, f"proposals.status.{p.status}")
    reply = error(t(ctx.lang, "proposals.already", ref=p.ref, status=status))
    if p.decided_by and p.decided_at and p.status not in ("pending", "withdrawn"):
        at = instant_text(ctx, p.decided_at)
        reply.note(t(ctx.lang, "proposals.review.decided", status=status, by=p.decided_by, at=at))
    return reply


async def _lost_race(ctx: Ctx, p: Proposal) -> Decided:
    """The write matched nothing: someone decided first, or the slot just filled up."""
    fresh = await repo_of(ctx.hub).get(p.id)
    assert fresh is not None
    if not fresh.is_open:
        return Decided(_already(ctx, fresh), fresh)
    env = await form_env(ctx)
    return Decided(
        _choose_slot(env, fresh, None, t(ctx.lang, "proposals.slot_taken")),
        fresh,
        env.open_slots(),
    )


def _choose_slot(env: FormEnv, p: Proposal, info: SlotInfo | None, why: str) -> Reply:
    lang = env.ctx.lang
    reply = error(why)
    open_slots = env.open_slots()
    if not open_slots:
        return reply.para(t(lang, "proposals.no_room"))
    reply.para(t(lang, "proposals.choose_slot", ref=p.ref))
    for s in open_slots:
        reply.item(slot_use(env, s))
    example = f"{env.ctx.caller.prefix}approve {p.id} {open_slots[0].id}"
    return reply.note(t(lang, "proposals.choose_slot_how", cmd=example))


# -- notices to hosts ------------------------------------------------------------------------
async def notice_reply(hub: Hub, n: Notice) -> Reply | None:
    """The private message telling ``n``'s host of the decision, in the host's language
    (``None`` when the proposal is gone). Sent by ``bot.announce.told``."""
    p = await repo_of(hub).get(n.proposal_id)
    if p is None:
        return None
    ctx = hub.context(Caller(n.front, n.user_id, p.host_name, locale=p.lang))
    return notice(await form_env(ctx), p)


async def due_notices(hub: Hub, front: str) -> list[tuple[Notice, Reply]]:
    """Decisions not yet told to their hosts on ``front``, each written for its host."""
    out = []
    for n in await repo_of(hub).undelivered(front):
        reply = await notice_reply(hub, n)
        if reply is not None:
            out.append((n, reply))
    return out


async def notice_sent(hub: Hub, notice_id: int, delivered: bool) -> None:
    repo = repo_of(hub)
    if delivered:
        await repo.delivered(notice_id, hub.clock.now())
    else:
        await repo.failed(notice_id)


# -- export ----------------------------------------------------------------------------------
async def export(ctx: Ctx) -> Reply:
    """Every proposal as a CSV attachment (moderators)."""
    refusal = refuse_unless_moderator(ctx, "export")
    if refusal:
        return refusal
    proposals = await repo_of(ctx.hub).all()
    programme = ctx.hub.base_programme
    data = proposals_csv(proposals, programme, ctx.lang)
    reply = Reply().para(tn(ctx.lang, "proposals.exported", len(proposals)))
    reply.attachments.append(Attachment(export_name(ctx.now, programme), data, "text/csv"))
    return reply
