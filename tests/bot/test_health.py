"""The status snapshot and metrics behind /healthz and /metrics (bot/health.py, bot/metrics.py)."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.config import Config, ConfigError
from bot.db.target import redact as redact_url
from bot.health import Health
from bot.hub import Hub
from bot.metrics import Metrics


def test_a_database_url_is_shown_without_its_password() -> None:
    shown = redact_url("postgresql://l4a:s3cr%40t@db.example.org:5432/forum?sslmode=require")
    assert shown == "postgresql://l4a:***@db.example.org:5432/forum"
    assert "s3cr" not in shown
    assert redact_url("postgresql://db.example.org/forum?password=x") == (
        "postgresql://db.example.org/forum"
    )
    assert redact_url("data/l4a-bot.sqlite3") == "data/l4a-bot.sqlite3"


def test_the_snapshot_shows_the_database_redacted() -> None:
    health = Health()
    health.store_opened("postgresql://l4a:hunter2@db/forum", 10, 10)
    assert "hunter2" not in str(health.snapshot())


def test_two_apps_have_separate_registries() -> None:
    one, two = Metrics(), Metrics()
    one.vote("console")
    assert one.votes.labels("console")._value.get() == 1
    assert two.votes.labels("console")._value.get() == 0


def test_a_role_is_leader_or_standby() -> None:
    health = Health()
    assert health.role == "leader"
    health.role = "standby"
    assert health.role == "standby"
    with pytest.raises(ValueError, match="leader' or 'standby"):
        health.role = "boss"  # type: ignore[assignment]


async def test_a_slow_refresher_does_not_hold_a_scrape(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import bot.health

    monkeypatch.setattr(bot.health, "REFRESH_SECONDS", 0.05)
    health = Health()

    async def stuck() -> None:
        await asyncio.sleep(10)

    health.refreshers.append(stuck)
    with caplog.at_level(logging.WARNING):
        await asyncio.wait_for(health.refresh(), 1)
    assert "not refreshed" in caplog.text


@pytest.mark.parametrize(
    ("ops", "message"),
    [
        ({"port": 70000}, "less than or equal to 65535"),
        ({"port": -1}, "greater than or equal to 0"),
        ({"host": "not a host"}, "is not an IP address or host name"),
        ({"late_seconds": 0}, "greater than or equal to 1"),
        ({"prot": 9180}, "prot"),
    ],
)
def test_ops_config_is_validated(ops: dict[str, object], message: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from bot.config import load_config

    lines = [f"{k} = {v!r}".replace("'", '"') for k, v in ops.items()]
    path = tmp_path / "c.toml"
    path.write_text("[ops]\n" + "\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_config(path)


def test_ops_defaults_listen_locally_on_9180() -> None:
    ops = Config().ops
    assert (ops.host, ops.port, ops.console) == ("127.0.0.1", 9180, False)
    assert Config.model_validate({"ops": {"port": 0, "host": "localhost"}}).ops.port == 0


async def test_a_standby_front_is_not_a_problem_and_each_front_shows_its_own_role(
    hub: Hub,
) -> None:
    """Several processes on PostgreSQL: this one leads Matrix and stands by for Discord."""
    hub.roles.update(discord="standby", matrix="leader")
    hub.health.expect("discord")
    hub.health.expect("matrix")
    hub.health.up("matrix")
    snap = hub.health.snapshot()
    assert snap["ready"] and snap["role"] == "leader"
    assert snap["fronts"]["discord"]["role"] == "standby"
    assert snap["fronts"]["matrix"]["role"] == "leader"
    hub.health.down("matrix", "sync failed")
    assert hub.health.problems() == ["matrix: sync failed"]  # the led front counts
    hub.roles["matrix"] = "standby"
    assert hub.health.snapshot()["role"] == "standby" and hub.health.ready


async def test_a_standby_that_cannot_reach_the_database_is_not_ready(hub: Hub) -> None:
    """The server gone: every process fences and waits as a standby, so nobody leads; each
    used to say ready (200) while the forum was silent."""
    hub.roles.update(console="standby")
    hub.health.expect("console")
    assert hub.health.ready
    hub.health.store_reached("lease:console", "cannot reach the database: Connect call failed")
    snap = hub.health.snapshot()
    assert not snap["ready"] and snap["role"] == "standby"
    assert snap["problems"] == ["store: cannot reach the database: Connect call failed"]
    hub.health.store_reached("lease:console", None)
    assert hub.health.ready
