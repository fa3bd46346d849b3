"""Test helpers for announcements: a recording outbox, and a whole bot "process" on a database
file that can be stopped and started again (restarts)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bot.announce.announcer import Announcer
from bot.announce.fanout import DELIVERY_KEY
from bot.announce.repo import AnnounceRepo
from bot.app import build_app
from bot.clock import Clock
from bot.config import Config
from bot.context import Caller
from bot.doc import Reply
from bot.hub import Hub
from bot.outbox import DeliveryError, GroupFull
from bot.programme import Programme
from bot.store import Store


@dataclass
class Sent:
    kind: str  # "post" or "direct"
    target: str
    text: str
    key: str | None


@dataclass
class FakeOutbox:
    """Records what the announcer sends; ``closed`` users fail for good, ``flaky`` targets fail
    (transiently) that many more times."""

    front: str = "console"
    sent: list[Sent] = field(default_factory=list)
    attempts: list[tuple[str, str]] = field(default_factory=list)
    closed: set[str] = field(default_factory=set)
    flaky: dict[str, int] = field(default_factory=dict)

    def _fail(self, target: str) -> None:
        self.attempts.append((target, DELIVERY_KEY.get() or ""))
        if target in self.closed:
            raise DeliveryError("Cannot send messages to this user (50007)", permanent=True)
        if self.flaky.get(target, 0) > 0:
            self.flaky[target] -= 1
            raise DeliveryError("server busy", permanent=False)

    async def post(self, channel: str, reply: Reply) -> None:
        self._fail(channel)
        self.sent.append(Sent("post", channel, _plain(reply), DELIVERY_KEY.get()))

    async def direct(self, user_id: str, reply: Reply) -> None:
        self._fail(user_id)
        self.sent.append(Sent("direct", user_id, _plain(reply), DELIVERY_KEY.get()))

    def keys(self) -> list[str]:
        return [s.key or "" for s in self.sent]

    def to(self, target: str) -> list[str]:
        return [s.text for s in self.sent if s.target == target]


@dataclass
class FakeGroupOutbox(FakeOutbox):
    """A :class:`FakeOutbox` that can also post for many (``bot.announce.groups.GroupOutbox``);
    ``hold``, when set, keeps every group post waiting until it is set. ``max_group_members``:
    the platform's members per group (``None``: no limit, never sharded); a group in ``full``
    refuses new members (:class:`GroupFull`, Discord's 30033); ``refuse``: errors the next
    posts in a group raise (one each), after the group's earlier posts went through."""

    opened: list[tuple[str, str, str]] = field(default_factory=list)  # channel, mode, title
    added: list[tuple[str, str]] = field(default_factory=list)  # group, user
    removed: list[tuple[str, str]] = field(default_factory=list)
    notified: list[tuple[str | None, tuple[str, ...], str | None]] = field(default_factory=list)
    hold: asyncio.Event | None = None
    max_group_members: int | None = None
    full: set[str] = field(default_factory=set)
    refuse: dict[str, list[BaseException]] = field(default_factory=dict)
    add_attempts: list[tuple[str, str]] = field(default_factory=list)

    async def open_group(self, channel: str, mode: str, title: str) -> str:
        self.opened.append((channel, mode, title))
        return f"group-{len(self.opened)}"

    async def add_member(self, mode: str, group: str, user_id: str) -> None:
        self.add_attempts.append((group, user_id))
        if group in self.full:
            raise GroupFull("Maximum number of thread participants has been reached (30033)")
        self.added.append((group, user_id))

    async def remove_member(self, mode: str, group: str, user_id: str) -> None:
        self.removed.append((group, user_id))

    async def notify_group(
        self, channel: str, mode: str, group: str | None, members: Sequence[str], reply: Reply
    ) -> None:
        if self.hold is not None:
            await self.hold.wait()
        if self.refuse.get(str(group)):
            raise self.refuse[str(group)].pop(0)
        self.notified.append((group, tuple(members), DELIVERY_KEY.get()))


def _plain(reply: Reply) -> str:
    return reply.plain().replace("\u202f", " ").replace("\xa0", " ")


@asynccontextmanager
async def running_bot(
    config: Config,
    programme: Programme,
    db: Path | str,
    clock: Clock,
    outbox: FakeOutbox,
    *,
    start: bool = True,
    schedule: Path | None = None,
) -> AsyncIterator[Hub]:
    """One bot process on ``db`` (a SQLite file or PostgreSQL URL): store, hub, announcer with
    ``outbox``; stopped and closed on exit."""
    store = await Store.open(db, clock)
    try:
        async with build_app(config, programme, store, clock, schedule=schedule) as hub:
            hub.announcer.register(outbox)
            if start:
                await hub.announcer.start()
            yield hub
    finally:
        await store.close()


async def restarted_announcer(hub: Hub) -> Announcer:
    """A new announcer on ``hub``'s database, as a restarted process loads it (what the first
    one had in memory is gone); the caller stops it."""
    announcer = Announcer(hub, AnnounceRepo(hub.store.database))
    await announcer.load()
    hub.announcer = announcer
    return announcer


def person(name: str, *, front: str = "console", moderator: bool = False) -> Caller:
    return Caller(front, name, name, None, moderator)
