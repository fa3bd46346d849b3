"""A simulated Discord REST API for the reach bench (127.0.0.1 only), enforcing Discord's limits.

Run as its own process (``python -m bench.sim_discord --port P …``) so that its work does not
share the bot's event loop; it prints ``ready`` once listening. Only what the bot's DM path uses:

- ``GET /api/v10/users/@me`` (discord.py's static login);
- ``POST /api/v10/users/@me/channels`` (open a DM channel): a channel that did not exist yet is
  a *new* DM; more than ``--dm-opens`` new DMs within a minute are refused with HTTP 403, JSON
  code 40003 "You are opening direct messages too fast." (as reported by bot authors, e.g.
  davidhozic/discord-advertisement-framework#82; Discord publishes no figure for this cap, so
  it is a parameter). ``--warm`` starts with every follower's DM channel already open;
- ``POST /api/v10/channels/{id}/messages``: per-route bucket of 5 messages per 5 s per channel.
  A thread is a channel with its own id, and Discord computes per-route limits per top-level
  resource (``channel_id``: docs.discord.com/developers/topics/rate-limits), so each thread has
  its own bucket, independent of its parent's and of its siblings'. Each accepted message's
  time and number of ``<@user>`` mentions are kept (``GET /_bench/stats?times``) to time a post
  for many;
- ``POST /api/v10/channels/{id}/threads`` (open a session's private thread) and
  ``PUT /api/v10/channels/{thread}/thread-members/{user}`` (add a follower): Discord publishes
  no figure for these buckets; assumed :data:`THREAD_BUCKET` per parent channel and
  :data:`MEMBER_BUCKET` per thread. A thread holds at most :data:`THREAD_PARTICIPANTS` members,
  its creator (the bot) included: one more is refused with 400, JSON code 30033 "Maximum number
  of thread participants has been reached (1000)" (Discord's JSON error codes); adding a member
  already there changes nothing (204).

Every request counts against the global limit: 50 requests per second per bot token (refused
with 429, ``"global": true``, ``X-RateLimit-Global: true``, ``X-RateLimit-Scope: global``).
Route answers carry ``X-RateLimit-Limit / -Remaining / -Reset / -Reset-After / -Bucket``; a 429
has ``retry_after`` (JSON) and ``Retry-After`` (header), and ``Via`` as Discord's edge sends it
(discord.py takes a 429 without ``Via`` for a Cloudflare ban).

``--scale K`` runs every limit K times faster (rates × K, windows and waits ÷ K), so a bench can
play minutes of traffic in seconds; the bench multiplies the times it measures by K and says
so. ``GET /_bench/stats`` returns the counters as JSON.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from collections import Counter, deque
from typing import Any

from aiohttp import web

GLOBAL_PER_SECOND = 50
MESSAGE_BUCKET = (5, 5.0)  # 5 messages per 5 s per channel (POST /channels/{id}/messages)
# Not published by Discord (a bot reads them from the X-RateLimit headers); assumed here:
THREAD_BUCKET = (5, 5.0)  # POST /channels/{id}/threads, per parent channel
MEMBER_BUCKET = (10, 1.0)  # PUT /channels/{thread}/thread-members/{user}, per thread
DM_OPEN_WINDOW = 60.0  # seconds over which new DM channels are counted
THREAD_PARTICIPANTS = 1000  # Discord JSON error 30033 past it
BOT_ID = "1000"


class Discord:
    def __init__(self, scale: float, dm_opens: int, warm: bool) -> None:
        self.k = scale
        self.dm_opens = dm_opens
        self.warm = warm
        self.channels: dict[str, str] = {}  # recipient -> channel id
        self.opened: deque[float] = deque()
        self.recent: deque[float] = deque()  # accepted requests within the last second
        self.buckets: dict[str, tuple[float, int]] = {}  # key -> (reset at, used)
        self.refused: Counter[str] = Counter()  # identity of a request -> its refusals
        self.stats: Counter[str] = Counter()
        self.started = time.monotonic()
        self.threads = 0
        self.members: dict[str, set[str]] = {}  # thread -> its participants
        self.accepted: list[tuple[float, int]] = []  # (monotonic time, users it mentions)

    # -- limits ----------------------------------------------------------------------------
    def _global(self) -> web.Response | None:
        """At most 50 requests within any second (a sliding window of 1 s / K)."""
        now = time.monotonic()
        span = 1.0 / self.k
        recent = self.recent
        while recent and now - recent[0] >= span:
            recent.popleft()
        if len(recent) < GLOBAL_PER_SECOND:
            recent.append(now)
            return None
        self.stats["refused_global"] += 1
        return self._429(recent[0] + span - now, scope="global")

    def _bucket(self, key: str, limit: int, per: float) -> tuple[web.Response | None, dict]:
        now = time.monotonic()
        span = per / self.k
        reset_at, used = self.buckets.get(key, (now + span, 0))
        if now >= reset_at:
            reset_at, used = now + span, 0
        headers = {
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Bucket": key.split(":")[0],
            "X-RateLimit-Reset": f"{time.time() + reset_at - now:.3f}",
            "X-RateLimit-Reset-After": f"{reset_at - now:.3f}",
        }
        if used >= limit:
            self.stats["refused_route"] += 1
            headers["X-RateLimit-Remaining"] = "0"
            return self._429(reset_at - now, scope="user", headers=headers), headers
        self.buckets[key] = (reset_at, used + 1)
        headers["X-RateLimit-Remaining"] = str(limit - used - 1)
        return None, headers

    def _429(self, retry: float, *, scope: str, headers: dict | None = None) -> web.Response:
        out = dict(headers or {})
        out.update({"Retry-After": str(max(1, math.ceil(retry))), "Via": "1.1 google"})
        out["X-RateLimit-Scope"] = scope
        body: dict[str, Any] = {
            "message": "You are being rate limited.",
            "retry_after": round(retry, 4),
            "global": scope == "global",
        }
        if scope == "global":
            out["X-RateLimit-Global"] = "true"
        return _json(body, status=429, headers=out)

    def _refuse(self, identity: str) -> None:
        self.refused[identity] += 1

    # -- routes ----------------------------------------------------------------------------
    async def me(self, request: web.Request) -> web.Response:
        return _json(_user("1000", "l4a-bench-bot", bot=True))

    async def open_dm(self, request: web.Request) -> web.Response:
        body = await request.json()
        recipient = str(body["recipient_id"])
        self.stats["requests"] += 1
        refused = self._global()
        if refused is not None:
            self._refuse(f"dm:{recipient}")
            return refused
        _, headers = self._bucket("dm-open:", 10_000, 1.0)  # headers only: no route cap known
        channel = self.channels.get(recipient)
        if channel is None and self.warm:
            channel = self.channels[recipient] = _channel_id(recipient)
        if channel is None:
            now = time.monotonic()
            while self.opened and now - self.opened[0] > DM_OPEN_WINDOW / self.k:
                self.opened.popleft()
            if len(self.opened) >= self.dm_opens:
                self.stats["refused_dm_open"] += 1
                self._refuse(f"dm:{recipient}")
                error = {"message": "You are opening direct messages too fast.", "code": 40003}
                return _json(error, status=403, headers=headers)
            self.opened.append(now)
            channel = self.channels[recipient] = _channel_id(recipient)
            self.stats["dm_opened"] += 1
        data = {
            "id": channel,
            "type": 1,
            "last_message_id": None,
            "flags": 0,
            "recipients": [_user(recipient, f"u{recipient}")],
        }
        return _json(data, headers=headers)

    async def send(self, request: web.Request) -> web.Response:
        channel = request.match_info["channel"]
        body = await request.json()
        identity = f"msg:{channel}:{body.get('nonce')}"
        self.stats["requests"] += 1
        refused = self._global()
        if refused is not None:
            self._refuse(identity)
            return refused
        limit, per = MESSAGE_BUCKET
        refused, headers = self._bucket(f"msg:{channel}", limit, per)
        if refused is not None:
            self._refuse(identity)
            return refused
        self.stats["messages"] += 1
        self.accepted.append((time.monotonic(), str(body.get("content", "")).count("<@")))
        data = {
            "id": str(10**17 + self.stats["messages"]),
            "channel_id": channel,
            "author": _user("1000", "l4a-bench-bot", bot=True),
            "content": body.get("content", ""),
            "timestamp": "2021-10-06T10:00:00+00:00",
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": [],
            "pinned": False,
            "type": 0,
            "nonce": body.get("nonce"),
        }
        return _json(data, headers=headers)

    async def start_thread(self, request: web.Request) -> web.Response:
        """POST /channels/{id}/threads (a private thread without a starter message)."""
        parent = request.match_info["channel"]
        body = await request.json()
        self.stats["requests"] += 1
        refused = self._global()
        if refused is None:
            refused, headers = self._bucket(f"thread:{parent}", *THREAD_BUCKET)
        if refused is not None:
            self._refuse(f"thread:{parent}:{body.get('name')}")
            return refused
        self.threads += 1
        self.stats["threads"] += 1
        self.members[str(9 * 10**17 + self.threads)] = {BOT_ID}
        data = {"id": str(9 * 10**17 + self.threads), "type": body.get("type", 12),
                "parent_id": parent, "name": body.get("name", "")}  # fmt: skip
        return _json(data, status=201, headers=headers)

    async def add_member(self, request: web.Request) -> web.Response:
        """PUT /channels/{thread}/thread-members/{user}: 204."""
        thread, user = request.match_info["channel"], request.match_info["user"]
        self.stats["requests"] += 1
        refused = self._global()
        if refused is None:
            refused, headers = self._bucket(f"member:{thread}", *MEMBER_BUCKET)
        if refused is not None:
            self._refuse(f"member:{thread}:{user}")
            return refused
        members = self.members.setdefault(thread, {BOT_ID})
        if user not in members and len(members) >= THREAD_PARTICIPANTS:
            self.stats["refused_thread_full"] += 1
            self._refuse(f"member:{thread}:{user}")
            error = {"message": "Maximum number of thread participants has been reached (1000)",
                     "code": 30033}  # fmt: skip
            return _json(error, status=400, headers=headers)
        if user not in members:
            members.add(user)
            self.stats["members_added"] += 1
        return web.Response(status=204, headers=headers)

    async def report(self, request: web.Request) -> web.Response:
        twice = sum(1 for n in self.refused.values() if n >= 2)
        most = max(self.refused.values(), default=0)
        accepted = [[t, n] for t, n in self.accepted if n] if "times" in request.query else []
        stats = {**self.stats, "refused_twice": twice, "most_refusals": most}
        return _json({**stats, "mention_times": accepted})


def _json(data: Any, status: int = 200, headers: dict | None = None) -> web.Response:
    """JSON with a bare ``application/json`` type: discord.py compares the header exactly."""
    out = {**(headers or {}), "Content-Type": "application/json"}
    return web.Response(body=json.dumps(data).encode(), status=status, headers=out)


def _channel_id(recipient: str) -> str:
    return str(int(recipient) + 1)


def _user(uid: str, name: str, *, bot: bool = False) -> dict[str, Any]:
    return {
        "id": uid,
        "username": name,
        "discriminator": "0",
        "global_name": None,
        "avatar": None,
        "bot": bot,
    }


def app(sim: Discord) -> web.Application:
    application = web.Application()
    application.add_routes(
        [
            web.get("/api/v10/users/@me", sim.me),
            web.post("/api/v10/users/@me/channels", sim.open_dm),
            web.post("/api/v10/channels/{channel}/messages", sim.send),
            web.post("/api/v10/channels/{channel}/threads", sim.start_thread),
            web.put("/api/v10/channels/{channel}/thread-members/{user}", sim.add_member),
            web.get("/_bench/stats", sim.report),
        ]
    )
    return application


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--dm-opens", type=int, default=30, help="new DM channels per minute")
    parser.add_argument("--warm", action="store_true", help="every DM channel exists already")
    args = parser.parse_args()
    sim = Discord(args.scale, args.dm_opens, args.warm)
    web.run_app(
        app(sim), host="127.0.0.1", port=args.port, print=lambda *_: print("ready", flush=True)
    )


if __name__ == "__main__":
    main()
