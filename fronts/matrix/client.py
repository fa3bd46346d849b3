"""The Matrix bot: sync loop, invites, who is a moderator, and routing events to handlers.

Robustness, in order of the sync loop:

- the first sync of a fresh database only learns where "now" is: nothing in its timeline is
  answered (it all happened before the bot was there); later syncs resume from the saved token,
  so commands typed while the bot was down or restarting are in the next batch: those at most
  ``matrix.catch_up_minutes`` old (``origin_server_ts`` against the wall clock, not the
  rehearsal clock) are answered, once (the handled-events record); older ones get one "sorry,
  I was offline" per room and run (:mod:`fronts.matrix.catchup`). In a room the bot was just
  invited to, nothing from before its join is answered; its own events never are;
- the sync token (``next_batch``) is saved after each batch is handled; commands are recorded
  with their answer before it is sent (see :mod:`fronts.matrix.commands`), so a reconnect or a
  restart neither loses nor repeats an answer;
- when the homeserver is away, or answers ``/sync`` with something that is not a sync response,
  the loop logs it and retries after 1 s, 2 s, 4 s… up to ``matrix.max_backoff_seconds`` (at
  least the ``retry_after_ms`` of a 429); a rejected access token stops the bot
  (:class:`TokenRejected`).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any

from mautrix.api import Method, Path
from mautrix.client import ClientAPI
from mautrix.errors import MatrixInvalidToken
from mautrix.types import RoomID, SyncToken

from bot.announce.told import told_of
from bot.hub import Hub
from bot.outbox import DeliveryError
from fronts.matrix import ratelimit
from fronts.matrix.catchup import ANSWER, SORRY, CatchUp, after_my_join, malformed
from fronts.matrix.commands import Commands
from fronts.matrix.errors import VotesNotSaved, describe, is_transient, retry_after
from fronts.matrix.outbox import FRONT, M_DIRECT, MatrixOutbox
from fronts.matrix.polls import END_TYPES, REDACTION, RESPONSE_TYPES, START, MatrixPolls
from fronts.matrix.power import CREATE, POWER_LEVELS, Power
from fronts.matrix.state import MatrixState, Outgoing

log = logging.getLogger("l4a.matrix")
MEMBER = "m.room.member"
ENCRYPTION = "m.room.encryption"  # the room is end-to-end encrypted: the bot cannot read it
ENCRYPTED = "m.room.encrypted"
_ROOM_FILTER: dict[str, Any] = {
    "timeline": {
        "limit": 200,
        "types": [
            "m.room.message",
            ENCRYPTED,
            POWER_LEVELS,
            MEMBER,
            ENCRYPTION,
            CREATE,
            REDACTION,
            *sorted(RESPONSE_TYPES),
            *sorted(END_TYPES),
        ],
    },
    "state": {"types": [POWER_LEVELS, CREATE, MEMBER, ENCRYPTION], "lazy_load_members": True},
    "ephemeral": {"types": []},
    "account_data": {"types": []},
}
GAP_PAGE, GAP_PAGES = 1000, 100
GAP_FILTER = json.dumps({"types": _ROOM_FILTER["timeline"]["types"]})
FILTER = json.dumps(
    {"presence": {"types": []}, "account_data": {"types": [M_DIRECT]}, "room": _ROOM_FILTER}
)
FIRST_FILTER = json.dumps(  # the first sync of a fresh database: state only, no history
    {
        "presence": {"types": []},
        "account_data": {"types": [M_DIRECT]},
        "room": {**_ROOM_FILTER, "timeline": {"limit": 0}},
    }
)


class TokenRejected(Exception):
    """The homeserver does not accept the bot's access token (or password)."""


def server_of(user_id: str) -> str:
    return user_id.split(":", 1)[1] if ":" in user_id else ""


class MatrixBot:
    def __init__(self, hub: Hub, api: ClientAPI) -> None:
        self.hub = hub
        self.api = api
        self.config = hub.config.matrix
        self.user_id = str(api.mxid)
        self.state = MatrixState(hub.store.database)
        ratelimit.install(api)  # 429s keep their retry_after_ms
        self.outbox = MatrixOutbox(
            api, self.state, hub.clock, max_wait=self.config.max_backoff_seconds
        )
        self.outbox.metrics = hub.health.metrics
        self.commands = Commands(self)
        self.polls = MatrixPolls(self, hub.polls)
        self.power = Power(api)
        self.names: dict[tuple[str, str], str] = {}
        self.moderation_rooms: list[str] = []
        self.catch_up = CatchUp(self)
        self.ready = asyncio.Event()
        self.syncs = 0  # completed sync batches (tests and the bench watch it)
        self._retry = False  # some recorded answer waits to be sent again
        self._told_encrypted: set[str] = set()  # rooms told (this run) that the bot cannot read
        #: Called once the first sync is done and the outbox is usable (e.g. to hand
        #: ``bot.outbox`` to the announcer).
        self.on_ready: list[Callable[[MatrixBot], None]] = []

    # -- the loop --------------------------------------------------------------------------------
    async def run(self) -> None:
        """Sync until cancelled."""
        await self.outbox.load()
        for room in self.config.moderation_rooms:
            try:
                self.moderation_rooms.append(await self.outbox.resolve(room))
            except DeliveryError as exc:
                log.warning("moderation room %s: %s", room, exc)
        self.polls.start()
        # Answers recorded but never acknowledged (a crash, an outage): first, so that a poll
        # started just before a crash is known before its responses come in.
        await self._resend_pending()
        token = await self.state.get("next_batch")
        self.catch_up.resuming = token is not None
        backoff = 1.0
        timeout_ms = int(self.config.sync_timeout_seconds * 1000)
        try:
            while True:
                first = token is None
                try:
                    resp = await self.api.sync(
                        since=SyncToken(token) if token is not None else None,
                        timeout=0 if first or not self.ready.is_set() else timeout_ms,
                        # mautrix types this as a FilterID; the spec also takes inline JSON
                        filter_id=FIRST_FILTER if first else FILTER,  # type: ignore[arg-type]
                    )
                except MatrixInvalidToken as exc:
                    raise TokenRejected(describe(exc)) from exc
                except Exception as exc:
                    if not is_transient(exc) and not isinstance(exc, ValueError):
                        raise  # ValueError: a body that is not JSON
                    wait = max(backoff, retry_after(exc) or 0.0)
                    self.hub.health.down(FRONT, f"sync failed: {describe(exc)}")
                    log.warning("sync failed (%s); retrying in %.1f s", describe(exc), wait)
                    await asyncio.sleep(wait)
                    backoff = min(backoff * 2, self.config.max_backoff_seconds)
                    continue
                problem = malformed(resp)
                if problem:
                    self.hub.health.down(FRONT, f"malformed /sync answer: {problem}")
                    log.warning("malformed /sync answer (%s); retrying in %.0f s", problem, backoff)
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, self.config.max_backoff_seconds)
                    continue
                try:
                    await self._handle(resp, first=first, since=token)
                except Exception as exc:
                    if not is_transient(exc):
                        raise
                    # the batch is fetched again from the same token: what was handled is
                    # recorded (commands) or idempotent (votes)
                    log.warning(
                        "sync batch failed (%s); retrying in %.0f s", describe(exc), backoff
                    )
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, self.config.max_backoff_seconds)
                    continue
                if backoff > 1:
                    log.info("homeserver back: syncing again")
                backoff = 1.0
                token = str(resp["next_batch"])
                await self.state.set("next_batch", token)
                self.syncs += 1
                self.hub.health.up(FRONT)  # syncing (the first batch of a start included)
                if not self.ready.is_set():
                    await self._catch_up()
                    self.ready.set()
                    log.info("matrix: %s ready", self.user_id)
                    self.hub.announcer.register(self.outbox)  # build_app stops it
                    await self.hub.announcer.start()
                    for callback in self.on_ready:
                        callback(self)
                else:
                    if self._retry:  # answers the homeserver refused for now (429, 5xx)
                        self._retry = False
                        await self._resend_pending()
                    # decisions taken elsewhere (on Discord, by the CLI) reach hosts within
                    # one sync timeout (the sync loop does not wait for them)
                    await self.commands.deliver_notices(wait=0)
        finally:
            self.hub.health.down(FRONT, "stopped")
            self.hub.announcer.unregister(self.outbox.front)  # shared: the app stops it
            await self.polls.stop()
            await self.state.drain()  # what the homeserver took is noted before we are gone

    async def _catch_up(self) -> None:
        """After the first sync: the notices and timed poll results due, and old handled
        events forgotten."""
        await self.commands.deliver_notices()
        await told_of(self.hub).post_missed_results(self.outbox.front)
        await self.state.prune(self.hub.clock.now())

    async def _resend_pending(self) -> None:
        for event_id, _, events in await self.state.pending():
            await self.send_recorded(event_id, events)

    async def send_recorded(self, event_id: str, events: Outgoing) -> None:
        """Send a recorded answer (again) with transaction ids derived from the command."""
        try:
            sent = await self.outbox.send_all(events, key=f"reply:{event_id}")
        except DeliveryError as exc:
            if not exc.permanent:
                log.warning("answer to %s not sent yet (%s): retried later", event_id, exc)
                self._retry = True
                return
            log.warning("answer to %s cannot be sent: %s", event_id, exc)
            sent = []
        for (room_id, kind, content), sent_id in zip(events, sent, strict=False):
            if kind == START:
                await self.polls.started(int(content["org.local4action.poll_id"]), room_id, sent_id)
        await self.state.done(event_id)

    async def _handle(self, resp: dict[str, Any], *, first: bool, since: str | None) -> None:
        for event in (resp.get("account_data") or {}).get("events", []):
            if event.get("type") == M_DIRECT and isinstance(event.get("content"), dict):
                self.outbox.learn_m_direct(event["content"])
        rooms = resp.get("rooms") or {}
        for room_id, info in (rooms.get("invite") or {}).items():
            await self._invited(room_id, info)
        for room_id in rooms.get("leave") or {}:
            self.power.forget(room_id)
            await self.outbox.forget_room(room_id)
        work = []
        for room_id, info in (rooms.get("join") or {}).items():
            for event in (info.get("state") or {}).get("events", []):
                await self._state_event(room_id, event)
            timeline = info.get("timeline") or {}
            events = timeline.get("events", [])
            joined, events = after_my_join(events, self.user_id)
            if joined:  # just invited: history from before the join is not for the bot
                log.debug("joined %s: its earlier messages are not answered", room_id)
            elif timeline.get("limited") and since and not first and timeline.get("prev_batch"):
                gap = await self._gap(room_id, timeline["prev_batch"], since)
                joined, events = after_my_join([*gap, *events], self.user_id)
            for event in events:
                if "state_key" in event:
                    await self._state_event(room_id, event)
            if not first and events:
                work.append(self._room_events(room_id, events))
        await asyncio.gather(*work)

    async def _gap(self, room_id: str, prev_batch: str, since: str) -> list[dict[str, Any]]:
        """The events a limited timeline left out (more than its limit came at once: a burst of
        poll responses), from ``since`` to ``prev_batch``, oldest first."""
        out: list[dict[str, Any]] = []
        token = prev_batch
        for _ in range(GAP_PAGES):
            page = await self.api.api.request(
                Method.GET,
                Path.v3.rooms[RoomID(room_id)].messages,
                query_params={
                    "from": token,
                    "to": since,
                    "dir": "b",
                    "limit": str(GAP_PAGE),
                    "filter": GAP_FILTER,
                },
            )
            chunk = page.get("chunk") or []
            out.extend(chunk)
            end = page.get("end")
            if not chunk or not end or end == token:
                break
            token = str(end)
        else:
            log.warning(
                "more than %s events missed in %s: the oldest are skipped", len(out), room_id
            )
        out.reverse()
        return out

    async def _room_events(self, room_id: str, events: list[dict[str, Any]]) -> None:
        """One room's new events, in order (rooms are handled side by side)."""
        votes = []
        for event in events:
            if event.get("sender") == self.user_id or "state_key" in event:
                continue
            kind = event.get("type")
            try:
                if kind in RESPONSE_TYPES:
                    vote = self.polls.response(event)
                    if vote is not None:
                        votes.append(vote)
                elif kind == REDACTION:
                    vote = await self.polls.redacted(event)
                    if vote is not None:
                        votes.append(vote)
                elif kind in END_TYPES:
                    await self.polls.ended(room_id, event)
                elif (verdict := self.catch_up.verdict(event)) != ANSWER:
                    if verdict == SORRY and kind == "m.room.message":
                        await self.catch_up.offline(room_id, event)
                elif kind == "m.room.message":
                    await self.commands.message(room_id, event)
                elif kind == ENCRYPTED and room_id not in self._told_encrypted:
                    self._told_encrypted.add(room_id)
                    await self.commands.cannot_read(room_id, event)
            except Exception:
                log.exception("event %s in %s failed", event.get("event_id"), room_id)
        if votes:  # committed before the sync token moves on
            results = await asyncio.gather(*votes, return_exceptions=True)
            failed = [r for r in results if isinstance(r, BaseException)]
            if failed:  # fetched again from the same token: votes are idempotent
                raise VotesNotSaved(f"{len(failed)} poll response(s) not saved: {failed[0]!r}")
            await self.polls.save()

    async def _state_event(self, room_id: str, event: dict[str, Any]) -> None:
        kind, content = event.get("type"), event.get("content") or {}
        if not isinstance(content, dict):
            return
        if kind in (POWER_LEVELS, CREATE):
            self.power.learn(room_id, event)
        elif kind == ENCRYPTION:
            await self.outbox.mark_encrypted(room_id)
        elif kind == MEMBER:
            user = str(event.get("state_key"))
            if isinstance(content.get("displayname"), str):
                self.names[(room_id, user)] = content["displayname"][:100]
            if content.get("membership") in ("leave", "ban") and self.outbox.is_direct(
                room_id, user
            ):
                await self.outbox.forget(user, room_id)

    async def _invited(self, room_id: str, info: dict[str, Any]) -> None:
        events = (info.get("invite_state") or {}).get("events", [])
        mine: dict[str, Any] = next(
            (e for e in events if e.get("type") == MEMBER and e.get("state_key") == self.user_id),
            {},
        )
        inviter = str(mine.get("sender", ""))
        try:
            if not inviter or not self.config.allows_server(server_of(inviter)):
                log.info("refusing the invite to %s from %s", room_id, inviter or "?")
                await self.api.leave_room(RoomID(room_id), reason="This server is not allowed.")
                return
            await self.api.join_room_by_id(RoomID(room_id))
            log.info("joined %s (invited by %s)", room_id, inviter)
            if any(e.get("type") == ENCRYPTION for e in events):
                await self.outbox.mark_encrypted(room_id)  # joined only to say it cannot read
            elif (mine.get("content") or {}).get("is_direct"):
                await self.outbox.remember(inviter, room_id)
        except Exception as exc:
            log.warning("invite to %s from %s: %s", room_id, inviter, describe(exc))

    # -- who is asking ---------------------------------------------------------------------------
    def display_name(self, room_id: str, user_id: str) -> str:
        return self.names.get((room_id, user_id)) or user_id[1:].split(":", 1)[0]

    async def is_moderator(self, user_id: str, room_id: str, *, direct: bool) -> bool:
        """On the allow-list, or at the threshold in the moderation rooms (when configured) or
        in this room (never a direct room, where the user may be an admin); a creator of a
        room version 12 room is above any threshold there (:mod:`fronts.matrix.power`)."""
        if user_id in self.config.moderators:
            return True
        rooms = self.moderation_rooms or ([] if direct else [room_id])
        for room in rooms:
            if await self.power.level(room, user_id) >= self.config.moderator_power_level:
                return True
        return False
