"""``l4a-bot ics``: the whole programme as a file or on standard output."""

from __future__ import annotations

import asyncio
from pathlib import Path

from icalendar import Calendar

from bot.app import build_app
from bot.clock import FrozenClock
from bot.config import Config
from bot.programme import Programme
from bot.store import Store
from fronts.cli import main
from fronts.console import Console
from tests.conftest import FORUM_MORNING
from tests.fronts.test_console_proposals import FORM


def uids(data: bytes) -> set[str]:
    return {str(e["UID"]).split(".")[0] for e in Calendar.from_ical(data).walk("VEVENT")}


def approve_one_proposal(db: Path, programme: Programme) -> None:
    async def run() -> None:
        clock = FrozenClock(FORUM_MORNING)
        store = await Store.open(db, clock)
        try:
            async with build_app(Config(), programme, store, clock) as hub:
                console = Console(hub)
                for line in FORM:
                    await console.handle(f"@ana {line}")
                assert "Approved" in (await console.handle("@moderator /approve 1") or "")
        finally:
            await store.close()

    asyncio.run(run())


def test_ics_writes_the_programme_with_approved_proposals_to_a_file(
    tmp_path: Path, programme: Programme, capsys
) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "bot.sqlite3"
    approve_one_proposal(db, programme)
    out = tmp_path / "forum.ics"
    assert main(["ics", "--db", str(db), "--out", str(out), "--lang", "es"]) == 0
    assert f"written to {out}" in capsys.readouterr().err
    data = out.read_bytes()
    assert uids(data) == {s.id for s in programme.sessions} | {"proposal-1"}
    cal = Calendar.from_ical(data)
    [proposal] = [e for e in cal.walk("VEVENT") if str(e["UID"]).startswith("proposal-1.")]
    assert str(proposal["SUMMARY"]) == "Su ve dayanıklılık: İzmir’den ılık bir bakış 🌊"
    assert "Diálogo de alto nivel" in data.decode()  # Spanish texts


def test_ics_without_a_database_writes_the_bundled_programme_to_stdout(
    tmp_path: Path, programme: Programme, capsysbinary, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)  # the default database (data/…) does not exist here
    assert main(["ics"]) == 0
    data = capsysbinary.readouterr().out
    assert data.startswith(b"BEGIN:VCALENDAR")
    assert uids(data) == {s.id for s in programme.sessions}
    assert not (tmp_path / "data").exists()  # nothing created


def test_ics_with_a_missing_database_given_says_so(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["ics", "--db", str(tmp_path / "none.sqlite3")]) == 2
    assert "no database at" in capsys.readouterr().err
