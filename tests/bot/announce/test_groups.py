"""The announcer's group deliveries (issue 14) through an outbox that can post for many: members
added in the background as people follow, one post at the reminder, exactly once, and never in
the way of channel announcements."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.announce.model import Follow
from bot.clock import FrozenClock
from bot.config import Config
from bot.programme import Programme
from tests.support.announce import FakeGroupOutbox, running_bot

pytestmark = pytest.mark.both_backends

DUE = datetime(2021, 10, 6, 11, 15, tzinfo=UTC)  # 15 min before the 13:30 CEST plenary


def _config() -> Config:
    return Config.model_validate(
        {"announcements": {"reminders": {"mode": "thread", "members_per_second": 50}}}
    )


async def _follow(hub, users, clock, **kw) -> None:  # type: ignore[no-untyped-def]
    for u in users:
        await hub.announcer.follow(
            Follow("console", u, "session", "opening-plenary", 15, clock.now(), **kw)
        )


async def test_a_stuck_group_post_never_holds_back_the_channel_announcement(
    programme: Programme, db: Path | str, clock: FrozenClock
) -> None:
    config = Config.model_validate(
        {"announcements": {"workers": 1, "reminders": {"mode": "thread"}}}
    )
    outbox = FakeGroupOutbox(hold=asyncio.Event())
    async with running_bot(config, programme, db, clock, outbox) as hub:
        for u in ("ana", "ben"):
            await hub.announcer.follow(  # type: ignore[union-attr]
                Follow("console", u, "session", "opening-plenary", 20, clock.now())
            )
        await hub.announcer.deliver_due()  # type: ignore[union-attr]
        assert sorted(outbox.added) == [("group-1", "ana"), ("group-1", "ben")]
        outbox.sent.clear()
        clock.set(datetime(2021, 10, 6, 11, 10, tzinfo=UTC))
        await hub.announcer.run_due()  # type: ignore[union-attr]  # the group post: held
        clock.set(DUE)
        await hub.announcer.run_due()  # type: ignore[union-attr]  # the announcement
        for _ in range(100):
            if outbox.sent:
                break
            await asyncio.sleep(0.01)
        (post,) = outbox.sent  # the announcement left while the group post waits
        assert post.kind == "post" and post.key and post.key.startswith("ann:")
        assert outbox.notified == []
        assert outbox.hold is not None
        outbox.hold.set()
        await hub.announcer.drain()  # type: ignore[union-attr]
        assert outbox.notified == [
            ("group-1", ("ana", "ben"), "grp:console:opening-plenary:20:20211006T1130Z")
        ]


async def test_a_restart_adds_nobody_twice_and_the_post_goes_once(
    programme: Programme, db: Path | str, clock: FrozenClock
) -> None:
    outbox = FakeGroupOutbox()
    async with running_bot(_config(), programme, db, clock, outbox) as hub:
        await _follow(hub, ["ana", "ben"], clock)
        await hub.announcer.deliver_due()  # type: ignore[union-attr]
    async with running_bot(_config(), programme, db, clock, outbox) as hub:
        await _follow(hub, ["cy"], clock)
        await hub.announcer.deliver_due()  # type: ignore[union-attr]
        clock.set(DUE)
        await hub.announcer.deliver_due()  # type: ignore[union-attr]
    async with running_bot(_config(), programme, db, clock, outbox) as hub:
        await hub.announcer.deliver_due()  # type: ignore[union-attr]
    assert outbox.opened == [
        ("announcements", "thread", "Intermediary Cities for Equal Territories")
    ]
    assert sorted(u for _, u in outbox.added) == ["ana", "ben", "cy"]
    assert [members for _, members, _ in outbox.notified] == [("ana", "ben", "cy")]
    assert [s for s in outbox.sent if s.kind == "direct"] == []


async def test_the_follower_past_the_threshold_turns_private_messages_into_one_post(
    programme: Programme, db: Path | str, clock: FrozenClock
) -> None:
    config = Config.model_validate(
        {"announcements": {"reminders": {"mode": "auto", "dm_max_followers": 2}}}
    )
    outbox = FakeGroupOutbox()
    async with running_bot(config, programme, db, clock, outbox) as hub:
        await _follow(hub, ["ana", "ben"], clock)
        pending = hub.announcer.pending()  # type: ignore[union-attr]
        assert sorted(d.kind for d in pending if d.session_id == "opening-plenary") == [
            "announce", "announce", "remind", "remind",
        ]  # fmt: skip
        await _follow(hub, ["cy"], clock)
        pending = hub.announcer.pending()  # type: ignore[union-attr]
        kinds = sorted(d.kind for d in pending if d.session_id == "opening-plenary")
        assert kinds == ["announce", "announce", "group", "member", "member", "member"]
        clock.set(DUE)
        await hub.announcer.deliver_due()  # type: ignore[union-attr]
    assert [s for s in outbox.sent if s.kind == "direct"] == []
    assert [members for _, members, _ in outbox.notified] == [("ana", "ben", "cy")]


async def test_unfollowing_takes_the_follower_out_of_the_group_and_the_post(
    programme: Programme, db: Path | str, clock: FrozenClock
) -> None:
    outbox = FakeGroupOutbox()
    async with running_bot(_config(), programme, db, clock, outbox) as hub:
        await _follow(hub, ["ana", "ben"], clock)
        await hub.announcer.deliver_due()  # type: ignore[union-attr]
        await hub.announcer.unfollow("console", "ben", "session", "opening-plenary")  # type: ignore[union-attr]
        assert outbox.removed == [("group-1", "ben")]
        clock.set(DUE)
        await hub.announcer.deliver_due()  # type: ignore[union-attr]
    assert [members for _, members, _ in outbox.notified] == [("ana",)]


async def test_a_follow_does_not_go_through_every_follower_of_a_big_session(
    programme: Programme, db: Path | str, clock: FrozenClock
) -> None:
    """Following a session of thousands costs what following a small one does: the follow
    index (every follow) is not rebuilt, nor every member's delivery re-planned."""
    # Members added at the fastest pace allowed: 151 take 3 s, not 30.
    config = Config.model_validate(
        {"announcements": {"reminders": {"mode": "auto", "dm_max_followers": 2,
                                         "thread_max_members": 100,
                                         "members_per_second": 50}}}
    )  # fmt: skip
    outbox = FakeGroupOutbox()
    async with running_bot(config, programme, db, clock, outbox) as hub:
        announcer = hub.announcer
        assert announcer is not None
        await _follow(hub, [f"u{i}" for i in range(150)], clock)
        built = 0
        whole = announcer.follow_index

        def counting():  # type: ignore[no-untyped-def]
            nonlocal built
            built += 1
            return whole()

        announcer.follow_index = counting  # type: ignore[method-assign]
        await _follow(hub, ["late"], clock)
        assert built == 0
        kinds = sorted(d.kind for d in announcer.pending() if d.session_id == "opening-plenary")
        # auto past dm_max_followers: a thread (sharded where the platform limits a thread)
        assert kinds.count("group") == 1 and kinds.count("member") == 151
        clock.set(DUE)
        await announcer.deliver_due()
    (notified,) = outbox.notified
    assert len(notified[1]) == 151 and "late" in notified[1]
