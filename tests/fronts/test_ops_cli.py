"""The ops port of real processes: ``l4a-bot web --ops-port``, and ``console`` when configured
(one warning line when the port is taken, and the bot answers all the same)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from tests.fronts.test_ops import free_port

REPO = Path(__file__).resolve().parents[2]


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _until_up(url: str, proc: subprocess.Popen[str], seconds: float = 30.0) -> tuple[int, bytes]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        try:
            return _get(url)
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"{url} never answered")


def test_web_serves_healthz_and_metrics_on_the_ops_port_and_a_console_on_the_same_port_runs_on(
    tmp_path: Path,
) -> None:
    web_port, ops_port = free_port(), free_port()
    env = {**os.environ, "LANG": "C.UTF-8"}
    web = subprocess.Popen(
        [sys.executable, "-m", "bot", "web", "--port", str(web_port), "--ops-port", str(ops_port),
         "--db", str(tmp_path / "web.sqlite3")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO, env=env,
    )  # fmt: skip
    try:
        status, body = _until_up(f"http://127.0.0.1:{ops_port}/healthz", web)
        for _ in range(50):  # the web front reports itself once its socket listens
            if status == 200:
                break
            time.sleep(0.1)
            status, body = _get(f"http://127.0.0.1:{ops_port}/healthz")
        health = json.loads(body)
        assert status == 200 and health["fronts"]["web"]["connected"] is True
        assert health["store"]["database"].endswith("web.sqlite3")
        status, text = _get(f"http://127.0.0.1:{ops_port}/metrics")
        names = {f.name for f in text_string_to_metric_families(text.decode())}
        assert {"l4a_deliveries_sent", "l4a_votes", "l4a_ready", "l4a_build_info"} <= names
        assert _get(f"http://127.0.0.1:{ops_port}/")[0] == 404

        config = tmp_path / "ops.toml"
        config.write_text(f"[ops]\nport = {ops_port}\nconsole = true\n", encoding="utf-8")
        console = subprocess.run(
            [sys.executable, "-m", "bot", "console", "--config", str(config),
             "--db", str(tmp_path / "console.sqlite3")],
            input="/next\n", capture_output=True, text=True, timeout=60, cwd=REPO, env=env,
        )  # fmt: skip
        assert console.returncode == 0
        assert "Hub" in console.stdout  # it answered /next
        warnings = [line for line in console.stderr.splitlines() if "ops:" in line]
        assert len(warnings) == 1 and "address already in use" in warnings[0]
        assert _get(f"http://127.0.0.1:{ops_port}/healthz")[0] == 200  # web's, untouched
    finally:
        web.send_signal(signal.SIGINT)
        web.communicate(timeout=30)
