from __future__ import annotations

import logging
from datetime import UTC, datetime

import discord
import pytest

from bot.clock import FrozenClock
from bot.config import Config
from fronts.cli import main
from fronts.discord_client import RedactToken, run_discord

FAKE_TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.FAKE.not-a-real-token-0123456789"


def test_missing_token_gives_one_line_and_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "DISCORD_TOKEN is not set" in err


def test_rejected_token_gives_one_line_and_exit_2_without_the_token(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path
) -> None:
    async def reject(self, token):  # type: ignore[no-untyped-def]
        logging.getLogger("discord.http").info("logging in with %s", token)
        raise discord.LoginFailure("Improper token has been passed.")

    monkeypatch.setattr(discord.http.HTTPClient, "static_login", reject)
    monkeypatch.setenv("DISCORD_TOKEN", FAKE_TOKEN)
    clock = FrozenClock(datetime(2021, 10, 6, 9, 50, tzinfo=UTC))
    code = run_discord(Config(), clock, db=tmp_path / "d.sqlite3")
    captured = capsys.readouterr()
    assert code == 2
    assert "Discord rejected the token in DISCORD_TOKEN" in captured.err
    assert "Traceback" not in captured.err
    assert FAKE_TOKEN not in captured.err + captured.out
    logging.getLogger().handlers.clear()


def test_log_records_never_carry_the_token() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "token=%s", (FAKE_TOKEN,), None)
    RedactToken(FAKE_TOKEN).filter(record)
    assert FAKE_TOKEN not in record.getMessage() and "[redacted]" in record.getMessage()


def test_the_schedulers_routine_job_lines_are_not_logged_its_errors_are() -> None:
    root, scheduler = logging.getLogger(), logging.getLogger("apscheduler")
    saved = (root.handlers[:], root.level, scheduler.level)
    try:
        from fronts.discord_client import setup_logging

        setup_logging()
        jobs = logging.getLogger("apscheduler.executors.default")
        assert not jobs.isEnabledFor(logging.INFO)  # "Running job …" every watch_seconds
        assert jobs.isEnabledFor(logging.WARNING)
        assert logging.getLogger("bot.lease").isEnabledFor(logging.INFO)
    finally:
        root.handlers[:], _, _ = saved
        root.setLevel(saved[1])
        scheduler.setLevel(saved[2])
