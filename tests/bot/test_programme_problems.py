"""Each kind of problem in a programme file, reported as ``PATH:LINE: message``.

Most start from the real ``schedule.yaml`` with one targeted edit (tests/support/programme_text.py).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.programme import (
    ProgrammeError,
    load_programme,
    parse_programme,
)
from tests.support.programme_text import (
    MINI_SESSIONS,
    REAL,
    assert_one_line,
    drop_block,
    edit,
    line_at,
    mini,
    replace_line,
    reported_lines,
)

# --- each problem kind, as PATH:LINE: message ---------------------------------------------


@pytest.mark.parametrize("zone", ["Europe/Madird", "CEST", "+02:00", "../etc/passwd"])
def test_unknown_forum_timezone_is_reported_on_the_timezone_line(tmp_path: Path, zone: str) -> None:
    text = edit(REAL, "timezone: Europe/Madrid", f'timezone: "{zone}"')
    line = line_at(text, "timezone:", after="forum:")
    assert_one_line(tmp_path, text, line, "forum › timezone", "unknown time zone", repr(zone))


def test_empty_forum_timezone_is_reported_as_empty_on_its_line(tmp_path: Path) -> None:
    text = edit(REAL, "timezone: Europe/Madrid", 'timezone: "  "')
    assert_one_line(tmp_path, text, line_at(text, "timezone:"), "timezone", "must not be empty")


def test_impossible_session_date_is_reported_on_the_date_line(tmp_path: Path) -> None:
    text = edit(REAL, "date: 2021-10-05", "date: 2021-13-05", after="id: climate-dialogue")
    line = line_at(text, "date: 2021-13-05")
    assert_one_line(
        tmp_path, text, line, "session 'climate-dialogue' › date", "'2021-13-05'", "YYYY-MM-DD"
    )


def test_bad_forum_start_date_is_reported_on_its_line(tmp_path: Path) -> None:
    text = edit(REAL, "start_date: 2021-10-05", "start_date: 2021-10-32")
    line = line_at(text, "start_date:")
    assert_one_line(tmp_path, text, line, "forum › start_date: '2021-10-32' is not a date")


@pytest.mark.parametrize("bad", ["25:00", "9.30", "9:30", "13:30:00", "13h30", "24:00", ""])
def test_bad_start_time_is_reported_on_the_start_line(tmp_path: Path, bad: str) -> None:
    text = edit(REAL, 'start: "16:00"', f'start: "{bad}"', after="id: water-justice")
    line = line_at(text, f'start: "{bad}"')
    assert_one_line(
        tmp_path, text, line, "session 'water-justice' › start", repr(bad), "HH:MM, 24-hour"
    )


def test_bad_end_time_is_reported_on_the_end_line(tmp_path: Path) -> None:
    text = edit(REAL, 'end: "18:30"', 'end: "18:60"', after="id: closing")
    line = line_at(text, 'end: "18:60"')
    assert_one_line(tmp_path, text, line, "session 'closing' › end", "'18:60'", "HH:MM")


def test_end_before_start_is_reported_on_the_end_line(tmp_path: Path) -> None:
    text = edit(REAL, 'end: "15:30"', 'end: "12:30"', after="id: climate-dialogue")
    line = line_at(text, 'end: "12:30"')
    assert_one_line(
        tmp_path, text, line, "session 'climate-dialogue'", "end 12:30 is not after start 13:30"
    )


def test_end_equal_to_start_is_reported_as_not_after_start(tmp_path: Path) -> None:
    text = edit(REAL, 'end: "12:45"', 'end: "12:00"', after="id: hub-oct-7")
    line = line_at(text, 'end: "12:00"')
    assert_one_line(
        tmp_path, text, line, "session 'hub-oct-7'", "end 12:00 is not after start 12:00"
    )


def test_start_without_end_is_reported_on_the_start_line(tmp_path: Path) -> None:
    text = edit(REAL, '    end: "17:30"\n', "", after="id: race-to-resilience")
    line = line_at(text, 'start: "16:00"', after="id: race-to-resilience")
    assert_one_line(
        tmp_path, text, line, "session 'race-to-resilience'", "has start but no end", "neither"
    )


def test_end_without_start_is_reported_on_the_end_line(tmp_path: Path) -> None:
    text = edit(REAL, '    start: "16:00"\n', "", after="id: race-to-resilience")
    line = line_at(text, 'end: "17:30"', after="id: race-to-resilience")
    assert_one_line(tmp_path, text, line, "session 'race-to-resilience'", "has end but no start")


def test_duplicate_session_id_is_reported_on_the_second_naming_the_first_line(
    tmp_path: Path,
) -> None:
    first = line_at(REAL, "id: climate-dialogue")
    text = edit(REAL, "id: race-to-resilience", "id: climate-dialogue")
    second = text.count("\n", 0, text.rindex("id: climate-dialogue")) + 1
    assert second > first
    assert_one_line(
        tmp_path,
        text,
        second,
        "session 'climate-dialogue'",
        f"duplicate id (first used on line {first})",
    )


def test_duplicate_id_is_found_even_when_the_duplicate_session_has_other_problems(
    tmp_path: Path,
) -> None:
    text = edit(REAL, "format: virtual", "format: online", after="id: water-justice")
    text = edit(text, "places: [zoom]", "places: [nowhere]", after="id: water-justice")
    text = edit(text, "id: water-justice", "id: hub-oct-6")
    first = line_at(REAL, "id: hub-oct-6")
    second = text.count("\n", 0, text.rindex("id: hub-oct-6")) + 1
    _, lines = reported_lines(tmp_path, text)
    assert any(
        line.endswith(f":{second}: session 'hub-oct-6': duplicate id (first used on line {first})")
        for line in lines
    ), lines


def test_missing_title_is_reported_on_the_session_line(tmp_path: Path) -> None:
    # A summary is optional (imported programmes often have none); a title is not.
    text = drop_block(REAL, "    title:", after="id: water-justice")
    line = line_at(text, "- id: water-justice")
    assert_one_line(tmp_path, text, line, "session 'water-justice' › title", "missing required key")


def test_empty_english_title_is_reported_on_the_en_line(tmp_path: Path) -> None:
    old = 'en: "Intermediary Cities and the Planet for Climate Justice"'
    text = edit(REAL, old, 'en: ""')
    line = line_at(text, 'en: ""', after="id: climate-dialogue")
    assert_one_line(
        tmp_path, text, line, "session 'climate-dialogue' › title › en", "must not be empty"
    )


def test_blank_spanish_summary_counts_as_empty(tmp_path: Path) -> None:
    text = replace_line(
        REAL, '      es: "Espacio abierto', '      es: "   "', after="id: hub-oct-8"
    )
    line = line_at(text, 'es: "   "')
    assert_one_line(tmp_path, text, line, "session 'hub-oct-8' › summary › es", "must not be empty")


def test_missing_english_title_is_reported_on_the_title_line(tmp_path: Path) -> None:
    text = edit(REAL, '      en: "Cultural and field visits in Kütahya"\n', "")
    line = line_at(text, "title:", after="id: field-visits")
    assert_one_line(
        tmp_path, text, line, "session 'field-visits' › title › en", "missing required key"
    )


def test_key_typo_in_a_session_suggests_the_right_key(tmp_path: Path) -> None:
    text = edit(REAL, "    title:", "    titel:", after="id: opening-plenary")
    session_line = line_at(text, "- id: opening-plenary")
    typo_line = line_at(text, "titel:")
    path, lines = reported_lines(tmp_path, text)
    assert lines == [
        f"{path}:{session_line}: session 'opening-plenary' › title: missing required key",
        f"{path}:{typo_line}: session 'opening-plenary' › titel: unknown key 'titel' "
        "(did you mean 'title'?)",
    ]


def test_key_typo_inside_a_local_text_suggests_a_language(tmp_path: Path) -> None:
    text = edit(REAL, "      fr: ", "      frr: ", after="id: closing")
    line = line_at(text, "frr:")
    assert_one_line(
        tmp_path, text, line, "session 'closing' › title › frr", "unknown key 'frr'", "'fr'"
    )


def test_key_typo_in_the_forum_suggests_the_forum_key(tmp_path: Path) -> None:
    text = edit(REAL, "  languages:", "  langauges:")
    path, lines = reported_lines(tmp_path, text)
    forum, typo = line_at(text, "forum:\n"), line_at(text, "langauges:")
    assert lines == [
        f"{path}:{forum}: forum › languages: missing required key",
        f"{path}:{typo}: forum › langauges: unknown key 'langauges' (did you mean 'languages'?)",
    ]


def test_unknown_top_level_key_is_reported_with_a_suggestion(tmp_path: Path) -> None:
    text = REAL + "\nsesions:\n  - id: extra\n"
    line = line_at(text, "sesions:")
    assert_one_line(tmp_path, text, line, "unknown key 'sesions'", "did you mean 'sessions'?")


def test_unknown_top_level_key_without_a_close_match_has_no_suggestion(tmp_path: Path) -> None:
    text = REAL + "\ncolour: blue\n"
    message = assert_one_line(tmp_path, text, line_at(text, "colour:"), "unknown key 'colour'")
    assert "did you mean" not in message


def test_missing_top_level_section_is_reported(tmp_path: Path) -> None:
    text = REAL[: REAL.index("sessions:")] + "sessions: []\n"
    assert_one_line(tmp_path, text, line_at(text, "sessions: []"), "sessions: missing or empty")


def test_unknown_place_is_reported_on_the_line_of_the_list_item(tmp_path: Path) -> None:
    text = edit(
        REAL,
        "    places: [kutahya, zoom]\n",
        "    places:\n      - kutahya\n      - zooom\n",
        after="id: caring-economies",
    )
    line = line_at(text, "      - zooom")
    assert_one_line(
        tmp_path,
        text,
        line,
        "session 'caring-economies': unknown place 'zooom'",
        "known: kutahya, wonder, zoom",
    )


def test_unknown_place_in_a_flow_list_is_reported_on_the_places_line(tmp_path: Path) -> None:
    text = edit(REAL, "places: [zoom]", "places: [zoom, teams]", after="id: water-justice")
    line = line_at(text, "places: [zoom, teams]")
    assert_one_line(tmp_path, text, line, "session 'water-justice': unknown place 'teams'")


def test_session_date_outside_the_forum_is_reported_on_the_date_line(tmp_path: Path) -> None:
    text = edit(REAL, "date: 2021-10-08", "date: 2021-10-09", after="id: closing")
    line = line_at(text, "date: 2021-10-09")
    assert_one_line(
        tmp_path,
        text,
        line,
        "session 'closing': 2021-10-09 is outside the forum (2021-10-05 to 2021-10-08)",
    )


def test_hub_slot_on_an_untimed_session_is_reported_on_the_hub_slot_line(
    tmp_path: Path,
) -> None:
    text = edit(REAL, '    start: "12:00"\n    end: "12:45"\n', "", after="id: hub-oct-6")
    line = line_at(text, "hub_slot: true", after="id: hub-oct-6")
    assert_one_line(
        tmp_path, text, line, "session 'hub-oct-6'", "a hub slot must be a timed open_space session"
    )


def test_hub_slot_on_a_session_that_is_not_an_open_space_is_reported(tmp_path: Path) -> None:
    text = edit(REAL, "kind: open_space", "kind: plenary", after="id: hub-oct-7")
    line = line_at(text, "hub_slot: true", after="id: hub-oct-7")
    assert_one_line(tmp_path, text, line, "session 'hub-oct-7'", "must be a timed open_space")


def test_hub_slot_that_is_not_a_boolean_is_reported_on_its_line(tmp_path: Path) -> None:
    text = edit(REAL, "hub_slot: true", "hub_slot: maybe", after="id: hub-oct-8")
    line = line_at(text, "hub_slot: maybe")
    assert_one_line(tmp_path, text, line, "session 'hub-oct-8' › hub_slot", "not true/false")


def test_unknown_session_kind_and_format_list_the_allowed_values(tmp_path: Path) -> None:
    text = edit(REAL, "kind: visit", "kind: excursion", after="id: field-visits")
    text = edit(text, "format: in_person", "format: online", after="id: field-visits")
    path, lines = reported_lines(tmp_path, text)
    kind_line, format_line = line_at(text, "kind: excursion"), line_at(text, "format: online")
    assert len(lines) == 2
    assert lines[0].startswith(f"{path}:{kind_line}: session 'field-visits' › kind: 'excursion'")
    assert "'open_space'" in lines[0]
    assert lines[1].startswith(f"{path}:{format_line}: session 'field-visits' › format: 'online'")
    assert "'in_person'" in lines[1]


def test_session_id_not_matching_the_pattern_is_reported(tmp_path: Path) -> None:
    text = edit(REAL, "id: closing", "id: Closing Session")
    assert_one_line(
        tmp_path, text, line_at(text, "id: Closing Session"), "'Closing Session'", "lower-case"
    )


def test_session_that_is_not_a_mapping_is_reported_on_its_line(tmp_path: Path) -> None:
    text = mini(sessions=MINI_SESSIONS + "  - just a title\n")
    line = line_at(text, "- just a title")
    assert_one_line(tmp_path, text, line, "session #2: expected a mapping", "'just a title'")


def test_nonexistent_local_time_at_the_spring_clock_change_is_reported(tmp_path: Path) -> None:
    # On 2021-03-28 Madrid's clocks jumped from 02:00 to 03:00: 02:30 never happened there.
    sessions = MINI_SESSIONS.replace("2021-10-05", "2021-03-28")
    sessions = sessions.replace('"10:00"', '"02:30"').replace('"11:00"', '"03:30"')
    text = mini(start_date="2021-03-27", end_date="2021-03-29", day="2021-03-28", sessions=sessions)
    line = line_at(text, 'start: "02:30"')
    assert_one_line(
        tmp_path,
        text,
        line,
        "session 'first' › start: 02:30 does not exist on 2021-03-28 in Europe/Madrid",
        "clock change",
    )


def test_times_around_the_spring_clock_change_are_converted_with_the_right_offset() -> None:
    sessions = MINI_SESSIONS.replace("2021-10-05", "2021-03-28")
    sessions = sessions.replace('"10:00"', '"01:30"').replace('"11:00"', '"03:30"')
    text = mini(start_date="2021-03-27", end_date="2021-03-29", day="2021-03-28", sessions=sessions)
    s = parse_programme(text).by_id["first"]
    assert s.starts_at == datetime(2021, 3, 28, 0, 30, tzinfo=UTC)  # CET, UTC+1
    assert s.ends_at == datetime(2021, 3, 28, 1, 30, tzinfo=UTC)  # CEST, UTC+2


def test_yaml_syntax_error_is_reported_on_its_line(tmp_path: Path) -> None:
    text = edit(REAL, "kind: plenary", "kind: plenary: opening", after="id: opening-plenary")
    line = line_at(text, "kind: plenary: opening")
    assert_one_line(tmp_path, text, line, "YAML syntax error", "mapping values are not allowed")


def test_tab_indentation_is_a_yaml_syntax_error_on_its_line(tmp_path: Path) -> None:
    text = edit(REAL, "    format: hybrid", "\tformat: hybrid", after="id: closing")
    assert_one_line(tmp_path, text, line_at(text, "\tformat"), "YAML syntax error")


def test_duplicate_yaml_key_is_reported_on_the_second_occurrence(tmp_path: Path) -> None:
    text = edit(
        REAL,
        "    kind: special_session\n",
        "    kind: special_session\n    kind: plenary\n",
        after="id: race-to-resilience",
    )
    line = line_at(text, "kind: plenary", after="id: race-to-resilience")
    assert_one_line(tmp_path, text, line, "duplicate key 'kind'")


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", "---\n"])
def test_empty_file_is_reported_on_line_one(tmp_path: Path, text: str) -> None:
    assert_one_line(tmp_path, text, 1, "must be a mapping with forum, places, days, sessions")


@pytest.mark.parametrize("text", ["- forum\n- sessions\n", "just some text\n", "42\n"])
def test_file_that_is_not_a_mapping_is_reported_on_line_one(tmp_path: Path, text: str) -> None:
    assert_one_line(tmp_path, text, 1, "must be a mapping")


def test_non_utf8_file_is_reported_on_line_one(tmp_path: Path) -> None:
    data = REAL.encode("latin-1", errors="replace")  # "Kütahya" → b"K\xfctahya"
    assert b"\xfc" in data
    assert_one_line(tmp_path, data, 1, "not UTF-8 text")


def test_missing_file_is_reported_as_file_not_found_on_line_one(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "schedule.yaml"
    with pytest.raises(ProgrammeError) as info:
        load_programme(path)
    assert info.value.lines() == [f"{path}:1: file not found"]
    assert info.value.path == str(path)


def test_directory_instead_of_a_file_is_reported_as_unreadable(tmp_path: Path) -> None:
    with pytest.raises(ProgrammeError) as info:
        load_programme(tmp_path)
    [line] = info.value.lines()
    assert line.startswith(f"{tmp_path}:1: cannot read")
