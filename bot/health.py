"""Is the bot well? One status snapshot for ``/healthz``, and the metrics for ``/metrics``
(``fronts/ops.py`` serves both; nothing here knows HTTP).

Every front says what it is doing: the runner :meth:`Health.expect`\\ s the fronts it starts,
and each front calls :meth:`Health.up` once connected (Discord: gateway ready; Matrix: a sync
done; console, web: serving), :meth:`Health.down` when it loses its platform, and
:meth:`Health.event` when something arrives (a gateway event, a sync). The bot is *ready* when
its programme is loaded, its store open and every expected front connected, or when it is a
``standby`` (whose fronts connect only when it takes over).

``role`` is ``"leader"`` unless set: the lease code sets :attr:`Health.role_source` (or
assigns :attr:`Health.role`) to say ``"standby"``.

No user data here (counts, times and front names only), and the database is shown with any
password of a URL redacted (:func:`bot.db.target.redact`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from bot.db.target import redact
from bot.metrics import GaugesOf, Metrics, version

log = logging.getLogger(__name__)

Role = Literal["leader", "standby"]
#: What ``/metrics`` waits at most for the values read from the database before scraping.
REFRESH_SECONDS = 2.0


def _iso(at: float | None) -> str | None:
    return None if at is None else datetime.fromtimestamp(at, UTC).isoformat(timespec="seconds")


@dataclass(slots=True)
class FrontHealth:
    connected: bool = False
    #: Wall-clock time (``time.time()``) of the last change of ``connected``.
    since: float | None = None
    #: When the platform last told the bot something (a gateway event, a completed sync).
    last_event: float | None = None
    #: Why it is not connected (one line, no secrets), if known.
    detail: str | None = None


class Health:
    def __init__(self, *, late_seconds: float = 60.0, now: Callable[[], float] = time.time):
        self.metrics = Metrics(late_seconds=late_seconds)
        self._now = now
        self.started_at = now()
        self.fronts: dict[str, FrontHealth] = {}
        self.store_open = False
        self.database: str | None = None  # shown through bot.db.target.redact
        #: Why the database cannot be reached now, by who found out (a front's lease): one
        #: line, no secret. A process whose fronts all wait as standbys because the server is
        #: gone is not ready (no process of the forum can lead then).
        self.store_errors: dict[str, str] = {}
        self.schema_version = 0
        self.known_schema_version = 0
        self.programme_revision = 0  # 1 at start-up, one more at each change (reloads…)
        self.programme_loaded_at: float | None = None
        self.programme_sessions = 0
        self._role: Role = "leader"
        #: Set by the lease code: asked at each snapshot, wins over :attr:`role`.
        self.role_source: Callable[[], Role] | None = None
        #: Each front's own role (several processes on PostgreSQL: ``bot.lease``); by default
        #: the process's.
        self.front_role: Callable[[str], str] = lambda _front: self.role
        #: Async readers run before ``/metrics`` is scraped (values kept in the database).
        self.refreshers: list[Callable[[], Awaitable[None]]] = []
        self.metrics.add(GaugesOf(self._gauges))

    # -- role ----------------------------------------------------------------------------------
    @property
    def role(self) -> Role:
        return self.role_source() if self.role_source is not None else self._role

    @role.setter
    def role(self, role: Role) -> None:
        if role not in ("leader", "standby"):
            raise ValueError(f"role must be 'leader' or 'standby', not {role!r}")
        self._role = role

    # -- what the fronts report ----------------------------------------------------------------
    def expect(self, front: str) -> None:
        """``front`` is started: the bot is not ready until it is connected."""
        self.fronts.setdefault(front, FrontHealth(since=self._now(), detail="starting"))
        self.metrics.front(front)

    def up(self, front: str) -> None:
        state = self.fronts.setdefault(front, FrontHealth())
        now = self._now()
        if not state.connected:
            state.connected, state.since, state.detail = True, now, None
        state.last_event = now

    def down(self, front: str, detail: str | None = None) -> None:
        state = self.fronts.setdefault(front, FrontHealth())
        if state.connected or state.since is None:
            state.since = self._now()
        state.connected = False
        state.detail = (detail or "disconnected")[:200]

    def event(self, front: str) -> None:
        """The platform just told ``front`` something (cheap: called for every gateway event)."""
        state = self.fronts.get(front)
        if state is not None:
            state.last_event = self._now()

    def forget(self, front: str) -> None:
        """``front`` was stopped on purpose: no longer expected."""
        self.fronts.pop(front, None)

    # -- what the app reports ------------------------------------------------------------------
    def store_opened(self, database: str, version: int, known: int) -> None:
        self.store_open, self.database = True, database
        self.schema_version, self.known_schema_version = version, known

    def store_closed(self) -> None:
        self.store_open = False

    def store_reached(self, source: str, error: str | None) -> None:
        """``source`` (e.g. ``lease:discord``) could not reach the database (``error``, one line
        without a secret), or could again (``None``)."""
        if error is None:
            self.store_errors.pop(source, None)
        else:
            self.store_errors[source] = error

    def programme_loaded(self, programme: Any) -> None:
        """A programme listener (:meth:`bot.programme.service.ProgrammeService.subscribe`)."""
        self.programme_revision += 1
        self.programme_loaded_at = self._now()
        self.programme_sessions = len(programme.sessions)

    async def refresh(self) -> None:
        """Run the refreshers, at most :data:`REFRESH_SECONDS` (a busy database must not hold
        a scrape: the last values stay)."""
        for refresh in self.refreshers:
            try:
                await asyncio.wait_for(refresh(), REFRESH_SECONDS)
            except Exception as exc:  # TimeoutError included: scraped with the last values
                log.warning("metrics: %s not refreshed (%s)", refresh.__qualname__, exc)

    # -- the snapshot --------------------------------------------------------------------------
    def problems(self) -> list[str]:
        """Why the bot is not ready (empty: ready)."""
        out = []
        if self.programme_loaded_at is None:
            out.append("programme not loaded")
        if not self.store_open:
            out.append("store not open")
        elif self.store_errors:
            out.append(f"store: {sorted(self.store_errors.values())[0]}")
        for name, state in sorted(self.fronts.items()):
            if self.front_role(name) == "leader" and not state.connected:  # a standby waits
                out.append(f"{name}: {state.detail or 'not connected'}")
        return out

    @property
    def ready(self) -> bool:
        return not self.problems()

    def snapshot(self) -> dict[str, Any]:
        """What ``/healthz`` shows (JSON-ready)."""
        now = self._now()
        problems = self.problems()
        fronts = {}
        for name, state in sorted(self.fronts.items()):
            fronts[name] = {
                "role": self.front_role(name),
                "connected": state.connected,
                "since": _iso(state.since),
                "last_event": _iso(state.last_event),
                "last_event_age_seconds": (
                    None if state.last_event is None else round(now - state.last_event, 3)
                ),
                "detail": state.detail,
            }
        return {
            "ready": not problems,
            "problems": problems,
            "role": self.role,
            "version": version(),
            "started_at": _iso(self.started_at),
            "fronts": fronts,
            "last_matrix_sync": _iso(self._last("matrix")),
            "last_discord_event": _iso(self._last("discord")),
            "programme": {
                "loaded": self.programme_loaded_at is not None,
                "revision": self.programme_revision,
                "loaded_at": _iso(self.programme_loaded_at),
                "sessions": self.programme_sessions,
            },
            "store": {
                "open": self.store_open,
                "database": None if self.database is None else redact(self.database),
                "schema_version": self.schema_version,
                "known_schema_version": self.known_schema_version,
            },
        }

    def _last(self, front: str) -> float | None:
        state = self.fronts.get(front)
        return None if state is None else state.last_event

    def _gauges(self) -> list[tuple[str, str, list[str], list[tuple[list[str], float]]]]:
        fronts = sorted(self.fronts.items())
        return [
            ("l4a_ready", "1 when /healthz answers 200", [], [([], float(self.ready))]),
            ("l4a_leader", "1 when this process is the leader, 0 a standby", [],
             [([], float(self.role == "leader"))]),
            ("l4a_front_connected", "1 when the front is connected to its platform", ["front"],
             [([name], float(s.connected)) for name, s in fronts]),
            ("l4a_front_last_event_timestamp_seconds",
             "When the front last heard from its platform (Matrix: a sync; Discord: an event)",
             ["front"], [([name], s.last_event) for name, s in fronts if s.last_event]),
            ("l4a_schema_version", "The database's schema version", [],
             [([], float(self.schema_version))]),
            ("l4a_programme_revision", "Programme loads since start-up", [],
             [([], float(self.programme_revision))]),
        ]  # fmt: skip


def proposals_refresher(health: Health, read: Callable[[], Awaitable[list[Any]]]) -> None:
    """Keep ``l4a_proposals{status}`` from ``read()`` (proposals with a ``status``)."""
    from bot.proposals.model import STATUSES

    async def proposals_by_status() -> None:
        counts = Counter(p.status for p in await read())
        health.metrics.set_proposals({status: counts.get(status, 0) for status in STATUSES})

    health.refreshers.append(proposals_by_status)
