"""Discord scheduled events for the programme, planned without Discord: what to create, edit or
delete so that a server shows one external event per upcoming timed session.

The planner is pure: the programme, ``now``, what this bot already made (the mapping stored in
``scheduled_events``) and, when known, the events that exist in the server go in; a :class:`Plan`
comes out. ``bot.events_sync`` carries it out through a front's :class:`EventsApi`.

Limits (Discord): name 1–100, description 1–1000, location 1–100 characters; an external event
needs a location and an end; at most 100 SCHEDULED or ACTIVE events per server, so when more
sessions are upcoming only the nearest get one (the others follow as those end).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from bot.i18n import t
from bot.programme import Programme, Session, format_text, kind_text

NAME_MAX, DESCRIPTION_MAX, LOCATION_MAX, ACTIVE_MAX = 100, 1000, 100, 100
DEFAULT_LENGTH = timedelta(hours=1)  # a session with no end still needs one on Discord
ELLIPSIS = "…"


def cut(text: str, limit: int, *, one_line: bool = True) -> str:
    """``text`` in at most ``limit`` characters, cut with an ellipsis; never empty. ``one_line``
    also folds newlines and runs of spaces (names and locations)."""
    text = " ".join(text.split()) if one_line else text.strip()
    if not text:
        return "—"
    return text if len(text) <= limit else text[: limit - 1].rstrip() + ELLIPSIS


@dataclass(frozen=True, slots=True)
class EventSpec:
    """What one session's external event shows."""

    session_id: str
    name: str
    description: str
    location: str
    start: datetime
    end: datetime

    @property
    def fingerprint(self) -> str:
        raw = "\x1f".join(
            (
                self.name,
                self.description,
                self.location,
                self.start.isoformat(),
                self.end.isoformat(),
            )
        )
        return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class Mapped:
    """An event this bot made for a session (a row of ``scheduled_events``)."""

    session_id: str
    event_id: str
    fingerprint: str


@dataclass(frozen=True, slots=True)
class LiveEvent:
    """An event that exists in the server now. ``active``: SCHEDULED or ACTIVE (what Discord's
    limit counts); ``mine``: made by this bot (a lost mapping row can then be adopted)."""

    event_id: str
    active: bool
    mine: bool = False
    name: str = ""
    start: datetime | None = None


Action = Literal["create", "update", "delete", "forget"]


@dataclass(frozen=True, slots=True)
class Op:
    """``create`` a new event; ``update`` (edit) ``event_id``; ``delete`` it from the server;
    ``forget`` only its mapping row (the event is gone or past)."""

    action: Action
    session_id: str
    event_id: str | None = None
    spec: EventSpec | None = None


@dataclass(slots=True)
class Plan:
    ops: list[Op] = field(default_factory=list)
    unchanged: int = 0
    #: Upcoming sessions that have (or get) an event, and those left out by Discord's limit.
    wanted: int = 0
    capped: int = 0
    #: Events of the mapping missing from the server (deleted by hand), created again.
    recreated: int = 0

    def count(self, action: Action) -> int:
        return sum(1 for op in self.ops if op.action == action)


def event_spec(session: Session, programme: Programme, lang: str) -> EventSpec | None:
    """The external event of a timed session, within Discord's limits (``None`` if untimed)."""
    if session.starts_at is None:
        return None
    places = [programme.places[p] for p in session.places if p in programme.places]
    fmt = format_text(session.format, lang)
    lines = [" · ".join(x for x in (kind_text(session, lang), fmt) if x)]
    if session.host:
        lines.append(t(lang, "session.hosted_by", host=session.host))
    if session.speakers:
        lines.append(t(lang, "interchange.speakers_line", speakers=", ".join(session.speakers)))
    for place in places:
        how = " — ".join(x for x in (place.join and place.join.get(lang), place.url) if x)
        if how:
            lines.append(t(lang, "calendar.join", place=place.name.get(lang), how=how))
    if session.summary:
        lines += ["", session.summary.get(lang)]
    # The id last, on its own line: kept whole by cutting the text before it.
    tail = f"\n\n[{session.id}]"
    body = cut("\n".join(lines), DESCRIPTION_MAX - len(tail), one_line=False)
    url = next((p.url for p in places if p.url and len(p.url) <= LOCATION_MAX), None)
    location = (
        url
        or ", ".join(p.name.get(lang) for p in places)
        or format_text(session.format, lang)
        or session.title.get(lang)
    )
    return EventSpec(
        session_id=session.id,
        name=cut(session.title.get(lang), NAME_MAX),
        description=body + tail,
        location=cut(location, LOCATION_MAX),
        start=session.starts_at,
        end=session.ends_at or session.starts_at + DEFAULT_LENGTH,
    )


def plan(
    programme: Programme,
    now: datetime,
    mapping: Iterable[Mapped],
    lang: str,
    *,
    live: Sequence[LiveEvent] | None = None,
    limit: int = ACTIVE_MAX,
) -> Plan:
    """What to do so the server shows one event per upcoming session (nearest ``limit`` first).

    ``live`` is the server's events (``None``: unknown, the mapping is trusted). An event of the
    mapping missing from ``live`` (deleted by hand) is created again; an event this bot made
    whose row was lost (a crash between Discord's answer and the commit, a new database) is
    adopted when it matches a session's name and start, deleted when it is upcoming and matches
    none. Deletes come first (they free room under the limit), then edits, then creations,
    nearest first.
    """
    mapped = {m.session_id: m for m in mapping}
    known = {m.event_id for m in mapped.values()}
    active = {e.event_id: e for e in live or () if e.active}
    upcoming = [s for s in programme.sessions if s.starts_at is not None and s.starts_at > now]
    upcoming.sort(key=lambda s: (s.starts_at, s.id))
    upcoming_ids = {s.id for s in upcoming}

    def exists(event_id: str) -> bool:
        return live is None or event_id in active

    orphans = {
        (e.name, e.start): e
        for e in active.values()
        if e.mine and e.event_id not in known and e.start is not None and e.start > now
    }
    # What this plan keeps, edits or deletes does not limit the room; everything else active in
    # the server does: other people's events, and ours of sessions under way.
    managed = {
        m.event_id
        for m in mapped.values()
        if m.session_id in upcoming_ids or m.session_id not in programme.by_id
    }
    managed |= {e.event_id for e in orphans.values()}
    if live is None:
        others = sum(1 for m in mapped.values() if m.event_id not in managed)
    else:
        others = sum(1 for e in active.values() if e.event_id not in managed)
    wanted = upcoming[: max(0, limit - others)]
    wanted_ids = {s.id for s in wanted}

    out = Plan(wanted=len(wanted), capped=len(upcoming) - len(wanted))
    deletes: list[Op] = []
    for m in mapped.values():
        session = programme.by_id.get(m.session_id)
        if m.session_id in wanted_ids:
            continue
        if session is None or session.starts_at is None or m.session_id in upcoming_ids:
            # cancelled, no longer timed, or pushed out by nearer sessions
            action: Action = "delete" if exists(m.event_id) else "forget"
            deletes.append(Op(action, m.session_id, m.event_id))
        elif session.ends_at is None or session.ends_at <= now or not exists(m.event_id):
            deletes.append(Op("forget", m.session_id, m.event_id))  # past: Discord ends it
        # else: under way, left as it is
    updates: list[Op] = []
    creates: list[Op] = []
    for session in wanted:
        spec = event_spec(session, programme, lang)
        assert spec is not None
        existing = mapped.get(session.id)
        if existing is not None and exists(existing.event_id):
            if existing.fingerprint == spec.fingerprint:
                out.unchanged += 1
            else:
                updates.append(Op("update", session.id, existing.event_id, spec))
            continue
        orphan = orphans.pop((spec.name, spec.start), None)
        if orphan is not None:
            updates.append(Op("update", session.id, orphan.event_id, spec))
            continue
        if existing is not None:
            out.recreated += 1
        creates.append(Op("create", session.id, None, spec))
    for orphan in orphans.values():  # ours, upcoming, and no session of the programme matches
        deletes.append(Op("delete", "", orphan.event_id))
    out.ops = deletes + updates + creates
    return out
