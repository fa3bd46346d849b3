"""Planning as a pure function: programme + follows + settings + window → the due deliveries.

Nothing here reads a clock, the database or a platform: ``l4a-bot plan`` prints exactly what the
announcer then schedules, because both call :func:`plan`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from datetime import datetime, timedelta
from typing import cast

from bot.announce.model import PRECEDENCE, Delivery, Follow, announce_key, remind_key
from bot.config import AnnouncementsSection, ChannelMap
from bot.programme import Programme, Session


def channel_for(channels: ChannelMap, session: Session) -> str | None:
    """The channel for ``session``: by its kind, else by its first mapped place, else default."""
    if session.kind in channels.kind:
        return channels.kind[session.kind]
    for place in session.places:
        if place in channels.place:
            return channels.place[place]
    return channels.default


class FollowIndex:
    """Follows grouped for planning: by session, by kind, and those who follow everything."""

    def __init__(self, follows: Iterable[Follow]) -> None:
        self.by_session: dict[str, list[Follow]] = defaultdict(list)
        self.by_kind: dict[str, list[Follow]] = defaultdict(list)
        self.everything: list[Follow] = []
        for f in follows:
            if f.target_type == "session":
                self.by_session[f.target].append(f)
            elif f.target_type == "kind":
                self.by_kind[f.target].append(f)
            else:
                self.everything.append(f)

    def all(self) -> list[Follow]:
        groups = [self.everything, *self.by_kind.values(), *self.by_session.values()]
        return [f for g in groups for f in g]

    def followers(self, session: Session) -> dict[tuple[str, str], Follow]:
        """Who follows ``session``, each user once, through their most specific follow."""
        out: dict[tuple[str, str], Follow] = {}
        for group in (
            self.everything,
            self.by_kind.get(session.kind, ()),
            self.by_kind.get(session.track, ()) if session.track else (),
            self.by_session.get(session.id, ()),
        ):
            for f in group:
                old = out.get(f.user)
                if old is None or PRECEDENCE[f.target_type] >= PRECEDENCE[old.target_type]:
                    out[f.user] = f
        return out


def plan(
    programme: Programme,
    follows: Iterable[Follow] | FollowIndex,
    settings: AnnouncementsSection,
    fronts: Collection[str],
    start: datetime,
    end: datetime,
    *,
    closed: Collection[tuple[str, str]] = (),
    channels: Mapping[str, ChannelMap] | None = None,
    sessions: Iterable[Session] | None = None,
) -> list[Delivery]:
    """Every announcement and reminder of ``fronts`` due in ``[start, end)``, by due time.

    Announcements go to each front's mapped channel at the session's leads; reminders to each
    follower at their lead, unless their private messages are ``closed`` or the reminder fell due
    before they followed. Untimed sessions are never announced. ``sessions``: plan only these
    (a part of the programme; the announcer plans in slices and yields between them).
    """
    if not settings.enabled:
        return []
    index = follows if isinstance(follows, FollowIndex) else FollowIndex(follows)
    channel_maps = (  # keyed by front names (the config's keys are the known ones)
        cast(Mapping[str, ChannelMap], settings.channels) if channels is None else channels
    )
    fronts = set(fronts)
    closed = set(closed)
    longest = max([settings.reminder_lead, *settings.leads, *_all_kind_leads(settings)])
    # Sessions starting after ``end + longest lead`` cannot have anything due before ``end``.
    horizon = end + timedelta(minutes=max(longest, _longest_follow(index)))
    out: list[Delivery] = []
    for session in programme.sessions if sessions is None else sessions:
        begins = session.starts_at
        # Every delivery is due at or before the start (leads are >= 0).
        if begins is None or begins < start or begins > horizon:
            continue
        for front in sorted(fronts):
            channel_map = channel_maps.get(front)
            channel = channel_for(channel_map, session) if channel_map is not None else None
            if channel is None:
                continue
            for lead in settings.leads_for(session.kind):
                due = begins - timedelta(minutes=lead)
                if start <= due < end:
                    key = announce_key(front, session.id, lead, begins)
                    out.append(
                        Delivery(key, due, "announce", front, channel, session.id, begins, lead)
                    )
        for (front, user_id), f in index.followers(session).items():
            if front not in fronts or (front, user_id) in closed:
                continue
            due = begins - timedelta(minutes=f.lead_minutes)
            if start <= due < end and due >= f.since:
                key = remind_key(front, user_id, session.id, begins)
                out.append(
                    Delivery(
                        key,
                        due,
                        "remind",
                        front,
                        user_id,
                        session.id,
                        begins,
                        f.lead_minutes,
                        private=True,
                    )
                )
    out.sort(key=lambda d: (d.due, d.kind != "announce", d.key))
    return out


def _all_kind_leads(settings: AnnouncementsSection) -> list[int]:
    return [lead for leads in settings.kind_leads.values() for lead in leads]


def _longest_follow(index: FollowIndex) -> int:
    groups = [index.everything, *index.by_kind.values(), *index.by_session.values()]
    return max((f.lead_minutes for g in groups for f in g), default=0)


def plan_lines(deliveries: Iterable[Delivery], programme: Programme) -> list[str]:
    """One line per delivery for ``l4a-bot plan``: when (forum zone and UTC), what, to whom."""
    out = []
    for d in deliveries:
        local = d.due.astimezone(programme.zone)
        to = f"@{d.target}" if d.private else f"#{d.target}"
        lead = f"{d.lead_minutes} min before" if d.lead_minutes else "at the start"
        out.append(
            f"{local:%Y-%m-%d %H:%M %Z}  {d.due:%Y-%m-%dT%H:%MZ}  {d.kind:<8}  "
            f"{d.front:<8} {to:<24} {d.session_id} ({lead})  {d.key}"
        )
    return out
