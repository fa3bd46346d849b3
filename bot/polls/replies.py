"""What the poll commands answer, in the reader's language: the poll card, confirmations,
results with a chart, CSV exports. Every front calls these and only renders the reply."""

from __future__ import annotations

import asyncio
import csv
import io
import re
from collections.abc import Callable
from datetime import datetime

from bot.context import Ctx
from bot.doc import Attachment, Code, Reply, Stamp, Strong, Text, error
from bot.i18n import LANGUAGES, catalog, fmt_time, t, tn
from bot.moderators import moderators_only
from bot.polls import chart
from bot.polls.model import Poll, SpecError, Tally, make_spec, search_candidates
from bot.polls.qr import add_web_link
from bot.polls.service import Polls, voter_key
from bot.polls.store import VoteResult
from bot.programme import fold
from bot.sheet import safe_cell

BAR_CELLS = 10
_POLL_ID = re.compile(r"^#?(\d{1,9})$")


def polls_of(ctx: Ctx) -> Polls:
    return ctx.hub.polls


def voter(ctx: Ctx) -> str:
    return voter_key(ctx.caller.front, ctx.caller.user_id)


def refuse_unless_moderator(ctx: Ctx, action: str) -> Reply | None:
    if ctx.caller.is_moderator:
        return None
    return moderators_only(
        ctx, t(ctx.lang, "polls.err.moderators_only", action=t(ctx.lang, f"polls.action.{action}"))
    )


def find_poll(ctx: Ctx, text: str) -> Poll | Reply:
    """The poll named by ``3`` or ``#3``, or a clear refusal."""
    m = _POLL_ID.match(text.strip())
    if not m:
        return error(t(ctx.lang, "polls.err.bad_id", value=text.strip()[:20]))
    poll = polls_of(ctx).get(int(m.group(1)))
    if poll is None:
        return error(t(ctx.lang, "polls.err.no_poll", id=int(m.group(1))))
    return poll


def _stamp(ctx: Ctx, at: datetime, lang: str) -> Stamp:
    local = at.astimezone(ctx.prefs.zone.tzinfo)
    return Stamp(at, f"{fmt_time(local, lang)} {ctx.prefs.zone.label(at)}")


def _title(ctx: Ctx, poll: Poll, lang: str) -> str:
    session = ctx.programme.by_id.get(poll.question.session_id or "")
    base = t(lang, "polls.card.title", id=poll.id)
    return f"{base} · {session.title.get(lang)}" if session else base


# -- the poll card (the live message under which people vote) ---------------------------------
def card(ctx: Ctx, poll: Poll, tally: Tally, lang: str | None = None) -> Reply:
    """The poll as shown to the room: question, options with the live tally (unless hidden),
    votes so far and when it closes. ``lang`` defaults to the poll's language."""
    lang = lang or poll.lang
    reply = Reply(private=False)
    reply.heading(Text(_title(ctx, poll, lang)))
    reply.quote(Text(poll.question.get(lang)))
    show = not poll.hide_results or not poll.is_open
    percents = tally.percents()
    for i, label in enumerate(poll.labels(lang)):
        if show:
            bar = _bar(percents[i])
            reply.item(
                Strong(f"{i + 1}. {label}"),
                Text(f" — {tally.counts[i]} · {percents[i]} % {bar}"),
            )
        else:
            reply.item(Strong(f"{i + 1}. {label}"))
    status: list[Text | Stamp] = [Text(tn(lang, "polls.card.votes", tally.voters))]
    if not poll.is_open:
        status.append(Text(" · " + t(lang, "polls.card.closed")))
    elif poll.closes_at is not None:
        status += [
            Text(" · " + t(lang, "polls.card.closes")),
            Text(" "),
            _stamp(ctx, poll.closes_at, lang),
        ]
    if poll.is_open and poll.hide_results:
        status.append(Text(" · " + t(lang, "polls.card.hidden")))
    reply.note(*status)
    reply.note(t(lang, "polls.card.anonymous"))
    return reply


def _bar(percent: int) -> str:
    full = round(percent * BAR_CELLS / 100)
    return "█" * full + "░" * (BAR_CELLS - full)


def text_vote_hint(poll: Poll, lang: str, prefix: str) -> str:
    return t(lang, "polls.card.vote_hint", cmd=f"{prefix}vote {poll.id}", max=poll.size)


# -- results ------------------------------------------------------------------------------------
def _result(
    ctx: Ctx, poll: Poll, *, private: bool, lang: str | None
) -> tuple[Reply, Callable[[], Attachment]]:
    """The result's text, and how to draw its chart (a CPU-bound Pillow job of ~0.1–0.3 s)."""
    lang = lang or ctx.lang
    tally = polls_of(ctx).tally(poll.id)
    percents = tally.percents()
    key = "polls.result.final" if not poll.is_open else "polls.result.so_far"
    reply = Reply(private=private)
    reply.heading(Text(t(lang, key, id=poll.id)))
    reply.quote(Text(poll.question.get(lang)))
    labels = poll.labels(lang)
    for label, count, pct in zip(labels, tally.counts, percents, strict=True):
        reply.item(Strong(label), Text(f" — {count} · {pct} %"))
    reply.para(tn(lang, "polls.result.voters", tally.voters))
    footer = tn(lang, "polls.result.voters", tally.voters) + " · " + t(lang, "polls.card.anonymous")
    question, header, counts = poll.question.get(lang), _title(ctx, poll, lang), tally.counts

    def draw() -> Attachment:
        png = chart.bar_chart(question, labels, counts, percents, header=header, footer=footer)
        return Attachment(f"poll-{poll.id}.png", png, "image/png")

    return reply, draw


def result(ctx: Ctx, poll: Poll, *, private: bool, lang: str | None = None) -> Reply:
    """Counts, percentages, number of voters and the statement, with a bar chart (PNG), drawn
    here and now (see :func:`result_async` to keep the event loop free meanwhile)."""
    reply, draw = _result(ctx, poll, private=private, lang=lang)
    reply.attachments.append(draw())
    return reply


async def result_async(ctx: Ctx, poll: Poll, *, private: bool, lang: str | None = None) -> Reply:
    """:func:`result`, with the chart drawn in a worker thread: the bot keeps answering
    (vote clicks have 3 s) while Pillow draws."""
    reply, draw = _result(ctx, poll, private=private, lang=lang)
    reply.attachments.append(await asyncio.to_thread(draw))
    return reply


def export_csv(ctx: Ctx, poll: Poll) -> bytes:
    """Counts per option (never voter ids), with the question in every language it has. Cells a
    spreadsheet would run as formulas (a custom option ``=1+1``, ``-5 %``) are quoted."""
    tally = polls_of(ctx).tally(poll.id)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")

    def row(*cells: object) -> None:
        writer.writerow([safe_cell(c) for c in cells])

    row("poll", "option_number", *(f"option_{lang}" for lang in LANGUAGES), "votes", "percent")
    labels = [poll.labels(lang) for lang in LANGUAGES]
    for i, (count, pct) in enumerate(zip(tally.counts, tally.percents(), strict=True)):
        row(poll.id, i + 1, *(by_lang[i] for by_lang in labels), count, pct)
    writer.writerow([])
    for lang in LANGUAGES:
        row(f"question_{lang}", poll.question.get(lang))
    row("session", poll.question.session_id or "")
    row("voters", tally.voters)
    row("status", "closed" if not poll.is_open else "open")
    # Times as the proposals export writes them: the forum's wall clock, to the second.
    zone = ctx.programme.zone

    def wall(at: datetime | None) -> str:
        return at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S") if at else ""

    row(f"started_at ({ctx.programme.forum.timezone})", wall(poll.created_at))
    row(f"closed_at ({ctx.programme.forum.timezone})", wall(poll.closed_at))
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # BOM: spreadsheets read it as UTF-8


# -- commands -----------------------------------------------------------------------------------
async def start(
    ctx: Ctx,
    question: str,
    *,
    scale: str | None = None,
    options: str | None = None,
    duration: str | None = None,
    hide_results: bool = False,
) -> tuple[Reply, Poll | None]:
    """Start a poll (moderators). The reply is the public poll card."""
    refusal = refuse_unless_moderator(ctx, "start")
    if refusal:
        return refusal, None
    try:
        spec = make_spec(
            ctx.programme,
            question,
            scale=scale,
            options=options,
            duration=duration,
            hide_results=hide_results,
        )
    except SpecError as exc:
        return error(exc.text(ctx.lang)), None
    polls = polls_of(ctx)
    poll = await polls.start(spec, front=ctx.caller.front, by=voter(ctx), lang=ctx.lang)
    reply = card(ctx, poll, polls.tally(poll.id))
    return add_web_link(reply, ctx.hub.config.web.base_url, poll.id, ctx.lang), poll


async def close(ctx: Ctx, text: str) -> Reply:
    """Close a poll now (moderators); the reply is the public final result."""
    refusal = refuse_unless_moderator(ctx, "close")
    if refusal:
        return refusal
    poll = find_poll(ctx, text)
    if isinstance(poll, Reply):
        return poll
    if not poll.is_open or not await polls_of(ctx).close_poll(poll.id, voter(ctx)):
        cmd = f"{ctx.caller.prefix}poll results {poll.id}"
        return error(t(ctx.lang, "polls.err.already_closed", id=poll.id, cmd=cmd))
    return await result_async(ctx, poll, private=False, lang=poll.lang)


async def results(ctx: Ctx, text: str) -> Reply:
    poll = find_poll(ctx, text)
    if isinstance(poll, Reply):
        return poll
    if poll.is_open and poll.hide_results and not ctx.caller.is_moderator:
        return error(t(ctx.lang, "polls.err.hidden", id=poll.id))
    return await result_async(ctx, poll, private=True)


def export(ctx: Ctx, text: str) -> Reply:
    refusal = refuse_unless_moderator(ctx, "export")
    if refusal:
        return refusal
    poll = find_poll(ctx, text)
    if isinstance(poll, Reply):
        return poll
    reply = Reply(private=True).para(t(ctx.lang, "polls.export.done", id=poll.id))
    reply.attachments.append(Attachment(f"poll-{poll.id}.csv", export_csv(ctx, poll), "text/csv"))
    return reply


def list_open(ctx: Ctx) -> Reply:
    polls = polls_of(ctx)
    open_polls = polls.open_polls()
    if not open_polls:
        return Reply().para(t(ctx.lang, "polls.list.none"))
    reply = Reply().heading(t(ctx.lang, "polls.list.heading"))
    for poll in open_polls:
        question = poll.question.get(ctx.lang)
        short = question if len(question) <= 90 else question[:89] + "…"
        reply.item(
            Code(f"#{poll.id}"),
            Text(f" {short} — "),
            Text(tn(ctx.lang, "polls.card.votes", polls.tally(poll.id).voters)),
        )
    return reply


def candidates_reply(ctx: Ctx, query: str = "", limit: int = 12) -> Reply:
    """Key statements and messages a moderator can put to the room (session on now first)."""
    found = search_candidates(ctx.programme, ctx.now, query)
    reply = Reply().heading(t(ctx.lang, "polls.candidates.heading"))
    for c in found[:limit]:
        text = c.text.get(ctx.lang)
        short = text if len(text) <= 110 else text[:109] + "…"
        reply.item(Code(c.ref), Text(f" {short}"))
    if len(found) > limit:
        example = found[limit].ref
        reply.para(tn(ctx.lang, "polls_candidates.more", len(found) - limit, example=example))
    if not found:
        reply.para(t(ctx.lang, "polls.candidates.none"))
    reply.note(t(ctx.lang, "polls.candidates.usage", prefix=ctx.caller.prefix))
    return reply


# -- votes --------------------------------------------------------------------------------------
async def cast(ctx: Ctx, poll_id: int, choice: int | None) -> Reply:
    """Record (or withdraw, ``None``) the caller's vote; the reply confirms what was committed."""
    polls = polls_of(ctx)
    poll = polls.get(poll_id)
    if poll is None:
        return error(t(ctx.lang, "polls.err.no_poll", id=poll_id))
    if choice is not None and not 0 <= choice < poll.size:
        return error(
            t(ctx.lang, "polls.err.bad_choice", value=choice + 1, max=poll.size, id=poll.id)
        )
    outcome = await polls.vote(poll_id, voter(ctx), choice)
    return confirmation(ctx.lang, poll, outcome)


def confirmation(lang: str, poll: Poll, outcome: VoteResult) -> Reply:
    labels = poll.labels(lang)
    values: dict[str, object] = {"id": poll.id}
    if outcome.choice is not None:
        values["choice"] = labels[outcome.choice]
    if outcome.previous is not None:
        values["previous"] = labels[outcome.previous]
    text = t(lang, f"polls.vote.{outcome.status}", **values)
    if outcome.status in ("closed", "unknown"):
        return error(text)
    reply = Reply(private=True).para(text)
    if outcome.status in ("recorded", "changed", "unchanged"):
        reply.note(t(lang, "polls.vote.can_change"))
    return reply


async def vote_text(ctx: Ctx, args: str) -> Reply:
    """``/vote POLL CHOICE``: a number, an option (in any of the forum's languages), or a word
    that withdraws the vote (``withdraw``, ``retirar``, ``retirer``, ``-``)."""
    poll_text, _, choice_text = args.strip().partition(" ")
    poll = find_poll(ctx, poll_text)
    if isinstance(poll, Reply):
        return poll
    choice = parse_choice(poll, choice_text)
    if choice is None:
        return error(
            t(
                ctx.lang,
                "polls.err.which_choice",
                id=poll.id,
                max=poll.size,
                options=", ".join(f"{i + 1} {lb}" for i, lb in enumerate(poll.labels(ctx.lang))),
            ),
        )
    return await cast(ctx, poll.id, None if choice == WITHDRAW else choice)


WITHDRAW = -1


def parse_choice(poll: Poll, text: str) -> int | None:
    """0-based option, :data:`WITHDRAW`, or ``None`` when ``text`` names nothing."""
    q = fold(text.strip())
    if not q:
        return None
    if q.isdigit():
        n = int(q)
        return n - 1 if 1 <= n <= poll.size else None
    by_lang = [[fold(lb) for lb in poll.labels(lang)] for lang in LANGUAGES]
    for labels in by_lang:
        if q in labels:
            return labels.index(q)
    if q == "-" or q in _withdraw_words():
        return WITHDRAW
    starts = {labels.index(lb) for labels in by_lang for lb in labels if lb.startswith(q)}
    if len(starts) == 1:
        return starts.pop()
    # Punctuation aside: ``pas d’accord`` (typographic apostrophe, as phones type it) or
    # ``d accord`` is ``Pas d'accord`` / ``D'accord``; only when that names a single option.
    loose = _loose(q)
    same = {
        labels.index(lb) for labels in by_lang for lb in labels if loose and _loose(lb) == loose
    }
    return same.pop() if len(same) == 1 else None


def _loose(text: str) -> str:
    return " ".join(re.sub(r"[\W_]+", " ", text).split())


def _withdraw_words() -> set[str]:
    words: set[str] = set()
    for lang in LANGUAGES:
        words |= {fold(w.strip()) for w in catalog(lang)["polls.vote.withdraw_words"].split(",")}
    return words
