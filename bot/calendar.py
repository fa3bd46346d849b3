"""iCalendar files (.ics) of the programme, or of any list of sessions, with the icalendar library.

- one VEVENT per session; its UID depends only on the session id and the forum (never on the
  file's order or the export time), so importing a newer file updates the events instead of
  adding copies;
- SEQUENCE and LAST-MODIFIED come from the store's revision counter (``bot/revisions.py``): they
  grow when what the calendar shows of a session changes, and only then;
- timed sessions are UTC instants (``DTSTART:20211006T100000Z``): every calendar shows them in its
  own zone, so a reader in Kathmandu and one in Madrid see the same instants; untimed items
  (visits, welcomes) are all-day events (``VALUE=DATE``);
- texts in the reader's language (French falls back to English, as everywhere in the bot);
  escaping of commas, semicolons, newlines is icalendar's job, so hosts' text round-trips.

:func:`calendar_reply` is what the commands call: ``/ics all`` passes the whole programme, and
"my agenda" passes the sessions the user follows. Every file given to a person carries a VALARM
on each session that person follows, at their own reminder lead (``/remind … 10`` → 10 minutes
before), so their calendar reminds them even when no message reaches them; ``/ics all`` too, but
only on the sessions they follow (an alarm on every session of the programme would be noise).
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event

from bot.announce.follows import followed_sessions, lead_minutes
from bot.announce.texts import duration
from bot.context import Ctx
from bot.doc import Attachment, Code, Reply
from bot.i18n import t, tn
from bot.programme import Programme, Session, format_text, kind_text
from bot.registry import Command, Invocation, Param
from bot.revisions import Revision, record_revisions

MIME = "text/calendar"
PRODID = "-//LOCAL4ACTION Hub//l4a-bot//EN"
UID_DOMAIN = "l4a-bot.local4action-hub"


def session_uid(session: Session, programme: Programme) -> str:
    """``<session id>.<forum start date>@l4a-bot.local4action-hub``: stable per session."""
    return f"{session.id}.{programme.forum.start_date.isoformat()}@{UID_DOMAIN}"


def _description(session: Session, programme: Programme, lang: str) -> str:
    fmt = format_text(session.format, lang)
    lines = [" · ".join(x for x in (kind_text(session, lang), fmt) if x)]
    if session.subtitle:
        lines.append(session.subtitle.get(lang))
    if session.host:
        lines.append(t(lang, "session.hosted_by", host=session.host))
    if session.speakers:
        lines.append(t(lang, "interchange.speakers_line", speakers=", ".join(session.speakers)))
    summary = session.summary.get(lang) if session.summary else None
    if summary:
        lines += ["", summary]
    if session.description and session.description.get(lang) != summary:
        lines += ["", session.description.get(lang)]
    joins = [programme.places[p] for p in session.places if p in programme.places]
    if joins:
        lines.append("")
        for place in joins:
            how = " — ".join(x for x in (place.join and place.join.get(lang), place.url) if x)
            if how:
                lines.append(t(lang, "calendar.join", place=place.name.get(lang), how=how))
    lines += ["", f"[{session.id}]"]
    return "\n".join(lines)


def session_event(
    session: Session,
    programme: Programme,
    lang: str,
    *,
    now: datetime,
    revision: Revision | None = None,
    lead: int | None = None,
) -> Event:
    event = Event()
    event.add("uid", session_uid(session, programme))
    event.add("dtstamp", now.astimezone(UTC))
    if session.starts_at is not None:
        event.add("dtstart", session.starts_at.astimezone(UTC))
        if session.ends_at is not None:
            event.add("dtend", session.ends_at.astimezone(UTC))
    else:
        event.add("dtstart", session.date)  # a date: VALUE=DATE, an all-day event
        event.add("dtend", session.date + timedelta(days=1))
        event.add("transp", "TRANSPARENT")
    event.add("summary", session.title.get(lang))
    event.add("description", _description(session, programme, lang))
    names = [programme.places[p].name.get(lang) for p in session.places if p in programme.places]
    if names:
        event.add("location", ", ".join(names))
    url = session.url or next(
        (programme.places[p].url for p in session.places if p in programme.places), None
    )
    if url:
        event.add("url", url)
    event.add("categories", [kind_text(session, lang)])
    event.add("status", "CONFIRMED")
    event.add("sequence", revision.sequence if revision else 0)
    if revision is not None:
        event.add("last-modified", revision.changed_at.astimezone(UTC))
    if lead is not None and session.starts_at is not None:
        event.add_component(session_alarm(session, lang, lead))
    return event


def session_alarm(session: Session, lang: str, lead: int) -> Alarm:
    """A VALARM ``lead`` minutes before the start (the reader's own reminder lead): their
    calendar reminds them even when the bot cannot send a message."""
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("trigger", timedelta(minutes=-lead))
    title = session.title.get(lang)
    if lead:
        text = t(lang, "calendar.alarm.before", title=title, span=duration(lead, lang))
    else:
        text = t(lang, "calendar.alarm.now", title=title)
    alarm.add("description", text)
    return alarm


def calendar_bytes(
    sessions: Iterable[Session],
    programme: Programme,
    lang: str,
    *,
    now: datetime,
    name: str | None = None,
    revisions: Mapping[str, Revision] | None = None,
    zone_key: str | None = None,
    leads: Mapping[str, int] | None = None,
    refresh_minutes: int | None = None,
) -> bytes:
    """An .ics file of ``sessions`` for a reader of ``lang``.

    ``name`` is the calendar's title (default: the forum's programme), ``zone_key`` the IANA zone
    calendars are told to show it in (``X-WR-TIMEZONE``; default: the programme's zone).
    ``leads`` (session id → minutes, the reader's own reminder leads) puts a VALARM on each of
    those sessions; the others carry none.
    """
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name or programme_name(programme, lang))
    cal.add("x-wr-timezone", zone_key or programme.forum.timezone)
    if refresh_minutes:  # a subscribed feed: how often calendar apps should fetch it again
        cal.add(
            "refresh-interval", timedelta(minutes=refresh_minutes), parameters={"VALUE": "DURATION"}
        )
        cal.add("x-published-ttl", timedelta(minutes=refresh_minutes))
    ordered = sorted(
        {s.id: s for s in sessions}.values(),
        key=lambda s: (s.date, s.starts_at or datetime.max.replace(tzinfo=UTC), s.id),
    )
    for session in ordered:
        revision = revisions.get(session.id) if revisions else None
        lead = leads.get(session.id) if leads else None
        event = session_event(session, programme, lang, now=now, revision=revision, lead=lead)
        cal.add_component(event)
    return cal.to_ical()


def programme_name(programme: Programme, lang: str) -> str:
    return t(
        lang,
        "calendar.programme_name",
        hub=programme.forum.hub_name(lang),
        forum=programme.forum.name.get(lang),
    )


async def calendar_reply(
    ctx: Ctx, sessions: Iterable[Session], filename: str, *, name: str | None = None
) -> Reply:
    """A private reply carrying the .ics file of ``sessions`` in the reader's language, with an
    alarm at the reader's own lead on each session they follow (none on the others).

    Counts a revision for every session that changed since the last export (committed first).
    """
    chosen = list(sessions)
    lang = ctx.lang
    if not chosen:
        return Reply(ok=False).para(t(lang, "calendar.empty"))
    programme = ctx.programme
    revisions = await record_revisions(ctx.hub.store.database, chosen, programme, ctx.now)
    zone = ctx.prefs.zone
    zone_key = zone.key if ctx.prefs.zone_set and isinstance(zone.tzinfo, ZoneInfo) else None
    # icalendar takes ~0.3 ms per event (line folding): in a thread, so that a whole-programme
    # export with hundreds of approved sessions does not hold up other users' commands.
    data = await asyncio.to_thread(
        functools.partial(
            calendar_bytes,
            chosen,
            programme,
            lang,
            now=ctx.now,
            name=name,
            revisions=revisions,
            zone_key=zone_key,
            leads=lead_minutes(ctx.hub, ctx.caller.front, ctx.caller.user_id),
        )
    )
    reply = Reply(private=True)
    reply.para(tn(lang, "calendar.ready", len(chosen)), " ", Code(filename))
    reply.note(t(lang, "calendar.import_hint"))
    reply.attachments.append(Attachment(filename, data, MIME))
    return reply


async def agenda_calendar(ctx: Ctx, sessions: Iterable[Session]) -> Reply:
    """``/ics`` with no argument: the calendar of the sessions the user follows ("My agenda")."""
    lang = ctx.lang
    sessions = list(sessions)
    if not sessions:
        prefix = ctx.caller.prefix
        return Reply(ok=False).para(
            t(lang, "calendar.agenda_empty", remind=f"{prefix}remind", all=f"{prefix}ics all")
        )
    name = t(lang, "calendar.agenda_name", hub=ctx.programme.forum.hub_name(lang))
    return await calendar_reply(ctx, sessions, t(lang, "calendar.filename_agenda"), name=name)


async def programme_calendar(ctx: Ctx) -> Reply:
    """``/ics all``: the whole programme (approved open-space proposals included)."""
    return await calendar_reply(ctx, ctx.programme.sessions, t(ctx.lang, "calendar.filename_all"))


#: What ``ics ARG`` accepts for "the whole programme", in the forum's languages.
ALL_WORDS = frozenset({"all", "todo", "todos", "tout", "tous"})
#: ``ics feed [reset]``: a subscribable URL of the agenda (``bot.feeds``).
FEED_WORDS = frozenset({"feed", "suscripcion", "suscripción", "abonnement"})


async def my_calendar(ctx: Ctx) -> Reply:
    """``/ics``: the calendar of the sessions the caller follows (``/remind``)."""
    caller = ctx.caller
    return await agenda_calendar(
        ctx, await followed_sessions(ctx.hub, caller.front, caller.user_id)
    )


async def ics_command(ctx: Ctx, args: str) -> Reply:
    """The text command ``ics [all]``: the caller's agenda, or with ``all`` the programme."""
    scope = args.strip().casefold()
    word, _, rest = scope.partition(" ")
    if word in FEED_WORDS:
        from bot.feeds import feed_command  # bot.feeds builds on this module

        return await feed_command(ctx, rest)
    if scope and scope not in ALL_WORDS:
        usage = f"{ctx.caller.prefix}ics all"
        return Reply(ok=False).para(
            t(ctx.lang, "calendar.unknown_scope", scope=args.strip()[:40], usage=usage)
        )
    return await programme_calendar(ctx) if scope else await my_calendar(ctx)


async def _ics(inv: Invocation) -> Reply:
    return await ics_command(inv.hub.context(inv.caller), inv.args)


#: Discord: cogs/calendar.py (boolean options, a file).
COMMANDS = (Command("ics", (Param("all"),), _ics, discord_ui=True),)
