from __future__ import annotations

from datetime import UTC, datetime

from bot.doc import Link, Reply, Stamp, render_plain


def test_plain_rendering_keeps_text_and_shows_links() -> None:
    at = datetime(2021, 10, 6, 10, tzinfo=UTC)
    reply = Reply().heading("Coming up").item(Stamp(at, "12:00 CEST"), " · x")
    reply.para(Link("https://example.org", "form"))
    assert render_plain(reply).splitlines() == [
        "Coming up",
        "─────────",
        "  • 12:00 CEST · x",
        "form <https://example.org>",
    ]
