"""One post for many on Discord (issue 14): a private thread per session whose members are its
followers, added as they follow; at the reminder, one post in the thread that pings exactly
them; ``/remind … dm`` still gets a private message; a restart sends nothing twice. Through real
discord.py dispatch (tests/support/discord_harness/)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.announce.fanout import nonce_for
from bot.app import build_app
from bot.clock import FrozenClock
from bot.config import Config
from bot.hub import Hub
from bot.programme import Programme
from bot.store import Store
from cogs.announce import MENTIONS_PER_MESSAGE
from fronts.discord_client import HubBot
from tests.support.discord_harness import DEFAULT_CHANNEL_ID, DiscordHarness
from tests.support.discord_harness.records import http_error

REMINDER_TIME = datetime(2021, 10, 6, 11, 10, tzinfo=UTC)  # 13:10 CEST, 20 min before 13:30
START_KEY = "20211006T1130Z"


def _config(mode: str = "thread", **extra: Any) -> Config:
    return Config.model_validate(
        {
            "announcements": {
                "channels": {"discord": {"default": DEFAULT_CHANNEL_ID}},
                "retry_seconds": 0.05,
                "dm_per_second": 0,
                "reminders": {"mode": mode, "members_per_second": 50, **extra},
            }
        }
    )


@asynccontextmanager
async def discord_process(
    config: Config, programme: Programme, db_path: Path, clock: FrozenClock
) -> AsyncIterator[tuple[Hub, DiscordHarness]]:
    store = await Store.open(db_path, clock)
    try:
        async with (
            build_app(config, programme, store, clock) as hub,
            DiscordHarness(HubBot(hub, sync_commands=False)) as harness,
        ):
            await hub.announcer.drain()
            yield hub, harness
    finally:
        await store.close()


def _calls(h: DiscordHarness, method: str, path: str) -> list[Any]:
    return [s for s in h.sent if s.route == f"{method} {path}" and s.ok]


def _thread_id(hub: Hub) -> int:
    (thread,) = hub.announcer.groups.ids.values()  # type: ignore[union-attr]
    return int(thread)


async def test_followers_join_the_session_thread_and_one_post_pings_exactly_them(
    programme: Programme, db_path: Path, clock: FrozenClock
) -> None:
    async with discord_process(_config(), programme, db_path, clock) as (hub, h):
        h.clear()
        users = [h.user(name=n) for n in ("ana", "ben", "cy")]
        dan = h.user(name="dan")
        for u in users:
            await h.slash("remind", {"what": "opening-plenary", "lead": 20}, user=u)
        [reply] = await h.slash(
            "remind", {"what": "opening-plenary", "lead": 20, "dm": True}, user=dan
        )
        assert "private message" in reply.content
        await hub.announcer.deliver_due()  # type: ignore[union-attr]
        # One private thread in the announcement channel, created once, members only.
        (thread,) = _calls(h, "POST", "/channels/{channel_id}/threads")
        assert thread.channel_id == DEFAULT_CHANNEL_ID
        assert thread.data["type"] == 12 and thread.data["invitable"] is False
        assert thread.data["name"] == programme.by_id["opening-plenary"].title.get("en")
        thread_id = _thread_id(hub)
        added = _calls(h, "PUT", "/channels/{channel_id}/thread-members/{user_id}")
        assert len(added) == 3 and {s.channel_id for s in added} == {thread_id}
        rows = {r["key"]: r["status"] for r in await hub.announcer.repo.rows()}  # type: ignore[union-attr]
        for u in users:
            assert rows[f"mem:discord:thread:opening-plenary:{START_KEY}:{u.id}"] == "sent"
        assert not any(k.endswith(f":{dan.id}") and k.startswith("mem:") for k in rows)
        assert h.dm_texts(dan) == [] and all(h.dm_texts(u) == [] for u in users)

        h.clear()
        clock.set(REMINDER_TIME)
        await hub.announcer.deliver_due()  # type: ignore[union-attr]
        in_thread = [m for m in h.messages("channel_message") if m.channel_id == thread_id]
        head, pings = in_thread
        assert "Reminder: starting in 20 minutes" in head.data["content"]
        assert head.data["allowed_mentions"] == {"parse": []}
        ids = sorted(str(u.id) for u in users)
        assert pings.data["content"] == " ".join(f"<@{i}>" for i in ids)
        assert pings.data["allowed_mentions"] == {"parse": [], "users": [int(i) for i in ids]}
        key = f"grp:discord:opening-plenary:20:{START_KEY}"
        assert pings.data["nonce"] == str(nonce_for(f"{key}:1"))
        assert pings.data["enforce_nonce"] is True
        # the follower who asked for a private message gets one; the others none
        (dm,) = h.dm_texts(dan)
        assert "Reminder: starting in 20 minutes" in dm
        assert all(h.dm_texts(u) == [] for u in users)
        rows = {r["key"]: r["status"] for r in await hub.announcer.repo.rows()}  # type: ignore[union-attr]
        assert rows[key] == "sent"
        assert (
            sum(k.startswith("mem:discord:thread:") and v == "sent" for k, v in rows.items()) == 3
        )

    # A restart: the same database, a new process. Nothing is created, added or sent again.
    async with discord_process(_config(), programme, db_path, clock) as (hub, h):
        await hub.announcer.deliver_due()  # type: ignore[union-attr]
        assert [s for s in h.sent if s.route and "/channels/" in s.route] == []


async def test_a_restart_between_following_and_the_reminder_posts_in_the_same_thread(
    programme: Programme, db_path: Path, clock: FrozenClock
) -> None:
    async with discord_process(_config(), programme, db_path, clock) as (hub, h):
        ana = h.user(name="ana")
        await h.slash("remind", {"what": "opening-plenary", "lead": 20}, user=ana)
        await hub.announcer.deliver_due()  # type: ignore[union-attr]
        thread_id = _thread_id(hub)
    clock.set(REMINDER_TIME)
    async with discord_process(_config(), programme, db_path, clock) as (hub, h):
        h.user(user_id=ana.id, name="ana")
        await hub.announcer.deliver_due()  # type: ignore[union-attr]
        assert _calls(h, "POST", "/channels/{channel_id}/threads") == []
        assert _calls(h, "PUT", "/channels/{channel_id}/thread-members/{user_id}") == []
        posts = h.messages("channel_message")
        assert {m.channel_id for m in posts} >= {thread_id}
        assert any(m.data["content"] == f"<@{ana.id}>" for m in posts)


async def test_unremind_takes_the_follower_out_of_the_thread_and_the_post(
    programme: Programme, db_path: Path, clock: FrozenClock
) -> None:
    async with discord_process(_config(), programme, db_path, clock) as (hub, h):
        ana, ben = h.user(name="ana"), h.user(name="ben")
        for u in (ana, ben):
            await h.slash("remind", {"what": "opening-plenary", "lead": 20}, user=u)
        await hub.announcer.deliver_due()  # type: ignore[union-attr]
        await h.slash("unremind", {"what": "opening-plenary"}, user=ben)
        (removed,) = _calls(h, "DELETE", "/channels/{channel_id}/thread-members/{user_id}")
        assert removed.channel_id == _thread_id(hub)
        rows = {r["key"] for r in await hub.announcer.repo.rows()}  # type: ignore[union-attr]
        assert f"mem:discord:thread:opening-plenary:{START_KEY}:{ben.id}" not in rows
        clock.set(REMINDER_TIME)
        await hub.announcer.deliver_due()  # type: ignore[union-attr]
        contents = [m.data["content"] for m in h.messages("channel_message")]
        assert f"<@{ana.id}>" in contents and all(str(ben.id) not in c for c in contents)


async def test_mentions_mode_pings_in_batches_in_the_channel(
    programme: Programme, db_path: Path, clock: FrozenClock
) -> None:
    async with discord_process(_config("mentions"), programme, db_path, clock) as (hub, h):
        announcer = hub.announcer
        assert announcer is not None
        from bot.announce.model import Follow

        count = MENTIONS_PER_MESSAGE + 5
        for i in range(count):
            await announcer.follow(
                Follow("discord", str(10**17 + i), "session", "opening-plenary", 20, clock.now())
            )
        await announcer.deliver_due()
        assert _calls(h, "POST", "/channels/{channel_id}/threads") == []  # no thread
        clock.set(REMINDER_TIME)
        await announcer.deliver_due()
        posts = [m for m in h.messages("channel_message") if m.channel_id == DEFAULT_CHANNEL_ID]
        pings = [m for m in posts if m.data["content"].startswith("<@")]
        assert [len(m.data["allowed_mentions"]["users"]) for m in pings] == [
            MENTIONS_PER_MESSAGE,
            5,
        ]
        assert all(len(m.data["content"]) <= 2000 for m in pings)
        assert h.messages("dm") == []


async def test_auto_mode_keeps_private_messages_for_a_small_group(
    programme: Programme, db_path: Path, clock: FrozenClock
) -> None:
    config = _config("auto", dm_max_followers=2)
    async with discord_process(config, programme, db_path, clock) as (hub, h):
        ana, ben = h.user(name="ana"), h.user(name="ben")
        for u in (ana, ben):
            await h.slash("remind", {"what": "opening-plenary", "lead": 20}, user=u)
        clock.set(REMINDER_TIME)
        await hub.announcer.deliver_due()  # type: ignore[union-attr]
        assert len(h.dm_texts(ana)) == 1 and len(h.dm_texts(ben)) == 1
        assert _calls(h, "POST", "/channels/{channel_id}/threads") == []


async def test_an_archived_thread_is_reopened_before_a_follower_is_added(
    programme: Programme, db_path: Path, clock: FrozenClock
) -> None:
    async with discord_process(_config(), programme, db_path, clock) as (hub, h):
        ana, ben = h.user(name="ana"), h.user(name="ben")
        await h.slash("remind", {"what": "opening-plenary", "lead": 20}, user=ana)
        await hub.announcer.deliver_due()  # type: ignore[union-attr]
        thread = _thread_id(hub)
        url = f"PUT /channels/{thread}/thread-members/{ben.id}"
        h.http_fail[url] = http_error(400, 50083, "Thread is archived")

        def reopened(call: Any) -> dict[str, Any]:
            h.http_fail.pop(url, None)
            return {"id": str(thread), "type": 12}

        h.http_responses["PATCH /channels/{channel_id}"] = reopened
        await h.slash("remind", {"what": "opening-plenary", "lead": 20}, user=ben)
        await hub.announcer.deliver_due()  # type: ignore[union-attr]
        (patch,) = _calls(h, "PATCH", "/channels/{channel_id}")
        assert patch.data == {"archived": False}
        rows = {r["key"]: r["status"] for r in await hub.announcer.repo.rows()}  # type: ignore[union-attr]
        assert rows[f"mem:discord:thread:opening-plenary:{START_KEY}:{ben.id}"] == "sent"


async def test_remind_says_the_session_is_reminded_together_and_how_to_get_a_dm(
    programme: Programme, db_path: Path, clock: FrozenClock
) -> None:
    async with discord_process(_config(), programme, db_path, clock) as (_hub, h):
        eva = h.user(name="eva", locale="es-ES")
        [reply] = await h.slash("remind", {"what": "opening-plenary", "lead": 20}, user=eva)
        assert "se les recuerda juntos" in reply.content
        assert "/remind opening-plenary dm" in reply.content
        [listing] = await h.slash("reminders", user=eva)
        assert "opening-plenary" in listing.content and "opening-plenary dm" not in listing.content


async def test_discords_thread_full_error_30033_sends_the_follower_to_a_second_thread(
    programme: Programme, db_path: Path, clock: FrozenClock
) -> None:
    """Discord refuses a 1,001st participant with 30033 (its count, not ours: members who
    joined by hand); the follower goes to the session's next thread, "<title> (2/2)", the full
    thread is not tried again, and each thread gets its own post pinging its own members."""
    async with discord_process(_config(), programme, db_path, clock) as (hub, h):
        ana, ben, cy = (h.user(name=n) for n in ("ana", "ben", "cy"))
        added: list[str] = []
        route = "PUT /channels/{channel_id}/thread-members/{user_id}"
        h.http_responses[route] = lambda call: added.append(call.url_path)
        await h.slash("remind", {"what": "opening-plenary", "lead": 20}, user=ana)
        await hub.announcer.deliver_due()  # type: ignore[union-attr]
        first = _thread_id(hub)
        for u in (ben, cy):
            h.http_fail[f"PUT /channels/{first}/thread-members/{u.id}"] = http_error(
                400, 30033, "Maximum number of thread participants has been reached"
            )
        for u in (ben, cy):
            await h.slash("remind", {"what": "opening-plenary", "lead": 20}, user=u)
            await hub.announcer.deliver_due()  # type: ignore[union-attr]
        opened = _calls(h, "POST", "/channels/{channel_id}/threads")
        assert len(opened) == 2 and opened[1].data["name"].endswith("(2/2)")
        second = int(hub.announcer.groups.ids[  # type: ignore[union-attr]
            f"group:discord:thread:opening-plenary:{START_KEY}:1"
        ])  # fmt: skip
        assert added == [
            f"/channels/{first}/thread-members/{ana.id}",
            f"/channels/{second}/thread-members/{ben.id}",
            f"/channels/{second}/thread-members/{cy.id}",  # straight to the second
        ]
        refused = [s.channel_id for s in h.sent if s.route == route and not s.ok]
        assert refused == [first]  # ben's 30033, once; the full thread is not tried again
        clock.set(REMINDER_TIME)
        await hub.announcer.deliver_due()  # type: ignore[union-attr]
        pings = {m.channel_id: m.data["content"] for m in h.messages("channel_message")
                 if m.data["content"].startswith("<@")}  # fmt: skip
        assert pings == {first: f"<@{ana.id}>", second: f"<@{ben.id}> <@{cy.id}>"}


async def test_posts_for_many_pace_themselves_under_discords_global_limit(
    programme: Programme, db_path: Path, clock: FrozenClock
) -> None:
    """The threads of a big session post side by side; together they keep to the outbox's own
    pace (under Discord's 50 requests a second per bot), so none is refused as global."""
    import time

    async with discord_process(_config("mentions"), programme, db_path, clock) as (hub, h):
        announcer = hub.announcer
        assert announcer is not None
        from bot.announce.model import Follow

        for i in range(2 * MENTIONS_PER_MESSAGE + 1):  # the reminder + 3 mention messages
            await announcer.follow(
                Follow("discord", str(10**17 + i), "session", "opening-plenary", 20, clock.now())
            )
        outbox = announcer.outboxes["discord"]
        assert outbox.group_rate == 40.0  # type: ignore[attr-defined]
        outbox.group_rate = 10.0  # type: ignore[attr-defined]
        clock.set(REMINDER_TIME)
        began = time.monotonic()
        await announcer.deliver_due()
        took = time.monotonic() - began
        posts = [m for m in h.messages("channel_message") if m.channel_id == DEFAULT_CHANNEL_ID]
    assert len([m for m in posts if m.data["content"].startswith("<@")]) == 3
    assert took >= 0.3  # the reminder + 3 at 10 a second: turns at 0, 0.1, 0.2, 0.3 s
