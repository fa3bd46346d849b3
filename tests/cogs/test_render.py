from __future__ import annotations

from datetime import UTC, datetime

from bot.doc import Code, Link, Reply, Stamp, Strong
from cogs.render import cut_escaped, escape_text, to_messages
from tests.support.markup import shown


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


def test_every_markup_character_is_escaped_one_by_one_not_by_a_greedy_rule() -> None:
    typed = "[.](x) [Join the Hub on Zoom](https://evil.example/zoom) )"
    assert escape_text(typed) == (
        "\\[.\\](x) \\[Join the Hub on Zoom\\](https://evil.example/zoom) )"
    )
    assert escape_text("||x|| **x** ~~x~~ __x__ `x` \\") == (
        "\\|\\|x\\|\\| \\*\\*x\\*\\* \\~\\~x\\~\\~ \\_\\_x\\_\\_ \\`x\\` \\\\"
    )


def test_line_start_markers_are_escaped_at_the_start_and_after_every_line_break() -> None:
    assert escape_text("# a\n-# b\r> c\u2028- d\n  + e\n12. f") == (
        "\\# a\n\\-# b\n\\> c\n\\- d\n  \\+ e\n12\\. f"
    )
    assert escape_text("a - b # c > d 1. e") == "a - b # c > d 1. e"  # mid-line: plain text


def test_control_and_bidi_characters_never_reach_discord() -> None:
    assert escape_text("a\x00b\x1b[31mc\x07d\u202ee\x9bf") == "ab\\[31mcdef"
    [text] = to_messages(Reply().para(Code("x\x1by")))
    assert text == "`xy`"


def test_a_link_address_cannot_close_its_brackets() -> None:
    [text] = to_messages(Reply().para(Link("https://a.example/x> [y](https://evil.example)", "a")))
    assert text == "[a](<https://a.example/x%3E%20[y](https://evil.example)>)"


def test_a_cut_never_separates_a_backslash_from_what_it_escapes() -> None:
    for n in range(1, 12):
        cut = cut_escaped(escape_text("*" * 20), n)
        assert len(cut) <= n and cut.endswith("…")
        assert shown(cut) == "*" * ((n - 1) // 2) + "…"
    [text] = to_messages(Reply().para("a" + "*" * 3000))
    assert len(text) == 2000 and text.endswith("\\*…") and shown(text).count("*") == 999
