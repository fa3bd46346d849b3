"""The proposal form as a conversation, for fronts without modals (the console, Matrix).

``/propose`` asks the form's questions one at a time; each answer is checked at once and kept
in the host's draft (so a restart loses nothing). ``back`` returns to the previous question,
``cancel`` stops, ``=`` keeps the answer shown, ``-`` leaves an optional answer empty. At the end
the host sees every answer, numbered: a number changes that answer, ``send`` submits.
Other commands (``/next``…) still work in the middle of the form.
"""

from __future__ import annotations

from functools import cache

from bot.context import Caller, Ctx
from bot.doc import Reply, Strong, Text, error
from bot.hub import Hub
from bot.i18n import LANGUAGES, t
from bot.programme import fold
from bot.proposals import service
from bot.proposals.env import form_env, repo_of
from bot.proposals.form import (
    FIELDS,
    Field,
    FormEnv,
    check,
    choice_label,
    choices,
    parse_answer,
)
from bot.proposals.model import Answers
from bot.proposals.views import answers_items

CONFIRM = len(FIELDS)
RETURN = "_return"  # in a draft's answers: after this answer, go back to the summary
KEEP, SKIP = "=", "-"


@cache
def _words(name: str) -> frozenset[str]:
    """A control word in every language (``cancel``, ``cancelar``, ``annuler``…): each catalog
    lists its words separated by commas, the first being the one shown."""
    out = {name}
    for lang in LANGUAGES:
        out.update(fold(w).strip() for w in t(lang, f"proposals.word.{name}").split(","))
    return frozenset(out)


def shown_word(lang: str, name: str) -> str:
    return t(lang, f"proposals.word.{name}").split(",")[0].strip()


def is_word(word: str, name: str) -> bool:
    return word in _words(name)


def _word(text: str, prefix: str) -> str:
    q = fold(text.strip())
    return q[len(prefix) :] if q.startswith(prefix) else q


async def begin(ctx: Ctx, target: int = 0) -> Reply:
    """Start (or resume) the form: a new proposal, or ``target`` to edit."""
    started = await service.start(ctx, target)
    if isinstance(started, Reply):
        return started
    answers, env = started
    caller = ctx.caller
    repo = repo_of(ctx.hub)
    current = await repo.conversation(caller.front, caller.user_id)
    resumed = bool(current and current.target == target and current.step is not None)
    if current and resumed and current.step is not None:
        step = current.step  # already under way: ask again where it stopped
    elif target or all(not _problem(env, f, answers) for f in FIELDS):
        step = CONFIRM
    else:
        step = 0
    await repo.save_draft(caller.front, caller.user_id, target, answers, ctx.now, step)
    if resumed and not target:
        key = "proposals.conv.resume_summary" if step == CONFIRM else "proposals.conv.resume"
        intro = Reply().para(t(ctx.lang, key, number=step + 1))
    else:
        key = "proposals.conv.edit" if target else "proposals.conv.intro"
        intro = Reply().para(t(ctx.lang, key, ref=f"#{target}"))
    return intro.extend(_ask(env, step, answers, target))


def _problem(env: FormEnv, field: Field, answers: Answers) -> bool:
    return check(env, field, answers.get(field.key, "")) is not None


async def handle_line(hub: Hub, caller: Caller, line: str) -> Reply | None:
    """The conversation's answer to ``line``; ``None`` when the user is not filling in the form
    or typed another command (which the front then runs as usual)."""
    repo = repo_of(hub)
    draft = await repo.conversation(caller.front, caller.user_id)
    if draft is None or draft.step is None:
        return None
    text = line.strip()
    word = _word(text, caller.prefix)
    if text.startswith(caller.prefix) and not (is_word(word, "cancel") or is_word(word, "back")):
        return None
    ctx = hub.context(caller)
    answers, target, step = dict(draft.answers), draft.target, draft.step
    env = await form_env(ctx)
    if is_word(word, "cancel"):
        await repo.delete_draft(caller.front, caller.user_id, target)
        key = "proposals.conv.cancelled_edit" if target else "proposals.conv.cancelled"
        return Reply().para(t(ctx.lang, key, ref=f"#{target}"))
    if is_word(word, "back"):
        step = max(0, min(step, CONFIRM) - 1)
        answers.pop(RETURN, None)
        await repo.save_draft(caller.front, caller.user_id, target, answers, ctx.now, step)
        return _ask(env, step, answers, target)
    if step >= CONFIRM:
        return await _confirm(ctx, env, answers, target, text, word)
    field = FIELDS[step]
    current = answers.get(field.key, "")
    if text == KEEP and current:
        value, problem = current, check(env, field, current)
    elif text == SKIP and not field.required:
        value, problem = "", None
    else:
        value, problem = parse_answer(env, field, text, current)
    if problem:
        reply = error(Strong(field.label(ctx.lang) + ":"), " ", problem)
        return reply.extend(_ask(env, step, answers, target, repeat=True))
    answers[field.key] = value
    step = CONFIRM if answers.pop(RETURN, None) else step + 1
    await repo.save_draft(caller.front, caller.user_id, target, answers, ctx.now, step)
    return _ask(env, step, answers, target)


async def _confirm(
    ctx: Ctx, env: FormEnv, answers: Answers, target: int, text: str, word: str
) -> Reply:
    caller = ctx.caller
    repo = repo_of(ctx.hub)
    if word.isdigit() and 1 <= int(word) <= len(FIELDS):
        step = int(word) - 1
        answers[RETURN] = "1"
        await repo.save_draft(caller.front, caller.user_id, target, answers, ctx.now, step)
        return _ask(env, step, answers, target)
    if not is_word(word, "send"):
        reply = error(t(ctx.lang, "proposals.conv.confirm_what", value=text[:40]))
        return reply.extend(_ask(env, CONFIRM, answers, target))
    clean = {k: v for k, v in answers.items() if k != RETURN}
    result = await service.submit(ctx, target, clean)
    if result.proposal is not None:
        return result.reply
    if not result.errors:  # refused as a whole (closed, limit): the draft stays, stop asking
        await repo.save_draft(caller.front, caller.user_id, target, clean, ctx.now, None)
        return result.reply
    first = next(i for i, f in enumerate(FIELDS) if f.key in result.errors)
    clean[RETURN] = "1"
    await repo.save_draft(caller.front, caller.user_id, target, clean, ctx.now, first)
    return result.reply.extend(_ask(env, first, clean, target))


def _ask(env: FormEnv, step: int, answers: Answers, target: int, *, repeat: bool = False) -> Reply:
    lang = env.ctx.lang
    if step >= CONFIRM:
        key = "proposals.conv.summary_edit" if target else "proposals.conv.summary"
        reply = Reply().heading(t(lang, key, ref=f"#{target}"))
        answers_items(env, reply, answers, numbered=True)
        return reply.para(
            t(lang, "proposals.conv.confirm", send=shown_word(lang, "send"), count=CONFIRM)
        )
    field = FIELDS[step]
    reply = Reply()
    if not repeat:
        reply.para(
            Strong(f"({step + 1}/{len(FIELDS)}) {field.label(lang)}"), " — ", field.question(lang)
        )
    if field.is_choice:
        current = answers.get(field.key, "")
        for i, c in enumerate(choices(env, field, current), 1):
            reply.item(f"{i}. {c.label}")
        if field.kind == "multi":
            reply.note(t(lang, "proposals.conv.several"))
    current = answers.get(field.key, "")
    if current:
        shown = choice_label(env, field, current)
        reply.para(t(lang, "proposals.conv.current"), " ", Text(shown))
        reply.note(t(lang, "proposals.conv.keep", keep=KEEP))
    if not field.required:
        reply.note(t(lang, "proposals.conv.skip", skip=SKIP))
    reply.note(
        t(lang, "proposals.conv.controls", back=shown_word(lang, "back"),
          cancel=shown_word(lang, "cancel"))
    )  # fmt: skip
    return reply
