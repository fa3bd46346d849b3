"""A small Matrix client for the tests, making the calls Element makes (aiohttp, raw JSON).

It sends messages and native poll responses, and keeps every event its syncs bring, per room and
in order, so a test can read what the bot answered: the first bot message after a command in a
direct room, or the bot's rich reply to it in a group room.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any
from urllib.parse import quote, urlencode

import aiohttp

from tests.support.synapse import Account, Synapse

FILTER = json.dumps(
    {
        "presence": {"types": []},
        "account_data": {"types": []},
        "room": {
            "timeline": {"limit": 200},
            "state": {"lazy_load_members": True},
            "ephemeral": {"types": []},
        },
    }
)
FIRST_FILTER = json.dumps({"presence": {"types": []}, "room": {"timeline": {"limit": 0}}})
WAIT = 20.0  # seconds a test waits for the bot before failing


class MatrixError(Exception):
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(f"{status} {body}")
        self.status = status
        self.errcode = body.get("errcode")


class Client:
    def __init__(
        self, http: aiohttp.ClientSession, base_url: str, account: Account, since: str | None
    ) -> None:
        self.http = http
        self.base_url = base_url
        self.account = account
        self.user_id = account.user_id
        self.since = since
        self.timeline: dict[str, list[dict[str, Any]]] = {}
        self.invites: list[tuple[str, str, bool]] = []  # (room id, inviter, is_direct)
        self.joined_invites = True

    async def request(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.account.access_token}"}
        async with self.http.request(
            method, self.base_url + path, json=body, params=params, headers=headers
        ) as resp:
            data: dict[str, Any] = await resp.json(content_type=None) or {}
            if resp.status >= 400:
                raise MatrixError(resp.status, data)
            return data

    # -- sending --------------------------------------------------------------------------------
    async def send(self, room_id: str, kind: str, content: dict[str, Any]) -> str:
        path = f"/_matrix/client/v3/rooms/{quote(room_id)}/send/{quote(kind)}/{uuid.uuid4().hex}"
        return str((await self.request("PUT", path, content))["event_id"])

    async def say(self, room_id: str, text: str) -> str:
        return await self.send(room_id, "m.room.message", {"msgtype": "m.text", "body": text})

    async def respond(self, room_id: str, poll_event: str, answers: list[str]) -> str:
        """A native poll response, as Element sends it."""
        return await self.send(
            room_id,
            "org.matrix.msc3381.poll.response",
            {
                "m.relates_to": {"rel_type": "m.reference", "event_id": poll_event},
                "org.matrix.msc3381.poll.response": {"answers": answers},
            },
        )

    async def join(self, room_id: str) -> None:
        await self.request("POST", f"/_matrix/client/v3/join/{quote(room_id)}", {})

    async def create_room(self, **body: Any) -> str:
        return str((await self.request("POST", "/_matrix/client/v3/createRoom", body))["room_id"])

    # -- reading --------------------------------------------------------------------------------
    async def sync(self, timeout_ms: int = 0) -> None:
        first = self.since is None
        params = {"timeout": str(0 if first else timeout_ms)}
        params["filter"] = FIRST_FILTER if first else FILTER
        if self.since:
            params["since"] = self.since
        data = await self.request("GET", "/_matrix/client/v3/sync", params=params)
        self.since = str(data["next_batch"])
        rooms = data.get("rooms") or {}
        for room_id, info in (rooms.get("join") or {}).items():
            events = (info.get("timeline") or {}).get("events", [])
            self.timeline.setdefault(room_id, []).extend(events)
        for room_id, info in (rooms.get("invite") or {}).items():
            events = (info.get("invite_state") or {}).get("events", [])
            mine = [e for e in events if e.get("state_key") == self.user_id]
            inviter = str(mine[0].get("sender")) if mine else ""
            direct = bool(mine and (mine[0].get("content") or {}).get("is_direct"))
            self.invites.append((room_id, inviter, direct))
            if self.joined_invites:
                await self.join(room_id)

    def sync_blocking(self, synapse: Synapse) -> None:
        """One immediate sync through ``urllib``: for code that cannot await (``Front.told``);
        the events are already on the server, nothing needs the event loop meanwhile."""
        assert self.since is not None, "sync once (asynchronously) first"
        query = urlencode({"since": self.since, "timeout": "0", "filter": FILTER})
        data = synapse.request(
            "GET", f"/_matrix/client/v3/sync?{query}", token=self.account.access_token
        )
        self.since = str(data["next_batch"])
        for room_id, info in ((data.get("rooms") or {}).get("join") or {}).items():
            events = (info.get("timeline") or {}).get("events", [])
            self.timeline.setdefault(room_id, []).extend(events)

    async def wait_for(self, room_id: str, found: Any, *, within: float = WAIT) -> dict[str, Any]:
        """Sync until ``found(events of room)`` returns an event; fail after ``within`` seconds."""
        deadline = time.monotonic() + within
        while True:
            event = found(self.timeline.get(room_id, []))
            if event is not None:
                return dict(event)
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{self.user_id}: nothing came in {room_id} in {within} s")
            await self.sync(timeout_ms=int(min(left, 5) * 1000))

    async def answer_to(
        self, room_id: str, event_id: str, bot: str, *, threaded: bool
    ) -> dict[str, Any]:
        """The bot's first message after ``event_id``: its rich reply to it (group rooms), or
        simply the next one it sent (direct rooms)."""

        def found(events: list[dict[str, Any]]) -> dict[str, Any] | None:
            ids = [e.get("event_id") for e in events]
            if event_id not in ids:
                return None
            for e in events[ids.index(event_id) + 1 :]:
                if e.get("sender") != bot or e.get("type") != "m.room.message":
                    continue
                relates = (e.get("content") or {}).get("m.relates_to") or {}
                if not threaded or (relates.get("m.in_reply_to") or {}).get("event_id") == event_id:
                    return e
            return None

        return await self.wait_for(room_id, found)

    def bot_events(self, room_id: str, bot: str, kind: str | None = None) -> list[dict[str, Any]]:
        return [
            e
            for e in self.timeline.get(room_id, [])
            if e.get("sender") == bot and (kind is None or e.get("type") == kind)
        ]


async def settle(*clients: Client) -> None:
    """One immediate sync each: everything already on the server is in the timelines."""
    await asyncio.gather(*(c.sync(0) for c in clients))
