"""The submission window: configured dates, and the moderators' open / close switch."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from bot.context import Ctx
from bot.doc import Reply, error
from bot.i18n import t
from bot.proposals.env import form_env, repo_of
from bot.proposals.moderation import refuse_unless_moderator
from bot.proposals.views import instant_text, slot_use

WINDOW_KEY = "window"
WindowMode = Literal["open", "close", "auto"]


@dataclass(frozen=True, slots=True)
class Window:
    open: bool
    why: Literal["open", "forced_open", "forced_closed", "not_yet", "over"]
    opens_at: datetime | None
    closes_at: datetime | None


async def window(ctx: Ctx) -> Window:
    cfg = ctx.hub.config.proposals
    forced = await repo_of(ctx.hub).setting(WINDOW_KEY)
    if forced == "open":
        return Window(True, "forced_open", cfg.opens_at, cfg.closes_at)
    if forced == "closed":
        return Window(False, "forced_closed", cfg.opens_at, cfg.closes_at)
    if cfg.opens_at and ctx.now < cfg.opens_at:
        return Window(False, "not_yet", cfg.opens_at, cfg.closes_at)
    if cfg.closes_at and ctx.now >= cfg.closes_at:
        return Window(False, "over", cfg.opens_at, cfg.closes_at)
    return Window(True, "open", cfg.opens_at, cfg.closes_at)


def _dates_note(ctx: Ctx, w: Window, reply: Reply) -> Reply:
    lang = ctx.lang
    opens = instant_text(ctx, w.opens_at) if w.opens_at else None
    closes = instant_text(ctx, w.closes_at) if w.closes_at else None
    if opens and closes:
        return reply.note(t(lang, "proposals.window.dates", opens=opens, closes=closes))
    if closes:
        return reply.note(t(lang, "proposals.window.deadline", closes=closes))
    if opens:
        return reply.note(t(lang, "proposals.window.from", opens=opens))
    return reply


def closed_reply(ctx: Ctx, w: Window) -> Reply:
    lang = ctx.lang
    if w.why == "not_yet" and w.opens_at:
        reply = error(t(lang, "proposals.window.not_yet", opens=instant_text(ctx, w.opens_at)))
    elif w.why == "over" and w.closes_at:
        reply = error(t(lang, "proposals.window.over", closes=instant_text(ctx, w.closes_at)))
    else:
        reply = error(t(lang, "proposals.window.closed_by_moderators"))
    return _dates_note(ctx, w, reply)


async def set_window(ctx: Ctx, mode: WindowMode) -> Reply:
    refusal = refuse_unless_moderator(ctx, "window")
    if refusal:
        return refusal
    value = {"open": "open", "close": "closed", "auto": None}[mode]
    await repo_of(ctx.hub).set_setting(WINDOW_KEY, value)
    return await window_status(ctx)


async def window_status(ctx: Ctx) -> Reply:
    """Is the form open, until when, and how full the slots are."""
    lang = ctx.lang
    w = await window(ctx)
    env = await form_env(ctx)
    if w.open and env.open_slots():
        reply = Reply().para(t(lang, f"proposals.window.is_{w.why}"))
        _dates_note(ctx, w, reply)
    elif w.open:
        reply = Reply().para(t(lang, "proposals.window.no_slots"))
    else:
        reply = closed_reply(ctx, w)
        reply.ok = True
    for info in env.slots:
        reply.item(slot_use(env, info))
    if ctx.caller.is_moderator:
        reply.note(t(lang, "proposals.window.how", prefix=ctx.caller.prefix))
    return reply
