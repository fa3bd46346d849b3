"""Planning for a front that posts for many, as follows change (part of the Announcer).

A follow on a session delivered to a group re-plans only that follower's deliveries while the
session's delivery mode stays the same (decided from counts of follows, see :meth:`_mode_of`),
so a follow costs the same for a session of ten or of ten thousand; all of the session's
deliveries are re-planned when the mode changes (a threshold crossed). A group post's members
are gathered when it is sent.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, cast

from bot.announce.model import Delivery, Follow, GroupMode
from bot.announce.plan import FollowIndex, channel_for, group_members, group_mode, plan
from bot.programme import Session

if TYPE_CHECKING:
    from bot.announce.follow_book import User
    from bot.config import AnnouncementsSection, ChannelMap
    from bot.hub import Hub

FAR_FUTURE = datetime(9999, 1, 1, tzinfo=UTC)


class GroupPlanning:
    hub: Hub
    settings: AnnouncementsSection
    _counts: Counter[tuple[str, str, str]]
    _modes: dict[tuple[str, str], GroupMode | None]
    _session_keys: dict[tuple[str, str], set[str]]
    _pending: dict[str, Delivery]
    _closed: set[User]
    _follows: dict[User, dict[tuple[str, str], Follow]]

    follow_index: Callable[[], FollowIndex]
    followed: Callable[[str, str], list[Session]]
    _since: Callable[[], datetime]
    _group_fronts: Callable[[], set[str]]

    def _replan_grouped(self, user: User, before: frozenset[str]) -> list[Delivery]:
        """A follow changed on a front that posts for many. For each session concerned: when
        its delivery mode is unchanged, only this user's deliveries (a member addition, the
        group post of their lead, whose members are gathered when it is sent, or a private
        reminder); when it changed (a threshold crossed), all of the session's deliveries. So a
        follow costs the same whether the session has ten followers or ten thousand."""
        front = user[0]
        ids = before | {s.id for s in self.followed(*user)}
        index: FollowIndex | None = None
        whole: list[Session] = []
        mine: list[Session] = []
        modes: dict[str, GroupMode | None] = {}
        for s in (s for s in self.hub.programme.sessions if s.id in ids):
            key = (front, s.id)
            mode = self._mode_of(s, front)
            if self._modes.get(key, None) == mode:
                modes[s.id] = mode
                mine.append(s)
                continue
            index = index or self.follow_index()
            self._modes[key] = group_mode(s, front, index.followers(s), self.settings, self._maps())
            for k in self._session_keys.pop(key, set()):
                self._pending.pop(k, None)
            whole.append(s)
        since, programme = self._since(), self.hub.programme
        planned: list[Delivery] = []
        if whole:
            assert index is not None
            planned += plan(
                programme,
                index,
                self.settings,
                {front},
                since,
                FAR_FUTURE,
                sessions=whole,
                closed=self._closed,
                group_fronts={front},
                announce=False,
            )
        if mine:
            own = FollowIndex(self._follows.get(user, {}).values())
            planned += plan(
                programme, own, self.settings, {front}, since, FAR_FUTURE, sessions=mine,
                modes=modes, closed=self._closed, group_fronts={front}, announce=False,
            )  # fmt: skip
        return planned

    def _maps(self) -> Mapping[str, ChannelMap]:
        """The channel maps by front name (the config's keys are the known front names)."""
        return cast("Mapping[str, ChannelMap]", self.settings.channels)

    def _mode_of(self, session: Session, front: str) -> GroupMode | None:
        """The session's delivery mode on ``front``, from counts of follows (a few lookups);
        counted exactly (every follower) only where the counts cannot tell."""
        reminders = self.settings.reminders
        channel_map = self._maps().get(front)
        if channel_map is None or channel_for(channel_map, session) is None:
            return None
        c = self._counts
        parts = [c[(front, "session", session.id)], c[(front, "kind", session.kind)],
                 c[(front, "all", "")]]  # fmt: skip
        upper, lower = sum(parts), max(parts)
        mode = reminders.kind_modes.get(session.kind, reminders.mode)
        if upper == 0 or (mode == "auto" and upper <= reminders.dm_max_followers):
            return None
        if mode == "auto" and lower > reminders.dm_max_followers:
            return "thread"
        if mode not in ("auto", "dm") and lower > 0:
            return cast("GroupMode", mode)  # "thread" or "mentions"
        followers = self.follow_index().followers(session)
        return group_mode(session, front, followers, self.settings, self._maps())

    def delivery_mode(self, front: str, session_id: str) -> str | None:
        """How the followers of a session are reminded on ``front``: ``thread``, ``mentions``
        (one post for many) or ``None`` (private messages)."""
        session = self.hub.programme.by_id.get(session_id)
        if session is None or front not in self._group_fronts():
            return None
        return self._mode_of(session, front)

    def group_members(self, d: Delivery) -> list[str]:
        """Who the group post ``d`` mentions, now (follows change until it is sent)."""
        session = self.hub.programme.by_id[d.session_id]
        return group_members(
            session, d.front, self.follow_index().followers(session), d.lead_minutes
        )
