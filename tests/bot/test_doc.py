from __future__ import annotations

from datetime import UTC, datetime

from bot.doc import Link, Reply, Stamp, Strong, render_html, render_plain


def test_html_rendering_escapes_user_text() -> None:
    reply = Reply().para("<script>alert(1)</script> & @room").item(Strong("<b>"))
    html = render_html(reply)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<ul><li><strong>&lt;b&gt;</strong></li></ul>" in html


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
