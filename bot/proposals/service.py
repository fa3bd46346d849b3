"""The hosts' side of proposals, for every front: fill in (with a draft kept at every step),
submit, edit, withdraw, list. Each operation takes a :class:`~bot.context.Ctx`.

A refusal never loses what the host typed; a proposal is committed before the receipt is shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.context import Ctx
from bot.doc import Reply, Strong, Text, error
from bot.i18n import t, tn
from bot.proposals.env import form_env, repo_of
from bot.proposals.form import BY_KEY, FIELDS, Field, FormEnv, normalize, validate
from bot.proposals.model import Answers, Proposal, clean_text
from bot.proposals.repo import Duplicate
from bot.proposals.views import my_list, receipt
from bot.proposals.window import closed_reply, window


async def _can_add(ctx: Ctx, env: FormEnv) -> Reply | None:
    """Why this host cannot submit a new proposal now (``None``: they can)."""
    w = await window(ctx)
    if not w.open:
        return closed_reply(ctx, w)
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
    if target == 0:
        refusal = await _can_add(ctx, env)
        if refusal:
            return refusal
    else:
        own = await _own(ctx, target)
        if isinstance(own, Reply):
            return own
    return await _current_answers(ctx, target), env


async def _current_answers(ctx: Ctx, target: int) -> Answers:
    """The host's draft; else, for an edit, the proposal as it stands; else the profile name."""
    caller = ctx.caller
    repo = repo_of(ctx.hub)
    draft = await repo.draft(caller.front, caller.user_id, target)
    proposal = await repo.get(target) if target else None
    if proposal is not None and (proposal.front, proposal.user_id) != (
        caller.front,
        caller.user_id,
    ):
        proposal = None
    if draft and (proposal is None or draft.updated_at >= proposal.updated_at):
        return dict(draft.answers)
    if proposal is not None:
        return proposal.answers()
    if target:
        return {}
    return {"host_name": clean_text(caller.name)[: BY_KEY["host_name"].max_len]}


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
    answers = await _current_answers(ctx, target)
    for key, value in raw.items():
        answers[key] = normalize(BY_KEY[key], value)
    await repo.save_draft(caller.front, caller.user_id, target, answers, ctx.now, step)
    env = await form_env(ctx)
    return answers, validate(env, answers, fields), env


def errors_reply(env: FormEnv, errors: dict[str, str]) -> Reply:
    lang = env.ctx.lang
    reply = error(tn(lang, "proposals.fix", len(errors)))
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
            return Submitted(refusal.note(t(ctx.lang, "proposals.kept_draft")))
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
