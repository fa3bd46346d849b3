"""Events the sync loop did not see live, and ``/sync`` answers it cannot use.

- Catch-up: the sync resumes from the saved token, so what was typed while the bot was down or
  restarting comes in the first batch. A command at most ``matrix.catch_up_minutes`` old is
  answered as usual (the handled-events record makes that exactly once); an older one gets a
  short "sorry, I was offline when you wrote" instead, at most once per room and run. Ages are
  measured against the wall clock, since ``origin_server_ts`` is the homeserver's real time
  (a rehearsal clock would make every command look years old or not yet typed).
- Joins: when the bot joins a room it was invited to, the batch carries the room's recent
  history; nothing from before the join is answered (state events still count).
- Malformed answers: a ``/sync`` body of the wrong shape is described, logged and fetched again.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from bot.context import Caller
from bot.i18n import t
from bot.outbox import DeliveryError
from fronts.matrix import render
from fronts.matrix.outbox import FRONT

if TYPE_CHECKING:
    from fronts.matrix.client import MatrixBot

log = logging.getLogger("l4a.matrix")
MEMBER = "m.room.member"
ANSWER, SORRY, IGNORE = "answer", "sorry", "ignore"


def wall_ms() -> int:
    return int(time.time() * 1000)


def _is_my_join(event: dict[str, Any], user_id: str) -> bool:
    if event.get("type") != MEMBER or event.get("state_key") != user_id:
        return False
    if (event.get("content") or {}).get("membership") != "join":
        return False
    before = ((event.get("unsigned") or {}).get("prev_content") or {}).get("membership")
    return before != "join"  # join → join is a profile change, not a join


def after_my_join(events: list[dict[str, Any]], user_id: str) -> tuple[bool, list[dict[str, Any]]]:
    """``(joined, events)``: when the bot's own join is among ``events``, the messages before it
    are left out (state events are kept: they still describe the room)."""
    cut = next((i for i in range(len(events) - 1, -1, -1) if _is_my_join(events[i], user_id)), None)
    if cut is None:
        return False, events
    kept = [e for e in events[:cut] if "state_key" in e]
    return True, [*kept, *events[cut:]]


def _list_of_objects(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(e, dict) for e in value)


def malformed(resp: object) -> str | None:
    """What is wrong with a ``/sync`` answer, or ``None`` when the loop can use it."""
    if not isinstance(resp, dict):
        return f"the body is a {type(resp).__name__}, not an object"
    if not isinstance(resp.get("next_batch"), str) or not resp["next_batch"]:
        return "no next_batch"
    account = resp.get("account_data", {})
    if not isinstance(account, dict) or not _list_of_objects(account.get("events", [])):
        return "account_data is not a list of events"
    rooms = resp.get("rooms", {})
    if not isinstance(rooms, dict):
        return "rooms is not an object"
    for section in ("join", "invite", "leave"):
        entries = rooms.get(section, {})
        if not isinstance(entries, dict):
            return f"rooms.{section} is not an object"
        for room_id, info in entries.items():
            if not isinstance(info, dict):
                return f"rooms.{section}.{room_id[:80]} is not an object"
            for part in ("timeline", "state", "invite_state"):
                block = info.get(part, {})
                if not isinstance(block, dict) or not _list_of_objects(block.get("events", [])):
                    return f"rooms.{section}.{room_id[:80]}.{part} is not a list of events"
    return None


class CatchUp:
    def __init__(self, bot: MatrixBot) -> None:
        self.bot = bot
        self.told: set[str] = set()  # rooms told (this run) that the bot was offline

        self.started_ms = wall_ms()
        #: False on a fresh database: then nothing older than the bot's start is answered
        #: (there is nothing to catch up on; the first sync's position can lag slightly).
        self.resuming = True

    def verdict(self, event: dict[str, Any]) -> str:
        """``"answer"``, ``"sorry"`` (too old: the bot was offline) or ``"ignore"``."""
        try:
            sent = int(event.get("origin_server_ts") or 0)
        except (TypeError, ValueError):
            return IGNORE
        if not self.resuming and sent < self.started_ms:
            return IGNORE
        if wall_ms() - sent > self.bot.config.catch_up_minutes * 60_000:
            return SORRY
        return ANSWER

    async def offline(self, room_id: str, event: dict[str, Any]) -> None:
        """A command too old to answer: one "sorry, I was offline" for the room (per run)."""
        commands = self.bot.commands
        if room_id in self.told or not commands.would_answer(room_id, event):
            return
        event_id = str(event.get("event_id", ""))
        seen, _ = await self.bot.state.handled(event_id)
        if seen:  # answered before the restart: the saved token lagged behind
            return
        self.told.add(room_id)
        sender = str(event.get("sender", ""))
        lang = self.bot.hub.prefs(Caller(FRONT, sender)).lang
        direct = self.bot.outbox.is_direct(room_id, sender)
        content = render.text_notice(
            t(lang, "matrix.offline"), in_reply_to=None if direct else event_id
        )
        content = commands.in_thread(content, event)
        try:
            await self.bot.outbox.send_all(
                [(room_id, "m.room.message", content)], key=f"offline:{event_id}"
            )
        except DeliveryError as exc:
            log.warning("could not tell %s that the bot was offline: %s", room_id, exc)
