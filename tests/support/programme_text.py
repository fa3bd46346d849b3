"""Helpers for the programme tests: the real ``schedule.yaml`` text, targeted edits of it (the
line each problem must be reported on is found by locating the edited text, never hard-coded),
a minimal programme, and instants in the forum's wall-clock time."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.programme import (
    Problem,
    ProgrammeError,
    Session,
    load_programme,
    parse_programme,
)

REPO = Path(__file__).resolve().parents[2]
SCHEDULE = REPO / "schedule.yaml"
REAL = SCHEDULE.read_text(encoding="utf-8")
MADRID = ZoneInfo("Europe/Madrid")
SRC = "prog.yaml"


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


def at(day: int, hh: int, mm: int, ss: int = 0) -> datetime:
    """An instant of October 2021 in the forum's wall-clock time (CEST)."""
    return datetime(2021, 10, day, hh, mm, ss, tzinfo=MADRID)


def ids(sessions: list[Session]) -> list[str]:
    return [s.id for s in sessions]
