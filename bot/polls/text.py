"""The text commands ``/poll …`` and ``/vote …`` of the chat fronts (console now, Matrix later).

``/poll start [timer=5m] [scale=agree|yesno|custom] [hide] QUESTION [| OPTION | OPTION …]``
where QUESTION is a reference such as ``climate-dialogue/s1`` or any text; ``/poll start`` alone
lists the key statements of the session on now (then of the others) with their references.
"""

from __future__ import annotations

from bot.context import Ctx
from bot.doc import Reply, error
from bot.i18n import t
from bot.polls import replies
from bot.polls.model import Poll
from bot.programme import fold
from bot.registry import Command, Invocation, Param

ACTIONS: dict[str, str] = {
    **dict.fromkeys(("start", "iniciar", "lancer", "new"), "start"),
    **dict.fromkeys(("close", "cerrar", "fermer", "end"), "close"),
    **dict.fromkeys(("results", "result", "resultados", "resultats"), "results"),
    **dict.fromkeys(("export", "exportar", "exporter", "csv"), "export"),
    **dict.fromkeys(("list", "lista", "liste"), "list"),
}
USAGE = "poll start|close|results|export|list …"


async def poll_command(ctx: Ctx, args: str) -> Reply:
    head, _, rest = args.strip().partition(" ")
    action = ACTIONS.get(fold(head))
    if action is None:
        return error(
            t(
                ctx.lang,
                "polls.err.unknown_action",
                value=head[:30],
                usage=f"{ctx.caller.prefix}{USAGE}",
            )
        )
    rest = rest.strip()
    if action == "start":
        return await _start(ctx, rest)
    if action == "list":
        return replies.list_open(ctx)
    if not rest:  # which poll? (not "“” is not a poll number")
        prefix = ctx.caller.prefix
        return error(
            t(
                ctx.lang,
                "polls.err.which_poll",
                example=f"{prefix}poll {action} 3",
                list=f"{prefix}poll list",
            )
        )
    if action == "close":
        return await replies.close(ctx, rest)
    if action == "results":
        return await replies.results(ctx, rest)
    return replies.export(ctx, rest)


async def _start(ctx: Ctx, text: str) -> Reply:
    reply, _ = await start_poll(ctx, text)
    return reply


def is_start(args: str) -> bool:
    """Whether ``args`` (what follows ``poll``) starts a poll."""
    return ACTIONS.get(fold(args.strip().partition(" ")[0])) == "start"


async def start_poll(ctx: Ctx, text: str) -> tuple[Reply, Poll | None]:
    """``poll start`` with ``text`` (what follows ``start``): the reply, and the poll if one
    started (fronts with native polls, like Matrix, send it their own way)."""
    refusal = replies.refuse_unless_moderator(ctx, "start")
    if refusal:
        return refusal, None
    if not text:
        return replies.candidates_reply(ctx), None
    settings: dict[str, str] = {}
    hide = False
    words = text.split(" ")
    while words:
        word = words[0]
        key, eq, value = word.partition("=")
        if eq and fold(key) in ("timer", "duration", "scale", "options"):
            settings[fold(key)] = value
        elif fold(word) in ("hide", "hidden", "ocultar", "masquer"):
            hide = True
        elif word:
            break
        words.pop(0)
    question, bar, options = " ".join(words).partition("|")
    reply, poll = await replies.start(
        ctx,
        question,
        scale=settings.get("scale"),
        options=options if bar else settings.get("options"),
        duration=settings.get("timer") or settings.get("duration"),
        hide_results=hide,
    )
    if poll is not None:
        reply.note(replies.text_vote_hint(poll, poll.lang, ctx.caller.prefix))
    return reply, poll


async def vote_command(ctx: Ctx, args: str) -> Reply:
    return await replies.vote_text(ctx, args)


async def _poll(inv: Invocation) -> Reply:
    return await poll_command(inv.hub.context(inv.caller), inv.args)


async def _vote(inv: Invocation) -> Reply:
    return await vote_command(inv.hub.context(inv.caller), inv.args)


#: Discord: cogs/polls.py (a group with subcommands, buttons, autocomplete).
COMMANDS = (
    Command("poll", (Param("action", required=True), Param("args")), _poll, discord_ui=True),
    Command(
        "vote",
        (Param("poll", required=True), Param("choice", required=True)),
        _vote,
        discord_ui=True,
    ),
)
