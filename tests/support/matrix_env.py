"""The Matrix test world, made once per session on the test Synapse: the bot's account, people,
a hub room where "moderator" has power level 50, and each person's direct room with the bot
(as Element makes it: ``is_direct``, recorded in the bot's ``m.direct``).

:func:`running_bot` runs a real :class:`fronts.matrix.client.MatrixBot` on a test's hub, and
:func:`clients` gives each person a :class:`tests.support.matrix_client.Client`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from urllib.parse import quote

import aiohttp
from mautrix.client import ClientAPI
from mautrix.types import UserID

from bot.config import MatrixSection
from bot.hub import Hub
from fronts.matrix.client import MatrixBot
from tests.support.matrix_client import Client
from tests.support.synapse import SERVER_NAME, Account, Synapse

PEOPLE = ("ana", "bea", "kai", "eva", "moderator", "bob", "carl", "dana")
MODERATOR_LEVEL = 50


@dataclass
class MatrixEnv:
    synapse: Synapse
    bot: Account
    people: dict[str, Account]
    hub_room: str
    direct: dict[str, str]  # person -> their direct room with the bot
    since: dict[str, str] = field(default_factory=dict)  # person -> sync token, across tests

    def section(self, **overrides: object) -> MatrixSection:
        values: dict[str, object] = {
            "homeserver": self.synapse.url,
            "user_id": self.bot.user_id,
            "allowed_servers": [SERVER_NAME],
            "sync_timeout_seconds": 5.0,
            "max_backoff_seconds": 1.0,
            **overrides,
        }
        return MatrixSection.model_validate(values)


def make_env(synapse: Synapse) -> MatrixEnv:
    """Accounts and rooms, through the client API (synchronous: runs in a session fixture)."""
    req = synapse.request
    bot = synapse.register("l4a-bot")
    people = {name: synapse.register(name) for name in PEOPLE}
    admin = synapse.register("host", admin=True)
    hub_room = req(
        "POST",
        "/_matrix/client/v3/createRoom",
        {
            "name": "LOCAL4ACTION Hub",
            "preset": "public_chat",
            "power_level_content_override": {
                "users": {people["moderator"].user_id: MODERATOR_LEVEL}
            },
        },
        token=admin.access_token,
    )["room_id"]
    for account in (bot, *people.values()):
        req("POST", f"/_matrix/client/v3/join/{quote(hub_room)}", {}, token=account.access_token)
    direct: dict[str, str] = {}
    for name, account in people.items():
        room = req(
            "POST",
            "/_matrix/client/v3/createRoom",
            {"preset": "trusted_private_chat", "is_direct": True, "invite": [bot.user_id]},
            token=account.access_token,
        )["room_id"]
        req("POST", f"/_matrix/client/v3/join/{quote(room)}", {}, token=bot.access_token)
        direct[name] = room
    m_direct = {people[name].user_id: [room] for name, room in direct.items()}
    req(
        "PUT",
        f"/_matrix/client/v3/user/{quote(bot.user_id)}/account_data/m.direct",
        m_direct,
        token=bot.access_token,
    )
    return MatrixEnv(synapse, bot, people, hub_room, direct)


def bot_api(env: MatrixEnv, http: aiohttp.ClientSession) -> ClientAPI:
    return ClientAPI(
        UserID(env.bot.user_id),
        device_id=env.bot.device_id,
        base_url=env.synapse.url,
        token=env.bot.access_token,
        client_session=http,
    )


@contextlib.asynccontextmanager
async def running_bot(hub: Hub, env: MatrixEnv, **config: object) -> AsyncIterator[MatrixBot]:
    """A MatrixBot on ``hub`` syncing in the background; stopped (and awaited) afterwards."""
    hub.config.matrix = env.section(**config)
    async with aiohttp.ClientSession() as http:
        bot = MatrixBot(hub, bot_api(env, http))
        task = asyncio.create_task(bot.run(), name="matrix-bot")
        waiter = asyncio.create_task(bot.ready.wait())
        done, _ = await asyncio.wait({task, waiter}, timeout=30, return_when="FIRST_COMPLETED")
        if task in done:
            waiter.cancel()
            task.result()  # the bot failed to start: raise its error
        if waiter not in done:
            task.cancel()
            raise AssertionError("the bot did not finish its first sync in 30 s")
        try:
            yield bot
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


class People:
    """A client per person, made (and caught up to now) on first use; their sync tokens are
    kept in the env for the next test."""

    def __init__(self, env: MatrixEnv, http: aiohttp.ClientSession) -> None:
        self.env = env
        self.http = http
        self.made: dict[str, Client] = {}

    async def get(self, name: str) -> Client:
        if name not in self.made:
            c = Client(
                self.http, self.env.synapse.url, self.env.people[name], self.env.since.get(name)
            )
            await c.sync(0)
            c.timeline.clear()  # what came before this test is not this test's business
            self.made[name] = c
        return self.made[name]

    async def all(self, *names: str) -> list[Client]:
        return [await self.get(n) for n in names]

    def save(self) -> None:
        for name, c in self.made.items():
            if c.since:
                self.env.since[name] = c.since


@contextlib.asynccontextmanager
async def people(env: MatrixEnv) -> AsyncIterator[People]:
    async with aiohttp.ClientSession() as http:
        pool = People(env, http)
        try:
            yield pool
        finally:
            pool.save()
