"""The application object every front talks to: programme, store, clock, services and per-user
preferences. The request context (:class:`Caller`, :class:`Prefs`, :class:`Ctx`) lives in the leaf
module :mod:`bot.context`."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from bot.announce.announcer import Announcer
from bot.announce.repo import AnnounceRepo
from bot.clock import Clock
from bot.config import Config
from bot.context import Caller, Ctx, Prefs
from bot.health import Health
from bot.i18n import negotiate
from bot.polls.service import Polls
from bot.programme import Programme
from bot.programme.service import ProgrammeListener, ProgrammeService
from bot.store import Store
from bot.supervisor import Supervisor
from bot.zones import ZoneError, load_zone

if TYPE_CHECKING:
    from bot.interchange.live import LiveSource

__all__ = ["Caller", "Ctx", "Hub", "Prefs"]  # the context names stay importable from here

#: Called with a proposal's id after a front stored, edited or withdrew it (review queues).
ProposalListener = Callable[[int], Awaitable[None]]


class Hub:
    """The application: every service is present from construction on. Built by
    :func:`bot.app.build_app` (production and tests alike), which loads and closes them."""

    def __init__(
        self, config: Config, programme: Programme, store: Store, clock: Clock, polls: Polls
    ) -> None:
        self.config = config
        #: The programme: base (schedule.yaml) plus approved open-space proposals, reloads,
        #: the file watch; features subscribe to it (see :mod:`bot.programme.service`).
        self.programmes = ProgrammeService(programme, config.bot.schedule, clock)
        self.store = store
        #: What /healthz and /metrics show (``bot.health``); fronts report to it.
        self.health = Health(late_seconds=config.ops.late_seconds)
        self.programmes.subscribe(self.health.programme_loaded)
        self.health.metrics.polls_open(lambda: len(self.polls.open_polls()))
        polls.counted = self.health.metrics.vote
        #: Owns every background task and periodic job (see :mod:`bot.supervisor`).
        self.supervisor = Supervisor()
        self.clock = clock
        self.programme_zone = load_zone(programme.forum.timezone)
        #: Polls, on their own database connection.
        self.polls = polls
        #: Each front's role in this process, with several processes on one PostgreSQL database:
        #: "leader" (holds the front's lease: connected, delivering) or "standby" (hub open,
        #: caches kept fresh, not connected, not sending). A front absent is led (SQLite, tests).
        self.roles: dict[str, str] = {}
        self.health.front_role = lambda front: self.roles.get(front, "leader")
        self.health.role_source = self._role
        #: This process's name in change notices to other processes (it ignores its own).
        self.origin = secrets.token_hex(6)
        #: Announcements and reminders (the fronts register their outboxes and start it).
        self.announcer = Announcer(self, AnnounceRepo(store.database, self.origin))
        #: The programme's live source (``schedule = "https://…"``), if configured: refreshed
        #: by a periodic job of the supervisor (``build_app`` starts it).
        self.live_source: LiveSource | None = None
        #: Told of proposals sent from another front (Discord posts their review cards).
        self.proposal_listeners: list[ProposalListener] = []

    def _role(self) -> Literal["leader", "standby"]:
        """The process's role on /healthz: leader while it leads any front (or has no lease)."""
        led = not self.roles or any(role == "leader" for role in self.roles.values())
        return "leader" if led else "standby"

    def leads(self, front: str) -> bool:
        """Does this process deliver ``front``'s messages (see :attr:`roles`)?"""
        return self.roles.get(front, "leader") == "leader"

    # -- the programme service's state, as every feature reads it ------------------------------
    @property
    def programme(self) -> Programme:
        """What users see: the base programme plus approved open-space proposals."""
        return self.programmes.current

    @programme.setter
    def programme(self, programme: Programme) -> None:
        self.programmes.current = programme

    @property
    def base_programme(self) -> Programme:
        """The programme as loaded from the schedule file."""
        return self.programmes.base

    @base_programme.setter
    def base_programme(self, programme: Programme) -> None:
        self.programmes.base = programme

    @property
    def schedule_path(self) -> Path:
        """The file the base programme was read from."""
        return self.programmes.path

    @schedule_path.setter
    def schedule_path(self, path: Path) -> None:
        self.programmes.path = Path(path)

    @property
    def programme_listeners(self) -> list[ProgrammeListener]:
        return self.programmes.listeners

    async def set_programme(self, programme: Programme) -> None:
        """Show ``programme`` from now on, and tell every listener."""
        await self.programmes.set(programme)

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
