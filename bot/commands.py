"""The command registry: every feature's commands, and the text-command parser of the chat fronts.

Each feature declares its commands in its own module (a ``COMMANDS`` tuple of
:class:`bot.registry.Command`); :data:`FEATURES` lists those tuples and :data:`COMMANDS` is
their union. The console and Matrix read lines such as ``/next 3`` or ``!timezone asia/kathmandu``
and call :func:`dispatch`; Discord builds its command tree from the same specs (``cogs/setup.py``);
``/help`` on every front lists :func:`commands_for` that front. A command's Discord names in every
language (``slash.<name>.name``: ``/siguiente``, ``/suivant``) also work as text commands.
"""

from __future__ import annotations

import difflib
import re

from bot import agenda, calendar, events_sync, settings
from bot.announce import follows, moderation
from bot.context import Caller
from bot.doc import Code, Reply, error
from bot.hub import Hub
from bot.i18n import LANGUAGES, catalog, t
from bot.polls import text as poll_text
from bot.proposals import text as proposals
from bot.registry import DISCORD, Command, Invocation, Param

__all__ = ["COMMANDS", "Command", "Invocation", "Param", "commands_for", "dispatch", "parse_line"]


async def _help(inv: Invocation) -> Reply:
    ctx = inv.hub.context(inv.caller)
    return settings.help_reply(ctx, inv.prefix, describe_commands(ctx.lang, inv.caller.front))


HELP = (Command("help", (), _help, discord_ui=True),)  # Discord: cogs/settings.py

#: Every feature's ``COMMANDS`` (declared in its own module), in ``/help`` order. A new feature
#: module adds its tuple here (tests/test_command_registry.py fails if one is left out).
FEATURES: tuple[tuple[Command, ...], ...] = (
    agenda.COMMANDS,
    settings.COMMANDS,
    poll_text.COMMANDS,
    follows.COMMANDS,
    moderation.COMMANDS,
    calendar.COMMANDS,
    HELP,
    proposals.COMMANDS,
    events_sync.COMMANDS,
)


def _collect() -> dict[str, Command]:
    table: dict[str, Command] = {}
    for spec in (spec for feature in FEATURES for spec in feature):
        if spec.name in table:
            raise ValueError(f"two commands are named {spec.name!r}")
        table[spec.name] = spec
    return table


COMMANDS: dict[str, Command] = _collect()


def commands_for(front: str) -> list[Command]:
    """The commands ``front`` offers, in ``/help`` order."""
    return [c for c in COMMANDS.values() if front in c.fronts]


def _aliases() -> dict[str, str]:
    """Other names a text front accepts -> the command: declared aliases and the command's
    Discord name in every language. A command's own name always wins."""
    out: dict[str, str] = {}
    for spec in COMMANDS.values():
        names = list(spec.aliases)
        names += [catalog(lang).get(f"slash.{spec.name}.name", "") for lang in LANGUAGES]
        for alias in names:
            alias = alias.casefold()
            if alias and alias not in COMMANDS:
                out.setdefault(alias, spec.name)
    return out


ALIASES: dict[str, str] = _aliases()


def lookup(name: str) -> Command | None:
    """The command called ``name`` (its own name, an alias or a localized Discord name)."""
    return COMMANDS.get(name) or COMMANDS.get(ALIASES.get(name, ""))


async def intercept(hub: Hub, caller: Caller, line: str) -> Reply | None:
    """A conversation's answer to ``line`` (a form being filled in), or ``None``: the front then
    parses and dispatches the line as usual."""
    return await proposals.conversation.handle_line(hub, caller, line)


def describe_commands(lang: str, front: str) -> list[tuple[str, str]]:
    """(usage, description) of every command ``front`` offers, for ``/help``."""
    return [(c.usage(lang), t(lang, f"cmd.{c.name}.description")) for c in commands_for(front)]


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
            name = head.casefold()
            return prefix, name if name in COMMANDS else ALIASES.get(name, name), rest.strip()
    return None


async def dispatch(hub: Hub, caller: Caller, prefix: str, name: str, args: str) -> Reply:
    command = lookup(name)
    if command is not None and caller.front not in command.fronts:
        lang = hub.prefs(caller).lang
        if command.fronts == {DISCORD}:
            return error(t(lang, "errors.discord_only", command=f"{prefix}{command.name}"))
        command = None  # a front that lacks it: as if it did not exist
    if command is None:
        lang = hub.prefs(caller).lang
        close = difflib.get_close_matches(name, [c.name for c in commands_for(caller.front)], n=3)
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
