"""``/reload``: moderators read ``schedule.yaml`` again while the bot runs."""

from __future__ import annotations

from bot.announce.changes import ReloadOutcome
from bot.announce.texts import changes_reply
from bot.context import Ctx
from bot.doc import Code, Reply, error
from bot.i18n import t, tn
from bot.moderators import moderators_only
from bot.registry import Command, Invocation
from bot.shared import RELOADED, programme_changed

MAX_PROBLEM_LINES = 20


async def reload(ctx: Ctx) -> Reply:
    lang = ctx.lang
    if not ctx.caller.is_moderator:
        return moderators_only(ctx, t(lang, "reload.refused"))
    live = ctx.hub.live_source
    source_problem = (await live.refresh()).problem if live is not None else None
    outcome = await ctx.hub.programmes.reload()
    if outcome.ok:  # the other processes on the database read it again too
        await programme_changed(ctx.hub, RELOADED)
    if source_problem is not None:
        reply = _reload_reply(ctx, outcome)
        return reply.note(t(lang, "interchange.source_down")).item(Code(source_problem))
    return _reload_reply(ctx, outcome)


def _reload_reply(ctx: Ctx, outcome: ReloadOutcome) -> Reply:
    lang = ctx.lang
    if not outcome.ok:
        reply = error(tn(lang, "reload.problems", len(outcome.problems)))
        for line in outcome.problems[:MAX_PROBLEM_LINES]:
            reply.item(Code(line))
        hidden = len(outcome.problems) - MAX_PROBLEM_LINES
        if hidden > 0:
            reply.note(t(lang, "reload.more_problems", count=hidden))
        return reply
    sessions = len(ctx.hub.programme.sessions)
    if not outcome.changes:
        return Reply().para(t(lang, "reload.unchanged", sessions=sessions))
    reply = Reply().para(tn(lang, "reload.done", len(outcome.changes), sessions=sessions))
    fresh = ctx.hub.context(ctx.caller)
    # The public wording: the moderator reloaded the file, they need not follow these sessions.
    return reply.extend(changes_reply(fresh, outcome.changes, private=False))


async def _reload(inv: Invocation) -> Reply:
    return await reload(inv.hub.context(inv.caller))


#: Discord: cogs/announce.py (answers "thinking…" first).
COMMANDS = (Command("reload", (), _reload, moderator_only=True, discord_ui=True),)
