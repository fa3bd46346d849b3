"""A poll's short web link and its QR code (segno: pure Python, no image library needed)."""

from __future__ import annotations

import io

import segno

from bot.doc import Attachment, Link, Reply
from bot.i18n import t


def vote_path(poll_id: int) -> str:
    """The vote page of a poll, under the web front's base URL: short enough to type."""
    return f"/v/{poll_id}"


def qr_png(url: str, scale: int = 8) -> bytes:
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="png", scale=scale, border=2)
    return out.getvalue()


def qr_svg(url: str, title: str) -> str:
    """An inline SVG QR code (for a page)."""
    return segno.make(url, error="m").svg_inline(
        scale=10, border=2, title=title, svgclass="qr", omitsize=True
    )


def add_web_link(reply: Reply, base_url: str | None, poll_id: int, lang: str) -> Reply:
    """With ``[web] base_url`` set: the poll's short link and its QR code (a PNG attachment) on
    the chat card, so the room can vote from a phone without any account."""
    if not base_url:
        return reply
    url = base_url + vote_path(poll_id)
    reply.para(t(lang, "polls.web.link"), " ", Link(url, url))
    reply.attachments.append(Attachment(f"poll-{poll_id}-qr.png", qr_png(url), "image/png"))
    return reply
