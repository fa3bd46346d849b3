"""Benchmark: the ``!next`` round trip through a local Synapse, next to a bare echo bot's.

Run from the repository root (``make bench-matrix``)::

    .venv/bin/python -m bench.bench_matrix [ROUNDS]

It starts the test Synapse (``tests/support/synapse.py``: 127.0.0.1, SQLite, raised rate
limits), then two bots side by side, each in its own room:

- the real :class:`fronts.matrix.client.MatrixBot` on a hub (bundled programme, frozen clock at
  the forum, a temporary SQLite database) answering ``!next``;
- a bare echo bot: the same kind of mautrix long-poll sync loop, answering every ``m.text`` with
  an ``m.notice`` reply and doing nothing else: the floor the homeserver and sync impose.

One client, syncing as Element does, times from sending its message to seeing the answer in its
own sync; the two bots are asked in turn, so both see the same machine. Each figure is printed
next to its limit with ``OK`` or ``MISSED``; the exit status stays 0.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for `python bench/...py`

from contextlib import AsyncExitStack

import aiohttp
from mautrix.client import ClientAPI
from mautrix.types import EventType, RoomID, UserID

from bot.app import build_app
from bot.clock import FrozenClock
from bot.config import BUNDLED_SCHEDULE, Config
from bot.programme import load_programme
from bot.store import Store
from fronts.matrix.client import MatrixBot
from fronts.runner import cancel_and_wait
from tests.support.matrix_client import Client
from tests.support.synapse import SERVER_NAME, Account, Synapse

ROUNDS, WARMUP = 200, 10
LIMIT_P50_MS = 200.0  # a person in a chat room waiting for the answer
LIMIT_P99_MS = 1_000.0
FORUM_MORNING = datetime(2021, 10, 6, 9, 50, tzinfo=UTC)
ECHO_FILTER = json.dumps(
    {
        "presence": {"types": []},
        "account_data": {"types": []},
        "room": {
            "timeline": {"limit": 50, "types": ["m.room.message"]},
            "state": {"types": []},
            "ephemeral": {"types": []},
        },
    }
)


async def echo_bot(api: ClientAPI) -> None:
    """Answer every ``m.text`` with an ``m.notice`` reply carrying the same text."""
    since = (await api.sync(timeout=0, filter_id=ECHO_FILTER))["next_batch"]  # type: ignore[arg-type]
    while True:
        resp = await api.sync(since=since, timeout=30_000, filter_id=ECHO_FILTER)  # type: ignore[arg-type]
        since = resp["next_batch"]
        for room_id, info in (resp.get("rooms") or {}).get("join", {}).items():
            for ev in (info.get("timeline") or {}).get("events", []):
                content = ev.get("content") or {}
                if ev.get("sender") == api.mxid or content.get("msgtype") != "m.text":
                    continue
                await api.send_message_event(
                    RoomID(room_id),
                    EventType.ROOM_MESSAGE,
                    {
                        "msgtype": "m.notice",
                        "body": content.get("body", ""),
                        "m.mentions": {},
                        "m.relates_to": {"m.in_reply_to": {"event_id": ev["event_id"]}},
                    },
                )


def _api(server: Synapse, account: Account, http: aiohttp.ClientSession) -> ClientAPI:
    return ClientAPI(
        UserID(account.user_id),
        device_id=account.device_id,
        base_url=server.url,
        token=account.access_token,
        client_session=http,
    )


def _room(server: Synapse, owner: Account, *members: Account) -> str:
    room = server.request(
        "POST",
        "/_matrix/client/v3/createRoom",
        {"preset": "public_chat"},
        token=owner.access_token,
    )["room_id"]
    for m in members:
        server.request("POST", f"/_matrix/client/v3/join/{room}", {}, token=m.access_token)
    return str(room)


async def round_trip(client: Client, room: str, bot: str, text: str) -> float:
    start = time.perf_counter()
    sent = await client.say(room, text)
    await client.answer_to(room, sent, bot, threaded=True)
    elapsed = time.perf_counter() - start
    client.timeline[room] = []  # keep the scan short
    return elapsed * 1000


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def bench(server: Synapse, rounds: int) -> None:
    bot_account, echo_account = server.register("l4a-bot"), server.register("echo")
    alice = server.register("alice")
    bot_room = _room(server, alice, bot_account)
    echo_room = _room(server, alice, echo_account)
    with tempfile.TemporaryDirectory() as tmp:
        clock = FrozenClock(FORUM_MORNING)
        store = await Store.open(Path(tmp) / "bench.sqlite3", clock)
        config = Config.model_validate(
            {"matrix": {"homeserver": server.url, "user_id": bot_account.user_id}}
        )
        apps = AsyncExitStack()
        hub = await apps.enter_async_context(
            build_app(config, load_programme(BUNDLED_SCHEDULE), store, clock)
        )
        async with aiohttp.ClientSession() as http:
            bot = MatrixBot(hub, _api(server, bot_account, http))
            tasks = [
                asyncio.create_task(bot.run()),
                asyncio.create_task(echo_bot(_api(server, echo_account, http))),
            ]
            await asyncio.wait_for(bot.ready.wait(), 30)
            client = Client(http, server.url, alice, None)
            await client.sync(0)
            times: dict[str, list[float]] = {"next": [], "echo": []}
            try:
                for i in range(rounds + WARMUP):
                    t_next = await round_trip(client, bot_room, bot_account.user_id, "!next")
                    t_echo = await round_trip(client, echo_room, echo_account.user_id, "!next")
                    if i >= WARMUP:
                        times["next"].append(t_next)
                        times["echo"].append(t_echo)
            finally:
                await cancel_and_wait(tasks)
                await apps.aclose()
                await store.close()
    print(f"\n`!next` round trip through Synapse ({SERVER_NAME} on 127.0.0.1), {rounds} rounds")
    print("| bot | median | p99 | max | limit | |")
    print("|---|---|---|---|---|---|")
    limit = f"p50 ≤ {LIMIT_P50_MS:.0f} ms, p99 ≤ {LIMIT_P99_MS:.0f} ms"
    for name, label in (("echo", "bare echo bot (mautrix sync loop)"), ("next", "l4a-bot `!next`")):
        values = times[name]
        p50, p99 = statistics.median(values), _pct(values, 99)
        verdict = "OK" if p50 <= LIMIT_P50_MS and p99 <= LIMIT_P99_MS else "MISSED"
        shown = (limit, verdict) if name == "next" else ("—", "")
        print(
            f"| {label} | {p50:.1f} ms | {p99:.1f} ms | {max(values):.1f} ms | "
            f"{shown[0]} | {shown[1]} |"
        )
    extra = statistics.median(times["next"]) - statistics.median(times["echo"])
    print(f"\nThe bot's own work (median difference): {extra:.1f} ms")


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else ROUNDS
    with tempfile.TemporaryDirectory() as tmp:
        server = Synapse(Path(tmp) / "synapse")
        started = time.perf_counter()
        try:
            server.start()
            print(f"Synapse answered after {time.perf_counter() - started:.2f} s")
            asyncio.run(bench(server, rounds))
        finally:
            server.stop()


if __name__ == "__main__":
    main()
