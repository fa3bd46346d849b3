"""Reading a forum day from what people type: ``1``–``4``, ``today``/``mañana``/``demain``, a
weekday (``friday``, ``viernes``, ``jeudi``), a date in most spellings (``7 de octubre``,
``le 8 octobre``, ``2021-10-06``)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from dateutil import parser as dateparser

from bot.doc import Reply, error
from bot.hub import Ctx
from bot.i18n import fmt_day, t
from bot.programme import fold


def programme_today(ctx: Ctx) -> date:
    return ctx.now.astimezone(ctx.programme.zone).date()


_DAY_WORDS = {
    "today": 0, "hoy": 0, "aujourd'hui": 0, "aujourdhui": 0,
    "tomorrow": 1, "manana": 1, "demain": 1,
    "yesterday": -1, "ayer": -1, "hier": -1,
}  # fmt: skip


_WEEKDAYS = {
    word: number
    for number, words in enumerate(
        [
            "monday mon lunes lun lundi",
            "tuesday tue tues martes mar mardi",
            "wednesday wed miercoles mie mercredi mer",
            "thursday thu thurs jueves jue jeudi jeu",
            "friday fri viernes vie vendredi ven",
            "saturday sat sabado sab samedi sam",
            "sunday sun domingo dom dimanche dim",
        ]
    )
    for word in words.split()
}
_MONTHS = {
    word: english
    for english, words in {
        "jan": "enero ene janvier janv",
        "feb": "febrero febr fevrier fevr fev",
        "mar": "marzo mars",
        "apr": "abril abr avril avr",
        "may": "mayo mai",
        "jun": "junio juin",
        "jul": "julio juillet juil",
        "aug": "agosto ago aout",
        "sep": "septiembre setiembre sept septembre",
        "oct": "octubre octobre",
        "nov": "noviembre novembre",
        "dec": "diciembre dic decembre",
    }.items()
    for word in words.split()
}
_FILLERS = frozenset({"de", "del", "el", "le", "the", "of", "on"})


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
    if q in _DAY_WORDS:
        return programme_today(ctx) + timedelta(days=_DAY_WORDS[q])
    m = re.fullmatch(r"(?:day|dia|jour)?\s*(\d)", q)
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
        if word in _WEEKDAYS:
            weekday = _WEEKDAYS[word]
        elif word and word not in _FILLERS:
            words.append(_MONTHS.get(word, word))
    if not words:
        return _weekday_day(ctx, weekday) if weekday is not None else None
    q = " ".join(words)
    try:
        parsed = dateparser.parse(
            q, default=_default_dt(forum.start_date), dayfirst=ctx.lang != "en", fuzzy=False
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
