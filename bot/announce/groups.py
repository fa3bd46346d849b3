"""One post for many: a session's followers reached by one post in its thread or channel.

The planner (:func:`bot.announce.plan.plan`) turns a session whose delivery mode is ``thread``
or ``mentions`` into one ``group`` delivery per lead, and, in ``thread`` mode, one ``member``
delivery per follower, due as soon as they follow (added in the background, paced, through the
ledger: a restart resumes where it stopped and adds nobody twice). :class:`Groups` carries them
out through an outbox that can post for many (:class:`GroupOutbox`); the platform's group (a
Discord thread, a Matrix thread root) is opened once per session and remembered in the
database (``announce_meta``), so a restart posts in the same one.

Where a thread holds a limited number of members (an outbox's ``max_group_members``; Discord:
1,000 participants, the bot one of them), a session followed by more is SHARDED over several
threads of at most ``min(max_group_members, thread_max_members)`` followers each
(:mod:`bot.announce.shards`): a follower's shard is fixed and saved before they are added; shard
``k`` ≥ 1 is remembered as ``group:…:<start>:<k>`` and titled "<title> (k+1/n)" (shard 0 keeps
the unsharded name, so existing threads go on). At the reminder the members are split by shard
and every shard's thread gets its post concurrently (each thread is its own channel for
Discord's per-channel rate limit), each post with its own ledger row ``<group key>:<k>``
claimed before and settled after it: after a crash between two shards' posts, a retry posts
only the shards not yet settled, under the same key (nonce).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import math
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from bot.announce import texts
from bot.announce.fanout import DELIVERY_KEY
from bot.announce.model import Delivery, GroupMode, group_name
from bot.announce.persist import persist
from bot.announce.shards import Shards, session_base
from bot.doc import Reply
from bot.outbox import DeliveryError, GroupFull

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


def member_cap(outbox: object, configured: int) -> int | None:
    """Followers per group on ``outbox``'s platform: ``None`` when a group has no member limit
    there (one group per session, never sharded)."""
    platform = getattr(outbox, "max_group_members", None)
    return None if platform is None else max(1, min(int(platform), configured))


class Groups:
    """The group deliveries of an :class:`~bot.announce.announcer.Announcer`."""

    def __init__(self, announcer: Announcer) -> None:
        self.announcer = announcer
        self.ids: dict[str, str] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self.shards = Shards(announcer.repo, lambda: announcer.fanout.backoff)

    async def load(self) -> None:
        self.ids = await self.announcer.repo.meta_prefixed("group:")
        await self.shards.load()

    @staticmethod
    def name(d: Delivery, shard: int = 0) -> str:
        """The name a shard's group is remembered under (shard 0: the unsharded name)."""
        assert d.mode is not None and d.starts_at is not None
        name = group_name(d.front, d.mode, d.session_id, d.starts_at)
        return f"{name}:{shard}" if shard else name

    async def group_id(self, outbox: GroupOutbox, d: Delivery, shard: int = 0) -> str:
        """The session's group (shard ``shard``) on this front, opened (and saved) on first use."""
        assert d.mode is not None and d.starts_at is not None and d.channel is not None
        name = self.name(d, shard)
        if name in self.ids:
            return self.ids[name]
        async with self._locks.setdefault(name, asyncio.Lock()):
            if name in self.ids:
                return self.ids[name]
            group = await outbox.open_group(d.channel, d.mode, self._title(outbox, d, shard))
            repo, backoff = self.announcer.repo, self.announcer.fanout.backoff
            await persist(f"group {name}", lambda: repo.set_meta(name, group), backoff)
            self.ids[name] = group
            return group

    def _title(self, outbox: object, d: Delivery, shard: int) -> str:
        """The session's title; "<title> (k/n)" when its followers need several threads."""
        session = self.announcer.hub.programme.by_id.get(d.session_id)
        title = session.title.get(self._lang()) if session else d.session_id
        cap = member_cap(outbox, self._configured_cap())
        if cap is None or session is None:
            return title
        followers = sum(
            1
            for (front, _), f in self.announcer.follow_index().followers(session).items()
            if front == d.front and not f.dm
        )
        n = max(shard + 1, math.ceil(followers / cap), self.shards.shards(self._base(d)))
        return title if n == 1 else f"{title} ({shard + 1}/{n})"

    def _configured_cap(self) -> int:
        return self.announcer.settings.reminders.thread_max_members

    @staticmethod
    def _base(d: Delivery) -> str:
        assert d.starts_at is not None
        return session_base(d.front, d.session_id, d.starts_at)

    def _lang(self) -> str:
        config = self.announcer.hub.config
        return config.announcements.language or config.bot.default_language

    async def send(self, outbox: object, d: Delivery, now: datetime) -> None:
        if not isinstance(outbox, GroupOutbox):
            raise DeliveryError(f"{d.front} cannot post for many", permanent=True)
        assert d.mode is not None and d.channel is not None
        if d.kind == "member":
            await self._add(outbox, d)
            return
        session = self.announcer.hub.programme.by_id[d.session_id]
        ctx = texts.channel_ctx(self.announcer.hub, d.front, d.channel, now)
        members = self.announcer.group_members(d)
        if not members:
            return  # everyone at that lead unfollowed or changed their lead
        reply = texts.group_reminder(ctx, session)
        cap = member_cap(outbox, self._configured_cap())
        if d.mode != "thread" or cap is None:
            group = await self.group_id(outbox, d) if d.mode == "thread" else None
            await outbox.notify_group(d.channel, d.mode, group, members, reply)
            return
        shard_of = await self.shards.assign_many(self._base(d), members, cap)
        by_shard: dict[int, list[str]] = {}
        for user in members:
            by_shard.setdefault(shard_of[user], []).append(user)
        if list(by_shard) == [0]:  # one thread: posted under the delivery's own key, as before
            await outbox.notify_group(
                d.channel, d.mode, await self.group_id(outbox, d), members, reply
            )
            return
        results = await asyncio.gather(
            *(self._post_shard(outbox, d, k, users, reply) for k, users in by_shard.items()),
            return_exceptions=True,
        )
        failures = [r for r in results if isinstance(r, BaseException)]
        for r in failures:
            if not isinstance(r, DeliveryError):
                raise r
        if failures:
            errors = [r for r in failures if isinstance(r, DeliveryError)]
            asked = [e.retry_after for e in errors if e.retry_after is not None]
            raise DeliveryError(
                f"{len(errors)} of {len(by_shard)} threads not reached: {errors[0].reason}",
                permanent=all(e.permanent for e in errors) and len(errors) == len(by_shard),
                retry_after=max(asked) if asked else None,
            )

    async def _post_shard(
        self, outbox: GroupOutbox, d: Delivery, shard: int, members: list[str], reply: Reply
    ) -> None:
        """Shard ``shard``'s post, exactly once: its own ledger row, claimed before it is sent
        (with that row's key as the platform's idempotency key) and settled after."""
        assert d.channel is not None and d.mode is not None
        announcer = self.announcer
        key = f"{d.key}:{shard}"
        if announcer._ledger.get(key) == "sent":
            return  # posted before a crash or a failed sibling: not again
        group = await self.group_id(outbox, d, shard)
        row = dataclasses.replace(d, key=key, target=group, members=())
        repo, backoff, clock = announcer.repo, announcer.fanout.backoff, announcer.hub.clock
        await persist(f"{key} as 'sending'", lambda: repo.claim([row], clock.now()), backoff)
        announcer._ledger[key] = "sending"
        token = DELIVERY_KEY.set(key)
        try:
            await outbox.notify_group(d.channel, d.mode, group, members, reply)
        finally:
            DELIVERY_KEY.reset(token)
        await persist(
            f"{key} as 'sent'", lambda: repo.settle([(key, "sent", None)], clock.now()), backoff
        )
        announcer._ledger[key] = "sent"

    async def _add(self, outbox: GroupOutbox, d: Delivery) -> None:
        """Add the follower ``d.target`` to their shard's thread (chosen and saved first). A
        thread the platform says is full sends them to the next shard, once per attempt: a
        second refusal is a failure the fan-out retries later (bounded), never a loop."""
        assert d.mode is not None
        cap = member_cap(outbox, self._configured_cap())
        if cap is None:
            await outbox.add_member(d.mode, await self.group_id(outbox, d), d.target)
            return
        base = self._base(d)
        shard = await self.shards.assign(base, d.target, cap)
        try:
            await outbox.add_member(d.mode, await self.group_id(outbox, d, shard), d.target)
            return
        except GroupFull as exc:
            log.info("thread %s is full (%s): next shard", self.name(d, shard), exc.reason)
        shard = await self.shards.refused(base, d.target, shard, cap)
        try:
            await outbox.add_member(d.mode, await self.group_id(outbox, d, shard), d.target)
        except GroupFull as exc:
            await self.shards.refused(base, d.target, shard, cap)  # the next attempt goes on
            raise DeliveryError(
                f"two threads full in a row: {exc.reason}", permanent=False
            ) from None

    async def leave(self, front: str, user_id: str, still: set[str]) -> None:
        """Take ``user_id`` out of the groups of sessions they no longer follow (``still``:
        the ids of the sessions they follow), from the shard they were put in; their member
        rows leave the ledger, so a new follow adds them again."""
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
            start = rest.split(":", 1)[0]
            base = f"{front}:{session_id}:{start}"
            shard = self.shards.shard_of(base, user_id) or 0
            name = f"group:{front}:{mode}:{session_id}:{start}"
            name = f"{name}:{shard}" if shard else name
            group = self.ids.get(name)
            if status == "sent" and group is not None:
                try:
                    await outbox.remove_member(mode, group, user_id)
                except DeliveryError as exc:
                    log.info("could not take %s out of %s: %s", user_id, name, exc.reason)
            await self.shards.forget(base, user_id)
            await persist(
                f"{user_id} out of {name}",
                lambda key=key: announcer.repo.forget([key]),
                announcer.fanout.backoff,
            )
            announcer._ledger.pop(key, None)
