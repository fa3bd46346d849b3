"""What's on: ``next``, ``now``, ``schedule`` and ``session`` for one reader."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from babel.core import UnknownLocaleError

from bot import listing
from bot.context import Ctx
from bot.days import programme_today, schedule_days
from bot.doc import Code, Emph, Link, Reply, Strong, Text, error
from bot.i18n import fmt_day, fmt_time, language_name, t
from bot.programme import Session, kind_text
from bot.registry import Command, Invocation, Param
from bot.render import session_item, when, where_text, zone_note

MAX_NEXT = 10
DEFAULT_NEXT = 3
# /next stays within one Discord message however many sessions run at once: /now pages them all.
MAX_ONGOING_IN_NEXT = 5
MAX_UNTIMED_IN_NEXT = 3


def parse_count(text: str | None, lang: str) -> int | Reply:
    if text is None or not text.strip():
        return DEFAULT_NEXT
    try:
        count = int(text.strip())
    except ValueError:
        return error(t(lang, "next.bad_count", value=text.strip()[:40], max=MAX_NEXT))
    if not 1 <= count <= MAX_NEXT:
        return error(t(lang, "next.bad_count", value=count, max=MAX_NEXT))
    return count


def _untimed_today(ctx: Ctx) -> list[Session]:
    return ctx.programme.untimed_on(programme_today(ctx))


def next_sessions(ctx: Ctx, count: int = DEFAULT_NEXT) -> Reply:
    lang = ctx.lang
    programme = ctx.programme
    reply = Reply()
    ongoing = programme.ongoing(ctx.now)
    if ongoing:
        reply.heading(t(lang, "now.heading"))
        for s in ongoing[:MAX_ONGOING_IN_NEXT]:
            reply.item(*session_item(ctx, s))
        hidden = ongoing[MAX_ONGOING_IN_NEXT:]
        if hidden:
            reply.note(_more_on_now(ctx, hidden))
    upcoming = programme.upcoming(ctx.now, count)
    if upcoming:
        reply.heading(t(lang, "next.heading"))
        for s in upcoming:
            reply.item(*session_item(ctx, s))
    else:
        reply.para(t(lang, "next.none_left", forum=programme.forum.name.get(lang)))
    extra = _untimed_today(ctx)
    if extra:
        reply.heading(t(lang, "next.also_today"))
        for s in extra[:MAX_UNTIMED_IN_NEXT]:
            reply.item(*session_item(ctx, s))
        if len(extra) > MAX_UNTIMED_IN_NEXT:
            more = len(extra) - MAX_UNTIMED_IN_NEXT
            reply.note(t(lang, "listing.more_today", count=more, now=ctx.caller.command("now")))
    return zone_note(ctx, reply)


def _more_on_now(ctx: Ctx, hidden: list[Session]) -> str:
    """ "…and 15 more sessions on now: /now lists them page by page, /now room:room-03 one
    room's" (the room of the first session not shown, as an example)."""
    room = next((p for s in hidden for p in s.places if p in ctx.programme.places), None)
    example = listing.Filters(place=room or "…")
    return t(
        ctx.lang,
        "listing.more_on_now",
        count=len(hidden),
        now=ctx.caller.command("now"),
        room=listing.command_line(ctx, "now", example),
    )


def now_sessions(
    ctx: Ctx,
    text: str | None = None,
    *,
    room: str | None = None,
    kind: str | None = None,
    page: str | int | None = None,
) -> Reply:
    """What is on now (and the day's untimed items), filtered by ``room:``/``kind:`` and paged
    like :func:`schedule`; else what comes next."""
    lang = ctx.lang
    asked = _list_options(
        ctx, "now", text, ("room", "kind", "page"), room=room, kind=kind, page=page
    )
    if isinstance(asked, Reply):
        return asked
    _, filters = asked
    listed = [s for s in [*ctx.programme.ongoing(ctx.now), *_untimed_today(ctx)] if filters.keep(s)]
    shown, refusal, footer = listing.page(
        ctx, listed, filters, lambda n: listing.command_line(ctx, "now", filters, page=n)
    )
    if refusal is not None:
        return refusal
    reply = Reply()
    if shown:
        reply.heading(t(lang, "now.heading"))
        if filters.active:
            reply.note(t(lang, "listing.only", filters=listing.describe(ctx, filters)))
        for s in shown:
            reply.item(*session_item(ctx, s))
        reply.extend(footer)
    else:
        reply.para(
            t(lang, "listing.none_match", filters=listing.describe(ctx, filters))
            if filters.active
            else t(lang, "now.nothing")
        )
        upcoming = ctx.programme.upcoming(ctx.now, 1, filters.keep if filters.active else None)
        if upcoming:
            s = upcoming[0]
            reply.para(t(lang, "now.next_is"), " ", *session_item(ctx, s))
    return zone_note(ctx, reply)


def schedule(
    ctx: Ctx,
    text: str | None = None,
    *,
    day: str | None = None,
    room: str | None = None,
    kind: str | None = None,
    page: str | int | None = None,
) -> Reply:
    """One day's programme (or every day's, outside the forum), filtered by ``room:``/``kind:``
    and shown :data:`~bot.listing.PAGE_SIZE` sessions a page. ``text`` is what a text front
    typed after the command (``2 room:zoom page:2``); Discord passes its options by name."""
    lang = ctx.lang
    asked = _list_options(
        ctx, "schedule", text, listing.OPTIONS, day=day, room=room, kind=kind, page=page
    )
    if isinstance(asked, Reply):
        return asked
    options, filters = asked
    days = schedule_days(ctx, options.day)
    if isinstance(days, Reply):
        return days
    sessions = [s for day in days for s in ctx.programme.on_date(day) if filters.keep(s)]
    day_arg = days[0].isoformat() if options.day and options.day.strip() else None
    shown, refusal, footer = listing.page(
        ctx,
        sessions,
        filters,
        lambda n: listing.command_line(ctx, "schedule", filters, day=day_arg, page=n),
    )
    if refusal is not None:
        return refusal
    reply = Reply()
    if not shown:
        if len(days) == 1:
            _day_heading(ctx, reply, days[0], filters)
        unfiltered = any(ctx.programme.on_date(d) for d in days)
        reply.para(
            t(lang, "listing.none_match", filters=listing.describe(ctx, filters))
            if filters.active and unfiltered
            else t(lang, "schedule.empty_day")
        )
    current: date | None = None
    for s in shown:
        if s.date != current:
            current = s.date
            _day_heading(ctx, reply, current, filters)
        reply.item(*session_item(ctx, s, show_today=False))
    reply.extend(footer)
    return zone_note(ctx, reply)


def _day_heading(ctx: Ctx, reply: Reply, day: date, filters: listing.Filters) -> None:
    lang = ctx.lang
    info = ctx.programme.day(day)
    if info and info.title:
        reply.heading(info.title.get(lang), Text(" — "), Text(fmt_day(day, lang)))
    else:  # a day without a title (an imported programme's): its date alone
        reply.heading(Text(fmt_day(day, lang)))
    if info and info.format:
        reply.note(t(lang, f"format.{info.format}"))
    if filters.active:
        reply.note(t(lang, "listing.only", filters=listing.describe(ctx, filters)))


def _list_options(
    ctx: Ctx,
    command: str,
    text: str | None,
    allowed: Sequence[str],
    *,
    day: str | None = None,
    room: str | None = None,
    kind: str | None = None,
    page: str | int | None = None,
) -> tuple[listing.Options, listing.Filters] | Reply:
    """A list command's options: typed as words (``room:zoom page:2``), with those a front
    passes by name (Discord's options) taking precedence; resolved, or the refusal."""
    options = listing.split_options(text, allowed)
    if isinstance(options, str):
        return _bad_word(ctx, command, options)
    options = replace(
        options,
        day=day if day is not None else options.day,
        room=room if room is not None else options.room,
        kind=kind if kind is not None else options.kind,
        page=page if page is not None else options.page,
    )
    filters = listing.resolve(ctx, options)
    if isinstance(filters, Reply):
        return filters
    return options, filters


def _bad_word(ctx: Ctx, name: str, word: str) -> Reply:
    spec = next(c for c in COMMANDS if c.name == name)
    usage = f"{ctx.caller.prefix}{spec.usage(ctx.lang)}"
    return error(
        t(ctx.lang, "listing.bad_word", cmd=ctx.caller.command(name), value=word[:40], usage=usage)
    )


def session_details(ctx: Ctx, query: str) -> Reply:
    lang = ctx.lang
    query = query.strip()
    if not query:
        return error(t(lang, "session.empty_query"))
    matches = ctx.programme.find(query[:200])
    if not matches:
        cmd = ctx.caller.command("schedule")
        return error(t(lang, "session.not_found", query=query[:60], cmd=cmd))
    if len(matches) > 1:
        reply = Reply().para(t(lang, "session.several", query=query[:60]))
        for s in matches:
            reply.item(Code(s.id), Text(" · "), *session_item(ctx, s)[:3])
        return reply
    return _details(ctx, matches[0])


def _language(code: str, lang: str) -> str:
    """``de`` → "German" (in the reader's language); a code Babel does not know stays as is."""
    try:
        return language_name(code.replace("-", "_"), in_lang=lang)
    except (UnknownLocaleError, ValueError, TypeError):
        return code


def _details(ctx: Ctx, s: Session) -> Reply:
    lang = ctx.lang
    programme = ctx.programme
    reply = Reply().heading(s.title.get(lang))
    if s.subtitle:
        reply.para(Emph(s.subtitle.get(lang)))
    reply.para(Strong(t(lang, "session.when")), " ", when(ctx, s))
    if s.starts_at and s.ends_at and s.starts_at <= ctx.now < s.ends_at:
        reply.note(
            t(
                lang,
                "session.on_now",
                end=fmt_time(s.ends_at.astimezone(ctx.prefs.zone.tzinfo), lang),
            )
        )
    reply.para(Strong(t(lang, "session.what")), " ", kind_text(s, lang))
    reply.para(Strong(t(lang, "session.where")), " ", where_text(ctx, s))
    if s.host:
        reply.para(Strong(t(lang, "session.host")), " ", Text(s.host))
    if s.speakers:
        reply.para(Strong(t(lang, "interchange.speakers")), " ", Text(", ".join(s.speakers)))
    if s.language:
        reply.para(Strong(t(lang, "interchange.language")), " ", Text(_language(s.language, lang)))
    for place_id in s.places:
        place = programme.places.get(place_id)
        if place is None:
            continue
        head = Link(place.url, place.name.get(lang)) if place.url else Strong(place.name.get(lang))
        if place.join:
            reply.item(head, " — ", place.join.get(lang))
        elif place.url:
            reply.item(head)
    if s.url:
        reply.para(Link(s.url, s.url))
    if s.summary:
        reply.para(s.summary.get(lang))
    if s.key_messages:
        reply.heading(t(lang, "session.key_messages"))
        for m in s.key_messages:
            reply.item(m.get(lang))
    if s.key_statements:
        reply.heading(t(lang, "session.key_statements"))
        for m in s.key_statements:
            reply.quote(m.get(lang))
    if s.hub_slot and programme.forum.hub:
        hub = programme.forum.hub
        reply.note(t(lang, "session.hub_slot", hub=hub.name.get(lang)))
        reply.para(Link(hub.form_url, t(lang, "session.hub_form")))
    reply.note(t(lang, "session.id", id=s.id))
    return zone_note(ctx, reply)


async def _next(inv: Invocation) -> Reply:
    ctx = inv.hub.context(inv.caller)
    count = parse_count(inv.args, ctx.lang)
    return count if isinstance(count, Reply) else next_sessions(ctx, count)


async def _now(inv: Invocation) -> Reply:
    return now_sessions(inv.hub.context(inv.caller), inv.args or None)


async def _schedule(inv: Invocation) -> Reply:
    return schedule(inv.hub.context(inv.caller), inv.args or None)


async def _session(inv: Invocation) -> Reply:
    return session_details(inv.hub.context(inv.caller), inv.args)


_FILTERS = (Param("room"), Param("kind"), Param("page"))

#: The programme's commands (Discord: cogs/programme.py, with typed options and autocomplete).
COMMANDS = (
    Command("next", (Param("count"),), _next, discord_ui=True),
    Command("now", _FILTERS, _now, discord_ui=True),
    Command("schedule", (Param("day"), *_FILTERS), _schedule, discord_ui=True),
    Command("session", (Param("query", required=True),), _session, discord_ui=True),
)
