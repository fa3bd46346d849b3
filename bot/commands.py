"""The command table shared by every front, and the text-command parser of the chat fronts.

Discord registers the same names as slash commands; the console and Matrix read lines such as
``/next 3`` or ``!timezone asia/kathmandu`` and call :func:`dispatch`.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot import agenda, calendar, settings
from bot.announce import follows, moderation
from bot.context import Caller
from bot.doc import Code, Reply, error
from bot.hub import Hub
from bot.i18n import t
from bot.polls import text as poll_text
from bot.proposals import text as proposals

Handler = Callable[["Invocation"], Awaitable[Reply] | Reply]


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    required: bool = False


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    params: tuple[Param, ...]
    handler: Handler
    #: Only for text fronts (console, Matrix); Discord offers buttons instead.
    text_only: bool = False

    def usage(self, lang: str = "en") -> str:
        """``session <query>``, with the arguments named in ``lang`` (``session <búsqueda>``)."""
        names = [t(lang, f"params.{p.name}") for p in self.params]
        args = " ".join(
            f"<{n}>" if p.required else f"[{n}]" for p, n in zip(self.params, names, strict=True)
        )
        return f"{self.name} {args}".strip()


@dataclass(frozen=True, slots=True)
class Invocation:
    hub: Hub
    caller: Caller
    args: str
    prefix: str


async def _next(inv: Invocation) -> Reply:
    ctx = inv.hub.context(inv.caller)
    count = agenda.parse_count(inv.args, ctx.lang)
    return count if isinstance(count, Reply) else agenda.next_sessions(ctx, count)


async def _now(inv: Invocation) -> Reply:
    return agenda.now_sessions(inv.hub.context(inv.caller), inv.args or None)


async def _schedule(inv: Invocation) -> Reply:
    return agenda.schedule(inv.hub.context(inv.caller), inv.args or None)


async def _session(inv: Invocation) -> Reply:
    return agenda.session_details(inv.hub.context(inv.caller), inv.args)


async def _timezone(inv: Invocation) -> Reply:
    return await settings.timezone(inv.hub.context(inv.caller), inv.args or None)


async def _language(inv: Invocation) -> Reply:
    return await settings.language(inv.hub.context(inv.caller), inv.args or None)


async def _poll(inv: Invocation) -> Reply:
    return await poll_text.poll_command(inv.hub.context(inv.caller), inv.args)


async def _vote(inv: Invocation) -> Reply:
    return await poll_text.vote_command(inv.hub.context(inv.caller), inv.args)


async def _remind(inv: Invocation) -> Reply:
    return await follows.remind(inv.hub.context(inv.caller), inv.args)


async def _reminders(inv: Invocation) -> Reply:
    return follows.reminders(inv.hub.context(inv.caller))


async def _unremind(inv: Invocation) -> Reply:
    return await follows.unremind(inv.hub.context(inv.caller), inv.args)


async def _agenda(inv: Invocation) -> Reply:
    return follows.agenda(inv.hub.context(inv.caller), inv.args or None)


async def _reload(inv: Invocation) -> Reply:
    return await moderation.reload(inv.hub.context(inv.caller))


async def _ics(inv: Invocation) -> Reply:
    return await calendar.ics_command(inv.hub.context(inv.caller), inv.args)


async def _help(inv: Invocation) -> Reply:
    ctx = inv.hub.context(inv.caller)
    return settings.help_reply(ctx, inv.prefix, describe_commands(ctx.lang))


_FILTERS = (Param("room"), Param("kind"), Param("page"))

COMMANDS: dict[str, Command] = {
    c.name: c
    for c in (
        Command("next", (Param("count"),), _next),
        Command("now", _FILTERS, _now),
        Command("schedule", (Param("day"), *_FILTERS), _schedule),
        Command("session", (Param("query", required=True),), _session),
        Command("timezone", (Param("zone"),), _timezone),
        Command("language", (Param("code"),), _language),
        Command("poll", (Param("action", required=True), Param("args")), _poll),
        Command("vote", (Param("poll", required=True), Param("choice", required=True)), _vote),
        Command("remind", (Param("what", required=True), Param("lead")), _remind),
        Command("reminders", (), _reminders),
        Command("unremind", (Param("what", required=True),), _unremind),
        Command("agenda", (Param("page"),), _agenda),
        Command("reload", (), _reload),
        Command("ics", (Param("all"),), _ics),
        Command("help", (), _help),
        Command("propose", (), proposals.propose),
        Command("myproposals", (), proposals.myproposals),
        Command("edit", (Param("id", required=True),), proposals.edit, True),
        Command("withdraw", (Param("id", required=True),), proposals.withdraw, True),
        Command("proposals", (Param("action"),), proposals.proposals),
        Command("review", (Param("id"),), proposals.review, True),
        Command("approve", (Param("id", required=True), Param("slot")), proposals.approve, True),
        Command("reject", (Param("id", required=True), Param("reason")), proposals.reject, True),
        Command("changes", (Param("id", required=True), Param("reason")), proposals.changes, True),
    )
}


#: Slash commands that exist only on Discord (cogs/): a text front names where they work.
DISCORD_ONLY = frozenset({"events"})


async def intercept(hub: Hub, caller: Caller, line: str) -> Reply | None:
    """A conversation's answer to ``line`` (a form being filled in), or ``None``: the front then
    parses and dispatches the line as usual."""
    return await proposals.conversation.handle_line(hub, caller, line)


def describe_commands(lang: str) -> list[tuple[str, str]]:
    return [(c.usage(lang), t(lang, f"cmd.{c.name}.description")) for c in COMMANDS.values()]


def parse_line(line: str, prefixes: tuple[str, ...]) -> tuple[str, str, str] | None:
    """``(prefix, name, args)`` for a command line, or ``None`` for ordinary chat."""
    text = line.strip()
    for prefix in prefixes:
        if text.startswith(prefix) and len(text) > len(prefix):
            # the name ends at any white space: ``!next\n2`` (a second line) is ``!next 2``
            head, *tail = re.split(r"\s", text[len(prefix) :], maxsplit=1)
            rest = tail[0] if tail else ""
            if not head or not head[0].isalpha():
                return None
            return prefix, head.casefold(), rest.strip()
    return None


async def dispatch(hub: Hub, caller: Caller, prefix: str, name: str, args: str) -> Reply:
    command = COMMANDS.get(name)
    if command is None and name in DISCORD_ONLY:
        lang = hub.prefs(caller).lang
        return error(t(lang, "errors.discord_only", command=f"{prefix}{name}"))
    if command is None:
        lang = hub.prefs(caller).lang
        close = difflib.get_close_matches(name, list(COMMANDS), n=3)
        reply = error(t(lang, "errors.unknown_command", command=f"{prefix}{name[:40]}"))
        if close:
            reply.para(t(lang, "errors.did_you_mean"), " ", Code(f"{prefix}{close[0]}"))
        reply.para(t(lang, "errors.see_help", help=f"{prefix}help"))
        return reply
    if not args and any(p.required for p in command.params):
        lang = hub.prefs(caller).lang
        return error(t(lang, "errors.missing_argument", usage=f"{prefix}{command.usage(lang)}"))
    result = command.handler(Invocation(hub, caller, args, prefix))
    return await result if not isinstance(result, Reply) else result
