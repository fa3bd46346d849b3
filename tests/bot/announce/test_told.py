"""Decisions told to hosts are ledger deliveries, the same on every front: told once across a
restart in the middle of a send, retried after a transient failure, given up after a permanent
one, and logged. Each front's real outbox is used where it runs without a server (the console's
printed-keys table; Discord's outbox over a stand-in gateway that drops a repeated nonce as
Discord does with ``enforce_nonce``); Matrix's is stood in for by a room that drops a repeated
transaction id as the homeserver does (its real outbox is covered in tests/fronts/matrix)."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

import discord
import pytest

from bot.announce.fanout import DELIVERY_KEY
from bot.announce.told import Told, stop_told, told_of
from bot.clock import FrozenClock
from bot.doc import Reply, render_plain
from bot.hub import Hub
from bot.outbox import DeliveryError, Outbox
from bot.polls import replies as poll_replies
from bot.polls.service import Polls
from bot.proposals import moderation, service
from bot.proposals.env import repo_of
from cogs.announce import DiscordOutbox
from fronts.console import Console
from tests.support.proposals import answers, ctx_for, host, moderator

pytestmark = pytest.mark.both_backends

FRONTS = ["console", "discord", "matrix"]
HOST = {"console": "ana", "discord": "4242", "matrix": "@ana:l4a.test"}


class _DiscordGateway:
    """``create_dm`` + ``send`` of discord.py, keeping what a user received; a message whose
    nonce was seen before is dropped, as Discord does with ``enforce_nonce``."""

    def __init__(self) -> None:
        self.received: list[str] = []
        self.nonces: set[int] = set()

    async def create_dm(self, user: discord.abc.Snowflake) -> _DiscordGateway:
        return self

    def get_partial_messageable(self, channel_id: int) -> _DiscordGateway:
        return self

    async def send(
        self, content: str, *, nonce: int | None, files: list[discord.File] = (), **_: Any
    ) -> None:
        if nonce is not None and nonce in self.nonces:
            return
        if nonce is not None:
            self.nonces.add(nonce)
        # discord.utils.MISSING (no files) is falsy, as discord.py reads it
        self.received.append(content + "".join(f"\n[{f.filename}]" for f in files or ()))


class _MatrixRoom:
    """A direct room on a homeserver: a transaction id seen before is dropped."""

    front = "matrix"

    def __init__(self) -> None:
        self.received: list[str] = []
        self.txns: set[str] = set()

    async def post(self, channel: str, reply: Reply) -> None:
        await self.direct(channel, reply)

    async def direct(self, user_id: str, reply: Reply) -> None:
        txn = DELIVERY_KEY.get() or ""
        if txn not in self.txns:
            self.txns.add(txn)
            files = "".join(f"\n[{a.filename}]" for a in reply.attachments)
            self.received.append(render_plain(reply) + files)


class _Flaky:
    """The front's outbox, failing the first ``fail`` sends transiently (or for good), or
    hanging after the first message went out (the process dies before noting it)."""

    def __init__(
        self, inner: Outbox, fail: int = 0, *, permanent: bool = False, hang: bool = False
    ) -> None:
        self.inner, self.front = inner, inner.front
        self.fail, self.permanent, self.hang = fail, permanent, hang
        self.calls = 0

    async def post(self, channel: str, reply: Reply) -> None:
        await self._send(self.inner.post, channel, reply)

    async def direct(self, user_id: str, reply: Reply) -> None:
        await self._send(self.inner.direct, user_id, reply)

    async def _send(self, send: Any, target: str, reply: Reply) -> None:
        self.calls += 1
        if self.calls <= self.fail:
            raise DeliveryError("HTTP 503: the platform is away", permanent=self.permanent)
        await send(target, reply)
        if self.hang:
            await asyncio.Event().wait()


def _platform(hub: Hub, front: str, files: Path | None = None) -> tuple[Outbox, Any]:
    """The front's outbox and a function returning what the host received."""
    if front == "console":
        console = Console(hub, files_dir=files)
        return console.outbox, lambda: [
            a for a in console.announcements if "✉ @ana:" in a or "📣" in a
        ]
    if front == "discord":
        gateway = _DiscordGateway()
        return DiscordOutbox(gateway), lambda: gateway.received  # type: ignore[arg-type]
    room = _MatrixRoom()
    return room, lambda: room.received


async def _decided(hub: Hub, front: str) -> int:
    hub.config.announcements.retry_seconds = 0.01
    caller = host(HOST[front], front=front)
    submitted = await service.submit(ctx_for(hub, caller), 0, answers())
    assert submitted.proposal is not None
    pid = submitted.proposal.id
    await moderation.decide(ctx_for(hub, moderator()), pid, "approved")
    return pid


async def _ledger(hub: Hub, like: str = "dec:%") -> list[tuple[str, str, int]]:
    rows = await hub.store.database.fetch(
        "SELECT key, status, attempts FROM announce_ledger WHERE key LIKE ? ORDER BY key", (like,)
    )
    return [(r[0], r[1], r[2]) for r in rows]


@pytest.mark.parametrize("front", FRONTS)
async def test_a_decision_is_told_once_across_a_restart_in_the_middle_of_its_send(
    hub: Hub, front: str
) -> None:
    pid = await _decided(hub, front)
    outbox, received = _platform(hub, front)
    before = Told(hub)
    before.register(_Flaky(outbox, hang=True))
    assert await before.tell_decisions(front, wait=0.3) == {}  # sent, never noted
    await before.fanout.stop(finish_within=0)  # the process dies here
    assert len(received()) == 1
    key = f"dec:{front}:{pid}:1"
    assert await _ledger(hub) == [(key, "sending", 1)]

    after = Told(hub)  # the restart: the same database, the same platform
    after.register(outbox)
    assert await after.tell_decisions(front) == {pid: "sent"}
    assert len(received()) == 1, "the resend carried the same key: dropped by the platform"
    assert "your proposal #1 is approved" in received()[0]
    assert await _ledger(hub) == [(key, "sent", 2)]
    assert await repo_of(hub).undelivered(front) == []
    assert await after.tell_decisions(front) == {}
    await after.stop()


@pytest.mark.parametrize("front", FRONTS)
async def test_a_decision_is_retried_after_a_transient_failure_and_logged(
    hub: Hub, front: str, caplog: pytest.LogCaptureFixture
) -> None:
    pid = await _decided(hub, front)
    outbox, received = _platform(hub, front)
    told = Told(hub)
    flaky = _Flaky(outbox, fail=1)
    told.register(flaky)
    with caplog.at_level(logging.INFO, logger="bot.announce.told"):
        assert await told.tell_decisions(front) == {pid: "sent"}
    assert flaky.calls == 2 and len(received()) == 1
    key = f"dec:{front}:{pid}:1"
    assert await _ledger(hub) == [(key, "sent", 2)]
    logged = [r.getMessage() for r in caplog.records]
    assert f"decision {key} not told yet (tried again later): HTTP 503: the platform is away" in (
        logged
    )
    assert f"decision {key} told to {front} user {HOST[front]}" in logged
    await told.stop()


@pytest.mark.parametrize("front", FRONTS)
async def test_a_host_who_cannot_be_told_is_reported_and_not_retried(hub: Hub, front: str) -> None:
    pid = await _decided(hub, front)
    outbox, received = _platform(hub, front)
    told = Told(hub)
    flaky = _Flaky(outbox, fail=1, permanent=True)
    told.register(flaky)
    assert await told.tell_decisions(front) == {pid: "failed"}  # Discord says so to the moderator
    assert await told.tell_decisions(front) == {}
    assert flaky.calls == 1 and received() == []
    assert await _ledger(hub) == [(f"dec:{front}:{pid}:1", "failed", 1)]
    await told.stop()


@pytest.mark.parametrize("front", FRONTS)
async def test_a_timed_poll_result_is_posted_once_across_a_restart_in_the_middle_of_its_post(
    hub: Hub, polls: Polls, clock: FrozenClock, front: str, tmp_path: Path
) -> None:
    mod = ctx_for(hub, moderator(HOST[front], front=front))
    _, poll = await poll_replies.start(
        mod, "Best capital?", options="human | social", duration="2m"
    )
    assert poll is not None
    if front != "console":
        await polls.set_message(poll.id, "1234" if front == "discord" else "!room:l4a.test", "m1")
    outbox, received = _platform(hub, front, tmp_path)
    before = told_of(hub)  # the console front registered its outbox with it
    before.register(_Flaky(outbox, hang=True))
    clock.advance(timedelta(minutes=3))
    await polls.close_due()  # the timer closes it: the listener queues its result
    for _ in range(200):
        if received():
            break
        await asyncio.sleep(0.01)
    await before.fanout.stop(finish_within=0)  # the process dies before noting the post
    await stop_told(hub)
    key = f"poll:{front}:{poll.id}:final"
    assert await _ledger(hub, "poll:%") == [(key, "sending", 1)]

    after = Told(hub)  # the restart
    after.register(outbox)
    await after.post_missed_results(front)
    await after.drain()
    [posted] = received()
    assert "Poll #1: final result" in posted and f"[poll-{poll.id}.png" in posted
    assert await _ledger(hub, "poll:%") == [(key, "sent", 2)]
    await after.post_missed_results(front)
    await after.drain()
    assert len(received()) == 1 and await _ledger(hub, "poll:%") == [(key, "sent", 2)]
    await after.stop()


async def test_a_poll_closed_by_a_moderator_posts_no_timed_result(hub: Hub, polls: Polls) -> None:
    _, poll = await poll_replies.start(
        ctx_for(hub, moderator()), "Best capital?", options="human | social", duration="2m"
    )
    assert poll is not None
    outbox, received = _platform(hub, "console")
    told = Told(hub)
    told.register(outbox)
    await polls.close_poll(poll.id, "console:mod")  # the moderator sees the result themselves
    await told.post_missed_results("console")
    await told.drain()
    assert received() == [] and await _ledger(hub, "poll:%") == []
    await told.stop()
