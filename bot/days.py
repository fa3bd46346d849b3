"""Reading a forum day from what people type: ``1``–``4``, ``today``/``mañana``/``demain``/
``yarın``, a weekday (``friday``, ``viernes``, ``jeudi``, ``cuma``), a date in most spellings
(``7 de octubre``, ``le 8 octobre``, ``8 Ekim``, ``2021-10-06``), with the words of every
language of the catalogs (``dates.*`` keys)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache

from dateutil import parser as dateparser

from bot.context import Ctx
from bot.doc import Reply, error
from bot.i18n import LANGUAGES, day_first, fmt_day, t
from bot.programme import fold


def programme_today(ctx: Ctx) -> date:
    return ctx.now.astimezone(ctx.programme.zone).date()


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
    """A forum day from ``1``–``4``, ``today``/``hoy``/``demain``…, a weekday (``friday``,
    ``viernes``, ``jeudi``: that day of the forum), or a date in most spellings, with month
    names in Spanish and French too (``7 de octubre``, ``le 8 octobre``)."""
    q = fold(text.strip())
    forum = ctx.programme.forum
    if not q:
        return None
    known = _day_words()
    if q in known.relative:
        return programme_today(ctx) + timedelta(days=known.relative[q])
    m = known.day.fullmatch(q)
    span = (forum.end_date - forum.start_date).days + 1
    if m and 1 <= int(m.group(1)) <= span:
        return forum.start_date + timedelta(days=int(m.group(1)) - 1)
    if len(q) > 40:
        return None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", q):
        # An ISO date is year-month-day in every language (``dayfirst`` would read it
        # year-day-month: 2021-10-07 as 10 July for a Spanish or French reader).
        try:
            return date.fromisoformat(q)
        except ValueError:
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


def schedule_days(ctx: Ctx, day_text: str | None) -> list[date] | Reply:
    """The day typed, else today during the forum, else every forum day; or a refusal."""
    lang = ctx.lang
    programme = ctx.programme
    forum = programme.forum
    if day_text and day_text.strip():
        day = parse_day(ctx, day_text)
        if day is None:
            return error(t(lang, "schedule.bad_day", value=day_text.strip()[:60]))
        days = [day]
    else:
        today = programme_today(ctx)
        days = (
            [today]
            if forum.start_date <= today <= forum.end_date
            else [d.date for d in programme.days]
        )
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
    return days
