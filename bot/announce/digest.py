"""Digest: one private message for a person's reminders due within a few minutes of each other.

When a reminder falls due, that person's other reminders due within ``digest_minutes`` of it are
brought forward (:func:`companions`) and the lot becomes one delivery (:func:`bundle`) whose
``parts`` are the per-session deliveries. Exactly once holds through the per-session ledger keys
(``rem:<front>:<user>:<session>:<start>``): the fan-out claims every part's key in one
transaction before the message leaves and settles them together, so a restart either finds all of
them final (nothing is sent again) or all of them 'sending' (the same digest is planned again,
under the same key, which the platform drops as a duplicate). The digest's own key is derived
from its parts' keys and never stored.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import timedelta

from bot.announce.model import Delivery
from bot.programme import Programme, Session

User = tuple[str, str]


def window(minutes: float) -> timedelta | None:
    """The digest window, ``None`` when digests are off (``digest_minutes = 0``)."""
    return timedelta(minutes=minutes) if minutes > 0 else None


def _single_reminder(d: Delivery) -> bool:
    return d.kind == "remind" and d.private and not d.parts


def companions(
    due: Iterable[Delivery],
    pending: Mapping[str, Delivery],
    user_keys: Mapping[User, Iterable[str]],
    span: timedelta,
) -> list[Delivery]:
    """The pending reminders (``pending`` by key; ``user_keys``: each person's keys in it) to
    send along with ``due``: for each person with a reminder in ``due``, their other reminders
    due within ``span`` after the earliest of theirs in ``due``."""
    due = list(due)
    taken = {d.key for d in due}
    firsts: dict[User, Delivery] = {}
    for d in due:
        if _single_reminder(d):
            user = (d.front, d.target)
            if user not in firsts or d.due < firsts[user].due:
                firsts[user] = d
    out: list[Delivery] = []
    for user, first in firsts.items():
        limit = first.due + span
        for key in sorted(user_keys.get(user, ())):
            p = pending.get(key)
            if p is not None and _single_reminder(p) and p.due <= limit and key not in taken:
                out.append(p)
    return out


def bundle(due: Iterable[Delivery], span: timedelta) -> list[Delivery]:
    """``due`` with each person's reminders due within ``span`` of the first of a group turned
    into one delivery listing them (a group of one stays as it was)."""
    rest: list[Delivery] = []
    mine: dict[User, list[Delivery]] = defaultdict(list)
    for d in due:
        if _single_reminder(d):
            mine[(d.front, d.target)].append(d)
        else:
            rest.append(d)
    out: list[Delivery] = []
    for reminders in mine.values():
        reminders.sort(key=lambda d: (d.due, d.starts_at, d.key))
        group = [reminders[0]]
        for d in reminders[1:]:
            if d.due <= group[0].due + span:
                group.append(d)
            else:
                out.append(combined(group))
                group = [d]
        out.append(combined(group))
    return sorted([*rest, *out], key=lambda d: (d.due, d.key))


def combined(parts: list[Delivery]) -> Delivery:
    """One delivery for ``parts`` (the first of them alone if there is one)."""
    if len(parts) == 1:
        return parts[0]
    first = parts[0]
    digest = hashlib.sha256("|".join(sorted(p.key for p in parts)).encode()).hexdigest()[:16]
    key = f"dig:{first.front}:{first.target}:{digest}"
    return replace(first, key=key, parts=tuple(parts))


def parts_of(d: Delivery) -> list[Delivery]:
    """The per-session deliveries a delivery stands for (itself, unless a digest)."""
    return list(d.parts) or [d]


def live_sessions(programme: Programme, d: Delivery) -> list[Session]:
    """The sessions of a digest still at the time it was planned for (moved or cancelled ones
    are left out: their reminder is planned again at the new time, or not at all)."""
    out = []
    for p in d.parts:
        session = programme.by_id.get(p.session_id)
        if session is not None and session.starts_at == p.starts_at:
            out.append(session)
    return out
