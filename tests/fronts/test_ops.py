"""/healthz and /metrics over real HTTP on 127.0.0.1 (fronts/ops.py)."""

from __future__ import annotations

import logging
import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from prometheus_client.parser import text_string_to_metric_families

from bot.announce import follows
from bot.clock import FrozenClock
from bot.config import Config
from bot.hub import Hub
from bot.polls.model import PollSpec, Question
from bot.programme import Programme
from bot.store import Store
from fronts.ops import serve_ops, spawn_ops, start_ops
from tests.conftest import AppOf
from tests.support.announce import FakeOutbox, person, running_bot

T = datetime(2021, 10, 6, 9, 40, tzinfo=UTC)  # 11:40 CEST; hub-oct-6 starts at 12:00 CEST


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
async def ops_url(hub: Hub) -> AsyncIterator[str]:
    port = free_port()
    runner = await start_ops(hub.health, "127.0.0.1", port)
    assert runner is not None
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


async def get(url: str) -> tuple[int, dict[str, str], str]:
    async with aiohttp.ClientSession() as http, http.get(url) as resp:
        return resp.status, dict(resp.headers), await resp.text()


async def healthz(url: str) -> tuple[int, dict[str, Any]]:
    async with aiohttp.ClientSession() as http, http.get(f"{url}/healthz") as resp:
        return resp.status, await resp.json()


async def scrape(url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of /metrics, parsed as Prometheus parses it."""
    status, headers, text = await get(f"{url}/metrics")
    assert status == 200
    assert headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(samples: dict[Any, float], name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


async def test_healthz_is_503_until_the_started_front_is_connected_then_200(
    hub: Hub, ops_url: str
) -> None:
    hub.health.expect("console")
    status, body = await healthz(ops_url)
    assert status == 503
    zero = await scrape(ops_url)  # the front's series are there from the start, at 0
    assert ("l4a_deliveries_late_total", (("front", "console"), ("kind", "announce"))) in zero
    assert ("l4a_outbox_queue_depth", (("front", "console"), ("queue", "dm"))) in zero
    assert body["ready"] is False and body["problems"] == ["console: starting"]
    hub.health.up("console")
    status, body = await healthz(ops_url)
    assert status == 200 and body["ready"] is True and body["problems"] == []
    assert body["role"] == "leader"
    assert body["fronts"]["console"]["connected"] is True
    assert body["programme"]["loaded"] is True and body["programme"]["sessions"] > 0
    store = body["store"]
    assert store["open"] is True and store["schema_version"] == store["known_schema_version"] > 0


async def test_healthz_turns_503_when_a_front_loses_its_platform(hub: Hub, ops_url: str) -> None:
    hub.health.up("matrix")
    status, body = await healthz(ops_url)
    assert status == 200 and body["last_matrix_sync"] is not None
    hub.health.down("matrix", "sync failed: ClientConnectorError")
    status, body = await healthz(ops_url)
    assert status == 503
    assert body["problems"] == ["matrix: sync failed: ClientConnectorError"]
    assert body["fronts"]["matrix"]["connected"] is False
    samples = await scrape(ops_url)
    assert value(samples, "l4a_front_connected", front="matrix") == 0
    assert value(samples, "l4a_ready") == 0


async def test_a_standby_is_ready_while_its_fronts_wait_for_the_lease(
    hub: Hub, ops_url: str
) -> None:
    hub.health.expect("discord")
    hub.roles["discord"] = "standby"  # what the lease code (bot/lease.py) sets
    status, body = await healthz(ops_url)
    assert status == 200 and body["role"] == "standby"
    assert value(await scrape(ops_url), "l4a_leader") == 0


async def test_a_closed_store_is_not_ready(hub: Hub, ops_url: str) -> None:
    hub.health.store_closed()
    status, body = await healthz(ops_url)
    assert status == 503 and body["problems"] == ["store not open"]


async def test_nothing_else_is_served_on_the_ops_port(ops_url: str) -> None:
    assert (await get(f"{ops_url}/"))[0] == 404
    assert (await get(f"{ops_url}/polls"))[0] == 404
    async with aiohttp.ClientSession() as http, http.post(f"{ops_url}/metrics") as resp:
        assert resp.status == 405


async def test_metrics_count_a_sent_reminder_and_its_lateness(
    programme: Programme, db_path: Path
) -> None:
    clock, outbox = FrozenClock(T), FakeOutbox()
    config = Config.model_validate({"announcements": {"retry_seconds": 0}})
    async with running_bot(config, programme, db_path, clock, outbox) as hub:
        port = free_port()
        runner = await start_ops(hub.health, "127.0.0.1", port)
        assert runner is not None
        url = f"http://127.0.0.1:{port}"
        try:
            before = await scrape(url)
            assert value(before, "l4a_deliveries_sent_total", front="console", kind="remind") == 0
            await follows.remind(hub.context(person("ana")), "hub-oct-6")
            clock.set(T + timedelta(minutes=10, seconds=3))  # the reminder, 3 s after due
            await hub.announcer.deliver_due()
            after = await scrape(url)
        finally:
            await runner.cleanup()
    assert len(outbox.to("ana")) == 1
    assert value(after, "l4a_deliveries_due_total", front="console", kind="remind") == 1
    assert value(after, "l4a_deliveries_sent_total", front="console", kind="remind") == 1
    assert value(after, "l4a_deliveries_sent_total", front="console", kind="announce") == 1
    assert value(after, "l4a_deliveries_late_total", front="console", kind="remind") == 0
    # the 15-minute announcement (due 11:45) left 5 min 3 s late: over ops.late_seconds
    assert value(after, "l4a_deliveries_late_total", front="console", kind="announce") == 1
    lateness = "l4a_delivery_lateness_seconds_bucket"
    assert value(after, lateness, front="console", le="2.5") == 0
    assert value(after, lateness, front="console", le="5.0") == 1  # the reminder, 3 s
    assert value(after, lateness, front="console", le="300.0") == 1
    assert value(after, lateness, front="console", le="600.0") == 2
    assert value(after, "l4a_outbox_queue_depth", front="console", queue="dm") == 0
    assert "ana" not in str(after)  # no user in any label


async def test_metrics_count_a_delivery_that_fails_and_one_that_is_late(
    programme: Programme, db_path: Path
) -> None:
    clock, outbox = FrozenClock(T), FakeOutbox(closed={"ana"})
    config = Config.model_validate(
        {"announcements": {"retry_seconds": 0}, "ops": {"late_seconds": 60}}
    )
    async with running_bot(config, programme, db_path, clock, outbox) as hub:
        await follows.remind(hub.context(person("ana")), "hub-oct-6")
        clock.set(T + timedelta(minutes=12))  # 2 minutes after due: late
        await hub.announcer.deliver_due()
        metrics = hub.health.metrics
        failed = metrics.deliveries_failed.labels("console", "remind")._value.get()
        late = metrics.deliveries_late.labels("console", "announce")._value.get()
        sent = metrics.deliveries_sent.labels("console", "announce")._value.get()
    assert outbox.to("ana") == [] and failed == 1
    assert sent == 1 and late == 1  # the 15-minute announcement, sent 2 minutes late


async def test_metrics_count_a_confirmed_vote_and_the_open_polls(hub: Hub, ops_url: str) -> None:
    before = await scrape(ops_url)
    assert value(before, "l4a_polls_open") == 0
    poll = await hub.polls.start(
        PollSpec(Question({"*": "Water first?"}), "yesno"), front="console", by="mod", lang="en"
    )
    await hub.polls.vote(poll.id, "console:ana", 0)
    await hub.polls.vote(poll.id, "discord:123", 1)
    await hub.polls.vote(poll.id + 99, "console:bob", 0)  # no such poll: not counted
    after = await scrape(ops_url)
    assert value(after, "l4a_votes_total", front="console") == 1
    assert value(after, "l4a_votes_total", front="discord") == 1
    assert value(after, "l4a_polls_open") == 1
    assert value(after, "l4a_proposals", status="pending") == 0
    assert value(after, "process_start_time_seconds") > 0
    _, _, text = await get(f"{ops_url}/metrics")
    assert 'l4a_build_info{python="' in text and "ana" not in text and "Water" not in text
    assert "_created" not in text  # no timestamp series beside each counter


async def test_a_second_bot_on_the_same_port_warns_once_and_runs_on(
    hub: Hub,
    ops_url: str,
    app_of: AppOf,
    config: Config,
    programme: Programme,
    store: Store,
    clock: FrozenClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    second = await app_of(config, programme, store, clock)
    port = int(ops_url.rsplit(":", 1)[1])
    with caplog.at_level(logging.WARNING, logger="l4a.ops"):
        await serve_ops(second.health, "127.0.0.1", port)  # returns at once: nothing to serve
    (warning,) = [r for r in caplog.records if r.name == "l4a.ops"]
    assert warning.levelno == logging.WARNING
    assert warning.getMessage().startswith(
        f"ops: cannot serve /healthz and /metrics on 127.0.0.1:{port} (address already in use)"
    )
    assert "runs on" in warning.getMessage() and "\n" not in warning.getMessage()
    # both bots run on: the second answers, the first still serves its port
    poll = await second.polls.start(
        PollSpec(Question({"*": "Q?"}), "yesno"), front="console", by="mod", lang="en"
    )
    assert (await second.polls.vote(poll.id, "console:ana", 0)).status == "recorded"
    assert (await healthz(ops_url))[0] == 200


async def test_port_zero_serves_nothing_and_spawn_uses_the_configured_port(hub: Hub) -> None:
    assert await start_ops(hub.health, "127.0.0.1", 0) is None
    spawn_ops(hub, 0)
    assert hub.supervisor.tasks("ops") == []
    port = free_port()
    spawn_ops(hub, port)
    for _ in range(100):  # the supervised task binds on the loop's next turns
        try:
            status, _ = await healthz(f"http://127.0.0.1:{port}")
            break
        except aiohttp.ClientConnectionError:
            import asyncio

            await asyncio.sleep(0.02)
    assert status == 200
    await hub.supervisor.stop_owner("ops")
    with pytest.raises(aiohttp.ClientConnectionError):
        await healthz(f"http://127.0.0.1:{port}")


async def test_discord_gateway_ready_and_disconnect_drive_the_front_state(hub: Hub) -> None:
    from fronts.discord_client import HubBot

    bot = HubBot(hub, sync_commands=False)
    hub.health.expect("discord")
    bot.dispatch("ready")
    assert hub.health.fronts["discord"].connected
    bot.dispatch("disconnect")
    assert not hub.health.fronts["discord"].connected
    assert hub.health.problems() == ["discord: gateway disconnected"]
    bot.dispatch("resumed")
    assert hub.health.ready
    await bot.close()


def test_the_ops_app_has_exactly_two_routes(hub: Hub) -> None:
    from fronts.ops import make_ops_app

    app = make_ops_app(hub.health)
    paths = {r.resource.canonical for r in app.router.routes() if r.resource is not None}
    assert paths == {"/healthz", "/metrics"}
    assert isinstance(app, web.Application)


def _count(counter: Any, *labels: str) -> float:
    return float(counter.labels(*labels)._value.get())


async def test_what_is_later_than_the_grace_counts_as_late_and_unsent(
    programme: Programme, db_path: Path
) -> None:
    clock = FrozenClock(T)
    config = Config.model_validate({"announcements": {"grace_minutes": 15}})
    async with running_bot(config, programme, db_path, clock, FakeOutbox()):
        pass  # the bot ran at 11:40, then went down
    clock.set(datetime(2021, 10, 6, 10, 10, tzinfo=UTC))  # back at 12:10: 11:45's is 25 min late
    async with running_bot(config, programme, db_path, clock, FakeOutbox()) as hub:
        await hub.announcer.drain()
        metrics = hub.health.metrics
        # 11:45's not sent (past the grace), and 12:00's sent 10 minutes late: both late
        assert _count(metrics.deliveries_late, "console", "announce") == 2
        assert _count(metrics.deliveries_sent, "console", "announce") == 1
        assert _count(metrics.deliveries_due, "console", "announce") == 1


async def test_a_transient_failure_counts_as_a_retry_then_the_delivery_as_sent(
    programme: Programme, db_path: Path
) -> None:
    clock = FrozenClock(T + timedelta(minutes=5))  # 11:45: the 15-minute announcement
    outbox = FakeOutbox(flaky={"announcements": 1})
    config = Config.model_validate({"announcements": {"retry_seconds": 0}})
    async with running_bot(config, programme, db_path, clock, outbox) as hub:
        await hub.announcer.drain()
        metrics = hub.health.metrics
        assert _count(metrics.delivery_retries, "console", "announce") == 1
        assert _count(metrics.deliveries_failed, "console", "announce") == 0
        assert _count(metrics.deliveries_sent, "console", "announce") == 1
    assert len(outbox.to("announcements")) == 1


async def test_the_queue_depth_counts_what_waits_for_the_workers(
    programme: Programme, db_path: Path
) -> None:
    clock = FrozenClock(T)
    async with running_bot(Config(), programme, db_path, clock, FakeOutbox(), start=False) as hub:
        await follows.remind(hub.context(person("ana")), "hub-oct-6")
        window = hub.announcer.plan(T, T + timedelta(hours=1))
        fanout = hub.announcer.fanout
        await fanout.submit(window)  # no worker runs yet: everything waits in its lane
        depth = hub.health.metrics.queue_depth
        assert _count(depth, "console", "post") == sum(not d.private for d in window) > 0
        assert _count(depth, "console", "dm") == sum(d.private for d in window) == 1
        fanout.start()
        await fanout.drain()
        assert _count(depth, "console", "post") == _count(depth, "console", "dm") == 0


async def test_a_vote_on_the_console_front_shows_in_metrics(hub: Hub, ops_url: str) -> None:
    from fronts.console import Console

    console = Console(hub)
    started = await console.handle("@moderator /poll start Lunch at noon? | yes | no") or ""
    assert "Lunch at noon?" in started
    assert value(await scrape(ops_url), "l4a_polls_open") == 1
    answer = await console.handle("@ana /vote 1 1") or ""
    assert answer  # confirmed to ana
    samples = await scrape(ops_url)
    assert value(samples, "l4a_votes_total", front="console") == 1
    await console.handle("@moderator /poll close 1")
    assert value(await scrape(ops_url), "l4a_polls_open") == 0
