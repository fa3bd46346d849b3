"""Per-user settings: ``timezone`` and ``language``. Saved (committed) before they are confirmed."""

from __future__ import annotations

from bot.context import Ctx
from bot.doc import Code, Reply, Strong, Text, error
from bot.i18n import LANGUAGE_NAMES, LANGUAGES, language_name, parse_language, t, tn
from bot.registry import Command, Invocation, Param
from bot.render import when_phrase
from bot.zones import ZoneError, resolve_zone

RESET_WORDS = frozenset({"reset", "default", "none", "clear"})


def _zone_example(ctx: Ctx, reply: Reply) -> Reply:
    upcoming = ctx.programme.upcoming(ctx.now, 1)
    if upcoming:
        s = upcoming[0]
        reply.para(
            t(ctx.lang, "zone.example", title=s.title.get(ctx.lang), when=when_phrase(ctx, s))
        )
    return reply


async def timezone(ctx: Ctx, text: str | None) -> Reply:
    lang = ctx.lang
    if text is None or not text.strip():
        zone = ctx.prefs.zone.describe(ctx.now)
        key = "zone.current_set" if ctx.prefs.zone_set else "zone.current_default"
        cmd = f"{ctx.caller.prefix}timezone"
        return Reply().para(t(lang, key, zone=zone)).para(t(lang, "zone.how_to_set", cmd=cmd))
    store = ctx.hub.store
    caller = ctx.caller
    if text.strip().casefold() in RESET_WORDS:
        await store.set_zone(caller.front, caller.user_id, None)
        fresh = ctx.hub.context(caller)
        zone = fresh.prefs.zone.describe(fresh.now)
        return Reply().para(t(lang, "zone.reset", zone=zone))
    try:
        chosen = resolve_zone(text)
    except ZoneError as exc:
        return _zone_refusal(lang, text, exc)
    await store.set_zone(caller.front, caller.user_id, chosen.key)
    fresh = ctx.hub.context(caller)
    reply = Reply().para(t(lang, "zone.set", zone=chosen.describe(fresh.now)))
    return _zone_example(fresh, reply)


def _zone_refusal(lang: str, text: str, exc: ZoneError) -> Reply:
    shown = text.strip()[:60]
    if exc.reason == "too_long":
        reply = error(t(lang, "zone.too_long"))
    elif exc.reason == "ambiguous":
        reply = error(t(lang, "zone.ambiguous", value=shown))
    elif exc.reason in ("out_of_range", "bad_minutes"):
        return error(t(lang, f"zone_refusal.{exc.reason}", value=shown))
    else:
        reply = error(t(lang, "zone.unknown", value=shown))
    if exc.suggestions:
        reply.para(t(lang, "zone.suggestions"))
        for s in exc.suggestions[:5]:
            reply.item(Code(s))
        if exc.more:
            reply.para(tn(lang, "zone_refusal.more", exc.more))
    reply.para(t(lang, "zone.formats"))
    return reply


async def language(ctx: Ctx, text: str | None) -> Reply:
    lang = ctx.lang
    choices = ", ".join(f"{c} ({LANGUAGE_NAMES[c]})" for c in LANGUAGES)
    if text is None or not text.strip():
        return (
            Reply()
            .para(t(lang, "lang.current", name=language_name(lang)))
            .para(t(lang, "lang.available", choices=choices))
        )
    code = parse_language(text)
    if code is None:
        return error(t(lang, "lang.unknown", value=text.strip()[:40], choices=choices))
    caller = ctx.caller
    await ctx.hub.store.set_language(caller.front, caller.user_id, code)
    return Reply().para(t(code, "lang.set", name=language_name(code)))


def help_reply(ctx: Ctx, prefix: str, commands: list[tuple[str, str]]) -> Reply:
    """``commands`` is (usage, description) for each command the front offers."""
    lang = ctx.lang
    forum = ctx.programme.forum
    reply = Reply().heading(t(lang, "help.title", hub=forum.hub_name(lang)))
    reply.para(t(lang, "help.intro", forum=forum.name.get(lang)))
    for usage, description in commands:
        reply.item(Strong(f"{prefix}{usage}"), Text(f" — {description}"))
    reply.note(t(lang, "help.zone_hint", prefix=prefix))
    return reply


async def _timezone(inv: Invocation) -> Reply:
    return await timezone(inv.hub.context(inv.caller), inv.args or None)


async def _language(inv: Invocation) -> Reply:
    return await language(inv.hub.context(inv.caller), inv.args or None)


#: Discord: cogs/settings.py (zone autocomplete, language choices).
COMMANDS = (
    Command("timezone", (Param("zone"),), _timezone, discord_ui=True),
    Command("language", (Param("code"),), _language, discord_ui=True),
)
