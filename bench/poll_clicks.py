"""Poll clicks through real discord.py dispatch, timed click by click: when each gateway-shaped
INTERACTION_CREATE was handed to ``ConnectionState.parse_interaction_create`` and when its
confirmation left through the interaction webhook (recorded here, never sent).

Two arrival patterns: an instant burst (every click fed as fast as the parser takes them,
yielding to the loop every 100 as a gateway reader does between frames) and a steady rate
(clicks fed on a clock, a few every millisecond). Discord wants an answer within 3 s.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

from discord.webhook.async_ import AsyncWebhookAdapter

from bench.report import percentile
from tests.support.discord_harness import DISCORD_EPOCH_MS

FOLLOWUP: dict[str, Any] = {  # the message Discord returns for a follow-up (abridged)
    "id": "1",
    "channel_id": "1",
    "type": 0,
    "author": {"id": "1", "username": "bot", "discriminator": "0", "avatar": None, "bot": True},
    "timestamp": "2021-10-05T12:00:00+00:00",
    "edited_timestamp": None,
    "tts": False,
    "mention_everyone": False,
    "mentions": [],
    "mention_roles": [],
    "attachments": [],
    "embeds": [],
    "pinned": False,
    "flags": 64,
    "components": [],
}


@dataclass
class Clicks:
    """What a run measured: click → confirmation seconds, and what the bot sent."""

    latencies: list[float]
    seconds: float  # first click fed → last confirmation
    feed_seconds: float
    confirmed: int  # ephemeral "recorded" confirmations
    deferred: int  # clicks first answered with "thinking…" (the commit took over ACK_SECONDS)
    cpu_seconds: float  # CPU time of the process (every thread) from the first click to the last
    extra: dict[str, float] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds

    def pct(self, p: float) -> float:
        return percentile(sorted(self.latencies), p)


class Recorder:
    """Stands in for Discord's interaction endpoints: times and checks every answer, by the
    interaction's token (follow-ups carry only the token)."""

    def __init__(self, expected: int, http_seconds: float = 0.0) -> None:
        self.expected = expected
        self.http_seconds = http_seconds
        self.answered: dict[str, float] = {}
        self.confirmed = 0
        self.deferred = 0
        self.done = asyncio.Event()

    def _confirm(self, token: str, data: dict[str, Any]) -> None:
        if int(data.get("flags") or 0) & 64 and "recorded" in str(data.get("content")):
            self.confirmed += 1
            self.answered[token] = time.perf_counter()
            if len(self.answered) == self.expected:
                self.done.set()

    async def create_interaction_response(
        self, interaction_id: int, token: str, *, params: Any, **_: Any
    ) -> dict[str, Any]:
        if self.http_seconds:
            await asyncio.sleep(self.http_seconds)
        payload = params.payload or {}
        if payload.get("type") in (5, 6):  # "thinking…" or a deferred update
            self.deferred += 1
        self._confirm(token, payload.get("data") or {})
        return {"interaction": {"id": str(interaction_id), "type": 3}}

    async def execute_webhook(
        self, webhook_id: int, token: str, *, payload: Any = None, **_: Any
    ) -> dict[str, Any]:
        if self.http_seconds:
            await asyncio.sleep(self.http_seconds)
        self._confirm(token, payload or {})
        return {**FOLLOWUP, "content": (payload or {}).get("content", "")}


_last_snowflake = 0


def snowflake_at(unix_seconds: float) -> str:
    """An interaction id made at that instant (Discord's clock, which the bot reads from it)."""
    global _last_snowflake
    candidate = (int(unix_seconds * 1000) - DISCORD_EPOCH_MS) << 22
    _last_snowflake = max(candidate, _last_snowflake + 1)
    return str(_last_snowflake)


async def feed(
    parse: Any, payloads: list[dict[str, Any]], *, rate: float | None
) -> tuple[dict[str, float], float]:
    """Hand every payload to the parser, as a burst (``rate=None``) or at ``rate`` per second.
    Returns when each click *arrived* (by token) and how long feeding took. Discord's 3 s run
    from the click, not from when the bot got round to reading it: in a burst every click
    arrives at the start (the gateway holds them all), at a steady rate each arrives on its
    tick; a bot that falls behind pays for it in latency. Each interaction's id (a snowflake,
    which carries Discord's time) is made for its arrival."""
    arrived: dict[str, float] = {}
    start, wall = time.perf_counter(), time.time()
    if rate is None:
        for i, payload in enumerate(payloads):
            payload["id"] = snowflake_at(wall)
            arrived[payload["token"]] = start
            parse(payload)
            if i % 100 == 99:
                await asyncio.sleep(0)  # a gateway reader yields between frames
    else:
        i, n = 0, len(payloads)
        while i < n:
            due = min(n, int((time.perf_counter() - start) * rate) + 1)
            while i < due:
                payload = payloads[i]
                payload["id"] = snowflake_at(wall + i / rate)
                arrived[payload["token"]] = start + i / rate
                parse(payload)
                i += 1
                if i % 100 == 0:
                    await asyncio.sleep(0)
            await asyncio.sleep(0.001)
    return arrived, time.perf_counter() - start


async def timed_clicks(
    parse: Any,
    payloads: list[dict[str, Any]],
    *,
    rate: float | None,
    http_seconds: float = 0.0,
    limit: float = 180.0,
) -> Clicks:
    """Feed the clicks with the interaction webhook recorded; time each one to its confirmation."""
    recorder = Recorder(len(payloads), http_seconds)
    originals = (
        AsyncWebhookAdapter.create_interaction_response,
        AsyncWebhookAdapter.execute_webhook,
    )
    AsyncWebhookAdapter.create_interaction_response = recorder.create_interaction_response  # type: ignore[assignment,method-assign]
    AsyncWebhookAdapter.execute_webhook = recorder.execute_webhook  # type: ignore[assignment,method-assign]
    cpu = time.process_time()
    try:
        fed, feed_seconds = await feed(parse, payloads, rate=rate)
        await asyncio.wait_for(recorder.done.wait(), timeout=limit)
        cpu = time.process_time() - cpu
    finally:
        (
            AsyncWebhookAdapter.create_interaction_response,
            AsyncWebhookAdapter.execute_webhook,
        ) = originals  # type: ignore[method-assign]
    first = min(fed.values())
    latencies = [recorder.answered[token] - fed[token] for token in fed]
    return Clicks(
        latencies=latencies,
        seconds=max(recorder.answered.values()) - first,
        feed_seconds=feed_seconds,
        confirmed=recorder.confirmed,
        deferred=recorder.deferred,
        cpu_seconds=cpu,
    )
