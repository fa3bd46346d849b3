"""Replies as Matrix events: ``m.notice`` with an HTML body (:func:`render_html`) and a plain
body (``bot.doc.render_plain``), and no mention of anyone.

Every text span goes through :func:`escape_html` (the one escaping function for Matrix HTML), so
nothing typed becomes a tag, a link or a user pill; the plain ``body`` is plain text by the
Matrix spec (Markdown characters in it are shown as typed), and neither carries control or
bidi-override characters. The empty ``m.mentions`` tells clients and the homeserver's push
rules that the message mentions nobody, and ``@room`` in the text gets a word joiner so older
clients' keyword rules do not match it either.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

from bot.doc import Code, Emph, Inline, Link, Reply, Stamp, Strong, render_plain
from bot.text import strip_controls

NOTICE = "m.notice"
_ROOM_PING = re.compile(r"@(room)\b", re.IGNORECASE)
WORD_JOINER = "\u2060"


def escape_html(text: str) -> str:
    """Text as HTML text: ``& < > " '`` as entities (no tag, link or pill can start)."""
    return html.escape(text)


def _inline_html(part: Inline) -> str:
    esc = escape_html
    if isinstance(part, Strong):
        return f"<strong>{esc(part.text)}</strong>"
    if isinstance(part, Emph):
        return f"<em>{esc(part.text)}</em>"
    if isinstance(part, Code):
        return f"<code>{esc(part.text)}</code>"
    if isinstance(part, Link):
        return f'<a href="{esc(part.url)}">{esc(part.label)}</a>'
    if isinstance(part, Stamp):
        return f'<time datetime="{part.at.isoformat()}">{esc(part.text)}</time>'
    return esc(part.text)


def render_html(reply: Reply) -> str:
    """HTML for ``formatted_body`` (every text span escaped by :func:`escape_html`)."""
    out: list[str] = []
    items: list[str] = []

    def flush_items() -> None:
        if items:
            out.append("<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>")
            items.clear()

    for block in reply.blocks:
        body = "".join(_inline_html(p) for p in block.parts)
        if block.kind == "item":
            items.append(body)
            continue
        flush_items()
        if block.kind == "heading":
            out.append(f"<h4>{body}</h4>")
        elif block.kind == "quote":
            out.append(f"<blockquote>{body}</blockquote>")
        elif block.kind == "note":
            out.append(f"<p><em>{body}</em></p>")
        else:
            out.append(f"<p>{body}</p>")
    flush_items()
    return "".join(out)


def defuse(text: str) -> str:
    """Any text the bot sends to Matrix, made harmless: control and bidi-override characters
    dropped, and ``@room`` → ``@\u2060room`` (shown the same, matched by no notification rule)."""
    return _ROOM_PING.sub("@" + WORD_JOINER + r"\1", strip_controls(text))


def notice(reply: Reply, *, in_reply_to: str | None = None) -> dict[str, Any]:
    content: dict[str, Any] = {
        "msgtype": NOTICE,
        "body": defuse(render_plain(reply)),
        "format": "org.matrix.custom.html",
        "formatted_body": defuse(render_html(reply)),
        "m.mentions": {},
    }
    if in_reply_to:
        content["m.relates_to"] = {"m.in_reply_to": {"event_id": in_reply_to}}
    return content


def thread_relation(root: str) -> dict[str, Any]:
    """``m.relates_to`` of an event in the thread of ``root`` (with the reply fallback that
    clients without threads show)."""
    return {
        "rel_type": "m.thread",
        "event_id": root,
        "is_falling_back": True,
        "m.in_reply_to": {"event_id": root},
    }


#: Bytes of a mentions event's content at most. The whole event (content, room and sender ids,
#: hashes, signatures…) must stay within 65,536 bytes of canonical JSON (Matrix spec, "Size
#: limits"); the rest of the event takes far less than the margin left here.
MENTION_CONTENT_BYTES = 56_000


def mentions(user_ids: list[str], *, thread: str | None = None) -> dict[str, Any]:
    """An ``m.text`` that mentions ``user_ids``: listed in ``m.mentions.user_ids`` (only they
    are notified: the spec's ``.m.rule.is_user_mention``) and in the body, where clients show
    them as links. No HTML pills: they would triple the bytes per person, so three times the
    events for a big session, and Synapse's ``rc_message`` counts events. Text, not a notice:
    the default push rule ``.m.rule.suppress_notices`` silences notices, mentions included."""
    content: dict[str, Any] = {
        "msgtype": "m.text",
        "body": " ".join(user_ids),
        "m.mentions": {"user_ids": list(user_ids)},
    }
    if thread:
        content["m.relates_to"] = thread_relation(thread)
    return content


def mention_events(
    user_ids: list[str], *, thread: str | None = None, budget: int = MENTION_CONTENT_BYTES
) -> list[dict[str, Any]]:
    """:func:`mentions` events naming every one of ``user_ids``, as few as fit: each content
    at most ``budget`` bytes of JSON."""
    base = len(json.dumps(mentions([], thread=thread)))
    out: list[dict[str, Any]] = []
    batch: list[str] = []
    size = base
    for user in user_ids:
        cost = 2 * len(json.dumps(user)) + 2  # in the body and in the list, with separators
        if batch and size + cost > budget:
            out.append(mentions(batch, thread=thread))
            batch, size = [], base
        batch.append(user)
        size += cost
    if batch:
        out.append(mentions(batch, thread=thread))
    return out


def text_notice(text: str, *, in_reply_to: str | None = None) -> dict[str, Any]:
    return notice(Reply().para(text), in_reply_to=in_reply_to)


def attachment(
    filename: str, mime: str, url: str, size: int, *, in_reply_to: str | None = None
) -> dict[str, Any]:
    """An image (a poll's chart) is an ``m.notice`` showing it inline (``<img>`` of its ``mxc``
    URL): an ``m.image`` would notify the room where a notice does not (the homeserver's
    default ``.m.rule.suppress_notices``). Other files are ``m.file``."""
    if mime.startswith("image/"):
        name = html.escape(filename)
        content: dict[str, Any] = {
            "msgtype": NOTICE,
            "body": filename,
            "format": "org.matrix.custom.html",
            "formatted_body": f'<img src="{html.escape(url)}" alt="{name}" title="{name}">',
            "m.mentions": {},
        }
        if in_reply_to:
            content["m.relates_to"] = {"m.in_reply_to": {"event_id": in_reply_to}}
        return content
    content = {
        "msgtype": "m.file",
        "body": filename,
        "filename": filename,
        "url": url,
        "info": {"mimetype": mime, "size": size},
        "m.mentions": {},
    }
    if in_reply_to:
        content["m.relates_to"] = {"m.in_reply_to": {"event_id": in_reply_to}}
    return content
