"""``MatrixOutbox`` (the announcer's way out on Matrix) against a real Synapse."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import quote

import aiohttp
import pytest
from mautrix.client import ClientAPI
from mautrix.types import UserID

from bot.clock import FrozenClock
from bot.doc import Attachment, Reply, Text
from bot.outbox import DeliveryError, Outbox
from bot.store import Store
from fronts.matrix.outbox import MatrixOutbox
from fronts.matrix.state import MatrixState
from tests.conftest import NewDb
from tests.support.matrix_env import MatrixEnv, bot_api, people
from tests.support.synapse import SERVER_NAME, free_port

pytestmark = pytest.mark.both_backends


@pytest.fixture
async def outbox(
    store: Store, clock: FrozenClock, matrix_env: MatrixEnv
) -> AsyncIterator[MatrixOutbox]:
    async with aiohttp.ClientSession() as http:
        box = MatrixOutbox(bot_api(matrix_env, http), MatrixState(store.database), clock)
        await box.load()
        yield box


def _reply(text: str) -> Reply:
    return Reply(private=False).para(Text(text))


async def test_it_is_an_outbox_named_matrix(outbox: MatrixOutbox) -> None:
    box: Outbox = outbox
    assert box.front == "matrix"


async def test_post_to_a_room_id_and_to_an_alias(
    outbox: MatrixOutbox, matrix_env: MatrixEnv
) -> None:
    env = matrix_env
    alias = f"#hub-{free_port()}:{SERVER_NAME}"
    env.synapse.request(
        "PUT",
        f"/_matrix/client/v3/directory/room/{quote(alias)}",
        {"room_id": env.hub_room},
        token=env.people["moderator"].access_token,
    )
    async with people(env) as folks:
        ana = await folks.get("ana")
        await outbox.post(env.hub_room, _reply("Starting in 10 minutes: @room <b>x</b>"))
        await outbox.post(alias, _reply("Second announcement"))
        await ana.sync(0)
    bodies = [e["content"]["body"] for e in ana.bot_events(env.hub_room, env.bot.user_id)]
    assert len(bodies) == 2 and "Second announcement" in bodies[1]
    assert "@room" not in bodies[0]  # defused


async def test_the_same_key_twice_is_posted_once(
    outbox: MatrixOutbox, matrix_env: MatrixEnv
) -> None:
    env = matrix_env
    async with people(env) as folks:
        ana = await folks.get("ana")
        await outbox.post(env.hub_room, _reply("reminder A"), key="reminder:climate:15")
        await outbox.post(env.hub_room, _reply("reminder A"), key="reminder:climate:15")
        await outbox.post(env.hub_room, _reply("reminder B"), key="reminder:climate:5")
        await ana.sync(0)
    bodies = [e["content"]["body"] for e in ana.bot_events(env.hub_room, env.bot.user_id)]
    assert bodies == ["reminder A", "reminder B"]


async def test_direct_opens_a_room_once_and_a_fresh_database_finds_it_again(
    outbox: MatrixOutbox, matrix_env: MatrixEnv, new_db: NewDb, clock: FrozenClock, backend: str
) -> None:
    env = matrix_env
    name = f"solo_{backend}"  # one per run on the session's homeserver: no direct room yet
    env.people.setdefault(name, env.synapse.register(name))
    user = env.people[name].user_id
    async with people(env) as folks:
        solo = await folks.get(name)  # joins the invite on its next sync
        await outbox.direct(user, _reply("Your session starts soon"))
        room = outbox.rooms[user]
        assert (await MatrixState(outbox.state.db).direct_rooms())[user] == room
        await solo.sync(0)  # accepts the invite
        await outbox.direct(user, _reply("…and now"))
        other = await Store.open(new_db("fresh"), clock)
        try:
            async with aiohttp.ClientSession() as http:
                fresh = MatrixOutbox(bot_api(env, http), MatrixState(other.database), clock)
                await fresh.load()
                await fresh.direct(user, _reply("after a restart on an empty database"))
                assert fresh.rooms[user] == room
        finally:
            await other.close()
        await solo.sync(0)
    assert solo.invites == [(room, env.bot.user_id, True)]  # is_direct: Element lists it in People
    bodies = [
        e["content"]["body"] for e in solo.bot_events(room, env.bot.user_id, "m.room.message")
    ]
    assert bodies[-2:] == ["…and now", "after a restart on an empty database"]


async def test_attachments_are_uploaded_and_sent_after_the_text(
    outbox: MatrixOutbox, matrix_env: MatrixEnv
) -> None:
    env = matrix_env
    reply = _reply("Poll export")
    reply.attachments.append(Attachment("poll-1.csv", b"a,b\n1,2\n", "text/csv"))
    async with people(env) as folks:
        ana = await folks.get("ana")
        await outbox.post(env.hub_room, reply)
        await ana.sync(0)
    sent = ana.bot_events(env.hub_room, env.bot.user_id)
    assert [e["content"]["msgtype"] for e in sent] == ["m.notice", "m.file"]
    assert sent[1]["content"]["url"].startswith("mxc://")


async def test_unknown_rooms_fail_for_good(outbox: MatrixOutbox) -> None:
    with pytest.raises(DeliveryError) as room:
        await outbox.post(f"!nowhere:{SERVER_NAME}", _reply("x"))
    assert room.value.permanent
    with pytest.raises(DeliveryError) as alias:
        await outbox.post(f"#nowhere:{SERVER_NAME}", _reply("x"))
    assert alias.value.permanent


async def test_a_homeserver_that_is_away_fails_for_now(store: Store, clock: FrozenClock) -> None:
    async with aiohttp.ClientSession() as http:
        api = ClientAPI(
            UserID(f"@bot:{SERVER_NAME}"),
            base_url=f"http://127.0.0.1:{free_port()}",
            token="x",
            client_session=http,
        )
        box = MatrixOutbox(api, MatrixState(store.database), clock)
        with pytest.raises(DeliveryError) as exc:
            await box.post(f"!room:{SERVER_NAME}", _reply("x"))
        assert not exc.value.permanent
