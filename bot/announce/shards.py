"""A big session's followers spread over several threads (shards) on a front whose thread holds
a limited number of members (Discord: 1,000 participants, error 30033 past it).

A follower's shard is fixed when they are added to a thread: the first shard with room, saved
(``announce_meta`` ``shard:<front>:<session>:<start>:<user>`` → ``k``) BEFORE they are added, so
a restart finds them in the same thread and never adds them to a second one. A shard the
platform said is full (its own count can differ from ours: members who joined by hand, the
bot itself) is noted (``shardfull:<front>:<session>:<start>:<k>``) and skipped from then on.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from datetime import datetime

from bot.announce.model import stamp
from bot.announce.persist import Backoff, persist
from bot.announce.repo import AnnounceRepo

ASSIGNED = "shard:"
FULL = "shardfull:"


def session_base(front: str, session_id: str, starts_at: datetime) -> str:
    """What a session's shards are filed under: ``<front>:<session>:<start>``."""
    return f"{front}:{session_id}:{stamp(starts_at)}"


class Shards:
    """Which shard (thread number, 0 first) each follower of a session is in."""

    def __init__(self, repo: AnnounceRepo, backoff: Callable[[], Backoff]) -> None:
        self.repo = repo
        self._backoff = backoff
        self.of: dict[tuple[str, str], int] = {}  # (session base, user) -> shard
        self.counts: Counter[tuple[str, int]] = Counter()  # (session base, shard) -> followers
        self.full: set[tuple[str, int]] = set()  # shards the platform said are full

    async def load(self) -> None:
        self.of.clear()
        self.counts.clear()
        for name, value in (await self.repo.meta_prefixed(ASSIGNED)).items():
            front, session, start, user = name[len(ASSIGNED) :].split(":", 3)
            base = f"{front}:{session}:{start}"
            self.of[(base, user)] = int(value)
            self.counts[(base, int(value))] += 1
        self.full = {
            (base, int(k))
            for base, k in (
                n[len(FULL) :].rsplit(":", 1) for n in await self.repo.meta_prefixed(FULL)
            )
        }

    def shard_of(self, base: str, user: str) -> int | None:
        return self.of.get((base, user))

    def shards(self, base: str) -> int:
        """How many shards the session has (its highest shard number + 1; at least 1)."""
        used = [k for (b, k), n in self.counts.items() if b == base and n]
        return max(used, default=0) + 1

    def _first_with_room(self, base: str, cap: int, above: int = -1) -> int:
        k = above + 1
        while (base, k) in self.full or self.counts[(base, k)] >= cap:
            k += 1
        return k

    def _take(self, base: str, user: str, k: int) -> None:
        old = self.of.get((base, user))
        if old is not None:
            self.counts[(base, old)] -= 1
        self.of[(base, user)] = k
        self.counts[(base, k)] += 1

    async def assign(self, base: str, user: str, cap: int) -> int:
        """The user's shard, chosen (first with room) and saved on their first addition."""
        known = self.of.get((base, user))
        if known is not None:
            return known
        k = self._first_with_room(base, cap)
        self._take(base, user, k)  # decided before any wait: concurrent additions see it
        await self._save([(base, user, k)])
        return k

    async def assign_many(self, base: str, users: Iterable[str], cap: int) -> dict[str, int]:
        """The shard of each of ``users``; those never added (still waiting for their turn)
        are given one now and saved in one write."""
        out: dict[str, int] = {}
        fresh: list[tuple[str, str, int]] = []
        for user in users:
            k = self.of.get((base, user))
            if k is None:
                k = self._first_with_room(base, cap)
                self._take(base, user, k)
                fresh.append((base, user, k))
            out[user] = k
        if fresh:
            await self._save(fresh)
        return out

    async def refused(self, base: str, user: str, k: int, cap: int) -> int:
        """The platform said shard ``k`` is full: note it, and move ``user`` to the next shard
        with room (a higher number: never back to one already tried). Returns that shard."""
        self.full.add((base, k))
        name = f"{FULL}{base}:{k}"
        await persist(f"shard {name} full", lambda: self.repo.set_meta(name, "1"), self._backoff())
        moved = self._first_with_room(base, cap, above=k)
        self._take(base, user, moved)
        await self._save([(base, user, moved)])
        return moved

    async def forget(self, base: str, user: str) -> None:
        """The user left the session's group: their place is free again."""
        k = self.of.pop((base, user), None)
        if k is None:
            return
        self.counts[(base, k)] -= 1
        name = f"{ASSIGNED}{base}:{user}"
        await persist(
            f"{user} out of shard {k}", lambda: self.repo.delete_meta([name]), self._backoff()
        )

    async def _save(self, rows: list[tuple[str, str, int]]) -> None:
        items = [(f"{ASSIGNED}{base}:{user}", str(k)) for base, user, k in rows]
        await persist(
            f"the shard of {len(items)} follower(s) (first {items[0][0]})",
            lambda: self.repo.set_metas(items),
            self._backoff(),
        )
