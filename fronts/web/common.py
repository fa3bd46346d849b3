"""What every web page needs: the visitor (language, zone, browser id), their core context, CSRF
tokens, cookies, rate limits, and rendering a template (Jinja2, autoescaped)."""

from __future__ import annotations

import functools
import hashlib
import hmac
import time
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import jinja2
from aiohttp import web

from bot.context import Caller, Ctx, Prefs
from bot.hub import Hub
from bot.i18n import LANGUAGE_NAMES, LANGUAGES, negotiate, t, tn
from bot.zones import UserZone, ZoneError, load_zone

FRONT = "web"
HUB: web.AppKey[Hub] = web.AppKey("hub", Hub)
SECRET: web.AppKey[bytes] = web.AppKey("secret", bytes)
PREFIX: web.AppKey[str] = web.AppKey("prefix", str)
LIMITER: web.AppKey[RateLimiter] = web.AppKey("limiter")
JINJA: web.AppKey[jinja2.Environment] = web.AppKey("jinja", jinja2.Environment)
STATIC = Path(str(resources.files("fronts.web") / "static"))
NEW_BID: web.RequestKey[str] = web.RequestKey("bid", str)
BID_COOKIE, LANG_COOKIE, TZ_COOKIE = "l4a_bid", "l4a_lang", "l4a_tz"
YEAR = 365 * 86400


class RateLimiter:
    """At most ``limit`` events per ``window`` seconds per key (fixed windows, in memory)."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self._counts: dict[str, tuple[float, int]] = {}

    def allow(self, key: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        start, count = self._counts.get(key, (now, 0))
        if now - start >= self.window:
            start, count = now, 0
        if count >= self.limit:
            return False
        if len(self._counts) > 100_000:  # forget old windows rather than grow without end
            self._counts = {k: v for k, v in self._counts.items() if now - v[0] < self.window}
        self._counts[key] = (start, count + 1)
        return True


def hub_of(request: web.Request) -> Hub:
    return request.app[HUB]


def browser_id(request: web.Request) -> str:
    """The browser's random id (cookie; set on the first response)."""
    return request.cookies.get(BID_COOKIE) or request.get(NEW_BID, "")


def anonymous_id(secret_text: str) -> str:
    """A stored id for a secret (browser id, private-link token) that does not reveal it."""
    return hashlib.sha256(secret_text.encode()).hexdigest()[:32]


def csrf_token(request: web.Request) -> str:
    key = request.app[SECRET]
    return hmac.new(key, browser_id(request).encode(), hashlib.sha256).hexdigest()[:32]


async def csrf_ok(request: web.Request) -> bool:
    """The form carries the token made for this browser's cookie (another site cannot read it)."""
    if not request.cookies.get(BID_COOKIE):
        return False
    form = await request.post()
    sent = form.get("csrf")
    return isinstance(sent, str) and hmac.compare_digest(sent, csrf_token(request))


def cookie_flags(request: web.Request) -> dict[str, Any]:
    base = request.app[HUB].config.web.base_url or ""
    secure = request.secure or base.startswith("https://")
    return {
        "httponly": True,
        "samesite": "Lax",
        "secure": secure,
        "path": (request.app[PREFIX] or "") + "/",
    }


def accept_language(header: str) -> str | None:
    """The first of the bot's languages in an Accept-Language header, by preference."""
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate(header.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        base = tag.strip().split("-")[0].lower()
        if base in LANGUAGES and q > 0:
            ranked.append((-q, i, base))
    return min(ranked)[2] if ranked else None


def visitor_lang(request: web.Request) -> str:
    asked = request.query.get("lang", "")
    if asked in LANGUAGES:
        return asked
    saved = request.cookies.get(LANG_COOKIE, "")
    if saved in LANGUAGES:
        return saved
    hub = request.app.get(HUB)
    default = hub.config.bot.default_language if hub else "en"
    return accept_language(request.headers.get("Accept-Language", "")) or negotiate(None, default)


def visitor_zone(request: web.Request) -> tuple[UserZone, bool]:
    """The zone chosen in this browser (cookie), else the forum's."""
    hub = hub_of(request)
    saved = unquote(request.cookies.get(TZ_COOKIE, ""))  # set by zone.js, URI-encoded
    if saved and len(saved) <= 64:
        try:
            return load_zone(saved), True
        except ZoneError:
            pass
    return hub.programme_zone, False


def ctx_for(request: web.Request, user_id: str | None = None) -> Ctx:
    """The core context of this visitor: ``user_id`` (default: the browser's anonymous id)."""
    hub = hub_of(request)
    lang = visitor_lang(request)
    zone, zone_set = visitor_zone(request)
    uid = user_id or anonymous_id(browser_id(request))
    caller = Caller(FRONT, uid, "", lang, False)
    now = hub.clock.now()
    return Ctx(hub, caller, Prefs(lang, zone, zone_set), now, now.astimezone(zone.tzinfo).date())


def jinja_env(app: web.Application) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("fronts.web", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    app[JINJA] = env
    return env


def page(request: web.Request, template: str, *, status: int = 200, **values: Any) -> web.Response:
    """``template`` rendered for this visitor (language, links under the base path, CSRF)."""
    lang = visitor_lang(request)
    prefix = request.app.get(PREFIX, "")
    env = request.app.get(JINJA) or jinja_env(request.app)
    body = env.get_template(template).render(
        lang=lang,
        _=lambda key, **kw: t(lang, key, **kw),
        _n=lambda key, count, **kw: tn(lang, key, count, **kw),
        url=lambda path: prefix + path,
        csrf=csrf_token(request) if SECRET in request.app else "",
        path=request.path,
        languages=[(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
        static=lambda name: f"{prefix}/static/{name}?v={static_version(name)}",
        **values,
    )
    response = web.Response(text=body, status=status, content_type="text/html", charset="utf-8")
    if request.query.get("lang", "") in LANGUAGES:
        response.set_cookie(LANG_COOKIE, lang, max_age=YEAR, **cookie_flags(request))
    return response


@functools.cache
def static_version(name: str) -> str:
    """A short hash of a static file: its URL changes with its content, so browsers may keep it
    (``Cache-Control: immutable``) and still never use a stale one after an upgrade."""
    return hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:10]


def absolute(request: web.Request, path: str) -> str:
    """The public URL of ``path``: under ``[web] base_url``, else this request's host."""
    base = request.app[HUB].config.web.base_url
    if base:
        return base + path
    return f"{request.scheme}://{request.host}{request.app[PREFIX]}{path}"
