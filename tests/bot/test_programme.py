"""Tests for bot.programme: the bundled programme, and querying a programme by time.

Problems in files are in test_programme_problems.py and test_programme_parsing.py.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.programme import (
    LocalText,
    Programme,
    ProgrammeError,
    Session,
    load_programme,
    parse_programme,
)
from tests.support.programme_text import (
    MADRID,
    REAL,
    SCHEDULE,
    at,
    edit,
    ids,
    line_at,
    the_problem,
)


@pytest.fixture(scope="module")
def prog() -> Programme:
    return load_programme(SCHEDULE)


# --- the bundled programme ------------------------------------------------------------------


def test_bundled_programme_loads_twelve_sessions_over_the_four_forum_days(prog: Programme) -> None:
    assert len(prog.sessions) == 12
    assert len(prog.by_id) == 12
    assert prog.forum.timezone == "Europe/Madrid"
    assert (prog.forum.start_date, prog.forum.end_date) == (date(2021, 10, 5), date(2021, 10, 8))
    assert [d.date for d in prog.days] == [date(2021, 10, d) for d in (5, 6, 7, 8)]
    assert prog.source == str(SCHEDULE)
    assert set(prog.places) == {"zoom", "wonder", "kutahya"}
    assert ids(prog.sessions) == [
        "climate-dialogue",
        "race-to-resilience",
        "hub-oct-6",
        "opening-plenary",
        "water-justice",
        "hub-oct-7",
        "field-visits",
        "welcome-delegations",
        "hub-oct-8",
        "caring-economies",
        "human-dimension",
        "closing",
    ]


def test_bundled_programme_has_three_hub_slots_at_noon_cest_which_is_ten_utc(
    prog: Programme,
) -> None:
    slots = prog.hub_slots()
    assert ids(slots) == ["hub-oct-6", "hub-oct-7", "hub-oct-8"]
    for day, slot in zip((6, 7, 8), slots, strict=True):
        assert slot.kind == "open_space"
        assert slot.places == ("wonder",)
        assert slot.starts_at == datetime(2021, 10, day, 10, 0, tzinfo=UTC)
        assert slot.ends_at == datetime(2021, 10, day, 10, 45, tzinfo=UTC)
        assert prog.local_start(slot) == at(day, 12, 0)
        assert prog.local_start(slot).utcoffset() == timedelta(hours=2)


def test_bundled_programme_stores_every_time_in_utc(prog: Programme) -> None:
    timed = [s for s in prog.sessions if s.timed]
    assert len(timed) == 10
    for s in timed:
        assert s.starts_at is not None and s.ends_at is not None
        assert s.starts_at.tzinfo is UTC and s.ends_at.tzinfo is UTC
        assert s.starts_at < s.ends_at
        assert s.starts_at.astimezone(MADRID).date() == s.date
    climate = prog.by_id["climate-dialogue"]  # 13:30–15:30 CEST in the file
    assert (climate.starts_at, climate.ends_at) == (
        datetime(2021, 10, 5, 11, 30, tzinfo=UTC),
        datetime(2021, 10, 5, 13, 30, tzinfo=UTC),
    )
    closing = prog.by_id["closing"]  # 17:30–18:30 CEST
    assert closing.starts_at == datetime(2021, 10, 8, 15, 30, tzinfo=UTC)


def test_bundled_day_three_has_untimed_in_person_items_listed_after_the_timed_slot(
    prog: Programme,
) -> None:
    day3 = prog.on_date(date(2021, 10, 7))
    assert ids(day3) == ["hub-oct-7", "field-visits", "welcome-delegations"]
    for s in day3[1:]:
        assert not s.timed
        assert s.starts_at is None and s.ends_at is None
        assert prog.local_start(s) is None
        assert s.format == "in_person" and s.places == ("kutahya",)
    assert prog.on_date(date(2021, 10, 9)) == []
    assert prog.day(date(2021, 10, 7)).format == "in_person"
    assert prog.day(date(2021, 10, 9)) is None


def test_bundled_key_statements_and_key_messages_are_all_loaded(prog: Programme) -> None:
    statements = {s.id: len(s.key_statements) for s in prog.sessions if s.key_statements}
    messages = {s.id: len(s.key_messages) for s in prog.sessions if s.key_messages}
    assert statements == {"climate-dialogue": 5}
    assert messages == {"opening-plenary": 5, "caring-economies": 5, "human-dimension": 4}
    first = prog.by_id["climate-dialogue"].key_statements[0]
    assert first.es.startswith("La resiliencia financiera")
    assert first.en.startswith("The financial and economic resilience")


def test_bundled_sessions_all_have_spanish_and_english_title_and_summary(
    prog: Programme,
) -> None:
    for s in prog.sessions:
        for text in (s.title, s.summary):
            assert text.es.strip() and text.en.strip(), s.id
            assert text.es == text.es.strip() and text.en == text.en.strip(), s.id
            assert text.get("es") == text.es and text.get("en") == text.en
    caring = prog.by_id["caring-economies"]
    assert caring.description is not None and caring.description.fr is None
    assert caring.description.get("fr") == caring.description.en  # fr falls back to en


def test_load_programme_accepts_a_str_path_as_well_as_a_path() -> None:
    assert len(load_programme(str(SCHEDULE)).sessions) == 12


# --- queries -------------------------------------------------------------------------------


def test_upcoming_excludes_a_session_starting_exactly_now_which_is_ongoing(
    prog: Programme,
) -> None:
    now = at(6, 12, 0)  # hub-oct-6 starts this very instant
    assert ids(prog.upcoming(now, 2)) == ["opening-plenary", "water-justice"]
    assert ids(prog.ongoing(now)) == ["hub-oct-6"]


def test_upcoming_includes_a_session_starting_one_second_later(prog: Programme) -> None:
    assert ids(prog.upcoming(at(6, 11, 59, 59), 1)) == ["hub-oct-6"]
    assert prog.ongoing(at(6, 11, 59, 59)) == []


def test_upcoming_accepts_now_in_any_zone(prog: Programme) -> None:
    now = datetime(2021, 10, 6, 10, 0, tzinfo=UTC)  # = 12:00 CEST
    assert prog.upcoming(now, 1) == prog.upcoming(at(6, 12, 0), 1)
    assert ids(prog.ongoing(now)) == ["hub-oct-6"]


def test_upcoming_returns_at_most_count_in_start_order_and_skips_untimed_items(
    prog: Programme,
) -> None:
    before = datetime(2021, 10, 1, tzinfo=UTC)
    assert ids(prog.upcoming(before, 3)) == ["climate-dialogue", "race-to-resilience", "hub-oct-6"]
    assert len(prog.upcoming(before, 100)) == 10
    assert prog.upcoming(before, 0) == []
    assert ids(prog.upcoming(at(7, 12, 0), 2)) == ["hub-oct-8", "caring-economies"]


def test_upcoming_after_the_last_session_is_empty(prog: Programme) -> None:
    assert prog.upcoming(at(8, 17, 30), 5) == []
    assert prog.upcoming(datetime(2022, 1, 1, tzinfo=UTC), 5) == []


def test_ongoing_excludes_a_session_at_its_exact_end(prog: Programme) -> None:
    assert prog.ongoing(at(6, 12, 45)) == []
    assert ids(prog.ongoing(at(6, 12, 44, 59))) == ["hub-oct-6"]


def test_ongoing_at_a_handover_is_only_the_session_that_starts(prog: Programme) -> None:
    # human-dimension ends at 17:30 CEST on 8 October, exactly when the closing starts.
    assert ids(prog.ongoing(at(8, 17, 30))) == ["closing"]
    assert ids(prog.ongoing(at(8, 17, 29))) == ["human-dimension"]
    assert prog.ongoing(at(8, 18, 30)) == []


def test_ongoing_outside_any_session_is_empty(prog: Programme) -> None:
    assert prog.ongoing(at(5, 9, 0)) == []
    assert prog.ongoing(at(7, 15, 0)) == []  # day 3 has only untimed items after the hub


def _extra(sid: str, start: datetime, end: datetime) -> Session:
    return Session(
        id=sid,
        kind="open_space",
        date=start.astimezone(MADRID).date(),
        starts_at=start.astimezone(UTC),
        ends_at=end.astimezone(UTC),
        format="virtual",
        places=("wonder",),
        title=LocalText(es="Propuesta", en="Proposal"),
        summary=LocalText(es="Resumen", en="Summary"),
    )


def test_ongoing_finds_a_long_session_that_overlaps_shorter_later_ones(prog: Programme) -> None:
    long = _extra("all-day-lounge", at(6, 9, 0), at(6, 18, 0))
    more = prog.with_sessions([long])
    assert ids(more.ongoing(at(6, 12, 15))) == ["all-day-lounge", "hub-oct-6"]
    assert ids(more.ongoing(at(6, 13, 0))) == ["all-day-lounge"]
    assert ids(more.ongoing(at(6, 14, 0))) == ["all-day-lounge", "opening-plenary"]
    assert more.ongoing(at(6, 18, 0)) == []


def test_with_sessions_returns_a_new_programme_and_leaves_the_original_alone(
    prog: Programme,
) -> None:
    extra = _extra("proposal-1", at(6, 12, 50), at(6, 13, 20))
    more = prog.with_sessions([extra])
    assert len(more.sessions) == 13 and len(prog.sessions) == 12
    assert "proposal-1" in more.by_id and "proposal-1" not in prog.by_id
    assert ids(more.upcoming(at(6, 12, 0), 2)) == ["proposal-1", "opening-plenary"]
    assert ids(prog.upcoming(at(6, 12, 0), 1)) == ["opening-plenary"]
    assert ids(more.on_date(date(2021, 10, 6)))[:3] == [
        "hub-oct-6",
        "proposal-1",
        "opening-plenary",
    ]
    assert more.source == prog.source


def test_find_by_exact_id_ignores_case_and_surrounding_spaces(prog: Programme) -> None:
    assert ids(prog.find("climate-dialogue")) == ["climate-dialogue"]
    assert ids(prog.find("  Hub-Oct-7 ")) == ["hub-oct-7"]


@pytest.mark.parametrize(
    "query", ["economias cuidados", "Economías de los Cuidados", "ECONOMÍAS", "cuidados economías"]
)
def test_find_by_spanish_words_with_or_without_accents(prog: Programme, query: str) -> None:
    assert ids(prog.find(query)) == ["caring-economies"]


def test_find_by_english_words(prog: Programme) -> None:
    assert ids(prog.find("water justice")) == ["water-justice"]
    assert ids(prog.find("Planet for Climate Justice")) == ["climate-dialogue"]
    assert ids(prog.find("human dimension")) == ["human-dimension"]


def test_find_by_words_of_a_subtitle(prog: Programme) -> None:
    assert ids(prog.find("ecological transformation")) == ["climate-dialogue"]


def test_find_by_french_words(prog: Programme) -> None:
    assert ids(prog.find("économies du soin")) == ["caring-economies"]


def test_find_requires_every_word(prog: Programme) -> None:
    assert ids(prog.find("water climate")) == []


def test_find_returns_at_most_limit_matches_in_programme_order(prog: Programme) -> None:
    hubs = prog.find("open space")
    assert ids(hubs) == ["hub-oct-6", "hub-oct-7", "hub-oct-8"]
    assert ids(prog.find("open space", limit=2)) == ["hub-oct-6", "hub-oct-7"]
    assert len(prog.find("intermediary")) == 5


@pytest.mark.parametrize(
    ("typo", "sid"),
    [
        ("climat-dialogue", "climate-dialogue"),
        ("water-justic", "water-justice"),
        ("clossing", "closing"),
    ],
)
def test_find_falls_back_to_a_fuzzy_id_match_for_typos(
    prog: Programme, typo: str, sid: str
) -> None:
    assert ids(prog.find(typo))[0] == sid


@pytest.mark.parametrize("query", ["zzzz qqqq", "xylophone", "", "   "])
def test_find_without_any_match_returns_an_empty_list(prog: Programme, query: str) -> None:
    assert prog.find(query) == []


@pytest.mark.parametrize(
    "query",
    [
        "apertura",  # the seed's "Plenario/Ceremonia de apertura", in the Spanish summary
        "ouverture",  # "cérémonie d'ouverture": an apostrophe separates words
        "plenario",  # the kind's Spanish name
        "Plénière",
        "plenary",
        "opening",
        "Plenario/Ceremonia de apertura",
        "ceremonia apertura",
    ],
)
def test_find_the_opening_plenary_by_its_kind_or_the_seed_name(prog: Programme, query: str) -> None:
    assert ids(prog.find(query)) == ["opening-plenary"]


def test_find_matches_whole_words_from_their_start_not_inside_a_word(prog: Programme) -> None:
    assert ids(prog.find("eau")) == ["water-justice"]  # "l'eau", not "niveau" or "réseaux"
    assert "water-justice" not in ids(prog.find("iveau"))
    assert ids(prog.find("ustice eau")) == []


def test_find_prefers_titles_and_kinds_to_summaries(prog: Programme) -> None:
    # "human dimension" is also in the closing plenary's summary.
    assert ids(prog.find("human dimension")) == ["human-dimension"]
    assert "closing" in ids(prog.find("cierre"))


# --- regressions: bugs found by these tests, fixed -------------------------------------------


@pytest.mark.parametrize("zone", ["Europe", "America"])
def test_timezone_naming_a_tzdata_directory_is_reported_not_raised(zone: str) -> None:
    text = edit(REAL, "timezone: Europe/Madrid", f"timezone: {zone}")
    problem = the_problem(text)
    assert problem.line == line_at(text, "timezone:")
    assert f"unknown time zone {zone!r}" in problem.message


@pytest.mark.parametrize("written", ["1633392000", "2021-10-05T00:00:00Z"])
def test_session_date_must_be_written_as_yyyy_mm_dd(written: str) -> None:
    text = edit(REAL, "date: 2021-10-05", f"date: {written}", after="id: climate-dialogue")
    problem = the_problem(text)
    assert problem.line == line_at(text, f"date: {written}")
    assert "YYYY-MM-DD" in problem.message


@pytest.mark.parametrize("word", ["yes", "on", "1"])
def test_hub_slot_accepts_only_true_or_false(word: str) -> None:
    text = edit(REAL, "hub_slot: true", f"hub_slot: {word}", after="id: hub-oct-8")
    problem = the_problem(text)
    assert problem.line == line_at(text, f"hub_slot: {word}")
    assert "is not true/false" in problem.message


@pytest.mark.parametrize("zone", ["Factory", "localtime", "posixrules"])
def test_timezone_must_be_a_real_iana_zone(zone: str) -> None:
    text = edit(REAL, "timezone: Europe/Madrid", f"timezone: {zone}")
    assert f"unknown time zone {zone!r}" in the_problem(text).message


def _signature(programme: Programme) -> list[tuple[object, ...]]:
    return [
        (s.id, s.kind, s.date, s.starts_at, s.ends_at, s.places, s.title, s.hub_slot)
        for s in programme.sessions
    ]


def test_fast_parser_and_reference_parser_agree_on_the_bundled_programme(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import bot.programme.load as module

    fast = parse_programme(REAL)
    monkeypatch.setattr(module, "yaml_rs", None)
    reference = parse_programme(REAL)
    assert _signature(fast) == _signature(reference)


@pytest.mark.parametrize(
    "snippet",
    ["places:\n  1: {name: {es: a, en: a}, join: {es: a, en: a}}\n", "forum: 12\n", "- a\n- b\n"],
)
def test_values_the_fast_parser_types_differently_never_crash(snippet: str) -> None:
    with pytest.raises(ProgrammeError):
        parse_programme(snippet)


# --- search words: folded in one pass, summaries only when a search needs them -------------


def test_search_words_keeps_the_words_of_neighbouring_texts_apart() -> None:
    from bot.programme.model import search_words

    # one fold over all the texts must give what folding each text alone gives
    assert search_words("Café", "au LAIT", "\u0301x", "Kütahya", "Straße") == (
        " cafe au lait x kutahya strasse"
    )
    assert search_words() == ""
    assert search_words("", "!! --") == ""


def test_loading_leaves_summaries_unfolded_until_a_search_falls_back_to_them() -> None:
    fresh = load_programme(SCHEDULE)
    assert all(s._search_extra is None for s in fresh.sessions)  # loading did not fold them
    assert ids(fresh.find("water justice")) == ["water-justice"]  # found by title
    assert all(s._search_extra is None for s in fresh.sessions)
    assert ids(fresh.find("apertura")) == ["opening-plenary"]  # only in the summary
    assert " apertura" in fresh.by_id["opening-plenary"].search_extra
    assert all(s._search_extra is not None for s in fresh.sessions)  # folded once, kept


def test_a_proposal_session_is_found_by_words_of_its_description_only(prog: Programme) -> None:
    from bot.proposals.model import Proposal
    from bot.proposals.sessions import proposal_session

    slot = prog.hub_slots()[0]
    moment = datetime(2026, 10, 1, tzinfo=UTC)
    proposal = Proposal(
        id=7, front="console", user_id="u1", lang="en", host_name="Ana", organisation="Org",
        title="Seeds", description="Guerrilla gardening in Kütahya", slot=slot.id,
        language="en", capitals=(), format="workshop", cohosts="", email="",
        status="approved", approved_slot=slot.id, reason=None, decided_by=None,
        created_at=moment, updated_at=moment, decided_at=moment,
    )  # fmt: skip
    session = proposal_session(proposal, slot)
    assert ids(prog.with_sessions([session]).find("kutahya guerrilla")) == [session.id]
