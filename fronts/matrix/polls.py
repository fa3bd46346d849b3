"""Polls as native Matrix polls (MSC3381, as Element sends and shows them).

- ``!poll start …`` sends ``org.matrix.msc3381.poll.start`` (question, answers ``"1"``…``"n"``,
  disclosed or undisclosed, one selection) with a text fallback for clients without polls; its
  event id is stored with the poll (``Polls.set_message``), so responses count after a restart.
- ``org.matrix.msc3381.poll.response`` events (and the stable ``m.poll.response`` with
  ``m.selections``) are votes through the polls service, keyed ``matrix:@user:server``: a user's
  latest response counts, an empty one withdraws the vote, and so does a "spoiled" one (an
  answer id the poll does not offer, or no selections at all), as MSC3381 says; selections
  beyond ``max_selections`` (1) are left out. Responses to unknown or closed polls change
  nothing. Redacting one's latest response withdraws that vote (which response is each
  voter's latest is kept in the store, one write per sync batch).
- A ``poll.end`` (either namespace) from a moderator's client closes the poll as
  ``!poll close`` does (results and chart posted in the room); from anyone else it is ignored.
- When a Matrix poll closes (``!poll close`` or its timer), ``org.matrix.msc3381.poll.end`` goes to
  the room with the results as text; a timer close also posts the result and its chart.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from bot.context import Caller
from bot.doc import render_plain
from bot.i18n import t
from bot.polls import replies
from bot.polls.model import Poll
from bot.polls.service import Polls, voter_key
from bot.polls.store import VoteResult
from fronts.matrix import render
from fronts.matrix.errors import VotesNotSaved, describe
from fronts.matrix.outbox import FRONT

if TYPE_CHECKING:
    from fronts.matrix.client import MatrixBot

log = logging.getLogger("l4a.matrix")
START = "org.matrix.msc3381.poll.start"
RESPONSE = "org.matrix.msc3381.poll.response"
END = "org.matrix.msc3381.poll.end"
RESPONSE_TYPES = frozenset({RESPONSE, "m.poll.response"})
END_TYPES = frozenset({END, "m.poll.end"})
REDACTION = "m.room.redaction"
MAX_SELECTIONS = 1
TEXT = "org.matrix.msc1767.text"
DISCLOSED = "org.matrix.msc3381.poll.disclosed"
UNDISCLOSED = "org.matrix.msc3381.poll.undisclosed"
POLL_ID_KEY = "org.local4action.poll_id"  # in our own poll.start content: which poll it is


def start_content(poll: Poll) -> dict[str, Any]:
    lang = poll.lang
    question = poll.question.get(lang)
    labels = poll.labels(lang)
    hint = t(lang, "matrix.poll_fallback_hint", cmd=f"!vote {poll.id}", max=poll.size)
    heading = t(lang, "polls.card.title", id=poll.id)
    fallback = "\n".join(
        [f"{heading}: {question}", *(f"{i + 1}. {label}" for i, label in enumerate(labels)), hint]
    )
    return {
        START: {
            "question": {TEXT: render.defuse(question), "body": render.defuse(question)},
            "kind": UNDISCLOSED if poll.hide_results else DISCLOSED,
            "max_selections": 1,
            "answers": [
                {"id": str(i + 1), TEXT: render.defuse(label)} for i, label in enumerate(labels)
            ],
        },
        TEXT: render.defuse(fallback),
        "body": render.defuse(fallback),
        "m.mentions": {},
        POLL_ID_KEY: poll.id,
    }


SPOILED = -1


def selections(content: dict[str, Any]) -> list[object] | None:
    """The answer ids a response names, in any of the shapes clients send; ``None`` if none."""
    if isinstance(content.get("m.selections"), list):  # stable MSC3381
        return list(content["m.selections"])
    for key in (RESPONSE, "m.poll.response", "m.response"):
        body = content.get(key)
        if isinstance(body, dict):
            for field in ("answers", "m.selections"):
                if isinstance(body.get(field), list):
                    return list(body[field])
    return None


def parse_response(content: dict[str, Any], size: int) -> int | None:
    """The 0-based choice, or ``None`` (withdraw) for an empty selection; :data:`SPOILED` for a
    response naming an answer this poll does not offer, or nothing readable (MSC3381: a spoiled
    vote counts as no selection)."""
    chosen = selections(content)
    if chosen is None:
        return SPOILED
    chosen = chosen[:MAX_SELECTIONS]  # "clients must truncate this array to max_selections"
    if not chosen:
        return None
    first = chosen[0]
    if isinstance(first, str) and first.isdigit() and 1 <= int(first) <= size:
        return int(first) - 1
    return SPOILED


class MatrixPolls:
    def __init__(self, bot: MatrixBot, polls: Polls) -> None:
        self.bot = bot
        self.polls = polls
        self.by_event: dict[str, int] = {
            p.message_id: p.id for p in polls.all_polls() if p.front == FRONT and p.message_id
        }
        self._tasks: set[asyncio.Task[None]] = set()
        #: Each voter's latest response: response event id -> (poll, voter), so that redacting
        #: it withdraws the vote; in memory for this run, and in the store (``unsaved`` until
        #: the sync batch is committed) for a redaction after a restart.
        self.latest: dict[tuple[int, str], str] = {}
        self.responses: dict[str, tuple[int, str]] = {}
        self.unsaved: list[tuple[str, str]] = []
        self._client_ended: set[int] = set()  # closed by a moderator's own poll.end
        polls.on_close(self._closed)

    def start(self) -> None:
        self.polls.start_timers()  # closes polls whose timer ran out while the bot was away

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def started(self, poll_id: int, room_id: str, event_id: str) -> None:
        self.by_event[event_id] = poll_id
        await self.polls.set_message(poll_id, room_id, event_id)

    def response(self, event: dict[str, Any]) -> asyncio.Future[VoteResult] | None:
        """Queue the vote a ``poll.response`` carries; ``None`` when it counts for nothing."""
        content = event.get("content") or {}
        relates = content.get("m.relates_to") or {}
        poll_id = self.by_event.get(str(relates.get("event_id", "")))
        if poll_id is None:
            return None
        poll = self.polls.get(poll_id)
        if poll is None or not poll.is_open:
            return None
        choice = parse_response(content, poll.size)
        voter = voter_key(FRONT, str(event.get("sender")))
        event_id = str(event.get("event_id") or "")
        if event_id:
            old = self.latest.pop((poll_id, voter), None)
            self.responses.pop(old or "", None)
            self.latest[(poll_id, voter)] = event_id
            self.responses[event_id] = (poll_id, voter)
            self.unsaved += [(f"resp:{event_id}", f"{poll_id} {voter}")]
            self.unsaved += [(f"latest:{poll_id}:{voter}", event_id)]
        return self.polls.submit_vote(poll_id, voter, None if choice == SPOILED else choice)

    async def save(self) -> None:
        """Note in the store which responses are the latest (before the sync token moves on)."""
        items, self.unsaved = self.unsaved, []
        try:
            await self.bot.state.put_many(items)
        except Exception as exc:  # the batch is fetched again: its responses come back
            raise VotesNotSaved(f"poll responses not noted: {exc!r}") from exc

    async def redacted(self, event: dict[str, Any]) -> asyncio.Future[VoteResult] | None:
        """A redaction of a voter's latest response withdraws that vote."""
        target = str(event.get("redacts") or (event.get("content") or {}).get("redacts") or "")
        found = self.responses.pop(target, None)
        if found is None and target:  # seen before a restart?
            saved = await self.bot.state.get(f"resp:{target}")
            number, _, voter = (saved or "").partition(" ")
            if number.isdigit() and voter:
                latest = self.latest.get((int(number), voter))
                if latest is None:
                    latest = await self.bot.state.get(f"latest:{number}:{voter}")
                if latest == target:
                    found = (int(number), voter)
        if found is None:
            return None
        poll_id, voter = found
        if self.latest.get(found, target) == target:
            self.latest.pop(found, None)
        else:
            return None  # an older response: the latest still counts
        poll = self.polls.get(poll_id)
        if poll is None or not poll.is_open:
            return None
        return self.polls.submit_vote(poll_id, voter, None)

    async def ended(self, room_id: str, event: dict[str, Any]) -> None:
        """A ``poll.end`` sent by a client: a moderator's closes the poll, anyone else's is
        ignored (MSC3381: only the poll's creator, here the bot, or a moderator may end it)."""
        relates = (event.get("content") or {}).get("m.relates_to") or {}
        poll_id = self.by_event.get(str(relates.get("event_id", "")))
        sender = str(event.get("sender", ""))
        poll = self.polls.get(poll_id) if poll_id is not None else None
        if poll is None or not poll.is_open or poll.channel_id != room_id:
            return
        if not await self.bot.is_moderator(sender, room_id, direct=False):
            log.info("poll.end for poll %s from %s (not a moderator): ignored", poll.id, sender)
            return
        self._client_ended.add(poll.id)
        if not await self.polls.close_poll(poll.id, voter_key(FRONT, sender)):
            self._client_ended.discard(poll.id)

    # -- closing ---------------------------------------------------------------------------------
    def _closed(self, poll: Poll) -> None:
        if poll.front != FRONT or not poll.channel_id or not poll.message_id:
            return
        task = asyncio.create_task(self._end(poll), name=f"poll-end-{poll.id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _end(self, poll: Poll) -> None:
        assert poll.channel_id and poll.message_id
        ctx = self.bot.hub.context(Caller(FRONT, self.bot.user_id, locale=poll.lang))
        result = await replies.result_async(ctx, poll, private=False, lang=poll.lang)
        text = render.defuse(render_plain(result))
        end = {
            "m.relates_to": {"rel_type": "m.reference", "event_id": poll.message_id},
            END: {},
            TEXT: text,
            "body": text,
            "m.mentions": {},
        }
        events = [(poll.channel_id, END, end)]
        if poll.id in self._client_ended:
            # nobody typed !poll close: show the result and chart too (after a timer, the
            # result is a ledger delivery: bot.announce.told)
            events += await self.bot.outbox.contents(poll.channel_id, result)
        try:
            await self.bot.outbox.send_all(events, key=f"poll-end:{poll.id}")
        except Exception as exc:
            log.warning("could not end poll %s in %s: %s", poll.id, poll.channel_id, describe(exc))
