"""The proposals' operations, for every front: fill in, submit, edit, withdraw, list (hosts);
review, decide, open or close the form (moderators). Each takes a :class:`~bot.hub.Ctx`.

A host's answers are kept in a draft at every step, so a refusal never loses what they typed;
a proposal or a decision is committed before anyone is told about it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from bot.doc import Attachment, Reply, Strong, Text, error
from bot.hub import Caller, Ctx, Hub
from bot.i18n import t
from bot.proposals.export import export_name, proposals_csv
from bot.proposals.form import FIELDS, BY_KEY, Field, FormEnv, SlotInfo, normalize, validate
from bot.proposals.model import (
    OPEN_STATUSES,
    Answers,
    Decision,
    Proposal,
    clean_text,
)
from bot.proposals.repo import Duplicate, Notice, ProposalRepo
from bot.proposals.sessions import rebuild_programme
from bot.proposals.views import instant_text, my_list, notice, receipt, review_card, slot_use

WINDOW_KEY = "window"
WindowMode = Literal["open", "close", "auto"]
REASON_MIN, REASON_MAX = 3, 1000


def repo_of(hub: Hub) -> ProposalRepo:
    return ProposalRepo(hub.store.db)


async def form_env(ctx: Ctx) -> FormEnv:
    counts = await repo_of(ctx.hub).approved_per_slot()
    rooms = ctx.hub.config.proposals.rooms_per_slot
    slots = tuple(
        SlotInfo(s, counts.get(s.id, 0), rooms)
        for s in ctx.hub.base_programme.hub_slots()
        if s.timed
    )
    return FormEnv(ctx, slots)


# -- the submission window -------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Window:
    open: bool
    why: Literal["open", "forced_open", "forced_closed", "not_yet", "over"]
    opens_at: datetime | None
    closes_at: datetime | None


async def window(ctx: Ctx) -> Window:
    cfg = ctx.hub.config.proposals
    forced = await repo_of(ctx.hub).setting(WINDOW_KEY)
    if forced == "open":
        return Window(True, "forced_open", cfg.opens_at, cfg.closes_at)
    if forced == "closed":
        return Window(False, "forced_closed", cfg.opens_at, cfg.closes_at)
    if cfg.opens_at and ctx.now < cfg.opens_at:
        return Window(False, "not_yet", cfg.opens_at, cfg.closes_at)
    if cfg.closes_at and ctx.now >= cfg.closes_at:
        return Window(False, "over", cfg.opens_at, cfg.closes_at)
    return Window(True, "open", cfg.opens_at, cfg.closes_at)


def _dates_note(ctx: Ctx, w: Window, reply: Reply) -> Reply:
    lang = ctx.lang
    opens = instant_text(ctx, w.opens_at) if w.opens_at else None
    closes = instant_text(ctx, w.closes_at) if w.closes_at else None
    if opens and closes:
        return reply.note(t(lang, "proposals.window.dates", opens=opens, closes=closes))
    if closes:
        return reply.note(t(lang, "proposals.window.deadline", closes=closes))
    if opens:
        return reply.note(t(lang, "proposals.window.from", opens=opens))
    return reply


def _closed_reply(ctx: Ctx, w: Window) -> Reply:
    lang = ctx.lang
    if w.why == "not_yet" and w.opens_at:
        reply = error(t(lang, "proposals.window.not_yet", opens=instant_text(ctx, w.opens_at)))
    elif w.why == "over" and w.closes_at:
        reply = error(t(lang, "proposals.window.over", closes=instant_text(ctx, w.closes_at)))
    else:
        reply = error(t(lang, "proposals.window.closed_by_moderators"))
    return _dates_note(ctx, w, reply)


async def _can_add(ctx: Ctx, env: FormEnv) -> Reply | None:
    """Why this host cannot submit a new proposal now (``None``: they can)."""
    w = await window(ctx)
    if not w.open:
        return _closed_reply(ctx, w)
    if not env.open_slots():
        return error(t(ctx.lang, "proposals.window.no_slots"))
    limit = ctx.hub.config.proposals.max_pending_per_host
    caller = ctx.caller
    if await repo_of(ctx.hub).open_count(caller.front, caller.user_id) >= limit:
        cmd = f"{caller.prefix}myproposals"
        return error(t(ctx.lang, "proposals.limit", limit=limit, cmd=cmd))
    return None


# -- hosts -----------------------------------------------------------------------------------
async def _own(ctx: Ctx, proposal_id: int | None, *, must_be_open: bool = True) -> Proposal | Reply:
    lang = ctx.lang
    if proposal_id is None:
        return error(t(lang, "proposals.bad_ref", cmd=f"{ctx.caller.prefix}myproposals"))
    p = await repo_of(ctx.hub).get(proposal_id)
    if p is None or (p.front, p.user_id) != (ctx.caller.front, ctx.caller.user_id):
        return error(t(lang, "proposals.not_yours", ref=f"#{proposal_id}"))
    if must_be_open and not p.is_open:
        status = t(lang, f"proposals.status.{p.status}")
        return error(t(lang, "proposals.not_open", ref=p.ref, status=status))
    return p


async def start(ctx: Ctx, target: int = 0) -> tuple[Answers, FormEnv] | Reply:
    """The answers to prefill a form with (a new proposal, or ``target`` to edit), or why the
    host cannot fill it in."""
    env = await form_env(ctx)
    caller = ctx.caller
    repo = repo_of(ctx.hub)
    if target == 0:
        refusal = await _can_add(ctx, env)
        if refusal:
            return refusal
        draft = await repo.draft(caller.front, caller.user_id, 0)
        if draft:
            return draft.answers, env
        return {"host_name": clean_text(caller.name)[: BY_KEY["host_name"].max_len]}, env
    own = await _own(ctx, target)
    if isinstance(own, Reply):
        return own
    draft = await repo.draft(caller.front, caller.user_id, target)
    if draft and draft.updated_at >= own.updated_at:
        return draft.answers, env
    return own.answers(), env


async def save_answers(
    ctx: Ctx,
    target: int,
    raw: dict[str, str | list[str]],
    *,
    fields: tuple[Field, ...] = FIELDS,
    step: int | None = None,
) -> tuple[Answers, dict[str, str], FormEnv]:
    """Keep what the host typed (merged into their draft) and say what is wrong with ``fields``."""
    caller = ctx.caller
    repo = repo_of(ctx.hub)
    draft = await repo.draft(caller.front, caller.user_id, target)
    answers: Answers = dict(draft.answers) if draft else {}
    for key, value in raw.items():
        answers[key] = normalize(BY_KEY[key], value)
    await repo.save_draft(caller.front, caller.user_id, target, answers, ctx.now, step)
    env = await form_env(ctx)
    return answers, validate(env, answers, fields), env


def errors_reply(env: FormEnv, errors: dict[str, str]) -> Reply:
    lang = env.ctx.lang
    reply = error(t(lang, "proposals.fix", count=len(errors)))
    for key, problem in errors.items():
        reply.item(Strong(BY_KEY[key].label(lang) + ":"), " ", problem)
    return reply.note(t(lang, "proposals.kept"))


@dataclass(slots=True)
class Submitted:
    reply: Reply
    proposal: Proposal | None = None
    #: Problems per field: the form goes back to the host with their answers kept.
    errors: dict[str, str] = field(default_factory=dict)


async def submit(ctx: Ctx, target: int, answers: Answers) -> Submitted:
    """Store a new proposal (``target`` 0) or an edit, and answer with the receipt — or with every
    problem. The answers stay in the host's draft until the proposal is stored."""
    caller = ctx.caller
    repo = repo_of(ctx.hub)
    env = await form_env(ctx)
    if target:
        own = await _own(ctx, target)
        if isinstance(own, Reply):
            return Submitted(own)
    else:
        refusal = await _can_add(ctx, env)
        if refusal:
            return Submitted(refusal.note(t(ctx.lang, "proposals.kept")))
    errors = validate(env, answers)
    title = answers.get("title", "")
    if "title" not in errors:
        same = await repo.same_title(caller.front, caller.user_id, title, exclude=target)
        if same:
            errors["title"] = t(
                ctx.lang, "proposals.error.duplicate", title=same.title, ref=same.ref
            )
    limit = ctx.hub.config.proposals.max_pending_per_host
    if not errors:
        try:
            if target:
                stored = await repo.update(target, ctx.lang, answers, ctx.now)
                new_id: int | None = target if stored else None
            else:
                new_id = await repo.insert(
                    caller.front, caller.user_id, ctx.lang, answers, ctx.now, limit
                )
        except Duplicate:
            errors["title"] = t(ctx.lang, "proposals.error.duplicate", title=title, ref="")
        else:
            if new_id is None:  # raced: limit reached or no longer open since the checks
                return Submitted(error(t(ctx.lang, "proposals.not_stored")))
            await repo.delete_draft(caller.front, caller.user_id, target)
            p = await repo.get(new_id)
            assert p is not None
            return Submitted(receipt(env, p, edited=bool(target)), p)
    await repo.save_draft(caller.front, caller.user_id, target, answers, ctx.now)
    return Submitted(errors_reply(env, errors), None, errors)


async def withdraw(ctx: Ctx, proposal_id: int | None) -> tuple[Reply, Proposal | None]:
    own = await _own(ctx, proposal_id)
    if isinstance(own, Reply):
        return own, None
    repo = repo_of(ctx.hub)
    if not await repo.withdraw(own.id, ctx.now):
        return error(t(ctx.lang, "proposals.not_stored")), None
    await repo.delete_draft(ctx.caller.front, ctx.caller.user_id, own.id)
    return Reply().para(t(ctx.lang, "proposals.withdrawn", ref=own.ref), " ", Text(own.title)), own


async def mine(ctx: Ctx, *, buttons: bool = False) -> tuple[Reply, list[Proposal]]:
    proposals = await repo_of(ctx.hub).by_host(ctx.caller.front, ctx.caller.user_id)
    return my_list(await form_env(ctx), proposals, buttons=buttons), proposals


# -- moderators ------------------------------------------------------------------------------
def refuse_unless_moderator(ctx: Ctx, action: str) -> Reply | None:
    if ctx.caller.is_moderator:
        return None
    return error(t(ctx.lang, f"proposals.refuse.{action}"))


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
    reply = Reply().para(t(ctx.lang, "proposals.review.count", count=len(waiting)))
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


async def set_window(ctx: Ctx, mode: WindowMode) -> Reply:
    refusal = refuse_unless_moderator(ctx, "window")
    if refusal:
        return refusal
    value = {"open": "open", "close": "closed", "auto": None}[mode]
    await repo_of(ctx.hub).set_setting(WINDOW_KEY, value)
    return await window_status(ctx)


async def window_status(ctx: Ctx) -> Reply:
    """Is the form open, until when, and how full the slots are."""
    lang = ctx.lang
    w = await window(ctx)
    env = await form_env(ctx)
    if w.open and env.open_slots():
        reply = Reply().para(t(lang, f"proposals.window.is_{w.why}"))
        _dates_note(ctx, w, reply)
    elif w.open:
        reply = Reply().para(t(lang, "proposals.window.no_slots"))
    else:
        reply = _closed_reply(ctx, w)
        reply.ok = True
    for info in env.slots:
        reply.item(slot_use(env, info))
    if ctx.caller.is_moderator:
        reply.note(t(lang, "proposals.window.how", prefix=ctx.caller.prefix))
    return reply


# -- notices to hosts ------------------------------------------------------------------------
async def due_notices(hub: Hub, front: str) -> list[tuple[Notice, Reply]]:
    """Decisions not yet told to their hosts on ``front``, each written for its host."""
    repo = repo_of(hub)
    out = []
    for n in await repo.undelivered(front):
        p = await repo.get(n.proposal_id)
        if p is None:
            continue
        ctx = hub.context(Caller(n.front, n.user_id, p.host_name, locale=p.lang))
        out.append((n, notice(await form_env(ctx), p)))
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
    reply = Reply().para(t(ctx.lang, "proposals.exported", count=len(proposals)))
    reply.attachments.append(Attachment(export_name(ctx.now, programme), data, "text/csv"))
    return reply
