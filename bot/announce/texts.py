"""The messages the announcer sends: channel announcements, private reminders, change notices.

Built when they are sent, with the real lateness ("started 5 minutes ago" after a restart), in
the reader's language and zone (a channel reads the programme's zone; Discord adds ``<t:…>``
stamps to every :class:`Stamp`, which each reader sees in their own zone).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from babel.dates import format_timedelta

from bot.announce.model import Change
from bot.context import Caller, Ctx, Prefs
from bot.doc import Code, Inline, Link, Reply, Stamp, Strong, Text
from bot.i18n import t
from bot.programme import Session, kind_text
from bot.render import when_text, where_text

if TYPE_CHECKING:
    from bot.hub import Hub


def duration(minutes: float, lang: str) -> str:
    """``15 minutes`` / ``2 horas`` (whole minutes, at least one)."""
    span = timedelta(minutes=max(1, round(minutes)))
    return format_timedelta(span, threshold=2, granularity="minute", locale=lang)


def channel_ctx(hub: Hub, front: str, channel: str, now: datetime) -> Ctx:
    """A reading context for a channel: the announcement language, the programme's zone."""
    lang = hub.config.announcements.language or hub.config.bot.default_language
    prefs = Prefs(lang, hub.programme_zone, False)
    today = now.astimezone(hub.programme.zone).date()
    return Ctx(hub, Caller(front, f"#{channel}"), prefs, now, today)


def user_ctx(hub: Hub, front: str, user_id: str, now: datetime, locale: str | None = None) -> Ctx:
    """The follower's language (chosen, else the platform's hint) and zone."""
    ctx = hub.context(Caller(front, user_id, locale=locale))
    return Ctx(hub, ctx.caller, ctx.prefs, now, now.astimezone(ctx.prefs.zone.tzinfo).date())


def _relative(ctx: Ctx, starts_at: datetime) -> str:
    minutes = (starts_at - ctx.now).total_seconds() / 60
    if abs(minutes) < 0.5:
        return t(ctx.lang, "announce.now")
    if minutes > 0:
        return t(ctx.lang, "announce.in", span=duration(minutes, ctx.lang))
    return t(ctx.lang, "announce.ago", span=duration(-minutes, ctx.lang))


def _when(ctx: Ctx, session: Session) -> Inline:
    text = when_text(ctx, session)
    return Stamp(session.starts_at, text) if session.starts_at else Text(text)


def _where(ctx: Ctx, reply: Reply, session: Session) -> None:
    reply.para(Strong(t(ctx.lang, "announce.where")), " ", where_text(ctx, session))
    for place_id in session.places:
        place = ctx.programme.places.get(place_id)
        if place is None:
            continue
        name = place.name.get(ctx.lang)
        head: Inline = Link(place.url, name) if place.url else Strong(name)
        if place.join:
            reply.item(head, " — ", place.join.get(ctx.lang))
        elif place.url:
            reply.item(head)


def _title(reply: Reply, session: Session, lang: str) -> None:
    """Title and kind; an open-space session also names its host (hosts' text stays text)."""
    parts: list[Inline | str] = [
        Strong(session.title.get(lang)),
        " · ",
        kind_text(session, lang),
    ]
    if session.host:
        parts += [" · ", Text(t(lang, "session.hosted_by", host=session.host))]
    if session.speakers:
        speakers = ", ".join(session.speakers)
        parts += [" · ", Text(t(lang, "interchange.speakers_line", speakers=speakers))]
    reply.para(*parts)


def _session_message(
    ctx: Ctx, session: Session, *, coming: str, started: str, private: bool, note: str
) -> Reply:
    """What starts (heading ``coming``, or ``started`` once it has begun), when, how to join."""
    assert session.starts_at is not None
    lang = ctx.lang
    key = started if session.starts_at < ctx.now else coming
    reply = Reply(private=private)
    reply.heading(t(lang, key, when=_relative(ctx, session.starts_at)))
    _title(reply, session, lang)
    reply.para(Strong(t(lang, "announce.when")), " ", _when(ctx, session))
    _where(ctx, reply, session)
    reply.note(note)
    return reply


def announcement(ctx: Ctx, session: Session) -> Reply:
    """The channel post: what starts, when (relative and at the programme's time), how to join."""
    hint = t(ctx.lang, "announce.follow_hint", cmd=f"{ctx.caller.prefix}remind {session.id}")
    return _session_message(
        ctx,
        session,
        coming="announce.starting",
        started="announce.started",
        private=False,
        note=hint,
    )


def reminder(ctx: Ctx, session: Session) -> Reply:
    """The private reminder, in the follower's language and zone."""
    hint = t(ctx.lang, "announce.stop_hint", cmd=f"{ctx.caller.prefix}unremind {session.id}")
    return _session_message(
        ctx,
        session,
        coming="announce.reminder",
        started="announce.reminder_started",
        private=True,
        note=hint,
    )


def digest(ctx: Ctx, sessions: Sequence[Session]) -> Reply:
    """One private message for several reminders due together: each session, when (with how
    soon), how to join; in the follower's language and zone. One session: the plain reminder."""
    if len(sessions) == 1:
        return reminder(ctx, sessions[0])
    lang = ctx.lang
    reply = Reply(private=True)
    reply.heading(t(lang, "announce.digest.heading", count=len(sessions)))
    for session in sessions:
        assert session.starts_at is not None
        _title(reply, session, lang)
        soon = _relative(ctx, session.starts_at)
        reply.para(Strong(t(lang, "announce.when")), " ", _when(ctx, session), f" · {soon}")
        _where(ctx, reply, session)
    ids = ", ".join(s.id for s in sessions)
    reply.note(t(lang, "announce.digest.stop_hint", cmd=f"{ctx.caller.prefix}unremind", ids=ids))
    return reply


def group_reminder(ctx: Ctx, session: Session) -> Reply:
    """The one post that reminds all of a session's followers (in its thread or channel, in
    the channel's language; each mentioned follower is notified by the platform)."""
    prefix = ctx.caller.prefix
    hint = t(
        ctx.lang,
        "notify.group_hint",
        cmd=f"{prefix}unremind {session.id}",
        dm=f"{prefix}remind {session.id} dm",
    )
    return _session_message(
        ctx,
        session,
        coming="announce.reminder",
        started="announce.reminder_started",
        private=False,
        note=hint,
    )


def changes_reply(ctx: Ctx, changes: Sequence[Change], *, private: bool) -> Reply:
    """What moved, was cancelled or was added, each line in the reader's zone."""
    lang = ctx.lang
    reply = Reply(private=private)
    reply.heading(t(lang, "announce.changes_heading"))
    for c in changes:
        new, before = c.after, c.before
        if c.what == "cancelled" and before is not None:
            reply.item(
                Strong(before.title.get(lang)),
                " — ",
                t(lang, "announce.cancelled", when=when_text(ctx, before)),
            )
        elif c.what == "added" and new is not None:
            reply.item(
                Strong(new.title.get(lang)), " — ", t(lang, "announce.added"), " ", _when(ctx, new)
            )
        elif new is not None and before is not None:
            reply.item(
                Strong(new.title.get(lang)),
                " — ",
                t(lang, "announce.moved", when=when_text(ctx, before)),
                " ",
                _when(ctx, new),
                f" · {where_text(ctx, new)}",
            )
    if private:
        reply.note(t(lang, "announce.changes_private", cmd=f"{ctx.caller.prefix}agenda"))
    else:
        reply.note(t(lang, "announce.changes_public", cmd=f"{ctx.caller.prefix}schedule"))
    return reply


def session_code(session: Session) -> Code:
    return Code(session.id)
