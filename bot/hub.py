"""The core service every front talks to: programme, store, clock and per-user preferences."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot.clock import Clock
from bot.config import Config
from bot.i18n import catalog, negotiate
from bot.polls.service import Polls
from bot.programme import Programme
from bot.store import Store
from bot.zones import UserZone, ZoneError, load_zone

if TYPE_CHECKING:
    from bot.announce.announcer import Announcer
    from bot.interchange.live import LiveSource


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


ProgrammeListener = Callable[[Programme], Awaitable[None] | None]
#: Called with a proposal's id after a front stored, edited or withdrew it (review queues).
ProposalListener = Callable[[int], Awaitable[None]]


class Hub:
    def __init__(self, config: Config, programme: Programme, store: Store, clock: Clock) -> None:
        self.config = config
        #: The programme as loaded from schedule.yaml; ``programme`` is what users see (the base
        #: plus approved open-space proposals, see ``bot.proposals.sessions.rebuild_programme``).
        self.base_programme = programme
        self.programme = programme
        #: Called with the new programme whenever it changes (e.g. to re-plan announcements).
        self.programme_listeners: list[ProgrammeListener] = []
        self.store = store
        self.clock = clock
        self.programme_zone = load_zone(programme.forum.timezone)
        self.polls: Polls | None = None  # opened by fronts.app.open_hub (own connection)
        #: The file the base programme was read from (``/reload`` and the file watcher read it).
        self.schedule_path: Path = config.bot.schedule
        #: Announcements and reminders, attached by ``fronts.app.open_hub`` (fronts start it).
        self.announcer: Announcer | None = None
        #: The programme's live source (``schedule = "https://…"``), refreshed by itself.
        self.live_source: LiveSource | None = None
        #: Told of proposals sent from another front (Discord posts their review cards).
        self.proposal_listeners: list[ProposalListener] = []

    async def set_programme(self, programme: Programme) -> None:
        """Show ``programme`` from now on, and tell every listener."""
        self.programme = programme
        for listener in list(self.programme_listeners):
            result = listener(programme)
            if inspect.isawaitable(result):
                await result

    def prefs(self, caller: Caller) -> Prefs:
        saved = self.store.user(caller.front, caller.user_id)
        lang = saved.language or negotiate(caller.locale, self.config.bot.default_language)
        if saved.zone:
            try:
                return Prefs(lang, load_zone(saved.zone), True)
            except ZoneError:
                pass  # a zone that tzdata no longer knows: fall back to the programme's
        return Prefs(lang, self.programme_zone, False)

    def context(self, caller: Caller) -> Ctx:
        prefs = self.prefs(caller)
        now = self.clock.now()
        return Ctx(self, caller, prefs, now, now.astimezone(prefs.zone.tzinfo).date())
