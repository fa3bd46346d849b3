"""Live polls on the web: a vote page light enough for a cheap phone (one vote per browser,
changeable until the close, anonymous), and a projector view whose bars follow the tally over
server-sent events. Votes go through the same polls service and tally as Discord and Matrix."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from aiohttp import web
from aiohttp_sse import sse_response

from bot.context import Ctx
from bot.i18n import t, tn
from bot.polls import replies
from bot.polls.model import Poll
from bot.polls.qr import qr_svg, vote_path
from bot.polls.service import Polls
from fronts.web.common import HUB, absolute, ctx_for, page
from fronts.web.render import reply_html

#: Each projector screen gets at most one update per this many seconds (however fast votes come).
MIN_GAP = 0.2
QUIET = 15.0
#: Projector streams open at once (a room has a few screens; this bounds a flood of them).
MAX_STREAMS = 2000
LIVE: web.AppKey[LiveTallies] = web.AppKey("live")


class LiveTallies:
    """Wakes the projector screens of a poll after each committed batch of its votes."""

    def __init__(self, polls: Polls) -> None:
        self._events: dict[int, asyncio.Event] = {}
        self.streams = 0  # server-sent event streams open now
        polls.on_change(self._changed)

    def _changed(self, poll_ids: set[int]) -> None:
        for poll_id in poll_ids:
            event = self._events.pop(poll_id, None)
            if event is not None:
                event.set()

    def event(self, poll_id: int) -> asyncio.Event:
        """Set at the next change of the poll (take it before reading the tally)."""
        return self._events.setdefault(poll_id, asyncio.Event())


def _polls(request: web.Request) -> Polls:
    return request.app[HUB].polls


def _poll(request: web.Request) -> Poll:
    try:
        poll_id = int(request.match_info["id"])
    except ValueError:
        raise web.HTTPNotFound() from None
    poll = _polls(request).get(poll_id)
    if poll is None:
        raise web.HTTPNotFound()
    return poll


def snapshot(ctx: Ctx, poll: Poll) -> dict[str, Any]:
    """What a screen shows: counts and percents (unless hidden while open), votes, and status."""
    tally = ctx.hub.polls.tally(poll.id)
    counts = tally.counts if tally else [0] * poll.size
    show = not poll.hide_results or not poll.is_open
    lang = ctx.lang
    return {
        "open": poll.is_open,
        "show": show,
        "counts": counts if show else [],
        "percents": (tally.percents() if tally else counts) if show else [],
        "votes": tn(lang, "polls.card.votes", sum(counts)),
        "status": t(lang, "web.poll.live") if poll.is_open else t(lang, "web.poll.final"),
    }


def _options(ctx: Ctx, poll: Poll) -> list[tuple[int, str]]:
    return list(enumerate(poll.labels(ctx.lang), 1))


async def vote_page(request: web.Request) -> web.StreamResponse:
    poll = _poll(request)
    return _vote(request, ctx_for(request), poll, None)


def _vote(
    request: web.Request, ctx: Ctx, poll: Poll, message: Any, status: int = 200
) -> web.Response:
    mine = _polls(request).ballot(poll.id, replies.voter(ctx))
    return page(
        request,
        "vote.html",
        status=status,
        title=t(ctx.lang, "web.poll.title", id=poll.id),
        poll=poll,
        question=poll.question.get(ctx.lang),
        options=_options(ctx, poll),
        mine=mine,
        message=message,
        snap=snapshot(ctx, poll),
    )


async def vote(request: web.Request) -> web.StreamResponse:
    poll = _poll(request)
    ctx = ctx_for(request)
    form = await request.post()
    raw = form.get("choice", "")
    choice: int | None
    if form.get("withdraw"):
        choice = None
    elif isinstance(raw, str) and raw.isdigit() and 1 <= int(raw) <= poll.size:
        choice = int(raw) - 1
    else:
        message = t(ctx.lang, "web.poll.pick", max=poll.size)
        return _vote(request, ctx, poll, message, status=422)
    reply = await replies.cast(ctx, poll.id, choice)
    return _vote(request, ctx, poll, reply_html(reply), status=200 if reply.ok else 409)


async def screen(request: web.Request) -> web.StreamResponse:
    poll = _poll(request)
    ctx = ctx_for(request)
    link = absolute(request, vote_path(poll.id))
    return page(
        request,
        "screen.html",
        title=t(ctx.lang, "web.poll.title", id=poll.id),
        poll=poll,
        question=poll.question.get(ctx.lang),
        options=_options(ctx, poll),
        snap=snapshot(ctx, poll),
        link=link,
        qr=qr_svg(link, t(ctx.lang, "web.poll.qr")),
    )


async def events(request: web.Request) -> web.StreamResponse:
    """The tally of a poll as server-sent events: now, after every change, and once closed."""
    poll = _poll(request)
    ctx = ctx_for(request)
    live = request.app[LIVE]
    if live.streams >= MAX_STREAMS:  # each open stream holds a connection: keep a bound
        raise web.HTTPServiceUnavailable()
    live.streams += 1
    try:
        return await _stream(request, ctx, poll, live)
    finally:
        live.streams -= 1


async def _stream(
    request: web.Request, ctx: Ctx, poll: Poll, live: LiveTallies
) -> web.StreamResponse:
    async with sse_response(request) as resp:
        while resp.is_connected():
            changed = live.event(poll.id)
            await resp.send(json.dumps(snapshot(ctx, poll)), event="tally")
            if not poll.is_open:
                break
            await asyncio.sleep(MIN_GAP)
            with contextlib.suppress(TimeoutError):  # a quiet poll: resend, to notice a gone screen
                await asyncio.wait_for(changed.wait(), QUIET)
    return resp


def setup(app: web.Application) -> None:
    hub = app[HUB]
    app[LIVE] = LiveTallies(hub.polls)
    app.router.add_get("/v/{id}", vote_page, name="vote")
    app.router.add_post("/v/{id}", vote)
    app.router.add_get("/poll/{id}/screen", screen, name="screen")
    app.router.add_get("/poll/{id}/events", events, name="events")
