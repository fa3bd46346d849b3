"""``MatrixOutbox``: the :class:`bot.outbox.Outbox` of the Matrix front.

``post(channel, reply)`` sends to a room id or alias; ``direct(user_id, reply)`` to the user's
direct-message room, created on first use (``is_direct``, the user invited) and remembered both
in the bot's store and in its ``m.direct`` account data, so a restart, even on an empty
database, finds the same room again. Both take an optional ``key`` (by default the announcer's
ledger key, ``bot.announce.fanout.DELIVERY_KEY``): the transaction ids are then
derived from it (and from a random scope kept in the database), and the homeserver drops a
resend of the same key from the same device (a retry after a lost answer, a restart in the
middle of a delivery) instead of posting it twice.

Rate limits: a 429 (``M_LIMIT_EXCEEDED``) is waited out as the homeserver asks
(``retry_after_ms``, capped at ``max_wait`` seconds; 1 s, 2 s, 4 s… when it does not say), then
the same event is sent again, up to :data:`RATE_TRIES` times. While the homeserver is limiting
the bot (and for :data:`CALM` seconds after), sends go one at a time, in order, spaced by the
longest ``retry_after_ms`` asked, so a burst of answers does not turn into a burst of refusals.
``refusals`` counts the 429s.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import secrets
import time
from collections.abc import Sequence
from typing import Any

from mautrix.client import ClientAPI
from mautrix.types import EventType, RoomAlias, RoomID, UserID

from bot.announce.fanout import DELIVERY_KEY
from bot.announce.model import GroupMode
from bot.clock import Clock
from bot.doc import Reply
from bot.metrics import Metrics
from bot.outbox import DeliveryError
from fronts.matrix import render
from fronts.matrix.errors import describe, is_rate_limited, is_transient, retry_after
from fronts.matrix.state import MatrixState, Outgoing

log = logging.getLogger("l4a.matrix")
FRONT = "matrix"
M_DIRECT = "m.direct"
SCOPE = "txn_scope"
RATE_TRIES = 6  # sends of one event while the homeserver answers 429
CALM = 30.0  # seconds without a 429 before sends run side by side again


def txn_id(key: str, index: int = 0) -> str:
    """A transaction id that is the same for the same ``key`` every time."""
    return f"l4a.{hashlib.sha256(key.encode()).hexdigest()[:40]}.{index}"


class MatrixOutbox:
    front = FRONT

    def __init__(
        self, api: ClientAPI, state: MatrixState, clock: Clock, *, max_wait: float = 60.0
    ) -> None:
        self.api = api
        self.max_wait = max_wait
        self.refusals = 0  # 429s received (tests and the bench read it)
        self.metrics = Metrics()  # the app's: MatrixBot hands it over (l4a_rate_limited_total)
        self._paused_until = 0.0  # time.monotonic(): no send before this
        self._calm_at = 0.0  # until then sends wait their turn
        self._turn = asyncio.Lock()
        self._pace = 0.0  # the longest retry_after while limited: the gap between sends
        self.state = state
        self.clock = clock
        self.rooms: dict[str, str] = {}  # user id -> direct room id
        #: End-to-end encrypted rooms: never used as direct rooms (the bot cannot read them).
        self.encrypted: set[str] = set()
        self._aliases: dict[str, str] = {}
        self._lock = asyncio.Lock()  # one direct-room creation at a time
        #: Keys are unique within one database (notice 7, poll 3…); this database's own random
        #: scope keeps them apart from another database's on the same device.
        self.scope = ""

    # -- direct rooms --------------------------------------------------------------------------
    async def load(self) -> None:
        """The direct rooms from the store, then from ``m.direct`` (a fresh database reuses the
        rooms the bot already has), and this database's transaction scope."""
        self.rooms.update(await self.state.direct_rooms())
        try:
            self.learn_m_direct(dict(await self.api.get_account_data(M_DIRECT)))
        except Exception as exc:  # none yet, or the homeserver is away: sync brings it later
            log.debug("m.direct not read: %s", describe(exc))
        scope = await self.state.get(SCOPE)
        if scope is None:
            scope = secrets.token_hex(8)
            await self.state.set(SCOPE, scope)
        self.scope = scope

    def learn_m_direct(self, content: dict[str, Any]) -> None:
        """The bot's ``m.direct`` account data (from sync): rooms the store does not know yet."""
        for user, rooms in content.items():
            usable = (
                [str(r) for r in rooms if r not in self.encrypted]
                if isinstance(rooms, list)
                else []
            )
            if usable and user not in self.rooms:
                self.rooms[user] = usable[-1]

    def is_direct(self, room_id: str, user_id: str | None = None) -> bool:
        if user_id is not None:
            return self.rooms.get(user_id) == room_id
        return room_id in self.rooms.values()

    async def remember(self, user_id: str, room_id: str) -> None:
        """``room_id`` is the direct room with ``user_id``: in the store and in ``m.direct``
        (then in memory: once known here, it is saved)."""
        await self.state.set_direct(user_id, room_id, self.clock.now())
        try:
            try:
                current = dict(await self.api.get_account_data(M_DIRECT))
            except Exception as exc:  # none yet (404), or unreadable: start afresh
                log.debug("no m.direct yet: %s", describe(exc))
                current = {}
            rooms = [r for r in current.get(user_id, []) if r != room_id]
            current[user_id] = [*rooms, room_id]
            await self.api.set_account_data(M_DIRECT, current)
        except Exception as exc:
            log.warning("could not update m.direct for %s: %s", user_id, describe(exc))
        self.rooms[user_id] = room_id

    async def forget(self, user_id: str, room_id: str) -> None:
        if self.rooms.get(user_id) == room_id:
            del self.rooms[user_id]
        await self.state.forget_direct(user_id, room_id)

    async def mark_encrypted(self, room_id: str) -> None:
        self.encrypted.add(room_id)
        await self.forget_room(room_id)

    async def forget_room(self, room_id: str) -> None:
        for user, room in list(self.rooms.items()):
            if room == room_id:
                await self.forget(user, room)

    async def direct_room(self, user_id: str) -> str:
        """The direct room with ``user_id``, created (and the user invited) if there is none."""
        room = self.rooms.get(user_id)
        if room:
            return room
        async with self._lock:
            room = self.rooms.get(user_id)
            if room:
                return room
            try:
                room = await self.api.create_room(is_direct=True, invitees=[UserID(user_id)])
            except Exception as exc:
                raise DeliveryError(
                    f"cannot open a direct room with {user_id}: {describe(exc)}",
                    permanent=not is_transient(exc),
                ) from exc
            await self.remember(user_id, str(room))
            return str(room)

    # -- sending -------------------------------------------------------------------------------
    async def resolve(self, channel: str) -> str:
        if not channel.startswith("#"):
            return channel
        if channel not in self._aliases:
            try:
                info = await self.api.resolve_room_alias(RoomAlias(channel))
            except Exception as exc:
                raise DeliveryError(
                    f"cannot resolve {channel}: {describe(exc)}", permanent=not is_transient(exc)
                ) from exc
            self._aliases[channel] = str(info.room_id)
        return self._aliases[channel]

    async def contents(
        self,
        room_id: str,
        reply: Reply,
        *,
        in_reply_to: str | None = None,
        skip_failed_uploads: bool = False,
    ) -> Outgoing:
        """The events that show ``reply`` in ``room_id``: the notice, then each attachment
        (uploaded to the media repository now). An upload that fails raises, or with
        ``skip_failed_uploads`` (a command's answer: the text matters most) is left out."""
        out: Outgoing = [(room_id, "m.room.message", render.notice(reply, in_reply_to=in_reply_to))]
        for a in reply.attachments:
            try:
                url = await self.api.upload_media(a.data, mime_type=a.mime, filename=a.filename)
            except Exception as exc:
                if not skip_failed_uploads:
                    raise
                log.warning("attachment %s left out: %s", a.filename, describe(exc))
                continue
            content = render.attachment(
                a.filename, a.mime, str(url), len(a.data), in_reply_to=in_reply_to
            )
            out.append((room_id, "m.room.message", content))
        return out

    async def send_all(self, events: Outgoing, *, key: str | None = None) -> list[str]:
        """Send ``events`` in order; with ``key``, each with its deterministic transaction id.
        Raises :class:`DeliveryError`."""
        sent = []
        for i, (room_id, kind, content) in enumerate(events):
            try:
                event_id = await self._send(
                    room_id, kind, content, txn_id(f"{self.scope}:{key}", i) if key else None
                )
            except Exception as exc:
                raise DeliveryError(
                    f"cannot send to {room_id}: {describe(exc)}",
                    permanent=not is_transient(exc),
                    retry_after=retry_after(exc) if is_rate_limited(exc) else None,
                ) from exc
            sent.append(str(event_id))
        return sent

    async def _send(self, room_id: str, kind: str, content: dict[str, Any], txn: str | None) -> str:
        """One event, waiting out the homeserver's rate limit as it asks."""
        refused = 0
        while True:
            limited = time.monotonic() < self._calm_at
            async with self._turn if limited else contextlib.nullcontext():
                while True:
                    wait = self._paused_until - time.monotonic()
                    if wait > 0:
                        await asyncio.sleep(wait)
                    try:
                        event_id = await self.api.send_message_event(
                            RoomID(room_id),
                            EventType.find(kind, EventType.Class.MESSAGE),
                            # mautrix's annotation omits the plain dict its body sends as is
                            content,  # type: ignore[arg-type]
                            txn_id=txn,
                        )
                    except Exception as exc:
                        if not is_rate_limited(exc):
                            raise
                        self.refusals += 1
                        self.metrics.rate_limited.labels(FRONT).inc()
                        refused += 1
                        if refused >= RATE_TRIES:
                            raise
                        delay = min(retry_after(exc) or 2.0 ** (refused - 1), self.max_wait)
                        now = time.monotonic()
                        # while limited, the gap between sends is the longest wait asked
                        self._pace = max(self._pace, delay) if now < self._calm_at else delay
                        self._paused_until = max(self._paused_until, now + delay)
                        self._calm_at = now + delay + CALM
                        log.info("rate limited by the homeserver: waiting %.1f s", delay)
                        if not limited:
                            break  # now limited: wait for a turn
                        continue  # keep the turn: the order of answers is kept
                    if limited:  # the next send waits as long as the homeserver last asked
                        self._paused_until = time.monotonic() + self._pace
                    return str(event_id)

    async def post(self, channel: str, reply: Reply, *, key: str | None = None) -> None:
        key = key or DELIVERY_KEY.get()
        room = await self.resolve(channel)
        events = await self._contents(room, reply)
        await self.send_all(events, key=key)

    async def direct(self, user_id: str, reply: Reply, *, key: str | None = None) -> None:
        key = key or DELIVERY_KEY.get()
        room = await self.direct_room(user_id)
        try:
            await self.send_all(await self._contents(room, reply), key=key)
        except DeliveryError as exc:
            if not exc.permanent:
                raise
            # The bot left that room (or was kicked): open a new one, once.
            log.info("direct room %s with %s unusable (%s): opening another", room, user_id, exc)
            await self.forget(user_id, room)
            room = await self.direct_room(user_id)
            await self.send_all(await self._contents(room, reply), key=key and key + ":again")

    # -- one post for many (bot.announce.groups.GroupOutbox) -----------------------------------
    async def open_group(self, channel: str, mode: GroupMode, title: str) -> str:
        """A thread in the session's announcement room: its root is a notice naming the
        session; returns the root's event id."""
        room = await self.resolve(channel)
        root = render.notice(Reply().para(f"🧵 {title}"))
        (event_id,) = await self.send_all(
            [(room, "m.room.message", root)], key=f"thread:{room}:{title}"
        )
        return event_id

    async def add_member(self, mode: GroupMode, group: str, user_id: str) -> None:
        """Nothing to do: whoever is in the room sees the thread; the post's mentions notify."""

    async def remove_member(self, mode: GroupMode, group: str, user_id: str) -> None:
        """Nothing to do (see :meth:`add_member`)."""

    async def notify_group(
        self,
        channel: str,
        mode: GroupMode,
        group: str | None,
        members: Sequence[str],
        reply: Reply,
        *,
        key: str | None = None,
    ) -> None:
        """The reminder once (in the thread of ``group``, or in the room), then the followers
        mentioned in as few events as the event size limit allows (~1,000 a 56 KB event, see
        :func:`render.mention_events`), each listed in ``m.mentions``: Synapse's ``rc_message``
        limits events per sender, whatever their room or size."""
        key = key or DELIVERY_KEY.get()
        room = await self.resolve(channel)
        events = await self._contents(room, reply)
        if group:
            for _, _, content in events:
                content["m.relates_to"] = render.thread_relation(group)
        for content in render.mention_events(list(members), thread=group):
            events.append((room, "m.room.message", content))
        await self.send_all(events, key=key)

    async def _contents(self, room: str, reply: Reply) -> Outgoing:
        try:
            return await self.contents(room, reply)
        except Exception as exc:
            raise DeliveryError(
                f"cannot upload an attachment: {describe(exc)}", permanent=not is_transient(exc)
            ) from exc
