"""Writing sessions and times for a reader: their zone, their language, the zone always named."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache

from bot.context import Ctx
from bot.doc import Inline, Reply, Stamp, Strong, Text
from bot.i18n import fmt_day_phrase, fmt_day_short, fmt_time, t, tn
from bot.programme import Place, Programme, Session, format_text, kind_text
from bot.zones import UserZone


def local(ctx: Ctx, at: datetime) -> datetime:
    return at.astimezone(ctx.prefs.zone.tzinfo)


def _needs_date(ctx: Ctx, session: Session, show_today: bool) -> bool:
    """A time shows its date when the local date is not the programme's date (or not today)."""
    if session.starts_at is None:
        return True
    day = local(ctx, session.starts_at).date()
    return day != session.date or (show_today and day != ctx.today)


def when_text(ctx: Ctx, session: Session, *, show_today: bool = True) -> str:
    """``13:30–15:30 CEST``, with the date when it is not the programme's date (or not today)."""
    return _when_text(session, ctx.prefs.zone, ctx.lang, _needs_date(ctx, session, show_today))


def _when_text(session: Session, zone: UserZone, lang: str, need_date: bool) -> str:
    if session.starts_at is None:
        return t(lang, "when.untimed", day=fmt_day_short(session.date, lang))
    start = session.starts_at.astimezone(zone.tzinfo)
    label = zone.label(session.starts_at)
    text = fmt_time(start, lang)
    if need_date:
        text = f"{fmt_day_short(start.date(), lang)}, {text}"
    if session.ends_at is not None:
        end = session.ends_at.astimezone(zone.tzinfo)
        end_text = fmt_time(end, lang)
        if end.date() != start.date():
            end_text = f"{fmt_day_short(end.date(), lang)}, {end_text}"
        text = f"{text}–{end_text}"
    return f"{text} {label}"


def when_phrase(ctx: Ctx, session: Session) -> str:
    """The time for running text, with the date when :func:`when_text` would show it: "from
    1:30 PM to 3:30 PM CEST" / "el mié 6 oct, de 0:30 a 2:30 UTC+05:45" / "le mar. 5 oct., de
    13:30 à 15:30 CEST"."""
    return _when_phrase(session, ctx.prefs.zone, ctx.lang, _needs_date(ctx, session, True))


def _when_phrase(session: Session, zone: UserZone, lang: str, need_date: bool) -> str:
    if session.starts_at is None:
        return t(lang, "when_phrase.untimed", day=fmt_day_phrase(session.date, lang))
    start = session.starts_at.astimezone(zone.tzinfo)
    values = {
        "day": fmt_day_phrase(start.date(), lang),
        "start": fmt_time(start, lang),
        "zone": zone.label(session.starts_at),
    }
    if session.ends_at is None:
        # Spanish says "a la 1:30" but "a las 13:30": the hour picks the form.
        key = "when_phrase.at_on" if need_date else "when_phrase.at"
        return tn(lang, key, start.hour, **values)
    end = session.ends_at.astimezone(zone.tzinfo)
    values["end"] = fmt_time(end, lang)
    if end.date() != start.date():
        values["end_day"] = fmt_day_phrase(end.date(), lang)
        return t(lang, "when_phrase.range_days", **values)
    return t(lang, "when_phrase.range_on" if need_date else "when_phrase.range", **values)


def when(ctx: Ctx, session: Session, *, show_today: bool = True) -> Inline:
    text = when_text(ctx, session, show_today=show_today)
    if session.starts_at is None:
        return Text(text)
    return Stamp(session.starts_at, text)


def where_text(ctx: Ctx, session: Session) -> str:
    return _where_text(session, ctx.programme.places, ctx.lang)


def _where_text(session: Session, places: Mapping[str, Place], lang: str) -> str:
    names = [places[p].name.get(lang) for p in session.places if p in places]
    fmt = format_text(session.format, lang)
    return " · ".join(x for x in (fmt, ", ".join(names)) if x)


def session_item(ctx: Ctx, session: Session, *, show_today: bool = True) -> tuple[Inline, ...]:
    """One line of a list: when · **title** · kind · format and place  [id]."""
    need_date = _needs_date(ctx, session, show_today)
    return _session_item(session, ctx.programme, ctx.prefs.zone, ctx.lang, need_date)


@lru_cache(maxsize=32768)
def _session_item(
    session: Session, programme: Programme, zone: UserZone, lang: str, need_date: bool
) -> tuple[Inline, ...]:
    # Keyed on the (identity-hashed) session and programme, the reader's zone and language:
    # thousands of readers share a few hundred distinct lines.
    when_part = _when_text(session, zone, lang, need_date)
    parts: list[Inline] = [
        Text(when_part) if session.starts_at is None else Stamp(session.starts_at, when_part),
        Text(" · "),
        Strong(session.title.get(lang)),
        Text(f" · {kind_text(session, lang)} · {_where_text(session, programme.places, lang)}"),
    ]
    if session.host:
        parts.append(Text(" · "))
        parts.append(Text(t(lang, "session.hosted_by", host=session.host)))
    parts.append(Text(f"  [{session.id}]"))
    return tuple(parts)


def zone_note(ctx: Ctx, reply: Reply) -> Reply:
    """Say which zone the times are in, and how to change it when the user has not set one."""
    zone = ctx.prefs.zone.describe(ctx.now)
    if ctx.prefs.zone_set:
        return reply.note(t(ctx.lang, "zone.note_set", zone=zone))
    cmd = f"{ctx.caller.prefix}timezone"
    return reply.note(t(ctx.lang, "zone.note_default", zone=zone, cmd=cmd))
