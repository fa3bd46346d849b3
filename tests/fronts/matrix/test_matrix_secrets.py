"""Matrix secrets at start-up: a homeserver error quoting the token (or password) is redacted,
and the token a password login obtains joins the log filters at once."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import aiohttp
import pytest

from bot.config import MatrixSection
from fronts.cli import main
from fronts.discord_client import setup_logging
from fronts.matrix.run import Credentials, MatrixStartError, connect
from tests.support.matrix_env import MatrixEnv

TOKEN = "syt_c2VjcmV0LXRva2Vu_QUOTEDBYTHESERVER_123456"
PASSWORD = "correct horse battery staple"


class _Echo(BaseHTTPRequestHandler):
    """A homeserver that refuses everything and quotes the credentials it was sent."""

    def _refuse(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        sent = self.rfile.read(length).decode(errors="replace") if length else ""
        quoted = f"{self.headers.get('Authorization', '')} {sent}"
        body = json.dumps({"errcode": "M_FORBIDDEN", "error": f"not allowed: {quoted}"}).encode()
        self.send_response(403)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _refuse

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def echo() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(autouse=True)
def _no_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DISCORD_TOKEN", "MATRIX_ACCESS_TOKEN", "MATRIX_PASSWORD"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize(
    ("variable", "secret"), [("MATRIX_ACCESS_TOKEN", TOKEN), ("MATRIX_PASSWORD", PASSWORD)]
)
def test_a_homeserver_error_quoting_the_secret_is_redacted(
    echo: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
    secret: str,
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[bot]\ndatabase = "bot.sqlite3"\n\n[matrix]\nhomeserver = "{echo}"\n'
        'user_id = "@bot:l4a.test"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv(variable, secret)
    try:
        assert main(["run", "--config", str(config)]) == 2
    finally:
        logging.getLogger().handlers.clear()
    captured = capsys.readouterr()
    assert "not allowed" in captured.err and "[redacted]" in captured.err, captured.err
    assert secret not in captured.err + captured.out


async def test_the_token_of_a_password_login_is_redacted_from_the_logs(
    matrix_env: MatrixEnv, capsys: pytest.CaptureFixture[str]
) -> None:
    env = matrix_env
    section = MatrixSection(homeserver=env.synapse.url, user_id=env.bot.user_id)
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    setup_logging(env.bot.password)
    try:
        async with aiohttp.ClientSession() as http:
            api = await connect(section, Credentials(None, env.bot.password), http)
        token = api.api.token
        logging.getLogger("l4a.matrix").warning("the homeserver said: %s is fine", token)
    finally:
        root.handlers[:], root.level = saved
    err = capsys.readouterr().err
    assert token and token not in err and "the homeserver said: [redacted] is fine" in err


def test_a_start_error_never_carries_a_secret() -> None:
    secrets = (TOKEN, PASSWORD)
    exc = MatrixStartError(f"refused ({TOKEN} and {PASSWORD})", usage=True, secrets=secrets)
    assert TOKEN not in str(exc) and PASSWORD not in str(exc) and str(exc).count("[redacted]") == 2
