"""What the announcer works with: follows, planned deliveries and their stable ledger keys."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Literal

from bot.programme import Session

TargetType = Literal["session", "kind", "all"]
DeliveryKind = Literal["announce", "remind", "change", "group", "member", "decision", "poll"]
#: How a group of followers is reached: one post in the session's thread, or in its channel.
GroupMode = Literal["thread", "mentions"]
#: Precedence when several follows cover one session: the most specific one sets the lead.
PRECEDENCE: dict[str, int] = {"all": 0, "kind": 1, "session": 2}


@dataclass(frozen=True, slots=True)
class Follow:
    """``front``/``user_id`` follows one session, every session of a kind, or all of them."""

    front: str
    user_id: str
    target_type: TargetType
    target: str  # session id, kind, or "" for all
    lead_minutes: int
    since: datetime  # reminders due before this instant are not sent
    locale: str | None = None  # the platform's language hint when they followed
    dm: bool = False  # always a private message, whatever the session's delivery mode

    @property
    def user(self) -> tuple[str, str]:
        return (self.front, self.user_id)


@dataclass(frozen=True, slots=True)
class Change:
    """One change between two programmes: ``moved`` (time or place), ``cancelled`` or ``added``.
    ``before``/``after`` are the session in the old and new programme (``None`` if absent)."""

    what: Literal["moved", "cancelled", "added"]
    session_id: str
    before: Session | None
    after: Session | None

    def signature(self) -> str:
        when = [stamp(s.starts_at) if s and s.starts_at else "-" for s in (self.before, self.after)]
        places = ",".join(self.after.places) if self.after else "-"
        return f"{self.what}:{self.session_id}:{when[0]}:{when[1]}:{places}"


@dataclass(slots=True)
class Delivery:
    """One message to send at ``due`` (UTC): to a channel (``announce``, ``change`` posts),
    privately to a user (``remind``, ``change`` notices), or one post for many followers
    (``group``: ``members`` are mentioned, in the session's thread or channel by ``mode``).
    ``member`` adds one follower (``target``) to the session's group ahead of time, in the
    background, through the same ledger."""

    key: str
    due: datetime
    kind: DeliveryKind
    front: str
    target: str  # a channel (posts) or a user id (private)
    session_id: str
    starts_at: datetime | None
    lead_minutes: int = 0
    private: bool = False
    changes: tuple[Change, ...] = ()
    #: A digest (``bot/announce/digest.py``): the per-session reminders it lists.
    parts: tuple[Delivery, ...] = ()
    members: tuple[str, ...] = ()
    mode: GroupMode | None = None
    channel: str | None = None  # the session's channel (``group``, ``member``)


@lru_cache(maxsize=65536)
def stamp(at: datetime) -> str:
    """A compact UTC instant for keys: ``20211006T1000Z``."""
    return at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ").replace("00Z", "Z")


def announce_key(front: str, session_id: str, lead: int, starts_at: datetime) -> str:
    return f"ann:{front}:{session_id}:{lead}:{stamp(starts_at)}"


def remind_key(front: str, user_id: str, session_id: str, starts_at: datetime) -> str:
    # The lead is not part of the key: changing it after the reminder went out sends no second.
    return f"rem:{front}:{user_id}:{session_id}:{stamp(starts_at)}"


def group_key(front: str, session_id: str, lead: int, starts_at: datetime) -> str:
    return f"grp:{front}:{session_id}:{lead}:{stamp(starts_at)}"


def group_name(front: str, mode: str, session_id: str, starts_at: datetime) -> str:
    """The name under which a session's thread (or other group) is remembered."""
    return f"group:{front}:{mode}:{session_id}:{stamp(starts_at)}"


def member_key(front: str, mode: str, session_id: str, starts_at: datetime, user: str) -> str:
    return f"mem:{front}:{mode}:{session_id}:{stamp(starts_at)}:{user}"


def change_key(front: str, target: str, digest: str) -> str:
    return f"chg:{front}:{target}:{digest}"
