"""Text messages: ``!commands`` in rooms and direct messages, and the proposal conversation.

- In a room, only this bot's commands are read (``!next``; another bot's ``!ping`` gets no
  answer); the answer is a rich reply to the command in the same room (in the same thread when
  the command is in one; Matrix has no messages that only one member sees), except for the form
  (``!propose``, ``!edit``: one answer per line), what shows proposals or contact e-mails
  (``!myproposals``, ``!withdraw``, ``!review``, ``!proposals review|export``), the results of
  a hidden poll still open (``!poll results N`` by a moderator), ``!poll export`` and the
  confirmation of a ``!vote`` (it names the choice): those answers go to the asker's
  direct-message room, and the room is told so.
- In the user's direct-message room every line counts: an answer to the form being filled in
  (``bot.commands.intercept``), a command (``!next``), or else a hint to ``!help``.
- Each answer is recorded (with the command's event id) before it is sent and sent with
  transaction ids derived from that id, so after a reconnect or a restart a command is never
  answered twice, nor its effect repeated.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from bot.announce.told import WAIT_SECONDS, told_of
from bot.commands import dispatch, intercept, lookup, parse_line
from bot.context import Caller
from bot.doc import Reply, error
from bot.failures import failure_text
from bot.i18n import t
from bot.outbox import DeliveryError
from bot.polls import text as poll_text
from bot.polls.qr import add_web_link
from bot.programme import fold
from fronts.matrix import render
from fronts.matrix.outbox import FRONT
from fronts.matrix.polls import START, start_content
from fronts.matrix.state import Outgoing

if TYPE_CHECKING:
    from fronts.matrix.client import MatrixBot

log = logging.getLogger("l4a.matrix")
PREFIXES = ("!",)
PRIVATE_ACTIONS = frozenset({"review", "export"})  # ``proposals review|export``
MAX_LINE = 4000
THREAD = "m.thread"


def ours(parsed: tuple[str, str, str] | None) -> bool:
    """A command of this bot (another bot's ``!ping`` is not)."""
    return parsed is not None and lookup(parsed[1]) is not None


def thread_root(event: dict[str, Any]) -> str | None:
    relates = (event.get("content") or {}).get("m.relates_to") or {}
    if isinstance(relates, dict) and relates.get("rel_type") == THREAD:
        root = relates.get("event_id")
        return root if isinstance(root, str) and root else None
    return None


def command_text(content: dict[str, Any]) -> str | None:
    """The text of a message a person typed (``m.text``), without a reply's quoted fallback;
    ``None`` for notices (other bots), edits, media and anything else."""
    if content.get("msgtype") != "m.text" or not isinstance(content.get("body"), str):
        return None
    relates = content.get("m.relates_to") or {}
    if relates.get("rel_type") == "m.replace":
        return None
    lines = content["body"].split("\n")
    while lines and lines[0].startswith("> "):  # old clients quote the message replied to
        lines.pop(0)
    return "\n".join(lines).strip()[:MAX_LINE]


class Commands:
    def __init__(self, bot: MatrixBot) -> None:
        self.bot = bot
        self.hub = bot.hub

    async def message(self, room_id: str, event: dict[str, Any]) -> None:
        text = command_text(event.get("content") or {})
        sender = str(event.get("sender", ""))
        event_id = str(event.get("event_id", ""))
        if not text or not sender or not event_id:
            return
        direct = self.bot.outbox.is_direct(room_id, sender)
        parsed = parse_line(text, PREFIXES)
        if not direct and not ours(parsed):
            return  # ordinary chat in a room, or another bot's command
        seen, pending = await self.bot.state.handled(event_id)
        if seen:
            if pending:
                await self.bot.send_recorded(event_id, pending)
            return
        caller = Caller(
            FRONT,
            sender,
            self.bot.display_name(room_id, sender),
            None,
            await self.bot.is_moderator(sender, room_id, direct=direct),
        )
        try:
            events = await self._answer(room_id, event_id, caller, text, parsed, direct)
        except Exception as exc:
            lang = self.hub.prefs(caller).lang
            answer = failure_text(lang, exc, f"matrix command {text[:100]!r}")
            events = [(room_id, "m.room.message", self._notice(error(answer), event_id, direct))]
        events = [
            (room, kind, self.in_thread(content, event) if room == room_id else content)
            for room, kind, content in events
        ]
        await self.deliver_notices()  # hosts hear of a decision before the moderator's answer
        await self.bot.state.record(event_id, room_id, events, self.hub.clock.now())
        await self.bot.send_recorded(event_id, events)

    def would_answer(self, room_id: str, event: dict[str, Any]) -> bool:
        """Whether :meth:`message` would answer ``event`` (a command of this bot in a room; any
        line in the sender's direct room)."""
        text = command_text(event.get("content") or {})
        sender = str(event.get("sender", ""))
        if not text or not sender or not event.get("event_id"):
            return False
        return self.bot.outbox.is_direct(room_id, sender) or ours(parse_line(text, PREFIXES))

    @staticmethod
    def in_thread(content: dict[str, Any], event: dict[str, Any]) -> dict[str, Any]:
        """``content`` (an answer to ``event``) in ``event``'s thread, when it is in one."""
        root = thread_root(event)
        if root is None or content.get("msgtype") is None:
            return content
        relates: dict[str, Any] = {"rel_type": THREAD, "event_id": root, "is_falling_back": True}
        relates["m.in_reply_to"] = {"event_id": str(event.get("event_id", ""))}
        return {**content, "m.relates_to": relates}

    def _private(self, name: str, args: str) -> str | None:
        """The note for the room when this answer goes to the asker's direct room, else None."""
        action, _, rest = args.partition(" ")
        spec = lookup(name)  # confidential: the form (one answer per line), a host's proposals
        if (spec is not None and spec.confidential) or (
            name == "proposals" and action.casefold() in PRIVATE_ACTIONS
        ):
            return "matrix.moved_to_dm"
        if name == "vote":  # the confirmation names the choice
            return "matrix.vote_in_dm"
        if name == "poll" and poll_text.ACTIONS.get(fold(action)) == "export":
            return "matrix.moved_to_dm"  # a file of counts, hidden poll or not
        if name == "poll" and poll_text.ACTIONS.get(fold(action)) == "results":
            polls = self.hub.polls
            number = rest.strip().lstrip("#")
            poll = polls.get(int(number)) if number.isdigit() else None
            if poll is not None and poll.hide_results and poll.is_open:
                return "matrix.results_in_dm"
        return None

    async def _contents(
        self, room_id: str, reply: Reply, *, in_reply_to: str | None = None
    ) -> Outgoing:
        return await self.bot.outbox.contents(
            room_id, reply, in_reply_to=in_reply_to, skip_failed_uploads=True
        )

    def _notice(self, reply: Reply, event_id: str, direct: bool) -> dict[str, Any]:
        return render.notice(reply, in_reply_to=None if direct else event_id)

    async def _answer(
        self,
        room_id: str,
        event_id: str,
        caller: Caller,
        text: str,
        parsed: tuple[str, str, str] | None,
        direct: bool,
    ) -> Outgoing:
        outbox = self.bot.outbox
        in_reply_to = None if direct else event_id
        if direct:
            reply = await intercept(self.hub, caller, text)  # a form being filled in
            if reply is not None:
                return await self._contents(room_id, reply)
            if parsed is None:
                lang = self.hub.prefs(caller).lang
                return await self._contents(
                    room_id, Reply().para(t(lang, "errors.see_help", help="!help"))
                )
        assert parsed is not None
        prefix, name, args = parsed
        if name == "poll" and poll_text.is_start(args):
            ctx = self.hub.context(caller)
            reply, poll = await poll_text.start_poll(ctx, args.partition(" ")[2].strip())
            if poll is not None:
                out = [(room_id, START, start_content(poll))]
                base = self.hub.config.web.base_url  # the web vote page's short link and QR
                link = add_web_link(Reply(private=False), base, poll.id, ctx.lang)
                if link.blocks:
                    out += await self._contents(room_id, link)
                return out
            return await self._contents(room_id, reply, in_reply_to=in_reply_to)
        reply = await dispatch(self.hub, caller, prefix, name, args)
        private = None if direct else self._private(name, args)
        if private and reply.ok:
            lang = self.hub.prefs(caller).lang
            try:
                dm = await outbox.direct_room(caller.user_id)
            except DeliveryError as exc:
                log.warning("no direct room with %s: %s", caller.user_id, exc)
                return await self._contents(
                    room_id, error(t(lang, "matrix.dm_failed")), in_reply_to=in_reply_to
                )
            moved = Reply().para(t(lang, private))
            return [
                *await self._contents(dm, reply),
                *await self._contents(room_id, moved, in_reply_to=in_reply_to),
            ]
        return await self._contents(room_id, reply, in_reply_to=in_reply_to)

    async def cannot_read(self, room_id: str, event: dict[str, Any]) -> None:
        """An encrypted message: say once that the bot cannot read it, and where to go."""
        sender = str(event.get("sender", ""))
        lang = self.hub.prefs(Caller(FRONT, sender)).lang
        reply = Reply().para(t(lang, "matrix.encrypted", cmd="!help"))
        events = await self._contents(room_id, reply)
        try:
            await self.bot.outbox.send_all(events, key=f"encrypted:{event.get('event_id')}")
        except DeliveryError as exc:
            log.warning(
                "could not tell %s that encrypted messages are unreadable: %s", room_id, exc
            )

    async def deliver_notices(self, *, wait: float = WAIT_SECONDS) -> None:
        """Tell hosts of the decisions on their proposals, in their direct room (ledger
        deliveries: see ``bot.announce.told``), waiting up to ``wait`` seconds for them."""
        told = told_of(self.hub)
        told.register(self.bot.outbox)
        await told.tell_decisions(FRONT, wait=wait)
