"""What a command is, declared once by the feature that owns it.

Each feature module (``bot/agenda.py``, ``bot/settings.py``, ``bot/polls/text.py``…) lists its
commands in a module-level ``COMMANDS`` tuple of :class:`Command`; ``bot.commands.FEATURES``
lists those tuples: the registry the console and Matrix parsers dispatch from, that every
front's ``/help`` lists, and that Discord's command tree is built from (``cogs/generic.py`` makes
a plain slash command for each spec no cog claims; ``discord_ui=True`` says a cog gives it a
special UI).
Catalog keys a spec implies (all languages): ``cmd.<name>.description``, ``params.<param>``, on
Discord ``slash.<name>.name`` and, for a generated command, ``slash.<name>.<param>`` (option name)
and ``cmd.<name>.<param>`` (option description). ``tests/test_command_registry.py`` checks them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.doc import Reply
from bot.i18n import t

if TYPE_CHECKING:
    from bot.hub import Caller, Hub

Handler = Callable[["Invocation"], Awaitable[Reply] | Reply]

CONSOLE, MATRIX, DISCORD = "console", "matrix", "discord"
ALL_FRONTS = frozenset({CONSOLE, MATRIX, DISCORD})
TEXT_FRONTS = frozenset({CONSOLE, MATRIX})
RESERVED_PARAMS = frozenset({"name", "description"})


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    required: bool = False


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    params: tuple[Param, ...]
    handler: Handler
    #: Where it exists: text-only commands (``edit``, ``review``…) are buttons on Discord;
    #: ``events`` is Discord's alone (a text front then says where it works).
    fronts: frozenset[str] = ALL_FRONTS
    #: Refused to others by the core (``bot.moderators.moderators_only``); listed for docs/tests.
    moderator_only: bool = False
    #: Answered privately: on Matrix in the asker's direct room even when typed in a room.
    confidential: bool = False
    #: Other names a text front accepts (Discord's localized names are added by the registry).
    aliases: tuple[str, ...] = ()
    #: A cog in ``cogs/`` declares this Discord command by hand (modals, buttons, autocomplete,
    #: typed options); without it Discord gets a generated command with one text option a param.
    discord_ui: bool = False

    def __post_init__(self) -> None:
        # slash.<name>.name and cmd.<name>.description are the command's own catalog keys
        clash = [p.name for p in self.params if p.name in RESERVED_PARAMS]
        if clash:
            raise ValueError(f"command {self.name!r}: a param may not be called {clash[0]!r}")

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
