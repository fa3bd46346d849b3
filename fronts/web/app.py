"""The web front: an aiohttp application over the same :class:`~bot.hub.Hub` as the chat fronts.

``make_app`` builds it (routes from ``programme``, ``proposals``, ``polls``, ``feeds``) with the
middlewares every page goes through: security headers (a strict Content-Security-Policy), the
browser id cookie, CSRF on every POST, per-address rate limits, request size limits, and error
pages in the visitor's language. ``serve_web`` runs it until cancelled.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from bot.hub import Hub
from bot.i18n import t
from fronts.web import feeds, polls, programme, proposals
from fronts.web.common import (
    BID_COOKIE,
    HUB,
    LIMITER,
    NEW_BID,
    PREFIX,
    SECRET,
    STATIC,
    RateLimiter,
    cookie_flags,
    csrf_ok,
    jinja_env,
    page,
    visitor_lang,
)

log = logging.getLogger(__name__)
SECRET_ENV = "L4A_WEB_SECRET"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

#: Scripts, styles, images and connections only from this site; no frames, no plugins, no
#: inline script or style (the templates have none), forms post only here.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


#: No access log: private links and feed URLs carry secret tokens in their paths.
RUNNER_OPTIONS: dict[str, Any] = {"access_log": None}


def web_secret() -> bytes:
    """The key of CSRF tokens, from ``L4A_WEB_SECRET``; without it, a fresh one per process
    (forms opened before a restart then ask to be sent again). Never logged."""
    value = os.environ.get(SECRET_ENV, "")
    if value:
        return value.encode()
    log.warning(
        "%s is not set: a random key is used, so forms opened before a restart are refused once",
        SECRET_ENV,
    )
    return secrets.token_bytes(32)


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Security headers, the browser id, CSRF, rate limits, and error pages for every request."""
    new_bid = None
    if not request.cookies.get(BID_COOKIE):
        new_bid = secrets.token_urlsafe(24)
        request[NEW_BID] = new_bid
    try:
        if request.method == "POST":
            limiter: RateLimiter = request.app[LIMITER]
            if not limiter.allow(client_address(request)):
                raise web.HTTPTooManyRequests()
            if not await csrf_ok(request):
                raise web.HTTPForbidden(reason="csrf")
        response = await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        response = error_page(request, exc.status, exc.reason or "")
    except (asyncio.CancelledError, ConnectionResetError):
        raise
    except Exception:
        # The route's name, never its path: private links and feed URLs carry secret tokens.
        log.exception("web request %s %s failed", request.method, route_name(request))
        response = error_page(request, 500, "")
    if new_bid is not None and not response.prepared:
        response.set_cookie(BID_COOKIE, new_bid, max_age=400 * 86400, **cookie_flags(request))
    if not response.prepared:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "no-referrer")
        headers.setdefault("X-Frame-Options", "DENY")
        if request.query.get("v") and request.path.startswith(f"{request.app[PREFIX]}/static/"):
            headers["Cache-Control"] = "public, max-age=31536000, immutable"  # versioned URL
        elif response.content_type == "text/html":  # pages change with the clock; some are private
            headers.setdefault("Cache-Control", "no-store")
    return response


def route_name(request: web.Request) -> str:
    route = request.match_info.route
    return route.name or (route.resource.canonical if route.resource else "?")


def error_page(request: web.Request, status: int, reason: str) -> web.Response:
    lang = visitor_lang(request)
    known = {400, 403, 404, 405, 413, 429, 500, 503}
    key = str(status) if status in known else "other"
    if status == 403 and reason == "csrf":
        key = "csrf"
    return page(
        request,
        "error.html",
        status=status,
        title=t(lang, f"web.error.{key}.title"),
        message=t(lang, f"web.error.{key}.text"),
    )


def client_address(request: web.Request) -> str:
    """The visitor's address: the peer, or behind a trusted proxy its X-Forwarded-For."""
    peer = request.remote or ""
    trusted = request.app[HUB].config.web.trusted_proxies
    if peer in trusted:
        hops = [h.strip() for h in request.headers.get("X-Forwarded-For", "").split(",")]
        for hop in reversed([h for h in hops if h]):
            if hop not in trusted:
                return hop
    return peer


def make_app(hub: Hub, secret: bytes | None = None) -> web.Application:
    """The web front's application (mounted under the path of ``[web] base_url``, if any)."""
    cfg = hub.config.web
    app = web.Application(middlewares=[guard], client_max_size=cfg.max_body_bytes)
    app[HUB] = hub
    app[SECRET] = secret if secret is not None else web_secret()
    app[LIMITER] = RateLimiter(cfg.posts_per_minute, 60.0)
    prefix = urlsplit(cfg.base_url).path.rstrip("/") if cfg.base_url else ""
    app[PREFIX] = prefix
    jinja_env(app)
    programme.setup(app)
    proposals.setup(app)
    polls.setup(app)
    feeds.setup(app)
    app.router.add_static("/static/", STATIC, name="static", append_version=True)
    if not prefix:
        return app
    root = web.Application(client_max_size=cfg.max_body_bytes)
    root.add_subapp(prefix, app)
    root[PREFIX] = prefix
    root[HUB] = hub
    return root


async def serve_web(hub: Hub, host: str | None = None, port: int | None = None) -> None:
    """Serve the web front until cancelled."""
    cfg = hub.config.web
    app = make_app(hub)
    runner = web.AppRunner(app, **RUNNER_OPTIONS)
    await runner.setup()
    site = web.TCPSite(runner, host or cfg.host, port or cfg.port)
    await site.start()
    log.info("web front on http://%s:%s%s", host or cfg.host, port or cfg.port, app[PREFIX])
    hub.health.up("web")
    try:
        await asyncio.Event().wait()
    finally:
        hub.health.down("web", "stopped")
        await runner.cleanup()
