"""``l4a-bot plan``: what would go out, sending nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from fronts import cli


def test_plan_lists_announcements_in_the_forum_zone_and_utc(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "plan.sqlite3"
    code = cli.main(
        ["plan", "--from", "2021-10-08T11:00+02:00", "--to", "2021-10-08T14:00+02:00",
         "--db", str(db)]
    )  # fmt: skip
    out = capsys.readouterr().out.splitlines()
    assert code == cli.EXIT_OK
    assert out[0].startswith("2021-10-08 11:45 CEST  2021-10-08T09:45Z  announce  console")
    assert "hub-oct-8 (15 min before)  ann:console:hub-oct-8:15:20211008T1000Z" in out[0]
    assert out[-1].startswith("4 delivery(ies) from 2021-10-08 11:00 CEST to 2021-10-08 14:00")


def test_plan_refuses_a_window_that_ends_before_it_starts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.main(
        ["plan", "--from", "2021-10-08T14:00+02:00", "--to", "2021-10-08T11:00+02:00",
         "--db", str(tmp_path / "x.sqlite3")]
    )  # fmt: skip
    assert code == cli.EXIT_USAGE
    assert "--to must be after --from" in capsys.readouterr().err
