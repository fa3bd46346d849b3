"""The announcer delivering through ``MatrixOutbox``: a channel announcement in a Matrix room,
exactly once across a restart (the ledger, and transaction ids from its keys)."""

from __future__ import annotations

from bot.config import ChannelMap
from bot.hub import Hub
from tests.support.announce import restarted_announcer
from tests.support.matrix_env import MatrixEnv, people, running_bot


async def test_a_session_is_announced_in_the_matrix_room_once_across_a_restart(
    hub: Hub, matrix_env: MatrixEnv
) -> None:
    env, room = matrix_env, matrix_env.hub_room
    hub.config.announcements.channels = {"matrix": ChannelMap(default=room)}
    async with people(env) as folks:
        ana = await folks.get("ana")
        for _ in range(2):  # the second start: same database, a new announcer and bot
            announcer = await restarted_announcer(hub)
            try:
                async with running_bot(hub, env):  # registers its outbox and starts it
                    await announcer.deliver_due()
            finally:
                await announcer.stop()
        await ana.sync(0)
    posts = [
        e["content"]
        for e in ana.bot_events(room, env.bot.user_id, "m.room.message")
        if "hub-oct-6" in e["content"]["body"] or "LOCAL4ACTION" in e["content"]["body"]
    ]
    assert len(posts) == 1, [p["body"][:80] for p in posts]
    assert posts[0]["msgtype"] == "m.notice" and posts[0]["m.mentions"] == {}
    assert "!remind" in posts[0]["body"]  # the follow hint speaks Matrix


async def test_thread_mode_reminds_all_followers_with_one_post_that_mentions_them(
    hub: Hub, matrix_env: MatrixEnv
) -> None:
    """Issue 14: a session in ``thread`` mode: a thread in its room, one reminder in it and one
    ``m.text`` whose ``m.mentions.user_ids`` are the followers (a notice would not notify);
    exactly once across a restart."""
    from datetime import UTC, datetime

    from bot.announce.model import Follow
    from bot.config import ReminderDelivery

    env, room = matrix_env, matrix_env.hub_room
    hub.config.announcements.channels = {"matrix": ChannelMap(default=room)}
    hub.config.announcements.reminders = ReminderDelivery(mode="thread")
    names = ("ana", "bea", "kai")
    async with people(env) as folks:
        clients = {n: await folks.get(n) for n in names}
        ids = sorted(env.people[n].user_id for n in names)
        followed = hub.clock.now()
        for _ in range(2):  # the second start: same database, a new announcer and bot
            announcer = await restarted_announcer(hub)
            try:
                async with running_bot(hub, env):
                    if _ == 0:
                        for user in ids:
                            await announcer.follow(
                                Follow("matrix", user, "session", "opening-plenary", 20, followed)
                            )
                    await announcer.deliver_due(datetime(2021, 10, 6, 11, 10, tzinfo=UTC))
            finally:
                await announcer.stop()
        ana = clients["ana"]
        await ana.sync(0)
    events = ana.bot_events(room, env.bot.user_id, "m.room.message")
    roots = [e for e in events if e["content"]["body"].startswith("🧵")]
    assert len(roots) == 1
    root = roots[0]["event_id"]
    in_thread = [
        e["content"] for e in events if e["content"].get("m.relates_to", {}).get("event_id") == root
    ]
    reminder, pings = in_thread
    assert reminder["msgtype"] == "m.notice" and "Reminder" in reminder["body"]
    assert reminder["m.relates_to"]["rel_type"] == "m.thread"
    assert pings["msgtype"] == "m.text"
    assert pings["m.mentions"] == {"user_ids": ids}
