from __future__ import annotations

from datetime import UTC, datetime

from bot.doc import Code, Link, Reply, Stamp, Strong
from cogs.render import to_messages


def test_markdown_escapes_user_text_and_mentions() -> None:
    [text] = to_messages(Reply().para("@everyone <@123> **bold** _x_").item(Strong("*a*")))
    assert "@everyone" not in text and "\\*\\*bold\\*\\*" in text and "**\\*a\\***" in text


def test_stamps_add_a_relative_discord_timestamp() -> None:
    at = datetime(2021, 10, 6, 10, tzinfo=UTC)
    [text] = to_messages(Reply().item(Stamp(at, "12:00 CEST")))
    assert text == f"- 12:00 CEST · <t:{int(at.timestamp())}:R>"


def test_links_and_code_are_rendered_safely() -> None:
    [text] = to_messages(Reply().para(Link("https://example.org", "form]x"), " ", Code("a`b")))
    assert "[form\\]x](<https://example.org>)" in text and "`aˋb`" in text


def test_long_replies_split_between_blocks() -> None:
    reply = Reply()
    for i in range(100):
        reply.item(f"line {i:03d} " + "x" * 50)
    messages = to_messages(reply)
    assert len(messages) > 1 and all(len(m) <= 2000 for m in messages)
    assert "".join(messages).count("line ") == 100


def test_a_single_overlong_block_is_cut_not_dropped() -> None:
    [text] = to_messages(Reply().para("y" * 5000))
    assert len(text) == 2000 and text.endswith("…")
