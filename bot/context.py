"""The request context: who is asking (:class:`Caller`), their preferences (:class:`Prefs`) and
one command invocation (:class:`Ctx`).

A leaf module: it imports no service, so any feature can import it without import loops. The
application object (:class:`bot.hub.Hub`) is only named for type checking.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from bot.i18n import catalog, negotiate
from bot.zones import UserZone

if TYPE_CHECKING:
    from bot.hub import Hub
    from bot.programme import Programme


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is asking: ``front`` ("console", "discord", "matrix") and that front's user id.

    ``locale`` is the platform's language hint (Discord's interaction locale), if any.
    ``moderator_note``: for a caller who is not a moderator *here* although they might be
    elsewhere (another Discord server, a direct message), the catalog key of a line saying so;
    refusals of moderator commands add it (see :func:`bot.moderators.moderators_only`).
    """

    front: str
    user_id: str
    name: str = ""
    locale: str | None = None
    is_moderator: bool = False
    moderator_note: str | None = None

    @property
    def prefix(self) -> str:
        """How this front's users type commands: ``!next`` on Matrix, ``/next`` elsewhere."""
        return "!" if self.front == "matrix" else "/"

    def command(self, name: str) -> str:
        """Command ``name`` as this user types it: ``!schedule`` on Matrix, ``/schedule`` on
        the console, and on Discord the name the client shows in its language (``/programa``)."""
        if self.front == "discord" and self.locale:
            name = catalog(negotiate(self.locale)).get(f"slash.{name}.name", name)
        return f"{self.prefix}{name}"


@dataclass(frozen=True, slots=True)
class Prefs:
    lang: str
    zone: UserZone
    zone_set: bool


@dataclass(frozen=True, slots=True)
class Ctx:
    """One command invocation: who, in which language and zone, and when."""

    hub: Hub
    caller: Caller
    prefs: Prefs
    now: datetime
    today: date  # the reader's local date at ``now``

    @property
    def lang(self) -> str:
        return self.prefs.lang

    @property
    def programme(self) -> Programme:
        return self.hub.programme
