from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.hub import Hub
from fronts.cli import main
from fronts.console import Console

pytestmark = pytest.mark.both_backends

REPO = Path(__file__).resolve().parents[2]
FORM = [
    "/propose",
    "Ana Pérez",
    "Belediye — Kütahya, Türkiye",
    "Su ve dayanıklılık: İzmir’den ılık bir bakış 🌊",
    "Un taller sobre la gestión del agua: qué, por qué y qué nos llevamos.",
    "1",
    "es",
    "1",
    "1",
    "-",
    "-",
    "send",
]


async def _propose(console: Console, user: str = "ana") -> str:
    out = ""
    for line in FORM:
        out = await console.handle(f"@{user} {line}") or ""
    return out


async def test_the_host_sees_the_decision_addressed_to_them_on_the_console(
    hub: Hub, tmp_path: Path
) -> None:
    console = Console(hub, files_dir=tmp_path)
    assert "Your proposal #1 is saved" in await _propose(console)
    out = await console.handle("@moderator /approve 1") or ""
    assert "Approved: proposal #1" in out
    assert "✉ @ana:\nGood news: your proposal #1 is approved" in out
    later = await console.handle("@moderator /next") or ""
    assert "✉" not in later and "Su ve dayanıklılık" in later  # told once; in the programme


async def test_an_export_on_the_console_is_written_to_a_file(hub: Hub, tmp_path: Path) -> None:
    console = Console(hub, files_dir=tmp_path / "exports")
    await _propose(console)
    out = await console.handle("@moderator /proposals export") or ""
    path = tmp_path / "exports" / "moderator-proposals-20211006-1150.csv"
    assert f"[proposals-20211006-1150.csv: {path}]" in out
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))
    assert rows[1][7] == "Su ve dayanıklılık: İzmir’den ılık bir bakış 🌊"


def test_the_command_line_exports_the_proposals_as_csv(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "bot.sqlite3"
    env = {**os.environ, "LANG": "C.UTF-8"}
    subprocess.run(
        [sys.executable, "-m", "bot", "console", "--db", str(db)],
        input="\n".join(FORM) + "\n",
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
        env=env,
        check=True,
    )
    out = tmp_path / "sheet.csv"
    assert main(["proposals", "export", "--db", str(db), "--out", str(out), "--lang", "es"]) == 0
    assert capsys.readouterr().err.startswith("1 proposal\n")
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    header, row = csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    assert header[:2] == ["Propuesta", "Estado"]
    assert row[5:8] == [
        "Ana Pérez",
        "Belediye — Kütahya, Türkiye",
        "Su ve dayanıklılık: İzmir’den ılık bir bakış 🌊",
    ]


def test_exporting_from_a_missing_database_says_so(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["proposals", "export", "--db", str(tmp_path / "none.sqlite3")]) == 2
    assert "no database at" in capsys.readouterr().err
    assert not (tmp_path / "none.sqlite3").exists()
