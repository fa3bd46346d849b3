"""Writing sessions and times for a reader: their zone, their language, the zone always named."""

from __future__ import annotations

from datetime import date, datetime

from bot.doc import Inline, Reply, Stamp, Strong, Text
from bot.hub import Ctx
from bot.i18n import fmt_day_short, fmt_time, t
from bot.programme import Session


def local(ctx: Ctx, at: datetime) -> datetime:
    return at.astimezone(ctx.prefs.zone.tzinfo)


def today(ctx: Ctx) -> date:
    return local(ctx, ctx.now).date()


def when_text(ctx: Ctx, session: Session, *, show_today: bool = True) -> str:
    """``13:30–15:30 CEST``, with the date when it is not the programme's date (or not today)."""
    lang = ctx.lang
    if session.starts_at is None:
        return t(lang, "when.untimed", day=fmt_day_short(session.date, lang))
    start = local(ctx, session.starts_at)
    label = ctx.prefs.zone.label(session.starts_at)
    need_date = start.date() != session.date or (show_today and start.date() != today(ctx))
    text = fmt_time(start, lang)
    if need_date:
        text = f"{fmt_day_short(start.date(), lang)}, {text}"
    if session.ends_at is not None:
        end = local(ctx, session.ends_at)
        end_text = fmt_time(end, lang)
        if end.date() != start.date():
            end_text = f"{fmt_day_short(end.date(), lang)}, {end_text}"
        text = f"{text}–{end_text}"
    return f"{text} {label}"


def when(ctx: Ctx, session: Session, *, show_today: bool = True) -> Inline:
    text = when_text(ctx, session, show_today=show_today)
    if session.starts_at is None:
        return Text(text)
    return Stamp(session.starts_at, text)


def where_text(ctx: Ctx, session: Session) -> str:
    lang = ctx.lang
    places = [
        ctx.programme.places[p].name.get(lang) for p in session.places if p in ctx.programme.places
    ]
    fmt = t(lang, f"format.{session.format}")
    return f"{fmt} · {', '.join(places)}" if places else fmt


def session_item(ctx: Ctx, session: Session, *, show_today: bool = True) -> tuple[Inline, ...]:
    """One line of a list: when · **title** · kind · format and place."""
    lang = ctx.lang
    parts: list[Inline] = [
        when(ctx, session, show_today=show_today),
        Text(" · "),
        Strong(session.title.get(lang)),
        Text(f" · {t(lang, f'kind.{session.kind}')} · {where_text(ctx, session)}"),
    ]
    if session.host:
        parts.append(Text(" · " + t(lang, "session.hosted_by", host=session.host)))
    parts.append(Text(f"  [{session.id}]"))
    return tuple(parts)


def zone_note(ctx: Ctx, reply: Reply) -> Reply:
    """Say which zone the times are in, and how to change it when the user has not set one."""
    zone = ctx.prefs.zone.describe(ctx.now)
    if ctx.prefs.zone_set:
        return reply.note(t(ctx.lang, "zone.note_set", zone=zone))
    cmd = f"{ctx.caller.prefix}timezone"
    return reply.note(t(ctx.lang, "zone.note_default", zone=zone, cmd=cmd))
