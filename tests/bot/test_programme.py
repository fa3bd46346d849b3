"""Tests for bot.programme: loading schedule.yaml whole or not at all, and querying it by time.

Most unhappy paths start from the real ``schedule.yaml`` and apply one targeted edit; the line
each problem must be reported on is found by locating the edited text, never hard-coded.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.programme import (
    LocalText,
    Problem,
    Programme,
    ProgrammeError,
    Session,
    load_programme,
    parse_programme,
)
from bot.programme import load as programme_module

REPO = Path(__file__).resolve().parents[2]
SCHEDULE = REPO / "schedule.yaml"
REAL = SCHEDULE.read_text(encoding="utf-8")
MADRID = ZoneInfo("Europe/Madrid")
SRC = "prog.yaml"


# --- helpers --------------------------------------------------------------------------------


def _index(text: str, snippet: str, after: str | None) -> int:
    """Where ``snippet`` is: the only occurrence, or the first one after the text ``after``."""
    if after is None:
        assert text.count(snippet) == 1, f"{snippet!r} is not unique"
        return text.index(snippet)
    assert text.count(after) == 1, f"anchor {after!r} is not unique"
    return text.index(snippet, text.index(after))


def edit(text: str, old: str, new: str, *, after: str | None = None) -> str:
    """``text`` with one targeted replacement (see :func:`_index` for which occurrence)."""
    i = _index(text, old, after)
    return text[:i] + new + text[i + len(old) :]


def line_at(text: str, snippet: str, *, after: str | None = None) -> int:
    """The 1-based line on which ``snippet`` starts."""
    return text.count("\n", 0, _index(text, snippet, after)) + 1


def replace_line(text: str, snippet: str, new_line: str, *, after: str | None = None) -> str:
    """``text`` with the whole line holding ``snippet`` replaced by ``new_line``."""
    i = _index(text, snippet, after)
    start = text.rindex("\n", 0, i) + 1
    end = text.index("\n", i)
    return text[:start] + new_line + text[end:]


def drop_block(text: str, key_line: str, *, after: str) -> str:
    """Remove the line starting with ``key_line`` and the more indented lines below it."""
    start = _index(text, key_line, after)
    indent = len(key_line) - len(key_line.lstrip(" "))
    lines = text[start:].split("\n")
    n = 1
    while n < len(lines) and len(lines[n]) - len(lines[n].lstrip(" ")) > indent:
        n += 1
    return text[:start] + "\n".join(lines[n:])


def problems_of(text: str) -> list[Problem]:
    with pytest.raises(ProgrammeError) as info:
        parse_programme(text, SRC)
    assert info.value.path == SRC
    return info.value.problems


def the_problem(text: str) -> Problem:
    problems = problems_of(text)
    assert len(problems) == 1, problems
    return problems[0]


def reported_lines(tmp_path: Path, text: str | bytes) -> tuple[Path, list[str]]:
    """Write ``text`` to a file, load it, and return the path and the ``PATH:LINE:`` lines."""
    path = tmp_path / "schedule.yaml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    with pytest.raises(ProgrammeError) as info:
        load_programme(path)
    assert str(info.value) == "\n".join(info.value.lines())
    return path, info.value.lines()


def assert_one_line(tmp_path: Path, text: str | bytes, line: int, *fragments: str) -> str:
    """Exactly one problem, reported as ``PATH:LINE: message`` with every fragment in it."""
    path, lines = reported_lines(tmp_path, text)
    assert len(lines) == 1, lines
    prefix = f"{path}:{line}: "
    assert lines[0].startswith(prefix), (lines[0], prefix)
    message = lines[0].removeprefix(prefix)
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    return message


MINI_SESSIONS = """\
  - id: first
    kind: plenary
    date: 2021-10-05
    start: "10:00"
    end: "11:00"
    format: virtual
    places: [zoom]
    title: {es: Primera sesión, en: First session}
    summary: {es: Resumen, en: Summary}
"""


def mini(
    *,
    start_date: str = "2021-10-05",
    end_date: str = "2021-10-08",
    timezone: str = "Europe/Madrid",
    day: str = "2021-10-05",
    sessions: str = MINI_SESSIONS,
) -> str:
    """A small, valid programme written in the test (line 1 is ``forum:``)."""
    return f"""\
forum:
  name: {{es: Foro, en: Forum}}
  city: {{es: Kütahya, en: Kütahya}}
  start_date: {start_date}
  end_date: {end_date}
  timezone: {timezone}
  languages: [es, en]
  hub:
    name: {{es: Hub, en: Hub}}
    form_url: https://example.org/form
    description: {{es: Espacio, en: Space}}
places:
  zoom:
    name: {{es: Zoom, en: Zoom}}
    join: {{es: Enlace, en: Link}}
days:
  - date: {day}
    title: {{es: Día 1, en: Day 1}}
    format: virtual
sessions:
{sessions}"""


@pytest.fixture(scope="module")
def prog() -> Programme:
    return load_programme(SCHEDULE)


def at(day: int, hh: int, mm: int, ss: int = 0) -> datetime:
    """An instant of October 2021 in the forum's wall-clock time (CEST)."""
    return datetime(2021, 10, day, hh, mm, ss, tzinfo=MADRID)


def ids(sessions: list[Session]) -> list[str]:
    return [s.id for s in sessions]


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


def test_missing_summary_is_reported_on_the_session_line(tmp_path: Path) -> None:
    text = drop_block(REAL, "    summary:", after="id: water-justice")
    assert "Sesión especial sobre las ciudades intermedias y la justicia del agua" not in text
    line = line_at(text, "- id: water-justice")
    assert_one_line(
        tmp_path, text, line, "session 'water-justice' › summary", "missing required key"
    )


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


# --- several problems at once ----------------------------------------------------------------


def test_all_problems_in_a_file_are_reported_sorted_by_line(tmp_path: Path) -> None:
    # A bad zone, a typo in one session and a bad time in another; lines located in the result.
    text = edit(REAL, 'start: "16:00"', 'start: "25:00"', after="id: water-justice")
    text = edit(text, "    title:", "    titel:", after="id: opening-plenary")
    text = edit(text, "timezone: Europe/Madrid", "timezone: Europe/Madird")
    path, lines = reported_lines(tmp_path, text)
    expected = [
        (line_at(text, "timezone:"), "forum › timezone: unknown time zone 'Europe/Madird'"),
        (line_at(text, "- id: opening-plenary"), "session 'opening-plenary' › title: missing"),
        (line_at(text, "titel:"), "session 'opening-plenary' › titel: unknown key 'titel'"),
        (line_at(text, 'start: "25:00"'), "session 'water-justice' › start: '25:00' is not"),
    ]
    assert len(lines) == len(expected), lines
    for got, (line, start) in zip(lines, expected, strict=True):
        assert got.startswith(f"{path}:{line}: {start}"), (got, line, start)
    numbers = [int(got.removeprefix(f"{path}:").split(":", 1)[0]) for got in lines]
    assert numbers == sorted(numbers)


def test_a_bad_forum_section_does_not_hide_session_problems() -> None:
    text = edit(REAL, "start_date: 2021-10-05", "start_date: someday")
    text = edit(text, "places: [wonder]", "places: [wunder]", after="id: hub-oct-8")
    text = edit(text, 'end: "18:30"', 'end: "17:00"', after="id: closing")
    problems = problems_of(text)
    assert [p.line for p in problems] == [
        line_at(text, "start_date: someday"),
        line_at(text, "places: [wunder]"),
        line_at(text, 'end: "17:00"'),
    ]
    assert "forum › start_date: 'someday' is not a date" in problems[0].message
    assert "unknown place 'wunder'" in problems[1].message
    assert "end 17:00 is not after start 17:30" in problems[2].message


def test_a_bad_forum_date_does_not_hide_a_bad_forum_zone() -> None:
    text = edit(REAL, "end_date: 2021-10-08", "end_date: 2021-10-32")
    text = edit(text, "timezone: Europe/Madrid", "timezone: Europe/Madridd")
    problems = problems_of(text)
    assert [p.line for p in problems] == [
        line_at(text, "end_date: 2021-10-32"),
        line_at(text, "timezone: Europe/Madridd"),
    ]
    assert "forum › end_date: '2021-10-32' is not a date" in problems[0].message
    assert "forum › timezone: unknown time zone 'Europe/Madridd'" in problems[1].message


def test_problems_in_every_section_are_collected_not_just_the_first() -> None:
    text = edit(REAL, "form_url:", "form_link:")
    text = edit(text, "format: virtual  # Zoom", "format: remote", after="Día 2 · Apertura")
    text = edit(text, "kind: high_level_dialogue", "kind: dialogue", after="id: human-dimension")
    text = edit(text, "    join:\n", "    joins:\n", after="  kutahya:")
    problems = problems_of(text)
    assert len(problems) >= 4
    lines = {p.line for p in problems}
    for snippet in ("form_link:", "format: remote", "kind: dialogue", "joins:"):
        assert line_at(text, snippet) in lines, snippet
    assert [p.line for p in problems] == sorted(p.line for p in problems)


def test_programme_error_lines_are_path_line_message_in_order() -> None:
    error = ProgrammeError("x.yaml", [Problem(9, "b"), Problem(2, "a"), Problem(9, "c")])
    assert error.lines() == ["x.yaml:2: a", "x.yaml:9: b", "x.yaml:9: c"]
    assert str(error) == "x.yaml:2: a\nx.yaml:9: b\nx.yaml:9: c"


# --- never half-loaded -------------------------------------------------------------------------


def test_a_bad_file_is_refused_whole_and_no_programme_is_built(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    built: list[Programme] = []

    class Spy(Programme):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]
            built.append(self)

    monkeypatch.setattr(programme_module, "Programme", Spy)
    assert len(parse_programme(REAL).sessions) == 12  # the spy sees good files
    assert len(built) == 1
    # One bad session among twelve good ones: nothing comes back, not even the eleven.
    text = edit(REAL, 'end: "17:30"', 'end: "15:00"', after="id: human-dimension")
    result = None
    with pytest.raises(ProgrammeError):
        result = parse_programme(text)
    assert result is None
    assert len(built) == 1


def test_load_programme_raises_rather_than_returning_part_of_a_bad_file(tmp_path: Path) -> None:
    path = tmp_path / "schedule.yaml"
    path.write_text(edit(REAL, "places: [kutahya, zoom]", "places: [nowhere]", after="id: closing"))
    with pytest.raises(ProgrammeError) as info:
        load_programme(path)
    assert len(info.value.problems) == 1


# --- YAML 1.1 pitfalls -----------------------------------------------------------------------


def test_unquoted_times_are_times_not_sexagesimal_integers() -> None:
    text = edit(REAL, 'start: "13:30"', "start: 13:30", after="id: climate-dialogue")
    text = edit(text, 'end: "15:30"', "end: 15:30", after="id: climate-dialogue")
    text = edit(text, 'start: "12:00"', "start: 12:00", after="id: hub-oct-6")
    prog = parse_programme(text)
    climate = prog.by_id["climate-dialogue"]
    assert climate.starts_at == datetime(2021, 10, 5, 11, 30, tzinfo=UTC)
    assert climate.ends_at == datetime(2021, 10, 5, 13, 30, tzinfo=UTC)
    assert prog.by_id["hub-oct-6"].starts_at == datetime(2021, 10, 6, 10, 0, tzinfo=UTC)


def test_unquoted_time_with_a_leading_zero_is_still_a_time() -> None:
    sessions = MINI_SESSIONS.replace('"10:00"', "09:05").replace('"11:00"', "09:45")
    s = parse_programme(mini(sessions=sessions)).by_id["first"]
    assert s.starts_at == datetime(2021, 10, 5, 7, 5, tzinfo=UTC)
    assert s.ends_at == datetime(2021, 10, 5, 7, 45, tzinfo=UTC)


@pytest.mark.parametrize("word", ["no", "on", "yes", "off", "y", "n", "true", "false"])
def test_yaml_1_1_boolean_words_in_titles_stay_text(word: str) -> None:
    sessions = MINI_SESSIONS.replace(
        "title: {es: Primera sesión, en: First session}",
        f"title:\n      es: {word}\n      en: {word}",
    )
    title = parse_programme(mini(sessions=sessions)).by_id["first"].title
    assert (title.es, title.en) == (word, word)


def test_titles_no_and_on_stay_text_in_the_real_programme() -> None:
    text = edit(REAL, 'es: "Cierre de alto nivel"', "es: no")
    text = edit(text, 'en: "High-level closing"', "en: on")
    closing = parse_programme(text).by_id["closing"]
    assert closing.title.es == "no"
    assert closing.title.en == "on"
    assert closing.title.fr == "Clôture de haut niveau"


def test_numeric_looking_id_keeps_its_leading_zero() -> None:
    prog = parse_programme(mini(sessions=MINI_SESSIONS.replace("id: first", "id: 0123")))
    assert list(prog.by_id) == ["0123"]
    assert ids(prog.find("0123")) == ["0123"]


def test_unquoted_dates_are_read_as_dates() -> None:
    prog = parse_programme(mini())
    assert prog.by_id["first"].date == date(2021, 10, 5)
    assert prog.forum.end_date == date(2021, 10, 8)


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
