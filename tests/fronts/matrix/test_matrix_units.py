"""The Matrix front's pure parts: rendering, parsing what clients send, config, transaction ids."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from bot.config import MatrixSection
from bot.doc import Reply, Strong, Text
from fronts.matrix.commands import command_text
from fronts.matrix.outbox import txn_id
from fronts.matrix.polls import SPOILED, parse_response
from fronts.matrix.render import WORD_JOINER, defuse, notice, render_html


def test_html_rendering_escapes_user_text() -> None:
    reply = Reply().para("<script>alert(1)</script> & @room").item(Strong("<b>"))
    html = render_html(reply)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<ul><li><strong>&lt;b&gt;</strong></li></ul>" in html


def test_a_notice_escapes_user_text_and_mentions_nobody() -> None:
    reply = Reply().para("Title: ", Text("<img src=x onerror=alert(1)> @room @ana:l4a.test"))
    content = notice(reply, in_reply_to="$abc")
    assert content["msgtype"] == "m.notice" and content["m.mentions"] == {}
    assert "<img" not in content["formatted_body"] and "&lt;img" in content["formatted_body"]
    assert f"@{WORD_JOINER}room" in content["body"] and "@room" not in content["formatted_body"]
    assert content["m.relates_to"] == {"m.in_reply_to": {"event_id": "$abc"}}


def test_defuse_leaves_other_at_signs_alone() -> None:
    assert (
        defuse("mail me @ home, @roomy, @ROOM!") == f"mail me @ home, @roomy, @{WORD_JOINER}ROOM!"
    )


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ({"org.matrix.msc3381.poll.response": {"answers": ["2"]}}, 1),
        ({"m.poll.response": {"answers": ["1"]}}, 0),
        ({"org.matrix.msc3381.poll.response": {"answers": []}}, None),
        ({"org.matrix.msc3381.poll.response": {"answers": ["4"]}}, SPOILED),
        ({"org.matrix.msc3381.poll.response": {"answers": ["x"]}}, SPOILED),
        ({"org.matrix.msc3381.poll.response": {}}, SPOILED),
        ({}, SPOILED),
    ],
)
def test_poll_responses_name_an_answer_withdraw_or_are_spoiled(
    content: dict[str, object], expected: int | None
) -> None:
    assert parse_response(content, size=3) == expected


def test_command_text_reads_typed_text_only() -> None:
    assert command_text({"msgtype": "m.text", "body": "  !next 2 "}) == "!next 2"
    assert command_text({"msgtype": "m.text", "body": "> <@a:x> hi\n\n!now"}) == "!now"
    assert command_text({"msgtype": "m.notice", "body": "!next"}) is None  # other bots
    edit = {"msgtype": "m.text", "body": "* !next", "m.relates_to": {"rel_type": "m.replace"}}
    assert command_text(edit) is None
    assert command_text({"msgtype": "m.image", "body": "!next"}) is None


def test_transaction_ids_are_the_same_for_the_same_key_only() -> None:
    assert txn_id("reply:$a") == txn_id("reply:$a")
    assert txn_id("reply:$a") != txn_id("reply:$b") != txn_id("reply:$a", 1)


def test_matrix_config_is_checked_and_knows_its_own_server() -> None:
    section = MatrixSection(homeserver="https://m.example.org", user_id="@bot:example.org")
    assert section.configured and section.allows_server("example.org")
    assert not section.allows_server("evil.example")
    assert not MatrixSection().configured
    assert MatrixSection().catch_up_minutes == 10
    for bad in (
        {"user_id": "bot@example.org"},
        {"homeserver": "matrix.example.org"},
        {"allowed_servers": ["not a server"]},
        {"moderators": ["ana"]},
        {"moderator_power_level": -1},
        {"catch_up_minutes": -1},
        {"catch_up_minutes": 2000},
    ):
        with pytest.raises(ValidationError):  # each bad value alone in a complete section
            MatrixSection.model_validate(
                {"homeserver": "https://m.example.org", "user_id": "@bot:example.org", **bad}
            )


def test_a_big_sessions_mentions_fill_few_events_each_within_the_event_size_limit() -> None:
    """Synapse's rc_message counts events per sender: 10,000 followers' mentions must fit in
    few events (with the reminder, within the default burst of 10), none past 64 KiB."""
    from fronts.matrix.render import MENTION_CONTENT_BYTES, mention_events

    ids = [f"@f{i:06d}:bench.local" for i in range(10_000)]
    events = mention_events(ids, thread="$root")
    assert len(events) <= 9
    assert [u for e in events for u in e["m.mentions"]["user_ids"]] == ids
    long_ids = [f"@{'ü' * 40}{i}:{'x' * 60}.example.org" for i in range(3_000)]
    for batch in (events, mention_events(long_ids)):
        for e in batch:
            size = len(json.dumps(e, ensure_ascii=False, separators=(",", ":")).encode())
            assert size <= MENTION_CONTENT_BYTES < 65_536
            assert e["body"] == " ".join(e["m.mentions"]["user_ids"])
            assert "formatted_body" not in e  # no pills: three times the bytes per person
