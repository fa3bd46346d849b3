"""The :class:`DiscordHarness` facade: state, lifecycle and queries; the rest comes from mixins."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any, Self

from ._discord import discord
from .clicks import ClickMixin
from .commands import CommandMixin
from .constants import (
    DEFAULT_APP_PERMISSIONS,
    DEFAULT_APPLICATION_ID,
    DEFAULT_CHANNEL_ID,
    DEFAULT_EVERYONE_PERMISSIONS,
    DEFAULT_GUILD_ID,
    DEFAULT_MODERATOR_PERMISSIONS,
    DEFAULT_OWNER_ID,
    _check_locale,
)
from .messages import MessageStoreMixin
from .modals import ModalMixin
from .payloads import PayloadMixin
from .pending import DispatchMixin, PendingInteraction, _ErrorLogCapture
from .records import FakeUser, Sent
from .rest import RestMixin
from .webhook import WebhookMixin, _acquire_webhook_patch, _release_webhook_patch
from .world import WorldMixin

_MESSAGE_KINDS = frozenset(
    {"interaction_response", "followup", "edit_original", "channel_message", "dm", "edit_message"}
)


class DiscordHarness(
    WorldMixin,
    PayloadMixin,
    CommandMixin,
    ClickMixin,
    ModalMixin,
    DispatchMixin,
    MessageStoreMixin,
    WebhookMixin,
    RestMixin,
):
    """Drive a discord.py bot offline through real interaction dispatch.

    Other guilds the bot was added to: :meth:`add_guild` (its roles in ``guild_roles``); an
    interaction in one of its channels (``slash(..., channel_id=)``, ``click(..., channel_id=)``)
    comes from that guild, with that guild's member roles and permissions;
    :meth:`remove_member` makes member look-ups of a guild answer 404.

    Parameters
    ----------
    bot:
        The client (``commands.Bot`` or any ``discord.Client`` with a ``CommandTree``). It must
        not be logged in; the harness never connects.
    application_id:
        Defaults to the bot's ``application_id`` if set, else :data:`DEFAULT_APPLICATION_ID`.
        The bot user gets the same id (as for every modern Discord application).
    guild_id, channel_id:
        The cached fake guild and its default text channel (``#general``).
    roles:
        Extra guild roles ``{name: permissions}``; default ``{"Moderators": ...}``. ``@everyone``
        (id == guild id) always exists with ``everyone_permissions``.
    timeout:
        Seconds to wait for dispatched handlers before :class:`InteractionTimeout`.
    strict_responses:
        Raise :class:`NoResponse` when an interaction ends without any callback.
    ignored_errors:
        Exception types (matched also through ``CommandInvokeError.original``) that are recorded
        in ``errors`` but never raised.
    cache_guild:
        Put the fake guild (roles, channels) in the client's cache, as ``GUILD_CREATE`` does when
        the ``guilds`` intent is on. ``False`` reproduces a bot without that intent: discord.py
        then builds ``interaction.guild`` from the partial payload, with no roles or channels, so
        ``member.roles`` is empty and role-name checks fail.
    """

    def __init__(
        self,
        bot: discord.Client,
        *,
        application_id: int | None = None,
        guild_id: int = DEFAULT_GUILD_ID,
        channel_id: int = DEFAULT_CHANNEL_ID,
        guild_name: str = "Test Guild",
        guild_locale: str = "en-US",
        owner_id: int = DEFAULT_OWNER_ID,
        bot_name: str = "TestBot",
        roles: Mapping[str, int] | None = None,
        everyone_permissions: int = DEFAULT_EVERYONE_PERMISSIONS,
        app_permissions: int = DEFAULT_APP_PERMISSIONS,
        timeout: float = 5.0,
        strict_responses: bool = True,
        ignored_errors: tuple[type[BaseException], ...] = (),
        cache_guild: bool = True,
    ) -> None:
        self.bot = bot
        self.cache_guild = cache_guild
        self.application_id: int = (
            application_id or bot._connection.application_id or DEFAULT_APPLICATION_ID
        )
        self.guild_id = guild_id
        self.channel_id = channel_id
        self.guild_name = guild_name
        self.guild_locale = _check_locale(guild_locale)
        self.owner_id = owner_id
        self.bot_name = bot_name
        self.app_permissions = app_permissions
        self.timeout = timeout
        self.strict_responses = strict_responses
        self.ignored_errors = ignored_errors

        #: Every non-GET call, in order.
        self.sent: list[Sent] = []
        #: Every call including GETs, in order.
        self.requests: list[Sent] = []
        #: Every captured handler exception (expected or not), in order.
        self.errors: list[BaseException] = []
        #: Exceptions captured outside any interaction (background tasks, events...).
        self.background_errors: list[BaseException] = []
        #: Route -> exception to raise. Keys: "POST /channels/{channel_id}/messages" (template,
        #: any channel) or "POST /channels/123/messages" (concrete path). Webhook routes too.
        self.http_fail: dict[str, BaseException] = {}
        #: Route -> canned JSON, or a callable ``(HttpCall) -> JSON``; same key forms as above.
        self.http_responses: dict[str, Any] = {}
        self.interactions: list[PendingInteraction] = []
        #: The guild's scheduled events by id, as Discord would store them: POST adds, PATCH
        #: merges, DELETE removes (404 code 10070 for an unknown id, as Discord answers), GET
        #: lists. Tests may delete one by hand, or add one made by someone else.
        self.scheduled_events: dict[int, dict[str, Any]] = {}

        #: Roles of the main guild by name (other guilds: ``guild_roles``).
        self.roles: dict[str, int] = {}
        self._role_data: dict[int, dict[str, Any]] = {}
        #: Every guild of the fake world (the main one and those of :meth:`add_guild`).
        self._guilds: dict[int, dict[str, Any]] = {
            guild_id: {"name": guild_name, "owner_id": owner_id, "locale": self.guild_locale}
        }
        self._role_guild: dict[int, int] = {}
        #: Roles of every guild by name: ``guild_roles[guild_id][name]``.
        self.guild_roles: dict[int, dict[str, int]] = {guild_id: {}}
        #: (guild id, user id) of users who are not members of that guild (member look-ups 404).
        self._non_members: set[tuple[int, int]] = set()
        self.users: dict[int, FakeUser] = {}
        self._channels: dict[int, dict[str, Any]] = {}
        self._messages: dict[int, dict[str, Any]] = {}
        self._dm_channels: dict[int, int] = {}
        self._command_ids: dict[str, int] = {}

        self._add_role_data(guild_id, "@everyone", everyone_permissions, position=0)
        for name, perms in (
            roles if roles is not None else {"Moderators": DEFAULT_MODERATOR_PERMISSIONS}
        ).items():
            self.add_role(name, permissions=perms)
        self.add_channel("general", channel_id=channel_id)
        self.default_user = self.user()

        self._started = False
        self._closed = False
        self._patch_state: Any = None
        self._log_handler: _ErrorLogCapture | None = None
        self._had_http_request_attr = False
        self._old_http_request: Any = None
        self._wrapped: list[tuple[Any, str]] = []
        self._tokens: list[str] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._previous_task_factory: Any = None
        self._dispatch_window: PendingInteraction | None = None
        self._spawned: set[asyncio.Task[Any]] = set()
        self._spawned_failures: list[BaseException] = []

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def start(self, *, run_setup_hook: bool = True) -> None:
        """Prepare the bot offline: loop, ``ClientUser``, application id, fake guild, recorders.

        Runs ``bot.setup_hook()`` (like ``login`` does) unless ``run_setup_hook=False``, then
        marks the client ready so ``wait_until_ready()`` returns. Idempotent.
        """
        if self._started:
            return
        if self._closed:
            raise RuntimeError("this DiscordHarness was closed; create a new one")
        self._started = True
        try:
            await self._start(run_setup_hook)
        except BaseException:
            await self.close()  # e.g. setup_hook raised: never leave patches behind
            raise

    async def _start(self, run_setup_hook: bool) -> None:
        bot = self.bot
        state = bot._connection
        self._loop = asyncio.get_running_loop()
        self._previous_task_factory = self._loop.get_task_factory()
        self._loop.set_task_factory(self._task_factory)  # type: ignore[arg-type]

        self._log_handler = _ErrorLogCapture(self)
        logging.getLogger("discord").addHandler(self._log_handler)

        self._had_http_request_attr = "request" in vars(bot.http)
        self._old_http_request = vars(bot.http).get("request")
        bot.http.request = self._on_http_request  # type: ignore[method-assign]
        self._patch_state = _acquire_webhook_patch()

        if not isinstance(getattr(bot, "loop", None), asyncio.AbstractEventLoop):
            await bot._async_setup_hook()
        if state.user is None:
            state.user = discord.ClientUser(state=state, data=self._bot_user_payload())  # type: ignore[arg-type]
        if state.application_id is None:
            state.application_id = self.application_id
        self.application_id = state.application_id
        if self.cache_guild:
            for gid in self._guilds:
                if state._get_guild(gid) is None:
                    state._add_guild_from_data(self._guild_payload(gid))  # type: ignore[arg-type]
        self._ensure_error_hooks()

        if run_setup_hook:
            await bot.setup_hook()
        self._ensure_error_hooks()
        ready = getattr(bot, "_ready", None)
        if isinstance(ready, asyncio.Event):
            ready.set()

    async def close(self) -> None:
        """Cancel leftovers, stop views, close the bot offline and undo every patch. Idempotent."""
        if self._closed or not self._started:
            self._closed = True
            return
        self._closed = True
        try:
            for pending in self.interactions:
                await pending._cancel()
            for view in self._live_views():
                view.stop()
            leftovers = [t for t in self._spawned if not t.done()]
            for task in leftovers:
                task.cancel()
            if leftovers:
                await asyncio.gather(*leftovers, return_exceptions=True)
            self.background_errors.extend(self._spawned_failures)
            self.errors.extend(self._spawned_failures)
            self._spawned_failures.clear()
            if not self.bot.is_closed():
                await self.bot.close()
        finally:
            loop = self._loop
            if loop is not None and loop.get_task_factory() == self._task_factory:
                loop.set_task_factory(self._previous_task_factory)
            for obj, name in reversed(self._wrapped):
                current = vars(obj).get(name)
                if current is not None and getattr(current, "__harness_owner__", None) is self:
                    if current.__harness_inner_was_attr__:
                        setattr(obj, name, current.__harness_inner__)
                    else:
                        delattr(obj, name)
            self._wrapped.clear()
            if self._had_http_request_attr:
                self.bot.http.request = self._old_http_request  # type: ignore[method-assign]
            else:
                vars(self.bot.http).pop("request", None)
            tokens = self._patch_state.tokens
            for token in self._tokens:
                tokens.pop(token, None)
            self._tokens.clear()
            _release_webhook_patch(self._patch_state)
            if self._log_handler is not None:
                logging.getLogger("discord").removeHandler(self._log_handler)

    async def gateway(self, event: str, data: dict[str, Any]) -> None:
        """Feed one gateway dispatch (``t`` = ``event``, ``d`` = ``data``, e.g.
        ``GUILD_SCHEDULED_EVENT_USER_ADD``) to the bot's real parser, then wait for the tasks
        its handlers spawned (those created by the parse, then :meth:`drain`)."""
        before = asyncio.all_tasks()
        self.bot._connection.parsers[event](data)
        spawned = asyncio.all_tasks() - before
        if spawned:
            _, pending = await asyncio.wait(spawned, timeout=self.timeout)
            if pending:
                raise TimeoutError(f"{event}: handlers still running: {pending}")
            for task in spawned:
                if not task.cancelled() and task.exception() is not None:
                    raise task.exception()  # type: ignore[misc]
        await self.drain()

    def clear(self) -> None:
        """Forget recorded calls and errors (guild, users, messages and DM channels stay)."""
        self.sent.clear()
        self.requests.clear()
        self.errors.clear()
        self.background_errors.clear()

    def dm_texts(self, user_id: int | FakeUser, *, include_interactions: bool = False) -> list[str]:
        """Texts of successful messages sent to that user's DM channel."""
        uid = user_id.id if isinstance(user_id, FakeUser) else int(user_id)
        dm_id = self._dm_channels.get(uid)
        return [
            s.text
            for s in self.sent
            if s.ok
            and (
                (s.kind == "dm" and s.user_id == uid)
                or (
                    include_interactions
                    and s.kind in ("interaction_response", "followup")
                    and s.channel_id == dm_id
                )
            )
        ]

    def channel_texts(
        self, channel_id: int | None = None, *, include_interactions: bool = False
    ) -> list[str]:
        """Texts of successful REST messages posted in a guild channel (default channel if None).

        With ``include_interactions`` non-ephemeral interaction responses/follow-ups in that
        channel are included as well.
        """
        cid = self.channel_id if channel_id is None else channel_id
        return [
            s.text
            for s in self.sent
            if s.ok
            and s.channel_id == cid
            and (
                s.kind == "channel_message"
                or (
                    include_interactions
                    and s.kind in ("interaction_response", "followup")
                    and s.type in (None, 4)
                    and not s.ephemeral
                )
            )
        ]

    def messages(self, kind: str | None = None) -> list[Sent]:
        """Recorded calls that carry message content (optionally of one kind)."""
        return [
            s
            for s in self.sent
            if (s.kind == kind if kind else s.kind in _MESSAGE_KINDS)
            and (s.kind != "interaction_response" or s.type in (4, 7))
        ]
