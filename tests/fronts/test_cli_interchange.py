"""``l4a-bot import`` writes a schedule.yaml that ``check`` accepts, or lists the problems and
writes nothing; ``l4a-bot export`` writes each format."""

from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.programme import load_programme
from fronts.cli import main
from tests.support import frab


def test_import_writes_a_file_that_check_accepts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "democon.xml"
    src.write_bytes(frab.frab_xml())
    out = tmp_path / "schedule.yaml"
    assert main(["import", str(src), "--out", str(out)]) == 0
    assert (
        "OK — 4 sessions in 2 places over 3 days, times in America/New_York"
        in capsys.readouterr().err
    )
    assert main(["check", str(out)]) == 0
    assert "OK — 4 sessions" in capsys.readouterr().out


def test_import_with_problems_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "sheet.csv"
    src.write_text("date,start,end,title,room\n2021-10-05,10:00,09:00,Backwards,Room\n")
    out = tmp_path / "schedule.yaml"
    assert main(["import", str(src), "--timezone", "Europe/Madrid", "--out", str(out)]) == 1
    captured = capsys.readouterr()
    assert captured.out.startswith(f"{src}:row 2: end 09:00 is not after start 10:00")
    assert "1 problem(s); nothing written" in captured.err
    assert not out.exists()


def test_import_of_a_missing_file_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", str(tmp_path / "nope.xml")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_export_frab_json_of_the_bundled_programme(tmp_path: Path) -> None:
    out = tmp_path / "schedule.json"
    assert (
        main(["export", "--format", "frab-json", "--out", str(out), "--db", str(tmp_path / "none")])
        == 2
    )
    assert main(["export", "--format", "frab-json", "--out", str(out)]) == 0
    doc = json.loads(out.read_bytes())
    assert doc["schedule"]["conference"]["time_zone_name"] == "Europe/Madrid"


def test_import_and_check_of_a_1000_session_congress_is_under_a_second(tmp_path: Path) -> None:
    src = tmp_path / "congress.xml"
    src.write_bytes(frab.congress(1_000))
    out = tmp_path / "schedule.yaml"
    started = time.perf_counter()
    assert main(["import", str(src), "--out", str(out)]) == 0
    assert main(["check", str(out)]) == 0
    elapsed = time.perf_counter() - started
    assert elapsed < 1.0, f"import + check took {elapsed:.2f} s"
    programme = load_programme(out)
    assert len(programme.sessions) == 1_000
    # Talk 23 is in the 3rd slot of day 1 (11:00 + 2 × 50 min, Berlin, CET = UTC+1).
    talk = next(s for s in programme.sessions if s.title.en == "Talk 23 on topic 23")
    assert talk.starts_at == datetime(2023, 12, 27, 11, 40, tzinfo=UTC)
    # the last slot of day 1 starts after midnight and still belongs to day 1
    late = max(programme.on_date(date(2023, 12, 27)), key=lambda s: s.starts_at or talk.starts_at)
    assert late.starts_at is not None and late.starts_at.date() == date(2023, 12, 28)
