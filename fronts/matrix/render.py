"""Replies as Matrix events: ``m.notice`` with an HTML body (``bot.doc.render_html``) and a
plain body (``render_plain``), and no mention of anyone.

User text is already escaped by ``render_html``, so it cannot inject HTML or a user pill; the
empty ``m.mentions`` tells clients and the homeserver's push rules that the message mentions
nobody, and ``@room`` in the text gets a word joiner so older clients' keyword rules do not
match it either.
"""

from __future__ import annotations

import html
import re
from typing import Any

from bot.doc import Reply, render_html, render_plain

NOTICE = "m.notice"
_ROOM_PING = re.compile(r"@(room)\b", re.IGNORECASE)
WORD_JOINER = "\u2060"


def defuse(text: str) -> str:
    """``@room`` → ``@\u2060room``: shown the same, matched by no notification rule."""
    return _ROOM_PING.sub("@" + WORD_JOINER + r"\1", text)


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
