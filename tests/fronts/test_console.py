from __future__ import annotations

import asyncio
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.hub import Hub
from fronts.console import Console

pytestmark = pytest.mark.both_backends

REPO = Path(__file__).resolve().parents[2]


async def test_at_name_speaks_as_another_participant(hub: Hub) -> None:
    console = Console(hub)
    await console.handle("@ana /language es")
    assert hub.store.user("console", "ana").language == "es"
    assert hub.store.user("console", "you").language is None
    reply = await console.handle("@ana /next 1")
    assert reply is not None and "A continuación" in reply


async def test_lines_without_a_name_come_from_the_default_user(hub: Hub) -> None:
    console = Console(hub)
    await console.handle("/timezone UTC+3")
    assert hub.store.user("console", "you").zone == "UTC+03:00"


async def test_blank_lines_are_ignored_and_chat_gets_a_hint(hub: Hub) -> None:
    console = Console(hub)
    assert await console.handle("   ") is None
    assert await console.handle("@ana") is None
    assert await console.handle("what's next?") == "/help lists every command."


async def test_piped_input_is_echoed_and_answered_until_quit(hub: Hub) -> None:
    console = Console(hub)
    out = io.StringIO()
    await console.run(io.StringIO("/now\n/quit\n/next\n"), out, echo=True)
    text = out.getvalue()
    assert text.startswith("> /now\n") and "Nothing is on right now." in text
    assert "/next" not in text  # nothing after /quit is read


def _run_cli(*args: str, stdin: str = "", env: dict[str, str] | None = None, cwd: Path = REPO):
    full_env = {**os.environ, "LANG": "C.UTF-8", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
        env=full_env,
    )


def test_demo_console_starts_inside_the_forum_and_answers(tmp_path: Path) -> None:
    result = _run_cli(
        "--db",
        str(tmp_path / "demo.sqlite3"),
        stdin="/next\n/timezone asia/kathmandu\n/next\n",
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout.replace("\u202f", " ")
    first, _, rest = out.partition("> /timezone")
    assert "12:00 PM–12:45 PM CEST" in first and "hub-oct-6" in first
    assert "3:45 PM–4:30 PM UTC+05:45" in rest
    assert result.stderr == ""


def test_console_settings_survive_a_restart(tmp_path: Path) -> None:
    db = str(tmp_path / "demo.sqlite3")
    _run_cli("console", "--db", db, stdin="/timezone Pacific/Kiritimati\n")
    result = _run_cli("console", "--db", db, stdin="/timezone\n")
    assert "Your time zone is Pacific/Kiritimati" in result.stdout


def test_console_clock_option_sets_the_rehearsal_instant(tmp_path: Path) -> None:
    result = _run_cli(
        "console",
        "--db",
        str(tmp_path / "c.sqlite3"),
        "--clock",
        "2021-10-08T17:40:00+02:00",
        stdin="/now\n",
    )
    assert "closing" in result.stdout and "On now" in result.stdout


def test_console_refuses_a_clock_without_offset(tmp_path: Path) -> None:
    result = _run_cli("console", "--clock", "2021-10-08T17:40:00", stdin="")
    assert result.returncode == 2 and "has no offset" in result.stderr


def test_console_with_a_broken_programme_names_the_problems(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("forum: [\n", encoding="utf-8")
    result = _run_cli("console", "--schedule", str(bad), "--db", str(tmp_path / "d"), stdin="")
    assert result.returncode == 1
    assert f"{bad}:2: YAML syntax error" in result.stderr
    assert "Traceback" not in result.stderr


def test_console_with_a_database_it_cannot_open_says_so_in_one_line(tmp_path: Path) -> None:
    not_a_db = tmp_path / "notes.txt"
    not_a_db.write_text("this is not SQLite, just a text file of some length\n" * 20)
    for db in (tmp_path, not_a_db, Path("/proc/l4a/none.sqlite3"), Path("/proc/none.sqlite3")):
        result = _run_cli("console", "--db", str(db), stdin="/now\n")
        assert result.returncode == 1, result.stderr
        assert "Traceback" not in result.stderr and "Exception" not in result.stderr
        assert result.stderr.startswith(
            f"l4a-bot: {db} is not this bot's database"
            if db == not_a_db
            else f"l4a-bot: cannot open the database {db}: "
        )
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr


async def test_a_speaker_name_longer_than_32_characters_is_refused_with_the_rule(
    hub: Hub,
) -> None:
    console = Console(hub)
    name = "a" * 33
    answer = await console.handle(f"@{name} /language es")
    assert answer == (
        f"“@{name}” is too long for a name: names are at most 32 letters, digits or . _ - "
        "(for example @ana)."
    )
    assert hub.store.user("console", "you").language is None  # nobody spoke
    await console.handle("/language es")
    spanish = await console.handle(f"@{'b' * 40} /next")
    assert spanish is not None and spanish.startswith(f"«@{'b' * 40}» es demasiado largo")
    assert "los nombres tienen como máximo 32 letras, cifras o . _ -" in spanish
    assert (await console.handle(f"@{'c' * 32} /now") or "").startswith("Nothing is on right now.")
    # After a speaker, an answer may start with any @word (a form's answer): not refused.
    assert "demasiado largo" not in (await console.handle(f"@ana @{'d' * 40}") or "")


async def test_turkish_is_chosen_on_the_console_by_code_or_by_name_in_any_language(
    hub: Hub,
) -> None:
    console = Console(hub)
    for speaker, typed in (("ece", "tr"), ("ali", "Türkçe"), ("eva", "turco"), ("luc", "turc")):
        reply = await console.handle(f"@{speaker} /language {typed}")
        assert reply is not None and "Bundan sonra size şu dilde yanıt vereceğim: Türkçe" in reply
        assert hub.store.user("console", speaker).language == "tr"
    reply = await console.handle("@ece /session opening-plenary")
    assert reply is not None and "Ne zaman:" in reply  # Turkish bot text…
    assert "Intermediary Cities for Equal Territories" in reply  # …English programme text
    reply = await console.handle("@ece /schedule yarın")
    assert reply is not None and "7 Ekim 2021 Perşembe" in reply


async def test_a_line_typed_while_the_console_front_was_stopped_is_answered_when_it_runs_again(
    hub: Hub,
) -> None:
    """On PostgreSQL a console front that loses its lease is cancelled (fenced) while it waits
    for a line; its reading thread used to throw the next line away."""
    read_fd, write_fd = os.pipe()
    with os.fdopen(read_fd, "r") as stdin, os.fdopen(write_fd, "w") as typed:
        out = io.StringIO()
        first = asyncio.create_task(Console(hub).run(stdin, out, echo=True))
        await asyncio.sleep(0.1)  # waiting for a line in its thread
        first.cancel()
        await asyncio.gather(first, return_exceptions=True)
        typed.write("/help\n")  # typed while no console front runs
        typed.flush()
        await asyncio.sleep(0.1)
        again = asyncio.create_task(Console(hub).run(stdin, out, echo=True))
        await asyncio.sleep(0.3)
        typed.write("/quit\n")
        typed.flush()
        await asyncio.wait_for(again, 5)
    assert "> /help" in out.getvalue()
