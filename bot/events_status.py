"""Discord's own notifications for the synced scheduled events (issue 14, item 5).

Discord tells everyone who marked an event "Interested" when the event *starts*, and an
external event starts only when someone starts it: the bot does, at the session's start (a
safety net when no reminder can reach a person), and ends it at the session's end if nobody
has. Planned here without Discord: which events to start or end now, and when to look again
(the front runs a job at each instant). Idempotent by the events' own status: an event already
started, ended or cancelled is left alone, so a restart, a late job or two jobs do nothing twice.

People who marked an event "Interested" can be offered a follow of its session once (the
ledger key :func:`offer_key`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from bot.events import Mapped
from bot.programme import Programme

#: Discord's scheduled event statuses.
SCHEDULED, ACTIVE, COMPLETED, CANCELED = 1, 2, 3, 4


@dataclass(frozen=True, slots=True)
class StatusStep:
    event_id: str
    session_id: str
    action: Literal["start", "end"]


def status_steps(
    programme: Programme, mapping: Iterable[Mapped], statuses: Mapping[str, int], now: datetime
) -> list[StatusStep]:
    """The events (made by this bot for a session) to start now (the session has begun and has
    not ended, the event is still SCHEDULED) or to end now (the session is over, the event is
    still ACTIVE)."""
    out: list[StatusStep] = []
    for m in mapping:
        session = programme.by_id.get(m.session_id)
        status = statuses.get(m.event_id)
        if session is None or session.starts_at is None or status is None:
            continue
        over = session.ends_at is not None and session.ends_at <= now
        if status == SCHEDULED and session.starts_at <= now and not over:
            out.append(StatusStep(m.event_id, m.session_id, "start"))
        elif status == ACTIVE and over:
            out.append(StatusStep(m.event_id, m.session_id, "end"))
    return out


def status_dues(programme: Programme, now: datetime) -> set[datetime]:
    """The instants still to come at which an event may have to start or end."""
    out: set[datetime] = set()
    for s in programme.sessions:
        for at in (s.starts_at, s.ends_at):
            if at is not None and at > now:
                out.add(at)
    return out


def offer_key(front: str, session_id: str, user_id: str) -> str:
    """The ledger key of the one offer to follow ``session_id`` made to ``user_id``."""
    return f"offer:{front}:{session_id}:{user_id}"
