"""Subscribable calendars: the secret URL ``/ics feed`` gives (``bot.feeds``), fetched by
calendar apps; a revoked or unknown token is a 404."""

from __future__ import annotations

from aiohttp import web

from bot.calendar import MIME
from bot.feeds import feed_calendar, feed_owner
from fronts.web.common import HUB


async def feed(request: web.Request) -> web.Response:
    hub = request.app[HUB]
    owner = await feed_owner(hub.store.database, request.match_info["token"])
    if owner is None:
        raise web.HTTPNotFound()
    data = await feed_calendar(hub, *owner, hub.clock.now())
    return web.Response(
        body=data,
        content_type=MIME.split(";")[0],
        charset="utf-8",
        headers={"Cache-Control": "private, max-age=300"},
    )


def setup(app: web.Application) -> None:
    app.router.add_get("/feed/{token}.ics", feed, name="feed")
