"""``l4a-bot run`` with ``[matrix]`` configured: credentials only from the environment, one clear
line and exit status 2 when they are missing or rejected, never the secret in the output."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import aiohttp
import pytest

from bot.config import MatrixSection
from bot.doc import Reply
from bot.hub import Hub
from fronts.cli import main
from fronts.matrix.client import MatrixBot
from fronts.matrix.run import Credentials, connect, run_matrix
from tests.support.matrix_env import MatrixEnv, people
from tests.support.synapse import free_port

FAKE = "syt_bm90LWEtcmVhbC10b2tlbg_FAKEFAKEFAKE_000000"


def _config(tmp_path: Path, homeserver: str, user_id: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[bot]\ndatabase = "bot.sqlite3"\n\n[matrix]\nhomeserver = "{homeserver}"\n'
        f'user_id = "{user_id}"\n\n[ops]\nport = 0\n',  # no ops port: only the error line
        encoding="utf-8",
    )
    return path


@pytest.fixture(autouse=True)
def _no_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DISCORD_TOKEN", "MATRIX_ACCESS_TOKEN", "MATRIX_PASSWORD"):
        monkeypatch.delenv(name, raising=False)


def test_missing_credentials_give_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path, "http://127.0.0.1:9", "@bot:l4a.test")
    assert main(["run", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "MATRIX_ACCESS_TOKEN" in err and "DISCORD" not in err


def test_a_rejected_token_gives_one_line_and_exit_2_without_the_token(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    matrix_env: MatrixEnv,
) -> None:
    config = _config(tmp_path, matrix_env.synapse.url, matrix_env.bot.user_id)
    monkeypatch.setenv("MATRIX_ACCESS_TOKEN", FAKE)
    assert main(["run", "--config", str(config)]) == 2
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1, captured.err
    assert "rejected the access token in MATRIX_ACCESS_TOKEN" in captured.err
    assert FAKE not in captured.err + captured.out and "Traceback" not in captured.err


def test_a_wrong_password_gives_one_line_and_exit_2(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    matrix_env: MatrixEnv,
) -> None:
    config = _config(tmp_path, matrix_env.synapse.url, matrix_env.bot.user_id)
    monkeypatch.setenv("MATRIX_PASSWORD", "not-the-password")
    assert main(["run", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "refused the password in MATRIX_PASSWORD" in err
    assert "not-the-password" not in err


def test_an_unreachable_homeserver_gives_one_line_and_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    config = _config(tmp_path, f"http://127.0.0.1:{free_port()}", "@bot:l4a.test")
    monkeypatch.setenv("MATRIX_ACCESS_TOKEN", FAKE)
    assert main(["run", "--config", str(config)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot reach the homeserver" in err


async def test_a_password_login_uses_the_configured_device(matrix_env: MatrixEnv) -> None:
    env = matrix_env
    section = MatrixSection(
        homeserver=env.synapse.url, user_id=env.bot.user_id, device_id="L4A-TEST-DEVICE"
    )
    async with aiohttp.ClientSession() as http:
        api = await connect(section, Credentials(None, env.bot.password), http)
        who = await api.whoami()
    assert who.user_id == env.bot.user_id and who.device_id == "L4A-TEST-DEVICE"


async def test_run_matrix_hands_over_a_usable_outbox_once_ready(
    hub: Hub, matrix_env: MatrixEnv
) -> None:
    """How the announcer gets the Matrix outbox: ``run_matrix(…, on_ready=…)``."""
    env = matrix_env
    hub.config.matrix = env.section()
    ready: asyncio.Queue[MatrixBot] = asyncio.Queue()
    task = asyncio.create_task(
        run_matrix(hub, Credentials(env.bot.access_token, None), on_ready=ready.put_nowait)
    )
    try:
        bot = await asyncio.wait_for(ready.get(), 30)
        await bot.outbox.post(env.hub_room, Reply(private=False).para("Hub opens in 10 minutes"))
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    async with people(env) as folks:
        ana = await folks.get("ana")
        found = await ana.request(
            "GET",
            f"/_matrix/client/v3/rooms/{env.hub_room}/messages",
            params={"dir": "b", "limit": "5"},
        )
    bodies = [e["content"].get("body") for e in found["chunk"] if e["sender"] == env.bot.user_id]
    assert "Hub opens in 10 minutes" in bodies


def test_discord_and_matrix_start_together_and_a_rejected_discord_token_stops_both(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    matrix_env: MatrixEnv,
) -> None:
    import logging

    import discord

    started: list[MatrixBot] = []
    real_run = MatrixBot.run

    async def noting_run(self: MatrixBot) -> None:
        started.append(self)
        await real_run(self)

    async def reject(self, token):  # type: ignore[no-untyped-def]
        await asyncio.sleep(0.5)  # Matrix is up by then
        raise discord.LoginFailure("Improper token has been passed.")

    monkeypatch.setattr(MatrixBot, "run", noting_run)
    monkeypatch.setattr(discord.http.HTTPClient, "static_login", reject)
    monkeypatch.setenv("DISCORD_TOKEN", "MTIz.FAKE.discord-token")
    monkeypatch.setenv("MATRIX_ACCESS_TOKEN", matrix_env.bot.access_token)
    config = _config(tmp_path, matrix_env.synapse.url, matrix_env.bot.user_id)
    try:
        assert main(["run", "--config", str(config)]) == 2
    finally:
        logging.getLogger().handlers.clear()
    captured = capsys.readouterr()
    assert "Discord rejected the token in DISCORD_TOKEN" in captured.err
    assert len(started) == 1  # Matrix logged in and ran in the same process
    assert matrix_env.bot.access_token not in captured.err + captured.out
