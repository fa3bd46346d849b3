"""One post for many: a session's followers reached by one post in its thread or channel.

The planner (:func:`bot.announce.plan.plan`) turns a session whose delivery mode is ``thread``
or ``mentions`` into one ``group`` delivery per lead, and, in ``thread`` mode, one ``member``
delivery per follower, due as soon as they follow (added in the background, paced, through the
ledger: a restart resumes where it stopped and adds nobody twice). :class:`Groups` carries them
out through an outbox that can post for many (:class:`GroupOutbox`); the platform's group (a
Discord thread, a Matrix thread root) is opened once per session and remembered in the
database (``announce_meta``), so a restart posts in the same one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from bot.announce import texts
from bot.announce.model import Delivery, GroupMode, group_name
from bot.announce.persist import persist
from bot.doc import Reply
from bot.outbox import DeliveryError

if TYPE_CHECKING:
    from bot.announce.announcer import Announcer

log = logging.getLogger(__name__)


@runtime_checkable
class GroupOutbox(Protocol):
    """An outbox that can notify many followers with one post (Discord, Matrix)."""

    front: str

    async def open_group(self, channel: str, mode: GroupMode, title: str) -> str:
        """Create the session's group in ``channel`` (a thread) and return its id."""
        ...

    async def add_member(self, mode: GroupMode, group: str, user_id: str) -> None:
        """Make ``user_id`` a member of the group (ahead of the reminder)."""
        ...

    async def remove_member(self, mode: GroupMode, group: str, user_id: str) -> None: ...

    async def notify_group(
        self,
        channel: str,
        mode: GroupMode,
        group: str | None,
        members: Sequence[str],
        reply: Reply,
    ) -> None:
        """Post ``reply`` once in the group (``thread``) or the channel (``mentions``) and
        mention every one of ``members`` (in batches the platform allows), notifying only
        them. Raises :class:`~bot.outbox.DeliveryError`."""
        ...


def can_group(outbox: object) -> bool:
    return isinstance(outbox, GroupOutbox)


class Groups:
    """The group deliveries of an :class:`~bot.announce.announcer.Announcer`."""

    def __init__(self, announcer: Announcer) -> None:
        self.announcer = announcer
        self.ids: dict[str, str] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def load(self) -> None:
        self.ids = await self.announcer.repo.meta_prefixed("group:")

    async def group_id(self, outbox: GroupOutbox, d: Delivery) -> str:
        """The session's group on this front, opened (and saved) on first use."""
        assert d.mode is not None and d.starts_at is not None and d.channel is not None
        name = group_name(d.front, d.mode, d.session_id, d.starts_at)
        if name in self.ids:
            return self.ids[name]
        async with self._locks.setdefault(name, asyncio.Lock()):
            if name in self.ids:
                return self.ids[name]
            session = self.announcer.hub.programme.by_id.get(d.session_id)
            title = session.title.get(self._lang()) if session else d.session_id
            group = await outbox.open_group(d.channel, d.mode, title)
            repo, backoff = self.announcer.repo, self.announcer.fanout.backoff
            await persist(f"group {name}", lambda: repo.set_meta(name, group), backoff)
            self.ids[name] = group
            return group

    def _lang(self) -> str:
        config = self.announcer.hub.config
        return config.announcements.language or config.bot.default_language

    async def send(self, outbox: object, d: Delivery, now: datetime) -> None:
        if not isinstance(outbox, GroupOutbox):
            raise DeliveryError(f"{d.front} cannot post for many", permanent=True)
        assert d.mode is not None and d.channel is not None
        if d.kind == "member":
            await outbox.add_member(d.mode, await self.group_id(outbox, d), d.target)
            return
        group = await self.group_id(outbox, d) if d.mode == "thread" else None
        session = self.announcer.hub.programme.by_id[d.session_id]
        ctx = texts.channel_ctx(self.announcer.hub, d.front, d.channel, now)
        members = self.announcer.group_members(d)
        if not members:
            return  # everyone at that lead unfollowed or changed their lead
        await outbox.notify_group(
            d.channel, d.mode, group, members, texts.group_reminder(ctx, session)
        )

    async def leave(self, front: str, user_id: str, still: set[str]) -> None:
        """Take ``user_id`` out of the groups of sessions they no longer follow (``still``:
        the ids of the sessions they follow); their member rows leave the ledger, so a new
        follow adds them again."""
        announcer = self.announcer
        outbox = announcer.outboxes.get(front)
        if not isinstance(outbox, GroupOutbox):
            return
        prefix = f"mem:{front}:"
        for key, status in list(announcer._ledger.items()):
            if not key.startswith(prefix) or not key.endswith(f":{user_id}"):
                continue
            _, _, mode, session_id, rest = key.split(":", 4)
            if session_id in still:
                continue
            name = f"group:{front}:{mode}:{session_id}:{rest.split(':', 1)[0]}"
            group = self.ids.get(name)
            if status == "sent" and group is not None:
                try:
                    await outbox.remove_member(mode, group, user_id)
                except DeliveryError as exc:
                    log.info("could not take %s out of %s: %s", user_id, name, exc.reason)
            await persist(
                f"{user_id} out of {name}",
                lambda key=key: announcer.repo.forget([key]),
                announcer.fanout.backoff,
            )
            announcer._ledger.pop(key, None)
