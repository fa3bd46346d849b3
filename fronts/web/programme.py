"""Programme pages: the days and sessions in the visitor's zone and language (now and next
highlighted), a page per session, a zone picker, and .ics files (session, day, whole)."""

from __future__ import annotations

import asyncio
import functools
from dataclasses import dataclass
from urllib.parse import quote

from aiohttp import web
from markupsafe import Markup

from bot.agenda import _details
from bot.calendar import MIME, calendar_bytes, programme_name
from bot.context import Ctx
from bot.i18n import fmt_day, t
from bot.programme import Session
from bot.render import when_text, where_text
from bot.revisions import record_revisions
from bot.settings import _zone_refusal
from bot.zones import ZoneError, resolve_zone
from fronts.web.common import TZ_COOKIE, YEAR, cookie_flags, ctx_for, page
from fronts.web.render import reply_html


@dataclass(frozen=True, slots=True)
class Row:
    session: Session
    when: str
    title: str
    kind: str
    where: str
    mark: str  # "now", "next" or ""


def _rows(ctx: Ctx, sessions: list[Session], now_ids: set[str], next_id: str | None) -> list[Row]:
    lang = ctx.lang
    return [
        Row(
            s,
            when_text(ctx, s, show_today=False),
            s.title.get(lang),
            t(lang, f"kind.{s.kind}"),
            where_text(ctx, s),
            "now" if s.id in now_ids else "next" if s.id == next_id else "",
        )
        for s in sessions
    ]


def _zone_picked(request: web.Request, ctx: Ctx) -> Markup | None:
    """``?tz=…``: why the text is not a zone; a zone is remembered (cookie) and redirected to."""
    text = request.query.get("tz")
    if text is None:
        return None
    try:
        zone = resolve_zone(text)
    except ZoneError as exc:
        return reply_html(_zone_refusal(ctx.lang, text, exc))
    response = web.HTTPSeeOther(request.app.router["programme"].url_for().path)
    response.set_cookie(
        TZ_COOKIE,
        quote(zone.key, safe=""),  # URI-encoded, as zone.js writes it
        max_age=YEAR,
        **{**cookie_flags(request), "httponly": False},
    )
    raise response


async def programme_page(request: web.Request) -> web.StreamResponse:
    ctx = ctx_for(request)
    zone_problem = _zone_picked(request, ctx)
    programme = ctx.programme
    lang = ctx.lang
    now_ids = {s.id for s in programme.ongoing(ctx.now)}
    upcoming = [s for s in programme.upcoming(ctx.now, 5) if s.id not in now_ids]
    next_id = upcoming[0].id if upcoming else None
    days = []
    for n, day in enumerate(programme.days, 1):
        sessions = programme.on_date(day.date) + programme.untimed_on(day.date)
        days.append((n, day, fmt_day(day.date, lang), _rows(ctx, sessions, now_ids, next_id)))
    return page(
        request,
        "programme.html",
        title=programme_name(programme, lang),
        days=days,
        day_titles={d.date: d.title.get(lang) for d in programme.days if d.title},
        zone=ctx.prefs.zone.describe(ctx.now),
        zone_set=ctx.prefs.zone_set,
        zone_problem=zone_problem,
        zone_key=ctx.prefs.zone.key,
    )


def _session(request: web.Request, ctx: Ctx) -> Session:
    session = ctx.programme.by_id.get(request.match_info["id"])
    if session is None:
        raise web.HTTPNotFound()
    return session


async def session_page(request: web.Request) -> web.StreamResponse:
    ctx = ctx_for(request)
    s = _session(request, ctx)
    details = _details(ctx, s)
    # The title is the page heading; the zone note names a chat command (the page has a link).
    details.blocks = details.blocks[1:-1]
    day_n = next((n for n, d in enumerate(ctx.programme.days, 1) if d.date == s.date), None)
    return page(
        request,
        "session.html",
        title=s.title.get(ctx.lang),
        session=s,
        details=reply_html(details, "h2"),
        day_n=day_n,
        zone=ctx.prefs.zone.describe(ctx.now),
    )


async def _ics(ctx: Ctx, sessions: list[Session], filename: str) -> web.Response:
    revisions = await record_revisions(ctx.hub.store.database, sessions, ctx.programme, ctx.now)
    data = await asyncio.to_thread(
        functools.partial(
            calendar_bytes, sessions, ctx.programme, ctx.lang, now=ctx.now, revisions=revisions
        )
    )
    return web.Response(
        body=data,
        content_type=MIME.split(";")[0],
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


async def ics_all(request: web.Request) -> web.Response:
    ctx = ctx_for(request)
    return await _ics(ctx, list(ctx.programme.sessions), "local4action-programme.ics")


async def ics_day(request: web.Request) -> web.Response:
    ctx = ctx_for(request)
    try:
        day = ctx.programme.days[int(request.match_info["n"]) - 1].date
    except (ValueError, IndexError):
        raise web.HTTPNotFound() from None
    sessions = [s for s in ctx.programme.sessions if s.date == day]
    return await _ics(ctx, sessions, f"local4action-{day.isoformat()}.ics")


async def ics_session(request: web.Request) -> web.Response:
    ctx = ctx_for(request)
    s = _session(request, ctx)
    return await _ics(ctx, [s], f"{s.id}.ics")


def setup(app: web.Application) -> None:
    app.router.add_get("/", programme_page, name="programme")
    app.router.add_get("/session/{id}", session_page, name="session")
    app.router.add_get("/ics/all.ics", ics_all, name="ics_all")
    app.router.add_get("/ics/day/{n:\\d{1,2}}.ics", ics_day, name="ics_day")
    app.router.add_get("/ics/session/{id}.ics", ics_session, name="ics_session")
