"""``l4a-bot plan``: what would go out, sending nothing."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.clock import SystemClock
from bot.store import Store
from fronts import cli


def make_db(path: Path) -> Path:
    async def main() -> None:
        await (await Store.open(path, SystemClock())).close()

    asyncio.run(main())
    return path


def test_plan_lists_announcements_in_the_forum_zone_and_utc(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = make_db(tmp_path / "plan.sqlite3")
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


def test_plan_with_a_mistyped_database_path_creates_nothing_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    typo = tmp_path / "data" / "l4a-bot.sqlite"
    code = cli.main(
        ["plan", "--from", "2021-10-08T11:00+02:00", "--to", "2021-10-08T14:00+02:00",
         "--db", str(typo)]
    )  # fmt: skip
    err = capsys.readouterr().err.splitlines()
    assert code == cli.EXIT_USAGE
    assert err == [f"l4a-bot: no database at {typo} (check the path; nothing was created)"]
    assert not typo.exists() and not typo.parent.exists()


def test_plan_without_any_database_plans_from_the_programme_and_creates_none(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[bot]\ndatabase = "data/bot.sqlite3"\n', encoding="utf-8")
    code = cli.main(
        ["plan", "--from", "2021-10-08T11:00+02:00", "--to", "2021-10-08T14:00+02:00",
         "--config", str(config)]
    )  # fmt: skip
    captured = capsys.readouterr()
    assert code == cli.EXIT_OK
    assert captured.out.splitlines()[-1].startswith("4 delivery(ies)")
    assert "planned from the programme alone" in captured.err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.toml"]
