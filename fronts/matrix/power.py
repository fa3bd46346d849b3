"""Who is a moderator in a Matrix room: power levels, and the creators of room version 12.

In room versions with "creator power" (12, which Synapse creates by default, and
``org.matrix.hydra.11``), the sender of ``m.room.create`` and the users in its
``additional_creators`` have unlimited power and are *not* listed in ``m.room.power_levels``
(the homeserver refuses to list them): Element shows them as "Owner". They are moderators here.
"""

from __future__ import annotations

import logging
from typing import Any

from mautrix.api import Method, Path
from mautrix.client import ClientAPI
from mautrix.types import EventType, RoomID

from fronts.matrix.errors import describe

log = logging.getLogger("l4a.matrix")
POWER_LEVELS = "m.room.power_levels"
CREATE = "m.room.create"
CREATOR_POWER = 10**12  # above any power level a room can give
_HYDRA = frozenset({"org.matrix.hydra.11"})


def creators_have_power(room_version: object) -> bool:
    """Room versions whose creators have unlimited power (MSC4289): 12 and later, hydra."""
    version = str(room_version or "1")
    return version in _HYDRA or (version.isdigit() and int(version) >= 12)


def creators_of(create: dict[str, Any]) -> frozenset[str]:
    """The creators an ``m.room.create`` event (with its sender) makes all-powerful, if any."""
    content = create.get("content") or {}
    if not isinstance(content, dict) or not creators_have_power(content.get("room_version")):
        return frozenset()
    found = {str(create.get("sender") or "")}
    extra = content.get("additional_creators")
    if isinstance(extra, list):
        found.update(str(u) for u in extra if isinstance(u, str))
    found.discard("")
    return frozenset(found)


class Power:
    """Power levels and creators per room: from sync's state, else asked of the homeserver."""

    def __init__(self, api: ClientAPI) -> None:
        self.api = api
        self.levels: dict[str, dict[str, Any]] = {}
        self.creators: dict[str, frozenset[str]] = {}

    def learn(self, room_id: str, event: dict[str, Any]) -> None:
        kind = event.get("type")
        if event.get("state_key") != "":
            return
        if kind == POWER_LEVELS and isinstance(event.get("content"), dict):
            self.levels[room_id] = event["content"]
        elif kind == CREATE:
            self.creators[room_id] = creators_of(event)

    def forget(self, room_id: str) -> None:
        self.levels.pop(room_id, None)
        self.creators.pop(room_id, None)

    async def _creators(self, room_id: str) -> frozenset[str]:
        if room_id not in self.creators:
            try:  # the whole event (its sender), not only its content
                event: Any = await self.api.api.request(  # JSON: a dict here
                    Method.GET,
                    Path.v3.rooms[RoomID(room_id)].state[CREATE][""],
                    query_params={"format": "event"},
                )
            except Exception as exc:
                log.warning("creators of %s: %s", room_id, describe(exc))
                return frozenset()
            if "sender" not in event:  # a homeserver without ?format=event: content only
                event = {"sender": event.get("creator", ""), "content": event}
            self.creators[room_id] = creators_of(event)
        return self.creators[room_id]

    async def level(self, room_id: str, user_id: str) -> int:
        if user_id in await self._creators(room_id):
            return CREATOR_POWER
        levels = self.levels.get(room_id)
        if levels is None:
            try:
                got: Any = await self.api.get_state_event(  # content, or a raw dict
                    RoomID(room_id), EventType.ROOM_POWER_LEVELS
                )
                levels = got.serialize() if hasattr(got, "serialize") else dict(got)
            except Exception as exc:
                log.warning("power levels of %s: %s", room_id, describe(exc))
                return 0
            self.levels[room_id] = levels
        users = levels.get("users") or {}
        try:
            return int(users.get(user_id, levels.get("users_default", 0)))
        except (TypeError, ValueError):
            return 0
