"""A programme file as a whole: several problems at once, never half-loaded, YAML 1.1 pitfalls."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.programme import (
    Problem,
    Programme,
    ProgrammeError,
    load_programme,
    parse_programme,
)
from bot.programme import load as programme_module
from tests.support.programme_text import (
    MINI_SESSIONS,
    REAL,
    edit,
    ids,
    line_at,
    mini,
    problems_of,
    reported_lines,
)

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
