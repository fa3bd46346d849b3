"""Tests for bot.yamlsrc: YAML read as plain strings, with the 1-based line of every node."""

from __future__ import annotations

import pytest

from bot.yamlsrc import SourceProblem, YamlSourceError, line_of, load_with_lines

NESTED = """\
# a comment first, then a blank line

forum:
  name:
    es: Foro
    en: Forum
  languages: [es, en]
sessions:
  - id: a
    places: [x, y]
    title:
      es: Uno
  - id: b
    places:
      - z
      - w
  -
    id: c
"""


def errors_of(text: str) -> list[SourceProblem]:
    with pytest.raises(YamlSourceError) as info:
        load_with_lines(text)
    return info.value.problems


def test_lines_of_nested_keys_are_one_based_and_point_at_the_key() -> None:
    data, lines = load_with_lines(NESTED)
    assert data["forum"]["name"] == {"es": "Foro", "en": "Forum"}
    assert lines[()] == 3  # the root mapping starts at its first key, after comments
    assert lines[("forum",)] == 3
    assert lines[("forum", "name")] == 4
    assert lines[("forum", "name", "es")] == 5
    assert lines[("forum", "name", "en")] == 6
    assert lines[("forum", "languages")] == 7
    assert lines[("sessions",)] == 8


def test_lines_of_list_items_are_the_lines_where_each_item_starts() -> None:
    data, lines = load_with_lines(NESTED)
    assert [s["id"] for s in data["sessions"]] == ["a", "b", "c"]
    assert lines[("sessions", 0)] == 9
    assert lines[("sessions", 0, "id")] == 9
    assert lines[("sessions", 0, "places")] == 10
    assert lines[("sessions", 0, "places", 0)] == 10  # flow list: all on one line
    assert lines[("sessions", 0, "places", 1)] == 10
    assert lines[("sessions", 0, "title", "es")] == 12
    assert lines[("sessions", 1)] == 13
    assert lines[("sessions", 1, "places")] == 14
    assert lines[("sessions", 1, "places", 0)] == 15
    assert lines[("sessions", 1, "places", 1)] == 16
    assert lines[("sessions", 2)] == 18  # an item whose mapping starts on the next line
    assert lines[("sessions", 2, "id")] == 18


def test_first_line_is_line_one() -> None:
    _, lines = load_with_lines("a: 1\nb:\n  - c\n")
    assert lines == {(): 1, ("a",): 1, ("b",): 2, ("b", 0): 3}


def test_key_on_its_own_line_with_value_below_keeps_the_key_line() -> None:
    data, lines = load_with_lines("text: >\n  folded\n  words\nafter: x\n")
    assert data == {"text": "folded words\n", "after": "x"}
    assert lines[("text",)] == 1
    assert lines[("after",)] == 4


def test_block_scalar_keeps_its_text_and_newlines() -> None:
    data, lines = load_with_lines("description: |\n  line one\n\n  line two\nnext: y\n")
    assert data["description"] == "line one\n\nline two\n"
    assert lines[("next",)] == 5


@pytest.mark.parametrize(
    ("written", "kept"),
    [
        ("13:30", "13:30"),  # YAML 1.1 sexagesimal 810
        ("09:05", "09:05"),
        ("no", "no"),  # YAML 1.1 False
        ("on", "on"),
        ("yes", "yes"),
        ("off", "off"),
        ("true", "true"),
        ("0123", "0123"),  # YAML 1.1 octal 83
        ("0x1F", "0x1F"),
        ("1_000", "1_000"),
        ("1.5e3", "1.5e3"),
        (".inf", ".inf"),
        ("2021-10-05", "2021-10-05"),  # YAML timestamp
        ("2021-10-05 13:30:00", "2021-10-05 13:30:00"),
        ('"13:30"', "13:30"),
        ("'no'", "no"),
        ("!!int 12", "12"),  # explicit tags do not convert either
    ],
)
def test_scalars_stay_strings(written: str, kept: str) -> None:
    data, _ = load_with_lines(f"value: {written}\n")
    assert data == {"value": kept}
    assert type(data["value"]) is str


def test_keys_stay_strings_even_when_they_look_like_numbers_or_booleans() -> None:
    data, lines = load_with_lines("1: one\nno: two\non: three\n2021-10-05: four\n")
    assert data == {"1": "one", "no": "two", "on": "three", "2021-10-05": "four"}
    assert lines[("no",)] == 2


@pytest.mark.parametrize("written", ["", "~", "null", "Null", "NULL"])
def test_plain_null_forms_become_none(written: str) -> None:
    data, _ = load_with_lines(f"a: {written}\n")
    assert data == {"a": None}


@pytest.mark.parametrize(
    ("written", "kept"),
    [('"null"', "null"), ("'~'", "~"), ('""', ""), ("''", ""), ("nUlL", "nUlL"), ("None", "None")],
)
def test_quoted_or_odd_null_words_stay_strings(written: str, kept: str) -> None:
    data, _ = load_with_lines(f"a: {written}\n")
    assert data == {"a": kept}


def test_nulls_in_lists_and_missing_values_have_lines() -> None:
    data, lines = load_with_lines("items: [~, null, '', x]\nempty:\nlast: z\n")
    assert data == {"items": [None, None, "", "x"], "empty": None, "last": "z"}
    assert lines[("empty",)] == 2
    assert lines[("items", 3)] == 1


@pytest.mark.parametrize("text", ["", "\n", "# nothing here\n"])
def test_empty_text_is_none_with_no_lines(text: str) -> None:
    assert load_with_lines(text) == (None, {})


@pytest.mark.parametrize("text", ["---\n", "~\n", "--- null\n"])
def test_document_that_is_only_null_is_none(text: str) -> None:
    assert load_with_lines(text)[0] is None


def test_top_level_list_and_scalar_are_returned_as_is() -> None:
    assert load_with_lines("- a\n- b\n") == (["a", "b"], {(): 1, (0,): 1, (1,): 2})
    assert load_with_lines("hello\n")[0] == "hello"


def test_duplicate_key_is_reported_on_the_line_of_the_second() -> None:
    text = "a: 1\nb:\n  c: 2\n  d: 3\n  c: 4\n"
    assert errors_of(text) == [SourceProblem(5, "duplicate key 'c'")]


def test_every_duplicate_key_is_reported() -> None:
    text = "a: 1\nlist:\n  - k: x\n    k: y\n  - k: z\na: 2\n"
    problems = errors_of(text)
    assert sorted(problems, key=lambda p: p.line) == [
        SourceProblem(4, "duplicate key 'k'"),
        SourceProblem(6, "duplicate key 'a'"),
    ]


def test_same_key_in_different_mappings_is_not_a_duplicate() -> None:
    data, _ = load_with_lines("a:\n  k: 1\nb:\n  k: 2\n")
    assert data == {"a": {"k": "1"}, "b": {"k": "2"}}


def test_yaml_source_error_message_lists_lines() -> None:
    with pytest.raises(YamlSourceError, match=r"line 2: duplicate key 'a'"):
        load_with_lines("a: 1\na: 2\n")


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("a: 1\nb: c: d\n", 2),  # mapping values are not allowed here
        ("a: 1\nb: [1, 2\nc: 3\n", 3),  # unclosed flow list, found at the next key
        ("a:\n  b: 1\n c: 2\n", 3),  # bad indentation
        ("a: 1\n\tb: 2\n", 2),  # tab
        ('a: "open\n', 2),  # unclosed quote, found at the end of the stream
        ("a: 1\n---\nb: 2\n", 2),  # two documents
        ("a: *nowhere\n", 1),  # unknown alias
    ],
)
def test_syntax_error_is_reported_with_its_one_based_line(text: str, line: int) -> None:
    [problem] = errors_of(text)
    assert problem.line == line
    assert problem.message.startswith("YAML syntax error: ")


def test_non_text_keys_are_reported_on_their_line() -> None:
    text = "a: 1\n? [x, y]\n: z\n"
    assert errors_of(text) == [SourceProblem(2, "keys must be text")]


def test_aliases_are_expanded_to_copies_of_the_anchored_value() -> None:
    data, lines = load_with_lines("p: &zoom [zoom]\nq: *zoom\n")
    assert data == {"p": ["zoom"], "q": ["zoom"]}
    assert lines[("q",)] == 2


def test_line_of_falls_back_to_the_nearest_existing_ancestor() -> None:
    _, lines = load_with_lines(NESTED)
    assert line_of(lines, ("sessions", 1, "places", 1)) == 16
    assert line_of(lines, ("sessions", 1, "summary")) == 13  # missing key → its session
    assert line_of(lines, ("sessions", 1, "summary", "es")) == 13
    assert line_of(lines, ("nowhere", "at", "all")) == 3  # → the root
    assert line_of(lines, ()) == 3
    assert line_of({}, ("x",)) == 1


def test_recursive_alias_is_reported_not_a_crash() -> None:
    [problem] = errors_of("a: 1\nb: &x [*x]\n")
    assert problem.line == 2


def test_alias_bomb_is_refused_quickly_with_a_line() -> None:
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    [problem] = errors_of("\n".join(levels) + "\n")
    assert "aliases are expanded" in problem.message
