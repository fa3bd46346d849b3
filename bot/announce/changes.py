"""Schedule changes: reading a new ``schedule.yaml`` safely, and what changed for participants."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from bot.announce.model import Change, Delivery, change_key
from bot.announce.plan import FollowIndex, channel_for
from bot.config import ChannelMap
from bot.programme import Programme, Session


@dataclass(frozen=True, slots=True)
class ReloadOutcome:
    """``ok``: the new file is in use and ``changes`` were announced. Otherwise ``problems``
    (``PATH:LINE: problem`` lines) and the old programme still runs."""

    ok: bool
    problems: list[str] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)


def _still_relevant(session: Session | None, now: datetime) -> bool:
    if session is None or session.starts_at is None:
        return False
    return (session.ends_at or session.starts_at) > now


def diff(old: Programme, new: Programme, now: datetime) -> list[Change]:
    """Timed sessions that moved (time or places), were cancelled or added, among those not
    yet over at ``now``, in the order of the new (else old) start."""
    out: list[Change] = []
    for sid in old.by_id.keys() | new.by_id.keys():
        before, after = old.by_id.get(sid), new.by_id.get(sid)
        if not (_still_relevant(before, now) or _still_relevant(after, now)):
            continue
        before = before if before is not None and before.starts_at else None
        after = after if after is not None and after.starts_at else None
        if before is None and after is not None:
            out.append(Change("added", sid, None, after))
        elif after is None and before is not None:
            out.append(Change("cancelled", sid, before, None))
        elif (
            before is not None
            and after is not None
            and (
                before.starts_at != after.starts_at
                or before.ends_at != after.ends_at
                or before.places != after.places
            )
        ):
            out.append(Change("moved", sid, before, after))

    def order(c: Change) -> tuple[datetime, str]:
        s = c.after or c.before
        assert s is not None and s.starts_at is not None
        return (s.starts_at, c.session_id)

    return sorted(out, key=order)


def digest(changes: list[Change] | tuple[Change, ...]) -> str:
    """A short stable name for a set of changes (ledger keys: the same change is told once)."""
    text = "|".join(sorted(c.signature() for c in changes))
    return hashlib.blake2b(text.encode(), digest_size=6).hexdigest()


def change_deliveries(
    changes: list[Change],
    fronts: Iterable[str],
    channels: Mapping[str, ChannelMap],
    index: FollowIndex,
    closed: Collection[tuple[str, str]],
    now: datetime,
) -> list[Delivery]:
    """One post per channel concerned (each session's announcement channel) and one private
    notice per follower of a changed session, listing only their sessions; keyed by the set of
    changes, so the same change is told once."""
    out: list[Delivery] = []
    for front in sorted(fronts):
        by_channel: dict[str, list[Change]] = {}
        channel_map = channels.get(front)
        for c in changes:
            session = c.after or c.before
            channel = channel_for(channel_map, session) if channel_map and session else None
            if channel is not None:
                by_channel.setdefault(channel, []).append(c)
        by_user: dict[str, list[Change]] = {}
        for c in changes:
            users: set[tuple[str, str]] = set()
            for s in (c.before, c.after):
                if s is not None:
                    users.update(index.followers(s))
            for user in sorted(users):
                if user[0] == front and user not in closed:
                    by_user.setdefault(user[1], []).append(c)
        for target, group, private in [
            *((ch, g, False) for ch, g in by_channel.items()),
            *((u, g, True) for u, g in by_user.items()),
        ]:
            key = change_key(front, target, digest(group))
            out.append(Delivery(key, now, "change", front, target, "", None, 0, private, (*group,)))
    return out
