"""A simulated Matrix homeserver for the reach bench (127.0.0.1 only), with Synapse's default
per-user rate limits.

Run as its own process (``python -m bench.sim_matrix --port P …``); prints ``ready``. Only what
the bot's DM path uses: ``whoami``, the ``m.direct`` account data, ``createRoom`` and
``PUT /rooms/{room}/send/{type}/{txn}`` (the time of each accepted event and the number of
users its ``m.mentions`` names are kept: ``GET /_bench/stats?times``). Limits, as Synapse
1.163 ships them
(``synapse/config/ratelimiting.py``; documented under ``rc_message`` and ``rc_room_creation``
in Synapse's configuration manual):

- ``rc_message``: per_second 0.2, burst_count 10 (every event a user sends);
- ``rc_room_creation``: per_second 0.016, burst_count 10.

Synapse's limiter is a leaky bucket: ``burst_count`` actions at once, then ``per_second``. A
refused request gets 429 ``M_LIMIT_EXCEEDED`` with ``retry_after_ms`` (and ``Retry-After``). A
transaction id already seen returns the first event again without counting (Synapse's
idempotency). ``--exempt`` removes the limits (the admin API's ``override_ratelimit``).
``--scale K`` runs the limits K times faster. ``GET /_bench/stats``: the counters as JSON.
"""

from __future__ import annotations

import argparse
import math
import time
from collections import Counter
from typing import Any

from aiohttp import web

RC_MESSAGE = (0.2, 10)
RC_ROOM_CREATION = (0.016, 10)
V3 = "/_matrix/client/v3"


class Bucket:
    """Synapse's leaky bucket: ``burst`` at once, leaking ``rate`` actions a second."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, burst
        self.level, self.at = 0.0, time.monotonic()

    def take(self) -> float | None:
        """``None`` if allowed (and counted), else the seconds to wait."""
        now = time.monotonic()
        self.level = max(0.0, self.level - (now - self.at) * self.rate)
        self.at = now
        if self.level + 1 <= self.burst:
            self.level += 1
            return None
        return (self.level + 1 - self.burst) / self.rate


class Matrix:
    def __init__(self, scale: float, exempt: bool) -> None:
        self.exempt = exempt
        self.messages = Bucket(RC_MESSAGE[0] * scale, RC_MESSAGE[1])
        self.rooms = Bucket(RC_ROOM_CREATION[0] * scale, RC_ROOM_CREATION[1])
        self.events: dict[str, str] = {}  # txn -> event id
        self.direct: dict[str, Any] = {}
        self.refused: Counter[str] = Counter()
        self.stats: Counter[str] = Counter()
        self.accepted: list[tuple[float, int]] = []  # (monotonic time, users it mentions)

    def _limit(self, bucket: Bucket, identity: str) -> web.Response | None:
        if self.exempt:
            return None
        wait = bucket.take()
        if wait is None:
            return None
        self.refused[identity] += 1
        self.stats["refused"] += 1
        ms = math.ceil(wait * 1000)
        body = {"errcode": "M_LIMIT_EXCEEDED", "error": "Too Many Requests", "retry_after_ms": ms}
        return web.json_response(
            body, status=429, headers={"Retry-After": str(max(1, math.ceil(wait)))}
        )

    async def versions(self, request: web.Request) -> web.Response:
        return web.json_response({"versions": ["v1.11"]})

    async def whoami(self, request: web.Request) -> web.Response:
        return web.json_response({"user_id": "@bot:bench.local", "device_id": "BENCH"})

    async def get_direct(self, request: web.Request) -> web.Response:
        if not self.direct:
            body = {"errcode": "M_NOT_FOUND", "error": "Account data not found"}
            return web.json_response(body, status=404)
        return web.json_response(self.direct)

    async def put_direct(self, request: web.Request) -> web.Response:
        self.direct = await request.json()
        return web.json_response({})

    async def create_room(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.stats["requests"] += 1
        refused = self._limit(self.rooms, f"room:{body.get('invite')}")
        if refused is not None:
            return refused
        self.stats["rooms"] += 1
        return web.json_response({"room_id": f"!r{self.stats['rooms']}:bench.local"})

    async def send(self, request: web.Request) -> web.Response:
        txn = request.match_info["txn"]
        body = await request.json()
        self.stats["requests"] += 1
        if txn in self.events:
            return web.json_response({"event_id": self.events[txn]})
        refused = self._limit(self.messages, f"txn:{txn}")
        if refused is not None:
            return refused
        self.stats["messages"] += 1
        mentioned = len((body.get("m.mentions") or {}).get("user_ids") or [])
        if mentioned:
            self.accepted.append((time.monotonic(), mentioned))
        event = self.events[txn] = f"$e{self.stats['messages']}"
        return web.json_response({"event_id": event})

    async def report(self, request: web.Request) -> web.Response:
        twice = sum(1 for n in self.refused.values() if n >= 2)
        most = max(self.refused.values(), default=0)
        accepted = [list(a) for a in self.accepted] if "times" in request.query else []
        stats = {**self.stats, "refused_twice": twice, "most_refusals": most}
        return web.json_response({**stats, "mention_times": accepted})


def app(sim: Matrix) -> web.Application:
    application = web.Application()
    user = V3 + "/user/{user}/account_data/m.direct"
    application.add_routes(
        [
            web.get("/_matrix/client/versions", sim.versions),
            web.get(V3 + "/account/whoami", sim.whoami),
            web.get(user, sim.get_direct),
            web.put(user, sim.put_direct),
            web.post(V3 + "/createRoom", sim.create_room),
            web.put(V3 + "/rooms/{room}/send/{type}/{txn}", sim.send),
            web.get("/_bench/stats", sim.report),
        ]
    )
    return application


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--exempt", action="store_true", help="no rate limits (override)")
    args = parser.parse_args()
    sim = Matrix(args.scale, args.exempt)
    web.run_app(
        app(sim), host="127.0.0.1", port=args.port, print=lambda *_: print("ready", flush=True)
    )


if __name__ == "__main__":
    main()
