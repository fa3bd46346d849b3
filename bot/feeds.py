"""Subscribable calendars: ``/ics feed`` gives a user a secret URL of their agenda (the sessions
they follow, with an alarm at their reminder lead) that calendar apps poll; ``/ics feed reset``
revokes it with a new one. The web front serves the URL (``fronts/web/feeds.py``)."""

from __future__ import annotations

import asyncio
import functools
import re
import secrets
from datetime import datetime

from bot.announce.follows import followed_sessions, lead_minutes
from bot.calendar import calendar_bytes
from bot.context import Caller, Ctx
from bot.db import Database
from bot.doc import Code, Reply, error
from bot.hub import Hub
from bot.i18n import t
from bot.revisions import record_revisions

TOKEN = re.compile(r"^[A-Za-z0-9_-]{32,64}$")
RESET_WORDS = frozenset({"reset", "new", "revoke", "nuevo", "renovar", "nouveau", "réinitialiser"})


def feed_path(token: str) -> str:
    return f"/feed/{token}.ics"


async def feed_token(db: Database, caller: Caller, now: datetime, *, reset: bool) -> str:
    """The caller's feed token (made on first use; a new one, revoking the old, on ``reset``)."""
    if not reset:
        found = await db.fetchval(
            "SELECT token FROM ics_feeds WHERE front = ? AND user_id = ?",
            (caller.front, caller.user_id),
        )
        if found is not None:
            return str(found)
    token = secrets.token_urlsafe(32)
    await db.execute(
        "INSERT INTO ics_feeds (front, user_id, token, created_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (front, user_id) DO UPDATE SET token = excluded.token, "
        "created_at = excluded.created_at",
        (caller.front, caller.user_id, token, now.isoformat(timespec="seconds")),
    )
    return token


async def feed_owner(db: Database, token: str) -> tuple[str, str] | None:
    if not TOKEN.match(token):
        return None
    row = await db.fetchrow("SELECT front, user_id FROM ics_feeds WHERE token = ?", (token,))
    return (str(row[0]), str(row[1])) if row else None


async def feed_command(ctx: Ctx, args: str) -> Reply:
    """``ics feed [reset]``: the secret URL of the caller's agenda for calendar apps."""
    lang = ctx.lang
    base = ctx.hub.config.web.base_url
    if not base:
        return error(t(lang, "calendar.feed.no_web"))
    words = args.casefold().split()
    if words and words[0] not in RESET_WORDS:
        usage = f"{ctx.caller.prefix}ics feed reset"
        return error(t(lang, "calendar.unknown_scope", scope=args.strip()[:40], usage=usage))
    reset = bool(words)
    token = await feed_token(ctx.hub.store.database, ctx.caller, ctx.now, reset=reset)
    reply = Reply(private=True)
    if reset:
        reply.para(t(lang, "calendar.feed.reset"))
    reply.para(t(lang, "calendar.feed.ready"), " ", Code(base + feed_path(token)))
    reply.note(t(lang, "calendar.feed.how", reset=f"{ctx.caller.prefix}ics feed reset"))
    return reply


async def feed_calendar(hub: Hub, front: str, user_id: str, now: datetime) -> bytes:
    """The user's agenda as the feed serves it: their language and zone, an alarm per session at
    the lead of the follow that brings it."""
    ctx = hub.context(Caller(front, user_id))
    sessions = await followed_sessions(hub, front, user_id)
    leads = lead_minutes(hub, front, user_id)
    revisions = await record_revisions(hub.store.database, sessions, hub.programme, now)
    name = t(ctx.lang, "calendar.agenda_name", hub=hub.programme.forum.hub_name(ctx.lang))
    zone = ctx.prefs.zone.key if ctx.prefs.zone_set and "/" in ctx.prefs.zone.key else None
    return await asyncio.to_thread(
        functools.partial(
            calendar_bytes,
            sessions,
            hub.programme,
            ctx.lang,
            now=now,
            name=name,
            revisions=revisions,
            zone_key=zone,
            leads=leads,
            refresh_minutes=60,
        )
    )
