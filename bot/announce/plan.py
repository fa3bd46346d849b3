"""Planning as a pure function: programme + follows + settings + window → the due deliveries.

Nothing here reads a clock, the database or a platform: ``l4a-bot plan`` prints exactly what the
announcer then schedules, because both call :func:`plan`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from datetime import datetime, timedelta
from typing import cast

from bot.announce.model import (
    PRECEDENCE,
    Delivery,
    Follow,
    GroupMode,
    announce_key,
    group_key,
    member_key,
    remind_key,
)
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
    group_fronts: Collection[str] = (),
    announce: bool = True,
    only_user: tuple[str, str] | None = None,
    modes: Mapping[str, GroupMode | None] | None = None,
) -> list[Delivery]:
    """Every announcement and reminder of ``fronts`` due in ``[start, end)``, by due time.

    Announcements go to each front's mapped channel at the session's leads; reminders to each
    follower at their lead, unless their private messages are ``closed`` or the reminder fell due
    before they followed. Untimed sessions are never announced. ``sessions``: plan only these
    (a part of the programme; the announcer plans in slices and yields between them).

    On ``group_fronts`` (fronts whose outbox can post for many), a session whose delivery mode
    (``[announcements.reminders]``) is ``thread`` or ``mentions`` gets ONE ``group`` delivery per
    lead instead of one reminder per follower (followers who asked for ``dm`` still get theirs),
    and, in ``thread`` mode, one ``member`` delivery per follower, due as soon as they follow:
    the per-person work is done ahead of the moment. ``announce=False``: no channel
    announcements (re-planning one user's sessions). ``only_user``: reminders and member
    additions of that follower only (group posts are planned whole). ``modes``: the delivery
    mode of these sessions, already known (``follows`` may then hold one user's follows only;
    a group post's ``members`` are gathered again when it is sent, see :func:`group_members`).
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
        for front in sorted(fronts) if announce else ():
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
        followers = index.followers(session)
        grouped: set[tuple[str, str]] = set()
        for front in sorted(fronts & set(group_fronts)):
            mode = (
                modes[session.id]
                if modes is not None and session.id in modes
                else group_mode(session, front, followers, settings, channel_maps)
            )
            posts, users = _group(
                session, front, followers, mode, channel_maps, start, end, only_user
            )
            out += posts
            grouped |= users
        for (front, user_id), f in followers.items():
            if front not in fronts or (front, user_id) in closed:
                continue
            if only_user is not None and (front, user_id) != only_user:
                continue
            if (front, user_id) in grouped:
                continue  # reached by the session's group post
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


def group_mode(
    session: Session,
    front: str,
    followers: Mapping[tuple[str, str], Follow],
    settings: AnnouncementsSection,
    channel_maps: Mapping[str, ChannelMap],
) -> GroupMode | None:
    """How ``session``'s followers on ``front`` are reached: ``thread`` or ``mentions`` (one
    post), or ``None``: private messages (``dm`` mode, no channel for the session on that
    front, or nobody to group)."""
    count = sum(1 for (fr, _), f in followers.items() if fr == front and not f.dm)
    mode = settings.reminders.mode_for(session.kind, count)
    channel_map = channel_maps.get(front)
    channel = channel_for(channel_map, session) if channel_map is not None else None
    if mode == "dm" or channel is None or not count:
        return None
    return cast("GroupMode", mode)  # mode_for resolves "auto"; "dm" is handled above


def _group(
    session: Session,
    front: str,
    followers: dict[tuple[str, str], Follow],
    mode: GroupMode | None,
    channel_maps: Mapping[str, ChannelMap],
    start: datetime,
    end: datetime,
    only_user: tuple[str, str] | None = None,
) -> tuple[list[Delivery], set[tuple[str, str]]]:
    """The group post(s) and member additions of ``session`` on ``front`` (none when its
    followers get private messages, see :func:`group_mode`), and the followers they reach.
    ``only_user``: member additions of that follower only (a follow changed)."""
    begins = session.starts_at
    assert begins is not None
    channel_map = channel_maps.get(front)
    channel = channel_for(channel_map, session) if channel_map is not None else None
    if mode is None or channel is None:
        return [], set()
    out: list[Delivery] = []
    grouped: set[tuple[str, str]] = set()
    by_lead: dict[int, list[str]] = defaultdict(list)
    for (fr, user_id), f in followers.items():
        if fr != front or f.dm:
            continue
        due = begins - timedelta(minutes=f.lead_minutes)
        if due < f.since:
            continue  # followed after their reminder's time: nothing for them
        grouped.add(f.user)
        if not start <= due < end:
            continue
        by_lead[f.lead_minutes].append(user_id)
        if mode == "thread" and (only_user is None or only_user == f.user):
            joins = max(f.since, start)
            if joins < end:
                key = member_key(front, mode, session.id, begins, user_id)
                out.append(
                    Delivery(key, joins, "member", front, user_id, session.id, begins,
                             f.lead_minutes, mode=mode, channel=channel)
                )  # fmt: skip
    for lead, users in by_lead.items():
        due = begins - timedelta(minutes=lead)
        key = group_key(front, session.id, lead, begins)
        out.append(
            Delivery(key, due, "group", front, channel, session.id, begins, lead,
                     members=tuple(users), mode=mode, channel=channel)
        )  # fmt: skip
    return out, grouped


def group_members(
    session: Session, front: str, followers: Mapping[tuple[str, str], Follow], lead: int
) -> list[str]:
    """Who a group post of ``session`` at ``lead`` mentions, gathered when it is sent: the
    followers on ``front`` at that lead who did not ask for private messages and followed
    before its time."""
    assert session.starts_at is not None
    due = session.starts_at - timedelta(minutes=lead)
    return sorted(
        user_id
        for (fr, user_id), f in followers.items()
        if fr == front and not f.dm and f.lead_minutes == lead and due >= f.since
    )


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
        if d.kind == "group":
            to = f"#{d.target} ({len(d.members)} followers, {d.mode})"
        elif d.kind == "member":
            to = f"@{d.target} → {d.mode}"
        lead = f"{d.lead_minutes} min before" if d.lead_minutes else "at the start"
        out.append(
            f"{local:%Y-%m-%d %H:%M %Z}  {d.due:%Y-%m-%dT%H:%MZ}  {d.kind:<8}  "
            f"{d.front:<8} {to:<24} {d.session_id} ({lead})  {d.key}"
        )
    return out


def latest_announcements(due: list[Delivery]) -> tuple[list[Delivery], list[Delivery]]:
    """``(kept, superseded)``: when several announcements of one session fall due together in a
    channel (a bot started or back late: 15 minutes before *and* at the start), only the latest
    is worth posting; the earlier ones would repeat it."""
    latest: dict[tuple[str, str, str, datetime | None], Delivery] = {}
    for d in due:
        if d.kind == "announce":
            group = (d.front, d.target, d.session_id, d.starts_at)
            if group not in latest or d.due > latest[group].due:
                latest[group] = d
    posted = {id(d) for d in latest.values()}
    kept = [d for d in due if d.kind != "announce" or id(d) in posted]
    return kept, [d for d in due if d.kind == "announce" and id(d) not in posted]
