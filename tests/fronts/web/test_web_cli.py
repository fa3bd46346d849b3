"""``l4a-bot web`` serves the web front alone; ``l4a-bot run`` serves it with ``[web] enabled``
(without a Discord token when no other front needs one)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(args: list[str], port: int) -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISCORD_TOKEN", "L4A_WEB_SECRET")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "fronts.cli", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    page = ""
    try:
        for _ in range(150):
            if proc.poll() is not None:
                break
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/?lang=es", timeout=2) as r:
                    page = r.read().decode()
                    break
            except OSError:
                time.sleep(0.1)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)
    return proc.returncode, page, err


def test_l4a_bot_web_serves_the_programme_and_says_the_secret_is_missing(tmp_path: Path) -> None:
    port = free_port()
    code, page, err = serve(
        [
            "web",
            "--db",
            str(tmp_path / "w.sqlite3"),
            "--port",
            str(port),
            "--clock",
            "2021-10-06T11:50:00+02:00",
        ],
        port,
    )
    assert '<html lang="es">' in page and "A continuación" in page
    assert "L4A_WEB_SECRET is not set" in err
    assert code == 0


def test_l4a_bot_run_starts_the_web_front_when_enabled(tmp_path: Path) -> None:
    port = free_port()
    config = tmp_path / "config.toml"
    config.write_text(f"[web]\nenabled = true\nport = {port}\n", "utf-8")
    code, page, err = serve(
        ["run", "--config", str(config), "--db", str(tmp_path / "r.sqlite3")], port
    )
    assert "Programa" in page, err
    assert "DISCORD_TOKEN" not in err
    assert code == 0


def test_the_console_demo_serves_the_web_too_sharing_its_polls(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "fronts.cli",
            "console",
            "--db",
            str(tmp_path / "c.sqlite3"),
            "--web",
            str(port),
        ],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdin is not None
    proc.stdin.write("@moderator /poll start scale=yesno Water first?\n")
    proc.stdin.flush()
    page = ""
    try:
        for _ in range(150):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/v/1", timeout=2) as r:
                    page = r.read().decode()
                    break
            except OSError:
                time.sleep(0.1)
    finally:
        out, _ = proc.communicate(timeout=20)  # end of input: the console and the web stop
    assert "Water first?" in page
    assert f"http://127.0.0.1:{port}/v/1" in out  # the poll card's short link
    assert proc.returncode == 0
