"""The announcer's follows bookkeeping: who follows what, and who cannot get private messages.

Mixed into :class:`bot.announce.announcer.Announcer`, which loads the state at open and replans a
user's reminders when their follows change.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from bot.announce.model import PRECEDENCE, Follow, TargetType
from bot.programme import Programme, Session

if TYPE_CHECKING:
    from bot.announce.repo import AnnounceRepo
    from bot.hub import Hub

User = tuple[str, str]


class FollowBook:
    """Follows by user and the users noted as unreachable privately (part of the Announcer)."""

    hub: Hub
    repo: AnnounceRepo
    _follows: dict[User, dict[tuple[str, str], Follow]]
    _closed: set[User]
    #: Follows that do not ask for private messages, by (front, target type, target).
    _counts: Counter[tuple[str, str, str]]
    _replan_user: Callable[[User, frozenset[str]], None]
    _left: Callable[[str, str], Awaitable[None]]

    def follows_of(self, front: str, user_id: str) -> list[Follow]:
        return list(self._follows.get((front, user_id), {}).values())

    def is_closed(self, front: str, user_id: str) -> bool:
        return (front, user_id) in self._closed

    async def follow(self, follow: Follow) -> bool:
        """Save a follow (a second one on the same target changes its lead). True if the user
        had been noted as unreachable privately: they are tried again."""
        user = follow.user
        before = frozenset(s.id for s in self.followed(*user))
        mine = self._follows.setdefault(user, {})
        old = mine.get((follow.target_type, follow.target))
        if old is not None:
            follow = replace(follow, since=old.since)
        await self.repo.add_follow(follow)
        mine[(follow.target_type, follow.target)] = follow
        self._count(old, -1)
        self._count(follow, 1)
        reopened = user in self._closed
        if reopened:
            await self.repo.clear_closed(*user)
            self._closed.discard(user)
        self._replan_user(user, before)
        return reopened

    async def unfollow(
        self, front: str, user_id: str, target_type: TargetType | None, target: str | None
    ) -> int:
        before = frozenset(s.id for s in self.followed(front, user_id))
        removed = await self.repo.remove_follows(front, user_id, target_type, target)
        mine = self._follows.get((front, user_id), {})
        if target_type is None:
            gone = list(mine.values())
            mine.clear()
        else:
            gone = [f for f in [mine.pop((target_type, target or ""), None)] if f]
        for f in gone:
            self._count(f, -1)
        self._replan_user((front, user_id), before)
        if removed:
            await self._left(front, user_id)
        return removed

    def _count(self, follow: Follow | None, delta: int) -> None:
        if follow is not None and not follow.dm:
            self._counts[(follow.front, follow.target_type, follow.target)] += delta

    def sessions_for(self, follow: Follow) -> list[Session]:
        return _covered(self.hub.programme, [follow])

    def followed(self, front: str, user_id: str) -> list[Session]:
        return _covered(self.hub.programme, self.follows_of(front, user_id))

    def leads(self, front: str, user_id: str) -> dict[str, int]:
        """Session id → lead (minutes) of each timed session the user follows, taken from the
        most specific follow covering it (a session's own lead beats its kind's, then all)."""
        follows = self.follows_of(front, user_id)
        out: dict[str, int] = {}
        for session in _covered(self.hub.programme, follows):
            best = max(
                (f for f in follows if _covers(f, session)),
                key=lambda f: PRECEDENCE[f.target_type],
            )
            out[session.id] = best.lead_minutes
        return out


def _covers(follow: Follow, session: Session) -> bool:
    if follow.target_type == "all":
        return True
    if follow.target_type == "kind":
        return session.kind == follow.target
    return session.id == follow.target


def _covered(programme: Programme, follows: list[Follow]) -> list[Session]:
    ids = {f.target for f in follows if f.target_type == "session"}
    kinds = {f.target for f in follows if f.target_type == "kind"}
    everything = any(f.target_type == "all" for f in follows)
    return [
        s
        for s in programme.sessions
        if s.starts_at is not None
        and (everything or s.kind in kinds or s.track in kinds or s.id in ids)
    ]
