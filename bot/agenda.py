"""What's on: ``next``, ``now``, ``schedule`` and ``session`` for one reader."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache

from babel.core import UnknownLocaleError
from dateutil import parser as dateparser

from bot.doc import Code, Emph, Link, Reply, Strong, Text, error
from bot.hub import Ctx
from bot.i18n import LANGUAGES, day_first, fmt_day, fmt_time, language_name, t
from bot.programme import Session, fold, kind_text
from bot.render import session_item, when, where_text, zone_note

MAX_NEXT = 10
DEFAULT_NEXT = 3
MAX_ONGOING_IN_NEXT = 5  # /next stays short when many sessions run in parallel; /now lists all


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


def _programme_today(ctx: Ctx) -> date:
    return ctx.now.astimezone(ctx.programme.zone).date()


def _untimed_today(ctx: Ctx) -> list[Session]:
    return ctx.programme.untimed_on(_programme_today(ctx))


def next_sessions(ctx: Ctx, count: int = DEFAULT_NEXT) -> Reply:
    lang = ctx.lang
    programme = ctx.programme
    reply = Reply()
    ongoing = programme.ongoing(ctx.now)
    if ongoing:
        reply.heading(t(lang, "now.heading"))
        for s in ongoing[:MAX_ONGOING_IN_NEXT]:
            reply.item(*session_item(ctx, s))
        hidden = len(ongoing) - MAX_ONGOING_IN_NEXT
        if hidden > 0:
            reply.note(t(lang, "next.more_on_now", count=hidden, cmd=f"{ctx.caller.prefix}now"))
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
        for s in extra:
            reply.item(*session_item(ctx, s))
    return zone_note(ctx, reply)


def now_sessions(ctx: Ctx) -> Reply:
    lang = ctx.lang
    reply = Reply()
    ongoing = ctx.programme.ongoing(ctx.now)
    extra = _untimed_today(ctx)
    if ongoing or extra:
        reply.heading(t(lang, "now.heading"))
        for s in [*ongoing, *extra]:
            reply.item(*session_item(ctx, s))
    else:
        reply.para(t(lang, "now.nothing"))
        upcoming = ctx.programme.upcoming(ctx.now, 1)
        if upcoming:
            s = upcoming[0]
            reply.para(t(lang, "now.next_is"), " ", *session_item(ctx, s))
    return zone_note(ctx, reply)


# What dateutil reads, whatever the reader's language.
_MONTH_ABBREVIATIONS = "jan feb mar apr may jun jul aug sep oct nov dec".split()  # noqa: SIM905


@dataclass(frozen=True, slots=True)
class _DayWords:
    """The words /schedule understands, in every language of the catalogs (``dates.*`` keys)."""

    relative: dict[str, int]  # today 0, tomorrow 1, yesterday -1
    weekdays: dict[str, int]  # Monday 0
    months: dict[str, str]  # to the English abbreviation dateutil reads
    fillers: frozenset[str]
    day: re.Pattern[str]  # "day 2", "día 2", "gün 2"


def _split(text: str) -> list[str]:
    return fold(text).split()


@cache
def _day_words() -> _DayWords:
    relative: dict[str, int] = {}
    weekdays: dict[str, int] = {}
    months: dict[str, str] = {}
    fillers: set[str] = set()
    day_names: set[str] = set()
    for lang in LANGUAGES:
        for key, offset in (("today", 0), ("tomorrow", 1), ("yesterday", -1)):
            relative.update(dict.fromkeys(_split(t(lang, f"dates.{key}")), offset))
        for number, words in enumerate(t(lang, "dates.weekdays").split("|")):
            weekdays.update(dict.fromkeys(_split(words), number))
        for number, words in enumerate(t(lang, "dates.months").split("|")):
            months.update(dict.fromkeys(_split(words), _MONTH_ABBREVIATIONS[number]))
        fillers.update(_split(t(lang, "dates.fillers")))
        day_names.update(_split(t(lang, "dates.day")))
    names = "|".join(re.escape(n) for n in sorted(day_names))
    return _DayWords(
        relative, weekdays, months, frozenset(fillers), re.compile(rf"(?:{names})?\s*(\d)")
    )


def _weekday_day(ctx: Ctx, weekday: int) -> date:
    """The forum day falling on ``weekday``; else that weekday in the week after the forum's
    last day (outside the forum, so the reader is told the forum's dates)."""
    forum = ctx.programme.forum
    day = forum.start_date
    while day <= forum.end_date:
        if day.weekday() == weekday:
            return day
        day += timedelta(days=1)
    return forum.end_date + timedelta(days=(weekday - forum.end_date.weekday()) % 7 or 7)


def parse_day(ctx: Ctx, text: str) -> date | None:
    """A forum day from ``1``–``4``, ``today``/``hoy``/``demain``/``yarın``…, a weekday
    (``friday``, ``viernes``, ``jeudi``, ``cuma``: that day of the forum), or a date in most
    spellings, with month names in every language of the catalogs (``7 de octubre``,
    ``le 8 octobre``, ``8 Ekim``)."""
    q = fold(text.strip())
    forum = ctx.programme.forum
    if not q:
        return None
    known = _day_words()
    if q in known.relative:
        return _programme_today(ctx) + timedelta(days=known.relative[q])
    m = known.day.fullmatch(q)
    span = (forum.end_date - forum.start_date).days + 1
    if m and 1 <= int(m.group(1)) <= span:
        return forum.start_date + timedelta(days=int(m.group(1)) - 1)
    if len(q) > 40:
        return None
    weekday: int | None = None
    words: list[str] = []
    for word in re.split(r"[\s,.]+", q):
        if word in known.weekdays:
            weekday = known.weekdays[word]
        elif word and word not in known.fillers:
            words.append(known.months.get(word, word))
    if not words:
        return _weekday_day(ctx, weekday) if weekday is not None else None
    q = " ".join(words)
    try:
        parsed = dateparser.parse(
            q, default=_default_dt(forum.start_date), dayfirst=day_first(ctx.lang), fuzzy=False
        )
    except (ValueError, OverflowError):
        return None
    return parsed.date()


def _default_dt(day: date) -> datetime:
    return datetime(day.year, day.month, 1)  # noqa: DTZ001 - a date template, no instant


def schedule(ctx: Ctx, day_text: str | None = None) -> Reply:
    lang = ctx.lang
    programme = ctx.programme
    forum = programme.forum
    if day_text and day_text.strip():
        day = parse_day(ctx, day_text)
        if day is None:
            return error(t(lang, "schedule.bad_day", value=day_text.strip()[:60]))
        days = [day]
    else:
        today = _programme_today(ctx)
        days = (
            [today]
            if forum.start_date <= today <= forum.end_date
            else [d.date for d in programme.days]
        )
    reply = Reply()
    for day in days:
        if not forum.start_date <= day <= forum.end_date:
            return error(
                t(
                    lang,
                    "schedule.outside",
                    day=fmt_day(day, lang),
                    start=fmt_day(forum.start_date, lang),
                    end=fmt_day(forum.end_date, lang),
                )
            )
        info = programme.day(day)
        if info and info.title:
            reply.heading(info.title.get(lang), Text(" — "), Text(fmt_day(day, lang)))
        else:  # a day without a title (an imported programme's): its date alone
            reply.heading(Text(fmt_day(day, lang)))
        if info and info.format:
            reply.note(t(lang, f"format.{info.format}"))
        sessions = programme.on_date(day)
        if not sessions:
            reply.para(t(lang, "schedule.empty_day"))
        for s in sessions:
            reply.item(*session_item(ctx, s, show_today=False))
    return zone_note(ctx, reply)


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
