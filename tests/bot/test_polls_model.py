from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.polls.model import (
    MAX_OPTIONS,
    SpecError,
    Tally,
    candidates,
    make_spec,
    parse_duration,
    parse_options,
    parse_question,
    search_candidates,
)
from bot.programme import Programme


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90s", 90),
        ("5m", 300),
        ("5", 300),
        ("1h30", 5400),
        ("1 h 30 min", 5400),
        ("2h", 7200),
        ("5 minutos", 300),
        ("3 heures", 10800),
        ("1h 0m 5s", 3605),
        ("24h", 86400),
    ],
)
def test_durations_are_read_in_the_usual_ways(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("abc", "bad_duration"),
        ("", "bad_duration"),
        ("5x", "bad_duration"),
        ("9s", "duration_range"),
        ("25h", "duration_range"),
    ],
)
def test_bad_or_out_of_range_durations_are_refused_by_name(text: str, key: str) -> None:
    with pytest.raises(SpecError) as err:
        parse_duration(text)
    assert err.value.key == f"polls.err.{key}"


def test_custom_options_split_on_bars_semicolons_and_lines() -> None:
    assert parse_options("Human | social; economic\ncultural") == (
        "Human",
        "social",
        "economic",
        "cultural",
    )


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("only one", "option_count"),
        ("|".join(str(i) for i in range(MAX_OPTIONS + 1)), "option_count"),
        ("a | " + "x" * 81, "option_too_long"),
        ("Yes | yes", "option_twice"),
    ],
)
def test_bad_option_lists_are_refused_with_the_reason(text: str, key: str) -> None:
    with pytest.raises(SpecError) as err:
        parse_options(text)
    assert err.value.key == f"polls.err.{key}"


def test_a_reference_takes_the_key_statement_in_every_language(programme: Programme) -> None:
    q = parse_question(programme, "climate-dialogue/s2")
    statement = programme.by_id["climate-dialogue"].key_statements[1]
    assert (q.get("es"), q.get("en"), q.get("fr")) == (statement.es, statement.en, statement.fr)
    assert (q.source, q.session_id, q.index, q.ref) == (
        "statement",
        "climate-dialogue",
        1,
        "climate-dialogue/s2",
    )


def test_key_messages_are_referenced_with_m(programme: Programme) -> None:
    q = parse_question(programme, "opening-plenary/m1")
    assert q.source == "message" and "Intermediary cities are fundamental" in q.get("en")


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("nowhere/s1", "no_session"),
        ("climate-dialogue/s9", "no_statement"),
        ("opening-plenary/s1", "no_statement"),
        ("   ", "no_question"),
        ("x" * 301, "question_too_long"),
    ],
)
def test_bad_questions_are_refused_by_name(programme: Programme, text: str, key: str) -> None:
    with pytest.raises(SpecError) as err:
        parse_question(programme, text)
    assert err.value.key == f"polls.err.{key}"


def test_custom_text_is_one_text_for_every_language(programme: Programme) -> None:
    q = parse_question(programme, "Lunch at noon?")
    assert q.get("es") == q.get("fr") == "Lunch at noon?" and q.ref is None


def test_the_scale_defaults_to_agreement_and_to_custom_with_options(programme: Programme) -> None:
    assert make_spec(programme, "Q?").scale == "agree"
    spec = make_spec(programme, "Q?", options="a | b", duration="2m", hide_results=True)
    assert (spec.scale, spec.options, spec.timer, spec.hide_results) == (
        "custom",
        ("a", "b"),
        120,
        True,
    )


def test_options_with_a_built_in_scale_are_refused(programme: Programme) -> None:
    with pytest.raises(SpecError, match="options_need_custom"):
        make_spec(programme, "Q?", scale="yesno", options="a | b")
    with pytest.raises(SpecError, match="bad_scale"):
        make_spec(programme, "Q?", scale="stars")


def test_statements_of_the_session_on_now_come_first(programme: Programme) -> None:
    during_caring_economies = datetime(2021, 10, 8, 12, 0, tzinfo=UTC)  # 14:00 CEST
    refs = [c.ref for c in candidates(programme, during_caring_economies)]
    assert refs[0] == "caring-economies/m1"
    assert "climate-dialogue/s1" in refs  # the other sessions' statements follow


def test_candidates_can_be_searched_in_any_language(programme: Programme) -> None:
    now = datetime(2021, 10, 5, 12, 0, tzinfo=UTC)
    found = search_candidates(programme, now, "salud naturaleza")
    assert [c.ref for c in found] == ["climate-dialogue/s4"]


def test_percentages_add_up_to_100_and_are_zero_without_votes() -> None:
    assert Tally([1, 1, 1]).percents() == [34, 33, 33]
    assert sum(Tally([7, 3, 5, 0, 1]).percents()) == 100
    assert Tally([0, 0]).percents() == [0, 0]


def test_control_bidi_and_invisible_characters_never_reach_a_poll(programme: Programme) -> None:
    q = parse_question(programme, "Best\x1b[2J capital?\x07\x00 \u202eok\u200b")
    assert q.get("en") == "Best[2J capital? ok"
    assert parse_options("Hu\x1bman | \x9bsocial\x00 | \x07 | \u200b") == ("Human", "social")
    with pytest.raises(SpecError) as caught:
        parse_question(programme, "\x1b\x07\x00\u202e")
    assert caught.value.key == "polls.err.no_question"


def test_between_sessions_the_next_session_comes_first_and_past_ones_last(
    programme: Programme,
) -> None:
    before_the_plenary = datetime(2021, 10, 6, 9, 50, tzinfo=UTC)  # 11:50 CEST, nothing on
    refs = [c.ref for c in candidates(programme, before_the_plenary)]
    assert refs[0] == "opening-plenary/m1"
    assert refs.index("caring-economies/m1") < refs.index("climate-dialogue/s1")
    assert refs[-1].startswith(("climate-dialogue/", "race-to-resilience/"))
