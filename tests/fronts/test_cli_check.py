"""Tests for ``l4a-bot check [PATH]``: a summary line and exit 0, or PATH:LINE lines and exit 1."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import BUNDLED_SCHEDULE
from fronts.cli import main

REPO = Path(__file__).resolve().parents[2]
SCHEDULE = REPO / "schedule.yaml"
REAL = SCHEDULE.read_text(encoding="utf-8")


def line_at(text: str, snippet: str, *, after: str | None = None) -> int:
    start = 0 if after is None else text.index(after)
    return text.count("\n", 0, text.index(snippet, start)) + 1


def edit(text: str, old: str, new: str, *, after: str) -> str:
    i = text.index(old, text.index(after))
    return text[:i] + new + text[i + len(old) :]


@pytest.fixture
def bad(tmp_path: Path) -> tuple[Path, list[tuple[int, str]]]:
    """A copy of the real programme with two problems, and the (line, message start) of each."""
    text = edit(REAL, 'end: "15:30"', 'end: "13:00"', after="id: opening-plenary")
    text = edit(text, "places: [wonder]", "places: [wunder]", after="id: hub-oct-8")
    path = tmp_path / "bad schedule.yaml"  # a space in the path, as users have
    path.write_text(text, encoding="utf-8")
    return path, [
        (
            line_at(text, 'end: "13:00"'),
            "session 'opening-plenary': end 13:00 is not after start 13:30",
        ),
        (line_at(text, "places: [wunder]"), "session 'hub-oct-8': unknown place 'wunder'"),
    ]


def test_check_without_path_validates_the_bundled_programme_in_one_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert BUNDLED_SCHEDULE.resolve() == SCHEDULE
    assert main(["check"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    [line] = out.splitlines()
    assert line.startswith(f"{BUNDLED_SCHEDULE}: OK")
    for part in ("12 sessions", "10 timed", "2 untimed", "4 days", "3 open-space slots"):
        assert part in line, (part, line)
    assert line.endswith("Europe/Madrid")


def test_check_with_an_explicit_good_path_names_that_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = tmp_path / "copy.yaml"
    copy.write_text(REAL, encoding="utf-8")
    assert main(["check", str(copy)]) == 0
    [line] = capsys.readouterr().out.splitlines()
    assert line.startswith(f"{copy}: OK")


def test_check_on_a_bad_file_prints_each_problem_as_path_line_message_and_exits_1(
    bad: tuple[Path, list[tuple[int, str]]], capsys: pytest.CaptureFixture[str]
) -> None:
    path, expected = bad
    assert main(["check", str(path)]) == 1
    out, err = capsys.readouterr()
    assert err == ""
    lines = out.splitlines()
    assert len(lines) == len(expected), lines
    for got, (line, message) in zip(lines, expected, strict=True):
        assert got.startswith(f"{path}:{line}: {message}"), (got, line, message)
    assert "OK" not in out


def test_check_on_a_missing_file_reports_file_not_found_on_line_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "missing.yaml"
    assert main(["check", str(missing)]) == 1
    assert capsys.readouterr().out.splitlines() == [f"{missing}:1: file not found"]


def test_check_on_a_relative_path_reports_it_as_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["check", "nope.yaml"]) == 1
    assert capsys.readouterr().out.splitlines() == ["nope.yaml:1: file not found"]


def test_check_on_an_empty_file_exits_1_with_line_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty.yaml"
    empty.write_text("", encoding="utf-8")
    assert main(["check", str(empty)]) == 1
    [line] = capsys.readouterr().out.splitlines()
    assert line.startswith(f"{empty}:1: ")


def test_check_on_non_utf8_bytes_exits_1_with_line_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    latin = tmp_path / "latin1.yaml"
    latin.write_bytes(REAL.encode("latin-1", errors="replace"))
    assert main(["check", str(latin)]) == 1
    [line] = capsys.readouterr().out.splitlines()
    assert line.startswith(f"{latin}:1: not UTF-8 text")


def test_check_on_a_yaml_syntax_error_exits_1_with_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = edit(REAL, "kind: closing", "kind: closing: plenary", after="id: closing")
    broken = tmp_path / "broken.yaml"
    broken.write_text(text, encoding="utf-8")
    assert main(["check", str(broken)]) == 1
    [line] = capsys.readouterr().out.splitlines()
    assert line.startswith(f"{broken}:{line_at(text, 'kind: closing: plenary')}: YAML syntax error")


def test_check_with_two_paths_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["check", "a.yaml", "b.yaml"])
    assert info.value.code == 2
    assert "unrecognized arguments" in capsys.readouterr().err


def run_bot(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``python -m bot ARGS`` in a fresh interpreter, importing this checkout."""
    pythonpath = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,  # not the repository: the command must not depend on the working directory
        env={**os.environ, "PYTHONPATH": pythonpath},
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=False,
    )


def test_python_dash_m_bot_check_on_a_bad_file_exits_1_with_the_problem_lines(
    bad: tuple[Path, list[tuple[int, str]]], tmp_path: Path
) -> None:
    path, expected = bad
    result = run_bot("check", str(path), cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert len(lines) == len(expected), lines
    for got, (line, message) in zip(lines, expected, strict=True):
        assert got.startswith(f"{path}:{line}: {message}"), (got, line, message)


def test_python_dash_m_bot_check_on_the_bundled_file_exits_0(tmp_path: Path) -> None:
    result = run_bot("check", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    [line] = result.stdout.splitlines()
    assert line.startswith(f"{SCHEDULE}: OK")
