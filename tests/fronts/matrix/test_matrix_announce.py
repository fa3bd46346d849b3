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
