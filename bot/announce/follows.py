"""Following sessions: ``/remind``, ``/reminders``, ``/unremind`` and ``/agenda`` for one reader.

``/remind SESSION [lead]`` follows one session, ``/remind kind:KIND`` every session of a kind,
``/remind all`` the whole programme. :func:`followed_sessions` is what a user's agenda (and
calendar export) holds.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import TYPE_CHECKING

from bot import listing
from bot.announce.model import Follow, TargetType
from bot.announce.texts import duration
from bot.context import Ctx
from bot.doc import Code, Reply, Strong, Text, error
from bot.hub import Hub
from bot.i18n import t, tn
from bot.programme import KINDS, LANGS, Session, fold
from bot.registry import Command, Invocation, Param
from bot.render import session_item, zone_note

if TYPE_CHECKING:
    pass

MAX_LEAD = 24 * 60
MAX_LISTED = 5  # sessions listed in a /remind answer; /agenda lists them all
_LEAD = re.compile(r"^([-+]?\d+)\s*(m|min|mins|minutes?|minutos?|h|hours?|horas?|heures?)?$")
_ALL = frozenset({"all", "todo", "todos", "todas", "tout", "tous", "toutes", "*"})
_KIND_PREFIXES = ("kind:", "tipo:", "type:", "genre:")
Target = tuple[TargetType, str]


def parse_lead(text: str) -> int | None:
    """Minutes from ``10``, ``10m``, ``10 min``, ``1h``; ``None`` if it is not a lead. A number
    out of range (``-5``, ``99999``) is still read as a lead, so the reader hears it is refused
    as one instead of it being searched for as words of a title."""
    m = _LEAD.match(fold(text.strip()))
    if not m:
        return None
    value = int(m.group(1))
    return value * 60 if (m.group(2) or "m").startswith("h") else value


def _key(text: str) -> str:
    return fold(text.strip()).replace(" ", "_").replace("-", "_")


def _kind(ctx: Ctx, text: str) -> str | None:
    """A built-in kind or one the programme declares (an imported type or track), by id or by
    name in any language."""
    q = _key(text)
    declared = ctx.programme.kinds
    for kind in (*KINDS, *declared):
        if _key(kind) == q:
            return kind
    for kind in KINDS:
        for lang in LANGS:
            if _key(t(lang, f"kind.{kind}")) == q:
                return kind
    for kind, name in declared.items():
        if any(_key(n) == q for n in name.all()):
            return kind
    return None


def kind_name(ctx: Ctx, kind: str) -> str:
    declared = ctx.programme.kinds.get(kind)
    if declared is not None:
        return declared.get(ctx.lang)
    return t(ctx.lang, f"kind.{kind}") if kind in KINDS else kind  # no longer declared


def parse_target(ctx: Ctx, text: str) -> Target | Reply:
    """``all``, ``kind:KIND`` or one session (id or words of its title)."""
    q = text.strip()
    lang = ctx.lang
    if fold(q) in _ALL:
        return ("all", "")
    lowered = fold(q)
    for prefix in _KIND_PREFIXES:
        if lowered.startswith(prefix):
            kind = _kind(ctx, q[len(prefix) :])
            if kind is None:
                names = ", ".join(f"kind:{k}" for k in (*KINDS, *ctx.programme.kinds))
                value = q[len(prefix) :].strip()[:60]
                return error(t(lang, "remind.unknown_kind", value=value, kinds=names))
            return ("kind", kind)
    matches = ctx.programme.find(q[:200])
    if not matches:
        kind = _kind(ctx, q)
        if kind is not None:
            return ("kind", kind)
        cmd = ctx.caller.command("schedule")
        return error(t(lang, "session.not_found", query=q[:60], cmd=cmd))
    if len(matches) > 1:
        reply = error(t(lang, "session.several", query=q[:60]))
        for s in matches:
            reply.item(Code(s.id), Text(" · "), *session_item(ctx, s)[:3])
        return reply
    return ("session", matches[0].id)


_DM_WORDS = frozenset({"dm", "pm", "mp", "md"})


def split_dm(text: str) -> tuple[str, bool]:
    """``climate-dialogue 15 dm`` → (``climate-dialogue 15``, True): a private message always."""
    words = text.split()
    for i in (-1, -2):
        if len(words) > -i and fold(words[i]) in _DM_WORDS:
            return " ".join(words[:i] + words[i + 1 :] if i == -2 else words[:i]), True
    return text, False


def split_lead(text: str) -> tuple[str, int | None]:
    """``climate-dialogue 15`` → (``climate-dialogue``, 15)."""
    words = text.split()
    if len(words) > 1:
        lead = parse_lead(words[-1])
        if lead is not None:
            return " ".join(words[:-1]), lead
        if len(words) > 2:
            lead = parse_lead(" ".join(words[-2:]))
            if lead is not None:
                return " ".join(words[:-2]), lead
    return text, None


def describe(ctx: Ctx, target_type: TargetType, target: str) -> str:
    if target_type == "all":
        return t(ctx.lang, "remind.what_all")
    if target_type == "kind":
        return t(ctx.lang, "remind.what_kind", kind=kind_name(ctx, target))
    session = ctx.programme.by_id.get(target)
    if session is None:  # cancelled since it was followed (a /reload dropped it)
        return t(ctx.lang, "remind.cancelled_session", id=target)
    return session.title.get(ctx.lang)


async def remind(ctx: Ctx, text: str, lead: int | None = None, dm: bool = False) -> Reply:
    announcer = ctx.hub.announcer
    lang = ctx.lang
    if not text.strip():
        return error(t(lang, "remind.usage", cmd=f"{ctx.caller.prefix}remind"))
    text, typed_dm = split_dm(text)
    dm = dm or typed_dm
    what, typed_lead = split_lead(text)
    lead = lead if lead is not None else typed_lead
    if lead is None:
        lead = ctx.hub.config.announcements.reminder_lead
    if not 0 <= lead <= MAX_LEAD:
        return error(t(lang, "remind.bad_lead", max=MAX_LEAD))
    target = parse_target(ctx, what)
    if isinstance(target, Reply):
        return target
    target_type, value = target
    if target_type == "session":
        session = ctx.programme.by_id[value]
        if session.starts_at is None:
            return error(t(lang, "remind.untimed", title=session.title.get(lang)))
        if session.starts_at <= ctx.now:
            return error(t(lang, "remind.past", title=session.title.get(lang)))
    caller = ctx.caller
    follow = Follow(
        caller.front, caller.user_id, target_type, value, lead, ctx.now, caller.locale, dm
    )
    reopened = await announcer.follow(follow)
    what_text = describe(ctx, target_type, value)
    session_start = ctx.programme.by_id[value].starts_at if target_type == "session" else None
    if session_start is not None and session_start - timedelta(minutes=lead) < ctx.now:
        # The reminder's time has passed: a following made now does not bring it (README).
        starts_in = (session_start - ctx.now).total_seconds() / 60
        reply = Reply().para(
            t(
                lang,
                "remind.too_late",
                what=what_text,
                agenda=f"{caller.prefix}agenda",
                starts_in=duration(starts_in, lang),
                lead=_lead_text(ctx, lead),
                cmd=f"{caller.prefix}remind {value} 0",
            )
        )
    elif lead == 0:
        reply = Reply().para(t(lang, "remind.done_at_start", what=what_text))
    else:
        reply = Reply().para(t(lang, "remind.done", what=what_text, lead=_lead_text(ctx, lead)))
    upcoming = [s for s in announcer.sessions_for(follow) if s.starts_at and s.starts_at > ctx.now]
    if target_type != "session":
        reply.para(t(lang, "remind.count", count=len(upcoming)))
    for s in upcoming[:MAX_LISTED]:
        reply.item(*session_item(ctx, s))
    if len(upcoming) > MAX_LISTED:
        more = len(upcoming) - MAX_LISTED
        reply.note(t(lang, "remind.more", count=more, cmd=f"{caller.prefix}agenda"))
    if target_type != "session":
        for s in upcoming:
            if s.starts_at and s.starts_at - timedelta(minutes=lead) < ctx.now:
                minutes = (s.starts_at - ctx.now).total_seconds() / 60
                title = s.title.get(lang)
                reply.note(
                    t(lang, "remind.too_late_one", title=title, starts_in=duration(minutes, lang))
                )
    if reopened:
        reply.note(t(lang, "remind.reopened"))
    if dm:
        reply.note(t(lang, "notify.dm_note"))
    elif target_type == "session" and announcer.delivery_mode(caller.front, value) is not None:
        dm_cmd = f"{caller.prefix}remind {value} dm"
        reply.note(t(lang, "notify.group_note", cmd=dm_cmd))
    return zone_note(ctx, reply)


def _lead_text(ctx: Ctx, lead: int) -> str:
    return t(ctx.lang, "remind.at_start") if lead == 0 else duration(lead, ctx.lang)


def reminders(ctx: Ctx) -> Reply:
    announcer = ctx.hub.announcer
    lang = ctx.lang
    follows = announcer.follows_of(ctx.caller.front, ctx.caller.user_id)
    if not follows:
        return Reply().para(t(lang, "remind.none", cmd=f"{ctx.caller.prefix}remind"))
    reply = Reply().heading(t(lang, "remind.list_heading"))
    for f in sorted(follows, key=lambda f: (-_order(f.target_type), f.target)):
        code = (
            "all"
            if f.target_type == "all"
            else (f"kind:{f.target}" if f.target_type == "kind" else f.target)
        )
        reply.item(
            Strong(describe(ctx, f.target_type, f.target)),
            f" · {_lead_text(ctx, f.lead_minutes)} · ",
            Code(f"{code} dm" if f.dm else code),
        )
    if announcer.is_closed(ctx.caller.front, ctx.caller.user_id):
        reply.note(t(lang, "remind.closed_note"))
    reply.note(t(lang, "remind.list_hint", cmd=f"{ctx.caller.prefix}unremind"))
    return reply


def _order(target_type: TargetType) -> int:
    return {"session": 0, "kind": 1, "all": 2}[target_type]


async def unremind(ctx: Ctx, text: str) -> Reply:
    announcer = ctx.hub.announcer
    lang = ctx.lang
    front, user = ctx.caller.front, ctx.caller.user_id
    if not text.strip():
        return error(t(lang, "remind.unremind_usage", cmd=f"{ctx.caller.prefix}unremind"))
    q = text.strip()
    if fold(q) in _ALL:
        removed = await announcer.unfollow(front, user, None, None)
        return Reply().para(t(lang, "remind.removed_all", count=removed))
    gone = {
        f.target
        for f in announcer.follows_of(front, user)
        if f.target_type == "session" and f.target not in ctx.programme.by_id
    }
    if q in gone:  # a cancelled session: no longer in the programme, still followed
        await announcer.unfollow(front, user, "session", q)
        return Reply().para(t(lang, "remind.removed", what=describe(ctx, "session", q)))
    target = parse_target(ctx, q)
    if isinstance(target, Reply):
        return target
    target_type, value = target
    removed = await announcer.unfollow(front, user, target_type, value)
    what = describe(ctx, target_type, value)
    if removed:
        return Reply().para(t(lang, "remind.removed", what=what))
    reply = error(t(lang, "remind.not_following", what=what))
    if target_type == "session" and announcer.follows_of(front, user):
        session = ctx.programme.by_id[value]
        if any(f.target_type != "session" for f in announcer.follows_of(front, user)):
            reply.para(t(lang, "remind.covered_by", title=session.title.get(lang)))
    return reply


def agenda(ctx: Ctx, text: str | None = None, *, page: str | int | None = None) -> Reply:
    """The sessions the reader follows that have not ended, in their zone, a page at a time
    (following ``all`` of a thousand-session programme would otherwise flood the chat)."""
    announcer = ctx.hub.announcer
    lang = ctx.lang
    options = listing.split_options(text, ("page",))
    if isinstance(options, str):
        usage = f"{ctx.caller.command('agenda')} [{t(lang, 'params.page')}]"
        cmd = ctx.caller.command("agenda")
        return error(t(lang, "listing.bad_word", cmd=cmd, value=options[:40], usage=usage))
    filters = listing.resolve(ctx, listing.Options(page=page if page is not None else options.page))
    if isinstance(filters, Reply):
        return filters
    sessions = announcer.followed(ctx.caller.front, ctx.caller.user_id)
    if not sessions:
        return Reply().para(t(lang, "agenda.empty", cmd=f"{ctx.caller.prefix}remind"))
    coming = [s for s in sessions if (s.ends_at or s.starts_at or ctx.now) > ctx.now]
    shown, refusal, footer = listing.page(
        ctx, coming, filters, lambda n: listing.command_line(ctx, "agenda", filters, page=n)
    )
    if refusal is not None:
        return refusal
    reply = Reply().heading(t(lang, "agenda.heading"))
    if not coming:
        reply.para(tn(lang, "agenda.all_over", len(sessions)))
    for s in shown:
        reply.item(*session_item(ctx, s))
    reply.extend(footer)
    past = len(sessions) - len(coming)
    if past and coming:
        reply.note(tn(lang, "agenda.past", past))
    return zone_note(ctx, reply)


async def followed_sessions(hub: Hub, front: str, user_id: str) -> list[Session]:
    """The sessions ``front``/``user_id`` follows (directly, by kind, or all), in programme
    order; timed ones only. For a user's agenda and calendar export."""
    return hub.announcer.followed(front, user_id)


def lead_minutes(hub: Hub, front: str, user_id: str) -> dict[str, int]:
    """Session id → the reader's reminder lead for each timed session they follow (through
    their most specific follow, as the reminders are planned). For calendar alarms."""
    return hub.announcer.leads(front, user_id)


async def _remind(inv: Invocation) -> Reply:
    return await remind(inv.hub.context(inv.caller), inv.args)


async def _reminders(inv: Invocation) -> Reply:
    return reminders(inv.hub.context(inv.caller))


async def _unremind(inv: Invocation) -> Reply:
    return await unremind(inv.hub.context(inv.caller), inv.args)


async def _agenda(inv: Invocation) -> Reply:
    return agenda(inv.hub.context(inv.caller), inv.args or None)


#: Discord: cogs/announce.py (autocomplete of sessions and follows); /reminders is generated.
COMMANDS = (
    Command("remind", (Param("what", required=True), Param("lead")), _remind, discord_ui=True),
    Command("reminders", (), _reminders),
    Command("unremind", (Param("what", required=True),), _unremind, discord_ui=True),
    Command("agenda", (Param("page"),), _agenda, discord_ui=True),
)
