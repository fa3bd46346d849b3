"""A session whose followers do not fit in one thread (Discord: 1,000 participants, error
30033) is spread over several threads: each follower's shard fixed and saved before they are
added, one post per shard with its own ledger row, exactly once across restarts."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.announce.groups import member_cap
from bot.announce.model import Follow
from bot.clock import FrozenClock
from bot.config import Config
from bot.outbox import DeliveryError
from bot.programme import Programme
from bot.store import Store
from tests.support.announce import FakeGroupOutbox, running_bot

DUE = datetime(2021, 10, 6, 11, 15, tzinfo=UTC)  # 15 min before the 13:30 CEST plenary
SESSION = "opening-plenary"
GROUP_KEY = "grp:console:opening-plenary:15:20211006T1130Z"
TITLE = "Intermediary Cities for Equal Territories"
DISCORD_THREAD_FOLLOWERS = 999  # cogs.announce.THREAD_FOLLOWERS (1,000 participants - the bot)


def _config(**reminders: Any) -> Config:
    config = Config.model_validate(
        {
            "announcements": {
                "retry_seconds": 0.01,
                "reminders": {"mode": "auto", "dm_max_followers": 0, **reminders},
            }
        }
    )
    config.announcements.reminders.members_per_second = 1e6  # no pacing in tests
    return config


async def _seed(db_path: Path, clock: FrozenClock, users: list[str]) -> None:
    """Follows written straight into the database (thousands, fast), as the bench does."""
    store = await Store.open(db_path, clock)
    try:
        since = (clock.now() - timedelta(days=1)).isoformat()
        await store.database.executemany(
            "INSERT INTO announce_follows (front, user_id, target_type, target, lead_minutes,"
            " since, locale) VALUES ('console', ?, 'session', ?, 15, ?, NULL)",
            [(u, SESSION, since) for u in users],
        )
    finally:
        await store.close()


async def _follow(hub: Any, users: list[str], clock: FrozenClock) -> None:
    for u in users:
        await hub.announcer.follow(Follow("console", u, "session", SESSION, 15, clock.now()))


def _members_by_group(outbox: FakeGroupOutbox) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for group, user in outbox.added:
        out.setdefault(group, []).append(user)
    return out


def test_a_discord_thread_takes_999_followers_and_the_configured_limit_can_be_lower() -> None:
    discord_like = FakeGroupOutbox(max_group_members=DISCORD_THREAD_FOLLOWERS)
    assert member_cap(discord_like, 1000) == 999
    assert member_cap(discord_like, 200) == 200
    assert member_cap(FakeGroupOutbox(), 1000) is None  # Matrix: one thread, never sharded


@pytest.mark.parametrize(
    ("followers", "sizes"),
    [
        (999, [999]),
        (1000, [999, 1]),
        (1001, [999, 2]),
        (2500, [999, 999, 502]),
    ],
)
async def test_followers_past_a_threads_limit_are_spread_over_threads_and_each_gets_one_post(
    programme: Programme,
    db_path: Path,
    clock: FrozenClock,
    followers: int,
    sizes: list[int],
) -> None:
    users = [f"u{i:05d}" for i in range(followers)]
    await _seed(db_path, clock, users)
    outbox = FakeGroupOutbox(max_group_members=DISCORD_THREAD_FOLLOWERS)
    async with running_bot(_config(), programme, db_path, clock, outbox) as hub:
        await hub.announcer.deliver_due()  # type: ignore[union-attr]
        clock.set(DUE)
        await hub.announcer.deliver_due()  # type: ignore[union-attr]
    n = len(sizes)
    titles = [title for _, _, title in outbox.opened]
    assert titles == ([TITLE] if n == 1 else [f"{TITLE} ({k}/{n})" for k in range(1, n + 1)])
    by_group = _members_by_group(outbox)
    assert [len(by_group[f"group-{k}"]) for k in range(1, n + 1)] == sizes
    assert len(outbox.added) == followers  # nobody added twice
    posts = {group: (members, key) for group, members, key in outbox.notified}
    assert len(outbox.notified) == n  # one post per thread
    for k in range(1, n + 1):
        members, key = posts[f"group-{k}"]
        assert sorted(members) == sorted(by_group[f"group-{k}"])  # each pinged in their thread
        assert key == (GROUP_KEY if n == 1 else f"{GROUP_KEY}:{k - 1}")


async def test_a_followers_shard_is_saved_before_they_are_added_and_kept_across_restarts(
    programme: Programme, db_path: Path, clock: FrozenClock
) -> None:
    config = _config(thread_max_members=2)
    saved_when_added: list[bool] = []

    class Checking(FakeGroupOutbox):
        async def add_member(self, mode: str, group: str, user_id: str) -> None:
            rows = await hub.announcer.repo.meta_prefixed("shard:")  # type: ignore[union-attr]
            saved_when_added.append(any(name.endswith(f":{user_id}") for name in rows))
            await super().add_member(mode, group, user_id)

    outbox = Checking(max_group_members=DISCORD_THREAD_FOLLOWERS)
    async with running_bot(config, programme, db_path, clock, outbox) as hub:
        await _follow(hub, ["ana", "ben", "cy"], clock)
        await hub.announcer.deliver_due()  # type: ignore[union-attr]
    assert saved_when_added == [True, True, True]
    first = _members_by_group(outbox)
    assert sorted(first["group-1"]) == ["ana", "ben"] and first["group-2"] == ["cy"]
    async with running_bot(config, programme, db_path, clock, outbox) as hub:
        await _follow(hub, ["dan", "eve"], clock)
        await hub.announcer.deliver_due()  # type: ignore[union-attr]
        clock.set(DUE)
        await hub.announcer.deliver_due()  # type: ignore[union-attr]
    assert len(outbox.opened) == 3  # the restart reopened nothing: group-1, -2 from the store
    assert Counter(u for _, u in outbox.added) == Counter(["ana", "ben", "cy", "dan", "eve"])
    by_group = _members_by_group(outbox)
    assert sorted(by_group["group-2"]) == ["cy", "dan"] and by_group["group-3"] == ["eve"]
    posts = {group: sorted(members) for group, members, _ in outbox.notified}
    assert posts == {"group-1": ["ana", "ben"], "group-2": ["cy", "dan"], "group-3": ["eve"]}


async def test_unfollowing_takes_the_follower_out_of_their_own_shards_thread(
    programme: Programme, db_path: Path, clock: FrozenClock
) -> None:
    outbox = FakeGroupOutbox(max_group_members=DISCORD_THREAD_FOLLOWERS)
    async with running_bot(_config(thread_max_members=2), programme, db_path, clock, outbox) as hub:
        announcer = hub.announcer
        assert announcer is not None
        await _follow(hub, ["ana", "ben", "cy"], clock)
        await announcer.deliver_due()
        await announcer.unfollow("console", "cy", "session", SESSION)
        assert outbox.removed == [("group-2", "cy")]
        assert not any(n.endswith(":cy") for n in await announcer.repo.meta_prefixed("shard:"))
        await _follow(hub, ["dan"], clock)  # cy's place is free again
        await announcer.deliver_due()
        clock.set(DUE)
        await announcer.deliver_due()
    posts = {group: sorted(members) for group, members, _ in outbox.notified}
    assert posts == {"group-1": ["ana", "ben"], "group-2": ["dan"]}


async def test_a_crash_between_two_shards_posts_posts_only_the_missing_one_after_restart(
    programme: Programme, db_path: Path, clock: FrozenClock
) -> None:
    config = _config(thread_max_members=2)
    outbox = FakeGroupOutbox(max_group_members=DISCORD_THREAD_FOLLOWERS)
    async with running_bot(config, programme, db_path, clock, outbox) as hub:
        await _follow(hub, ["ana", "ben", "cy", "dan"], clock)
        await hub.announcer.deliver_due()  # type: ignore[union-attr]
        # the second thread's post is refused, its retry far away: the bot stops meanwhile
        outbox.refuse["group-2"] = [DeliveryError("gateway away", permanent=False, retry_after=60)]
        clock.set(DUE)
        await hub.announcer.run_due()  # type: ignore[union-attr]
        for _ in range(200):
            if outbox.notified and not outbox.refuse["group-2"]:
                break
            await asyncio.sleep(0.01)
        rows = {r["key"]: r["status"] for r in await hub.announcer.repo.rows()}  # type: ignore[union-attr]
    assert rows[f"{GROUP_KEY}:0"] == "sent" and rows[f"{GROUP_KEY}:1"] == "sending"
    assert rows[GROUP_KEY] == "sending"
    assert [g for g, _, _ in outbox.notified] == ["group-1"]
    async with running_bot(config, programme, db_path, clock, outbox) as hub:
        await hub.announcer.deliver_due()  # type: ignore[union-attr]
        rows = {r["key"]: r["status"] for r in await hub.announcer.repo.rows()}  # type: ignore[union-attr]
    assert [(g, key) for g, _, key in outbox.notified] == [
        ("group-1", f"{GROUP_KEY}:0"),
        ("group-2", f"{GROUP_KEY}:1"),  # the same key (nonce) as the attempt cut short
    ]
    assert rows[GROUP_KEY] == rows[f"{GROUP_KEY}:1"] == "sent"


async def test_a_full_thread_sends_the_follower_to_the_next_shard_and_is_not_tried_again(
    programme: Programme, db_path: Path, clock: FrozenClock
) -> None:
    outbox = FakeGroupOutbox(max_group_members=DISCORD_THREAD_FOLLOWERS, full={"group-1"})
    async with running_bot(_config(), programme, db_path, clock, outbox) as hub:
        await _follow(hub, ["ana", "ben"], clock)
        await hub.announcer.deliver_due()  # type: ignore[union-attr]
    assert outbox.add_attempts == [("group-1", "ana"), ("group-2", "ana"), ("group-2", "ben")]
    assert outbox.added == [("group-2", "ana"), ("group-2", "ben")]
    async with running_bot(_config(), programme, db_path, clock, outbox) as hub:
        await _follow(hub, ["cy"], clock)
        await hub.announcer.deliver_due()  # type: ignore[union-attr]
        clock.set(DUE)
        await hub.announcer.deliver_due()  # type: ignore[union-attr]
    assert outbox.add_attempts[-1] == ("group-2", "cy")  # the full one is remembered
    assert [(g, sorted(m)) for g, m, _ in outbox.notified] == [("group-2", ["ana", "ben", "cy"])]


async def test_two_full_threads_in_a_row_fail_the_attempt_and_the_retry_goes_on_never_looping(
    programme: Programme, db_path: Path, clock: FrozenClock
) -> None:
    outbox = FakeGroupOutbox(
        max_group_members=DISCORD_THREAD_FOLLOWERS, full={"group-1", "group-2"}
    )
    async with running_bot(_config(), programme, db_path, clock, outbox) as hub:
        await _follow(hub, ["ana"], clock)
        await hub.announcer.deliver_due()  # type: ignore[union-attr]
        rows = {r["key"]: r for r in await hub.announcer.repo.rows()}  # type: ignore[union-attr]
    assert outbox.add_attempts == [("group-1", "ana"), ("group-2", "ana"), ("group-3", "ana")]
    assert outbox.added == [("group-3", "ana")]
    (row,) = [r for k, r in rows.items() if k.startswith("mem:")]
    assert row["status"] == "sent" and row["attempts"] == 2


async def test_a_refused_shard_post_is_retried_once_after_the_wait_the_platform_asked(
    programme: Programme, db_path: Path, clock: FrozenClock
) -> None:
    outbox = FakeGroupOutbox(max_group_members=DISCORD_THREAD_FOLLOWERS)
    wait = 0.3
    async with running_bot(_config(thread_max_members=1), programme, db_path, clock, outbox) as hub:
        await _follow(hub, ["ana", "ben"], clock)
        await hub.announcer.deliver_due()  # type: ignore[union-attr]
        outbox.refuse["group-2"] = [
            DeliveryError("HTTP 429: You are being rate limited.", permanent=False,
                          retry_after=wait)
        ]  # fmt: skip
        clock.set(DUE)
        began = time.monotonic()
        await hub.announcer.deliver_due()  # type: ignore[union-attr]
        took = time.monotonic() - began
    assert [(g, m) for g, m, _ in outbox.notified] == [("group-1", ("ana",)), ("group-2", ("ben",))]
    assert took >= wait  # not sooner than asked
    assert outbox.refuse["group-2"] == []  # refused once, then accepted
