"""Offline test harness for discord.py 2.7 bots: real dispatch in, recorded HTTP out.

Cogs are exercised through the *real* discord.py machinery: the harness builds
gateway-shaped ``INTERACTION_CREATE`` payloads and feeds them to
``bot._connection.parse_interaction_create``, so the real ``app_commands.CommandTree``
(option parsing, transformers, checks, autocomplete, error handlers),
``discord.ui.View`` / ``DynamicItem`` dispatch and ``discord.ui.Modal`` submission all run.
Nothing leaves the process:

* every call made through :class:`discord.webhook.async_.AsyncWebhookAdapter` (interaction
  callbacks, follow-ups, ``@original`` edits/fetches/deletes) is answered by the harness. The
  adapter is patched at *class* level (reference counted, shared by all live harnesses, and
  restored when the last one closes); requests are routed back to the harness that owns the
  interaction token, any other token raises instead of reaching Discord;
* ``bot.http.request`` (all ordinary REST calls: ``channel.send``, DMs, message edits,
  scheduled events, command sync, ...) is replaced on the bot's ``HTTPClient`` instance by a
  recorder returning plausible JSON (scheduled events are kept in ``scheduled_events``, so a
  listing shows what was created and an edit of a deleted event gets Discord's 404). Single
  routes can be made to fail (``http_fail``), e.g. :meth:`DiscordHarness.fail_dms_for`
  simulates a user with closed DMs (403, code 50007).

Completion: ``parse_interaction_create`` is synchronous and only *schedules* the handlers as tasks
(``CommandTree-invoker``, ``discord-ui-view-dispatch-*``, ``discord-ui-dynamic-item-*``,
``discord-ui-modal-dispatch-*`` and the ``on_interaction`` event tasks). From ``start()`` to
``close()`` the harness chains a task factory on the running loop; every task created while the
payload is parsed is collected for that interaction and awaited (``asyncio.wait`` with a timeout,
never sleeping). A context variable set around the parse is inherited by those tasks, so calls
and errors are attributed to their interaction. Tasks the handlers spawn themselves (view timeout
watchers, ``delete_after``, fire-and-forget ``create_task``) are tracked separately:
``await harness.drain()`` waits for them, ``close()`` cancels the leftovers.

Errors: exceptions raised inside handlers are captured *after* the app's own handlers ran:
``CommandTree.on_error``, ``View.on_error``/``Modal.on_error`` and ``Client.on_error`` are wrapped
(the wrapper records the exception, then calls the app's handler), and ERROR records with
``exc_info`` logged under the ``discord`` logger (dynamic item callbacks, autocomplete
callbacks, default handlers) are captured too. Each exception is attributed to the interaction
that caused it through a context variable inherited by the dispatch tasks. When the interaction
completes, unexpected errors raise :class:`InteractionFailed` (an ``AssertionError``) in the
test. Pass ``expect_error=SomeError`` to assert a failure instead (``CommandInvokeError`` is
matched through its ``.original``), or ``ignored_errors=(...)`` to the harness for errors the app
handles on purpose. With ``strict_responses=True`` (default) an interaction that finishes
without any interaction callback (Discord's "This interaction failed") raises
:class:`NoResponse`.

Typical use::

    async with DiscordHarness(bot) as h:          # runs bot.setup_hook() offline
        sent = await h.slash("poll start", {"question": "Lunch?"})
        assert "Lunch?" in sent[0].text
        votes = await h.click("vote:1:2", message=sent[0])
        assert votes[0].ephemeral
"""

from __future__ import annotations

import asyncio
import base64
import contextvars
import copy
import enum
import json
import logging
import mimetypes
import re
import secrets
import sys
import time
import types
import warnings
import zlib
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

with warnings.catch_warnings():
    # discord.py 2.7 imports the stdlib ``audioop`` module, deprecated since Python 3.11: under
    # ``filterwarnings = error`` a plain ``import discord`` fails at collection time.
    warnings.simplefilter("ignore", DeprecationWarning)
    import discord
    from discord import app_commands
    from discord.enums import AppCommandOptionType
    from discord.http import Route
    from discord.webhook import async_ as _webhook_async

__all__ = [
    "DEFAULT_APPLICATION_ID",
    "DEFAULT_CHANNEL_ID",
    "DEFAULT_GUILD_ID",
    "DiscordHarness",
    "FakeUser",
    "HttpCall",
    "InteractionFailed",
    "InteractionTimeout",
    "NoResponse",
    "PendingInteraction",
    "Sent",
    "http_error",
    "new_snowflake",
    "walk_components",
]

DEFAULT_APPLICATION_ID = 1_150_000_000_000_000_001
DEFAULT_GUILD_ID = 1_150_000_000_000_000_100
DEFAULT_CHANNEL_ID = 1_150_000_000_000_000_200
DEFAULT_OWNER_ID = 1_150_000_000_000_000_300
DISCORD_EPOCH_MS = 1_420_070_400_000
EPHEMERAL = 64
LOADING = 128
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024

#: Permissions of ``@everyone`` in the fake guild (what a fresh Discord server grants).
DEFAULT_EVERYONE_PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    send_messages_in_threads=True,
    create_public_threads=True,
    read_message_history=True,
    add_reactions=True,
    embed_links=True,
    attach_files=True,
    use_external_emojis=True,
    use_application_commands=True,
    create_instant_invite=True,
    change_nickname=True,
    connect=True,
    speak=True,
    stream=True,
    use_voice_activation=True,
).value
#: Extra permissions of the default "Moderators" role.
DEFAULT_MODERATOR_PERMISSIONS = discord.Permissions(
    manage_messages=True,
    kick_members=True,
    moderate_members=True,
    manage_events=True,
    manage_threads=True,
).value
#: ``app_permissions`` sent with interactions: everything except administrator.
DEFAULT_APP_PERMISSIONS = (
    discord.Permissions.all().value & ~discord.Permissions(administrator=True).value
)

_MESSAGE_KINDS = frozenset(
    {"interaction_response", "followup", "edit_original", "channel_message", "dm", "edit_message"}
)
_DISPATCH_TASK_PREFIXES = (
    "CommandTree-invoker",
    "discord-ui-view-dispatch",
    "discord-ui-dynamic-item",
    "discord-ui-modal-dispatch",
)
_STATUS_REASONS = {400: "Bad Request", 403: "Forbidden", 404: "Not Found", 429: "Too Many Requests"}

_CURRENT: contextvars.ContextVar[PendingInteraction | None] = contextvars.ContextVar(
    "discord_harness_current_interaction", default=None
)

_last_snowflake = 0


def new_snowflake() -> int:
    """Return a fresh, strictly increasing, time-based Discord snowflake."""
    global _last_snowflake
    candidate = (int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22
    _last_snowflake = max(candidate, _last_snowflake + 1)
    return _last_snowflake


def _now_iso() -> str:
    return datetime.now(UTC).isoformat()


def http_error(status: int, code: int = 0, message: str = "") -> discord.HTTPException:
    """Build the exception discord.py raises for an HTTP error response.

    ``http_error(403, 50007, "Cannot send messages to this user")`` is a closed-DMs ``Forbidden``.
    """
    response = types.SimpleNamespace(status=status, reason=_STATUS_REASONS.get(status, "Error"))
    body = {"code": code, "message": message}
    if status == 403:
        return discord.Forbidden(response, body)  # type: ignore[arg-type]
    if status == 404:
        return discord.NotFound(response, body)  # type: ignore[arg-type]
    if status >= 500:
        return discord.DiscordServerError(response, body)  # type: ignore[arg-type]
    return discord.HTTPException(response, body)  # type: ignore[arg-type]


def walk_components(components: Iterable[Mapping[str, Any]]) -> Iterator[dict[str, Any]]:
    """Yield every component dict, recursing into rows, labels, sections and containers."""
    for component in components:
        yield component  # type: ignore[misc]
        yield from walk_components(component.get("components") or ())
        for key in ("component", "accessory"):
            child = component.get(key)
            if isinstance(child, Mapping):
                yield from walk_components([child])


# ---------------------------------------------------------------------------------------------
# Records
# ---------------------------------------------------------------------------------------------


@dataclass
class Sent:
    """One recorded outgoing call.

    ``kind`` is one of ``interaction_response``, ``followup`` (POST to the interaction webhook),
    ``edit_original`` (PATCH ``@original``), ``channel_message`` (POST to a guild channel),
    ``dm`` (POST to a DM channel), ``edit_message`` (PATCH of a channel message or of a follow-up),
    ``delete`` (DELETE of a message, ``@original`` included), ``webhook`` (other webhook calls)
    or ``http`` (any other REST call). GET requests are not in ``DiscordHarness.sent`` but in
    ``DiscordHarness.requests``.
    """

    kind: str
    type: int | None
    data: dict[str, Any]
    route: str | None = None
    files: list[tuple[str, bytes]] = field(default_factory=list)
    channel_id: int | None = None
    message_id: int | None = None
    user_id: int | None = None
    interaction_id: int | None = None
    error: BaseException | None = None
    inherited_ephemeral: bool = field(default=False, repr=False)

    @property
    def ok(self) -> bool:
        """False when the harness made this call fail (see ``DiscordHarness.http_fail``)."""
        return self.error is None

    @property
    def flags(self) -> int:
        return int(self.data.get("flags") or 0)

    @property
    def ephemeral(self) -> bool:
        """``flags & 64``, or an edit/follow-up of an ephemeral (or ephemerally deferred) reply."""
        return bool(self.flags & EPHEMERAL) or self.inherited_ephemeral

    @property
    def content(self) -> str:
        return str(self.data.get("content") or "")

    @property
    def embeds(self) -> list[dict[str, Any]]:
        return list(self.data.get("embeds") or [])

    @property
    def components(self) -> list[dict[str, Any]]:
        return list(self.data.get("components") or [])

    @property
    def custom_id(self) -> str | None:
        """The modal's custom_id for a type-9 response."""
        value = self.data.get("custom_id")
        return str(value) if value is not None else None

    @property
    def choices(self) -> list[dict[str, Any]]:
        """The choices of an autocomplete result (type 8)."""
        return list(self.data.get("choices") or [])

    def custom_ids(self) -> list[str]:
        """Every ``custom_id`` found in the components, recursively, in order."""
        return [str(c["custom_id"]) for c in walk_components(self.components) if "custom_id" in c]

    def find_component(self, custom_id: str) -> dict[str, Any] | None:
        return next(
            (c for c in walk_components(self.components) if c.get("custom_id") == custom_id), None
        )

    @property
    def text(self) -> str:
        """Content, every embed's author/title/description/fields/footer and v2 text displays.

        For a modal (type 9) it is the title and the labels of its components.
        """
        parts: list[str] = []
        if self.type == 9:
            parts.append(str(self.data.get("title") or ""))
            for comp in walk_components(self.components):
                for key in ("label", "description", "content"):
                    if comp.get(key):
                        parts.append(str(comp[key]))
            return "\n".join(p for p in parts if p)
        parts.append(self.content)
        for embed in self.embeds:
            author = embed.get("author") or {}
            parts.extend([author.get("name") or "", embed.get("title") or ""])
            parts.append(embed.get("description") or "")
            for fld in embed.get("fields") or []:
                parts.extend([fld.get("name") or "", fld.get("value") or ""])
            parts.append((embed.get("footer") or {}).get("text") or "")
        for comp in walk_components(self.components):
            if comp.get("type") == 10 and comp.get("content"):
                parts.append(str(comp["content"]))
        return "\n".join(str(p) for p in parts if p)


@dataclass(frozen=True)
class FakeUser:
    """Description of a Discord user, turned into ``user``/``member`` payloads by the harness."""

    id: int
    name: str = "ana"
    roles: tuple[int, ...] = ()
    locale: str = "en-US"
    global_name: str | None = None
    nick: str | None = None
    bot: bool = False

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"

    def payload(self) -> dict[str, Any]:
        """The Discord ``user`` object."""
        data: dict[str, Any] = {
            "id": str(self.id),
            "username": self.name,
            "discriminator": "0",
            "global_name": self.global_name,
            "avatar": None,
            "public_flags": 0,
        }
        if self.bot:
            data["bot"] = True
        return data


@dataclass
class HttpCall:
    """A REST request seen by the recorder; passed to callables in ``http_responses``."""

    method: str
    path: str  # template, e.g. "/channels/{channel_id}/messages"
    url_path: str  # concrete, e.g. "/channels/123/messages"
    params: dict[str, str]  # values of the template's {placeholders}
    json: Any
    query: dict[str, Any]
    reason: str | None
    files: list[tuple[str, bytes]]

    @property
    def route(self) -> str:
        return f"{self.method} {self.path}"


class InteractionFailed(AssertionError):
    """A handler raised (after the app's error handlers ran). ``errors`` holds the exceptions."""

    def __init__(self, description: str, errors: list[BaseException], sent: list[Sent]) -> None:
        self.description = description
        self.errors = errors
        self.sent = sent
        first = errors[0]
        self.original: BaseException = getattr(first, "original", None) or first
        summary = "; ".join(f"{type(e).__name__}: {e}" for e in errors)
        super().__init__(f"{description} raised inside discord.py dispatch: {summary}")


class InteractionTimeout(AssertionError):
    """The dispatched handlers did not finish within ``DiscordHarness.timeout`` seconds."""


class NoResponse(AssertionError):
    """The interaction finished without any interaction callback (Discord: "interaction failed")."""


ErrorSpec = type[BaseException] | tuple[type[BaseException], ...]


def _matches(error: BaseException, spec: ErrorSpec) -> bool:
    return isinstance(error, spec) or isinstance(getattr(error, "original", None), spec)


class PendingInteraction:
    """An interaction fed to the bot whose handlers may still be running.

    Returned by the ``begin_*`` methods, e.g. to click a confirmation button while the slash
    command that sent it is still ``await view.wait()``-ing. ``await pending.result()`` waits
    for completion, surfaces errors and returns what it sent.
    """

    def __init__(self, harness: DiscordHarness, payload: dict[str, Any], description: str) -> None:
        self.harness = harness
        self.payload = payload
        self.description = description
        self.id = int(payload["id"])
        self.token: str = payload["token"]
        self.type: int = payload["type"]
        self.channel_id: int = int(payload["channel_id"])
        self.guild_id: int | None = int(payload["guild_id"]) if "guild_id" in payload else None
        self.component_message: dict[str, Any] | None = payload.get("message")
        self.tasks: list[asyncio.Task[Any]] = []
        self.errors: list[BaseException] = []
        self.response_type: int | None = None
        self.original_message_id: int | None = None
        self.original_ephemeral = False
        self.followup_replaces_original = False
        self._responded: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._all_done: asyncio.Future[Any] | None = None
        self._collected = False

    def __repr__(self) -> str:
        return f"<PendingInteraction {self.description} id={self.id} done={self.done()}>"

    @property
    def handler_dispatched(self) -> bool:
        """Whether discord.py found a handler (command / view item / dynamic item / modal)."""
        return any(t.get_name().startswith(_DISPATCH_TASK_PREFIXES) for t in self.tasks)

    @property
    def sent(self) -> list[Sent]:
        """Everything recorded so far for this interaction."""
        return [s for s in self.harness.sent if s.interaction_id == self.id]

    def done(self) -> bool:
        return all(t.done() for t in self.tasks)

    def _mark_responded(self, response_type: int) -> None:
        if self.response_type is None:
            self.response_type = response_type
        if not self._responded.done():
            self._responded.set_result(None)

    def _add_error(self, error: BaseException) -> None:
        if any(e is error for e in self.errors):
            return
        self.errors.append(error)

    async def _wait_started(self) -> None:
        """Wait until the interaction was answered or all its handlers finished."""
        if not self.tasks:
            return
        if self._all_done is None:
            self._all_done = asyncio.gather(*self.tasks, return_exceptions=True)
        _, pending = await asyncio.wait(
            {self._all_done, self._responded},
            timeout=self.harness.timeout,
            return_when=asyncio.FIRST_COMPLETED,
        )
        if len(pending) == 2:
            raise InteractionTimeout(
                f"{self.description}: no response and handlers still running after "
                f"{self.harness.timeout}s (tasks: {[t.get_name() for t in self.tasks]})"
            )

    async def wait(self) -> None:
        """Wait for every dispatched task (timeout -> cancel them and raise InteractionTimeout)."""
        if self._collected:
            return
        if self.tasks:
            _, pending = await asyncio.wait(self.tasks, timeout=self.harness.timeout)
            if pending:
                for task in pending:
                    task.cancel()
                await asyncio.gather(*pending, return_exceptions=True)
                self._collected = True
                raise InteractionTimeout(
                    f"{self.description}: handlers still running after {self.harness.timeout}s "
                    f"(cancelled {[t.get_name() for t in pending]}). If the handler waits for "
                    "another interaction (view.wait(), wait_for), use begin_*() and click first."
                )
            for task in self.tasks:
                error = None if task.cancelled() else task.exception()
                if error is not None and not any(e is error for e in self.errors):
                    # Escaped every handler (e.g. tree.interaction_check or an on_error raised).
                    self._add_error(error)
                    self.harness.errors.append(error)
        self._collected = True

    async def result(self, *, expect_error: ErrorSpec | None = None) -> list[Sent]:
        """Wait for completion, raise on unexpected errors, return the calls it recorded."""
        await self.wait()
        return self.harness._check(self, expect_error)

    async def _cancel(self) -> None:
        pending = [t for t in self.tasks if not t.done()]
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
        for task in self.tasks:
            if task.done() and not task.cancelled():
                task.exception()  # mark retrieved: no "exception was never retrieved" noise


class _ErrorLogCapture(logging.Handler):
    """Collects exceptions logged at ERROR by discord.py (default on_error handlers, etc.)."""

    def __init__(self, harness: DiscordHarness) -> None:
        super().__init__(logging.ERROR)
        self.harness = harness

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.exc_info[1] is not None:
            self.harness._capture_error(record.exc_info[1])


# ---------------------------------------------------------------------------------------------
# Class-level patch of the webhook adapter (shared, reference counted)
# ---------------------------------------------------------------------------------------------

_PATCH_ATTR = "_discord_harness_patch_state"
WebhookHandler = Callable[[Route, dict[str, Any]], Awaitable[Any]]


def _webhook_patch_state() -> Any:
    # Stored on the discord module (not here) so that this file imported under two names
    # (``support.discord_harness`` and ``tests.support.discord_harness``) shares one patch.
    state = getattr(_webhook_async, _PATCH_ATTR, None)
    if state is None:
        state = types.SimpleNamespace(refcount=0, original=None, tokens={})
        setattr(_webhook_async, _PATCH_ATTR, state)
    return state


def _acquire_webhook_patch() -> Any:
    state = _webhook_patch_state()
    if state.refcount == 0:
        adapter_cls = _webhook_async.AsyncWebhookAdapter
        state.original = adapter_cls.__dict__["request"]
        tokens: dict[str, WebhookHandler] = state.tokens

        async def request(adapter: Any, route: Route, session: Any = None, **kwargs: Any) -> Any:
            handler = tokens.get(route.webhook_token)  # type: ignore[arg-type]
            if handler is None:
                raise RuntimeError(
                    f"DiscordHarness blocked {route.method} {route.path}: the webhook token is not "
                    "one of a live harness' interactions (tests must never reach Discord)"
                )
            return await handler(route, kwargs)

        request.__discord_harness__ = True  # type: ignore[attr-defined]
        adapter_cls.request = request  # type: ignore[method-assign]
    state.refcount += 1
    return state


def _release_webhook_patch(state: Any) -> None:
    state.refcount -= 1
    if state.refcount == 0:
        _webhook_async.AsyncWebhookAdapter.request = state.original  # type: ignore[method-assign]
        state.original = None


# ---------------------------------------------------------------------------------------------
# The harness
# ---------------------------------------------------------------------------------------------


class DiscordHarness:
    """Drive a discord.py bot offline through real interaction dispatch.

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

        self.roles: dict[str, int] = {}
        self._role_data: dict[int, dict[str, Any]] = {}
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

    # -- lifecycle ------------------------------------------------------------------------------

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
        if self.cache_guild and state._get_guild(self.guild_id) is None:
            state._add_guild_from_data(self._guild_payload())  # type: ignore[arg-type]
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

    def clear(self) -> None:
        """Forget recorded calls and errors (guild, users, messages and DM channels stay)."""
        self.sent.clear()
        self.requests.clear()
        self.errors.clear()
        self.background_errors.clear()

    # -- world building -------------------------------------------------------------------------

    @property
    def guild(self) -> discord.Guild:
        guild = self.bot._connection._get_guild(self.guild_id)
        if guild is None:
            raise RuntimeError("harness not started")
        return guild

    def user(
        self,
        user_id: int | None = None,
        name: str = "ana",
        *,
        roles: Iterable[int | str] = (),
        locale: str = "en-US",
        global_name: str | None = None,
        nick: str | None = None,
        bot: bool = False,
    ) -> FakeUser:
        """Describe (and register) a user. ``roles`` are role ids or role names of the guild.

        The id defaults to a stable value derived from ``name``.
        """
        role_ids: list[int] = []
        for role in roles:
            role_id = self.roles.get(role) if isinstance(role, str) else int(role)
            if role_id is None or role_id not in self._role_data:
                raise ValueError(f"unknown role {role!r}; guild roles: {sorted(self.roles)}")
            if role_id != self.guild_id:
                role_ids.append(role_id)
        uid = (
            user_id if user_id is not None else 400_000_000_000_000_000 + zlib.crc32(name.encode())
        )
        fake = FakeUser(
            id=uid,
            name=name,
            roles=tuple(role_ids),
            locale=_check_locale(locale),
            global_name=global_name,
            nick=nick,
            bot=bot,
        )
        self.users[uid] = fake
        return fake

    def add_role(self, name: str, *, permissions: int = 0, role_id: int | None = None) -> int:
        """Add a guild role (also to the cached guild if already started) and return its id."""
        rid = role_id or new_snowflake()
        data = self._add_role_data(rid, name, permissions, position=len(self._role_data))
        guild = self.bot._connection._get_guild(self.guild_id)
        if guild is not None:
            guild._add_role(discord.Role(guild=guild, state=self.bot._connection, data=data))  # type: ignore[arg-type]
        return rid

    def role_id(self, name: str) -> int:
        return self.roles[name]

    def add_channel(
        self, name: str, *, channel_id: int | None = None, channel_type: int = 0
    ) -> int:
        """Add a guild channel (text by default) and return its id."""
        cid = channel_id or new_snowflake()
        data = {
            "id": str(cid),
            "type": channel_type,
            "guild_id": str(self.guild_id),
            "name": name,
            "position": len(self._channels),
            "permission_overwrites": [],
            "parent_id": None,
            "nsfw": False,
            "topic": None,
            "rate_limit_per_user": 0,
            "last_message_id": None,
            "flags": 0,
        }
        self._channels[cid] = data
        guild = self.bot._connection._get_guild(self.guild_id)
        if guild is not None:
            factory, _ = discord.channel._guild_channel_factory(channel_type)
            if factory is not None:
                guild._add_channel(factory(guild=guild, state=self.bot._connection, data=data))  # type: ignore[arg-type]
        return cid

    def add_scheduled_event(
        self,
        name: str,
        start: datetime,
        *,
        creator_id: int | None = None,
        status: int = 1,
        location: str = "Somewhere",
    ) -> int:
        """Put an external event in the guild as if someone (default: the owner) made it.
        ``status``: 1 scheduled, 2 active, 3 completed, 4 canceled."""
        data = self._scheduled_event_payload(
            {
                "name": name,
                "scheduled_start_time": start.isoformat(),
                "scheduled_end_time": start.isoformat(),
                "entity_type": 3,
                "entity_metadata": {"location": location},
                "status": status,
            },
            str(self.guild_id),
            None,
        )
        creator = self._user_for(creator_id if creator_id is not None else self.owner_id)
        data["creator_id"], data["creator"] = str(creator.id), creator.payload()
        self.scheduled_events[int(data["id"])] = data
        return int(data["id"])

    def dm_channel_id(self, user_id: int) -> int:
        """The (stable) id of the DM channel between the bot and ``user_id``."""
        if user_id not in self._dm_channels:
            self._dm_channels[user_id] = new_snowflake()
        return self._dm_channels[user_id]

    def fail_dms_for(self, user_id: int | FakeUser, *, code: int = 50007) -> None:
        """Make DMs to that user fail like closed DMs: 403 Forbidden, error code 50007."""
        uid = user_id.id if isinstance(user_id, FakeUser) else int(user_id)
        key = f"POST /channels/{self.dm_channel_id(uid)}/messages"
        self.http_fail[key] = http_error(403, code, "Cannot send messages to this user")

    def message_payload(self, message_id: int) -> dict[str, Any]:
        """Current (edits applied) message object the harness returned for ``message_id``."""
        return copy.deepcopy(self._messages[message_id])

    # -- queries --------------------------------------------------------------------------------

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

    # -- interactions ---------------------------------------------------------------------------

    async def slash(
        self,
        command: str,
        options: Mapping[str, object] | None = None,
        *,
        user: FakeUser | None = None,
        locale: str | None = None,
        guild: bool = True,
        channel_id: int | None = None,
        expect_error: ErrorSpec | None = None,
    ) -> list[Sent]:
        """Invoke a slash command (``"next"``, ``"poll start"``, ``"admin poll close"``).

        ``options`` are keyed by option name (Discord name or Python parameter name) and typed
        from the *registered* command; unknown/missing/ill-typed options raise before dispatch.
        ``locale`` defaults to the user's locale. Returns the calls recorded for the interaction.
        """
        pending = await self.begin_slash(
            command, options, user=user, locale=locale, guild=guild, channel_id=channel_id
        )
        return await pending.result(expect_error=expect_error)

    async def begin_slash(
        self,
        command: str,
        options: Mapping[str, object] | None = None,
        *,
        user: FakeUser | None = None,
        locale: str | None = None,
        guild: bool = True,
        channel_id: int | None = None,
    ) -> PendingInteraction:
        """Like :meth:`slash` but return once the interaction was answered (or handlers ended)."""
        await self.start()
        user = user or self.default_user
        data = self._command_data(
            command, dict(options or {}), guild=guild, user=user, focused=None
        )
        payload = self._interaction_payload(
            2, data, user=user, locale=locale, guild=guild, channel_id=channel_id
        )
        return await self._begin(payload, f"/{command}")

    async def autocomplete(
        self,
        command: str,
        options: Mapping[str, object],
        focused: str,
        *,
        user: FakeUser | None = None,
        locale: str | None = None,
        guild: bool = True,
        channel_id: int | None = None,
        expect_error: ErrorSpec | None = None,
    ) -> list[dict[str, Any]]:
        """Send an autocomplete interaction; return the ``choices`` of the type-8 response.

        The focused option's value is sent as the typed text (a string, as Discord does).
        """
        await self.start()
        user = user or self.default_user
        data = self._command_data(command, dict(options), guild=guild, user=user, focused=focused)
        payload = self._interaction_payload(
            4, data, user=user, locale=locale, guild=guild, channel_id=channel_id
        )
        pending = await self._begin(payload, f"autocomplete /{command} [{focused}]")
        sent = await pending.result(expect_error=expect_error)
        result = next((s for s in sent if s.kind == "interaction_response" and s.type == 8), None)
        return result.choices if result is not None else []

    async def click(
        self,
        custom_id: str,
        *,
        message: Sent | Mapping[str, Any] | None = None,
        user: FakeUser | None = None,
        locale: str | None = None,
        component_type: int | None = None,
        values: Sequence[str | int] | None = None,
        expect_error: ErrorSpec | None = None,
    ) -> list[Sent]:
        """Click a button / choose select ``values`` on a message.

        ``message`` may be a recorded :class:`Sent` (its current payload, with components, is
        used), a raw message dict, or None: then the most recent recorded message carrying that
        ``custom_id`` is used, or, if none, a synthetic bot message holding just that component
        (right for persistent views / dynamic items after a restart). ``component_type`` is
        inferred from the message component (2 button, 3 string select, 5 user, 6 role,
        7 mentionable, 8 channel select). Disabled components and select values outside the
        options raise ``ValueError`` (Discord would not allow them).
        """
        pending = await self.begin_click(
            custom_id,
            message=message,
            user=user,
            locale=locale,
            component_type=component_type,
            values=values,
        )
        return await pending.result(expect_error=expect_error)

    async def begin_click(
        self,
        custom_id: str,
        *,
        message: Sent | Mapping[str, Any] | None = None,
        user: FakeUser | None = None,
        locale: str | None = None,
        component_type: int | None = None,
        values: Sequence[str | int] | None = None,
    ) -> PendingInteraction:
        """Like :meth:`click` but return once the interaction was answered."""
        await self.start()
        msg = self._message_for_click(custom_id, message, component_type, values)
        if user is None:
            dm_owner = next(
                (u for u, c in self._dm_channels.items() if c == int(msg["channel_id"])), None
            )
            user = self._user_for(dm_owner) if dm_owner is not None else self.default_user
        component = _find_component(msg.get("components") or [], custom_id)
        if component is None:
            raise ValueError(
                f"message {msg['id']} has no component with custom_id {custom_id!r}; "
                f"it has {_custom_ids(msg.get('components') or [])}"
            )
        if component.get("disabled"):
            raise ValueError(
                f"component {custom_id!r} is disabled; Discord would not send this click"
            )
        ctype = int(component_type or component.get("type") or 2)
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": ctype}
        if "id" in component:
            data["id"] = component["id"]
        channel_id = int(msg["channel_id"])
        guild = channel_id in self._channels
        if ctype in (3, 5, 6, 7, 8):
            resolved: dict[str, dict[str, Any]] = {}
            data["values"] = self._select_values(
                component, ctype, values or [], resolved, guild=guild
            )
            if resolved:
                data["resolved"] = resolved
        elif values:
            raise ValueError(f"values given but {custom_id!r} is not a select (type {ctype})")
        self._messages.setdefault(int(msg["id"]), msg)
        payload = self._interaction_payload(
            3, data, user=user, locale=locale, guild=guild, channel_id=channel_id, message=msg
        )
        return await self._begin(payload, f"click {custom_id!r}")

    async def submit_modal(
        self,
        custom_id: str | Sent | None,
        values: Mapping[str, str | Sequence[str] | bool | None],
        *,
        modal: Sent | None = None,
        user: FakeUser | None = None,
        locale: str | None = None,
        expect_error: ErrorSpec | None = None,
    ) -> list[Sent]:
        """Submit a modal with ``values`` keyed by each component's ``custom_id``.

        The MODAL_SUBMIT payload mirrors the modal's structure as discord.py 2.7 parses it:
        ``Label`` (type 18) → ``{"type": 18, "id", "component": {...}}`` wrapping a text input
        (type 4, ``value``) or a select (types 3/5-8, ``values``); legacy action rows
        (type 1, ``components``) are kept; text displays become ``{"type": 10, "id"}``.
        The structure comes from ``modal`` (the recorded type-9 :class:`Sent`, may also be given
        as ``custom_id``), else the latest recorded modal with that custom_id, else the live
        ``Modal`` in the view store, else it is inferred (str → text input, list → select).
        Unknown custom_ids, missing required inputs and invalid select values raise.
        """
        pending = await self.begin_submit_modal(
            custom_id, values, modal=modal, user=user, locale=locale
        )
        return await pending.result(expect_error=expect_error)

    async def begin_submit_modal(
        self,
        custom_id: str | Sent | None,
        values: Mapping[str, str | Sequence[str] | bool | None],
        *,
        modal: Sent | None = None,
        user: FakeUser | None = None,
        locale: str | None = None,
    ) -> PendingInteraction:
        """Like :meth:`submit_modal` but return once the interaction was answered."""
        await self.start()
        user = user or self.default_user
        if isinstance(custom_id, Sent):
            modal, custom_id = custom_id, None
        if modal is not None:
            if modal.type != 9:
                raise ValueError(f"modal= must be a recorded type-9 response, got {modal!r}")
            if custom_id is not None and modal.custom_id != custom_id:
                raise ValueError(f"modal has custom_id {modal.custom_id!r}, not {custom_id!r}")
            custom_id = modal.custom_id
        if custom_id is None:
            modal = next(
                (
                    s
                    for s in reversed(self.sent)
                    if s.kind == "interaction_response" and s.type == 9
                ),
                None,
            )
            if modal is None:
                raise ValueError("no modal was recorded; pass custom_id")
            custom_id = modal.custom_id
        assert custom_id is not None
        if modal is None:
            modal = next(
                (
                    s
                    for s in reversed(self.sent)
                    if s.kind == "interaction_response" and s.type == 9 and s.custom_id == custom_id
                ),
                None,
            )
        structure: list[dict[str, Any]] | None = None
        origin: PendingInteraction | None = None
        if modal is not None:
            structure = modal.components
            origin = next((p for p in self.interactions if p.id == modal.interaction_id), None)
        else:
            live = self.bot._connection._view_store._modals.get(custom_id)
            if live is not None:
                structure = live.to_dict()["components"]
        remaining = dict(values)
        resolved: dict[str, dict[str, Any]] = {}
        guild = origin.guild_id is not None if origin else True
        if structure is None:
            components = [
                self._inferred_modal_component(k, v, i + 1)
                for i, (k, v) in enumerate(values.items())
            ]
            remaining.clear()
        else:
            counter = iter(range(1, 10_000))
            components = [
                self._mirror_modal_component(c, remaining, counter, resolved, guild=guild)
                for c in structure
            ]
        if remaining:
            known = [
                c.get("custom_id") for c in walk_components(structure or []) if c.get("custom_id")
            ]
            raise KeyError(f"modal {custom_id!r} has no inputs {sorted(remaining)}; it has {known}")
        data: dict[str, Any] = {"custom_id": custom_id, "components": components}
        if resolved:
            data["resolved"] = resolved
        message = None
        if origin is not None and origin.component_message is not None:
            origin_id = int(origin.component_message["id"])
            message = copy.deepcopy(self._messages.get(origin_id, origin.component_message))
        payload = self._interaction_payload(
            5,
            data,
            user=user,
            locale=locale,
            guild=guild,
            channel_id=origin.channel_id if origin is not None else None,
            message=message,
        )
        return await self._begin(payload, f"modal submit {custom_id!r}")

    async def dispatch(
        self, payload: dict[str, Any], *, expect_error: ErrorSpec | None = None
    ) -> list[Sent]:
        """Feed a hand-made INTERACTION_CREATE payload (its token is registered automatically)."""
        pending = await self._begin(payload, f"interaction type {payload.get('type')}")
        return await pending.result(expect_error=expect_error)

    # -- core dispatch --------------------------------------------------------------------------

    async def _begin(self, payload: dict[str, Any], description: str) -> PendingInteraction:
        await self.start()
        if self._closed:
            raise RuntimeError("harness is closed")
        loop = asyncio.get_running_loop()
        if self.bot.loop is not loop or self._loop is not loop:
            raise RuntimeError(
                "the bot/harness was started on another event loop than the running test"
            )
        self._ensure_error_hooks()
        pending = PendingInteraction(self, payload, description)
        self.interactions.append(pending)
        self._patch_state.tokens[pending.token] = self._on_webhook_request
        self._tokens.append(pending.token)

        # parse_interaction_create is synchronous: every task it schedules (tree invoker, view /
        # dynamic item / modal dispatch, on_interaction listeners) is created inside this window
        # and lands in pending.tasks through the task factory. The context variable is copied
        # into those tasks, so later calls and errors are attributed to this interaction.
        ctx = _CURRENT.set(pending)
        self._dispatch_window = pending
        try:
            self.bot._connection.parse_interaction_create(payload)  # type: ignore[arg-type]
        finally:
            self._dispatch_window = None
            _CURRENT.reset(ctx)
        await pending._wait_started()
        return pending

    def _task_factory(
        self, loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any
    ) -> asyncio.Task[Any]:
        previous = self._previous_task_factory
        if previous is not None:
            task = previous(loop, coro, **kwargs)
        else:
            task = asyncio.Task(coro, loop=loop, **kwargs)
        pending = _CURRENT.get()
        if pending is not None and pending.harness is self:
            if self._dispatch_window is pending:
                pending.tasks.append(task)
            else:
                self._spawned.add(task)
                task.add_done_callback(self._spawned_done)
        return task

    def _spawned_done(self, task: asyncio.Task[Any]) -> None:
        self._spawned.discard(task)
        if not task.cancelled() and task.exception() is not None and not _is_library_task(task):
            self._spawned_failures.append(task.exception())  # type: ignore[arg-type]

    async def drain(self, limit: float | None = None) -> None:
        """Wait for the tasks the app's handlers spawned (``asyncio.create_task`` and the like).

        discord.py's own timers (view timeout watchers, ``delete_after``) are not waited for;
        ``close()`` cancels them. Exceptions of the drained tasks are recorded in
        ``background_errors`` and raised as :class:`InteractionFailed`. ``limit`` defaults to
        ``timeout``.
        """
        tasks = [t for t in self._spawned if not _is_library_task(t)]
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=self.timeout if limit is None else limit)
            if pending:
                raise InteractionTimeout(
                    f"spawned tasks still running: {[t.get_name() for t in pending]}"
                )
        errors, self._spawned_failures = self._spawned_failures, []
        self.background_errors.extend(errors)
        self.errors.extend(errors)
        if errors:
            raise InteractionFailed("a task spawned by a handler", errors, [])

    def _check(self, pending: PendingInteraction, expect_error: ErrorSpec | None) -> list[Sent]:
        sent = pending.sent
        errors = [
            e
            for e in pending.errors
            if not (self.ignored_errors and _matches(e, self.ignored_errors))
        ]
        if expect_error is not None:
            if not any(_matches(e, expect_error) for e in pending.errors):
                raise AssertionError(
                    f"{pending.description}: expected {expect_error!r} but got "
                    f"{pending.errors or 'no error'}; sent: {[s.text for s in sent]}"
                )
            errors = [e for e in errors if not _matches(e, expect_error)]
        if errors:
            raise InteractionFailed(pending.description, errors, sent) from errors[0]
        if (
            self.strict_responses
            and expect_error is None
            and not pending.errors
            and pending.response_type is None
        ):
            hint = (
                "a handler ran but never responded"
                if pending.handler_dispatched
                else "discord.py found no handler: unknown command / custom_id, or view not stored"
            )
            raise NoResponse(f"{pending.description}: no interaction response was sent ({hint})")
        return sent

    def _capture_error(self, error: BaseException) -> None:
        pending = _CURRENT.get()
        if pending is not None and pending.harness is self:
            if any(e is error for e in pending.errors):
                return
            pending._add_error(error)
            self.errors.append(error)
        elif pending is None and not any(e is error for e in self.background_errors):
            self.background_errors.append(error)
            self.errors.append(error)

    def _live_views(self) -> list[Any]:
        store = self.bot._connection._view_store
        views: dict[int, Any] = {}
        for mapping in list(store._views.values()):
            for item in list(mapping.values()):
                if item.view is not None:
                    views[id(item.view)] = item.view
        for view in [*store._modals.values(), *store._synced_message_views.values()]:
            views[id(view)] = view
        return list(views.values())

    def _ensure_error_hooks(self) -> None:
        tree = self.bot._connection._command_tree
        if tree is not None:
            self._wrap_error_hook(
                tree, "on_error", lambda args, kwargs: args[1] if len(args) > 1 else None
            )
        self._wrap_error_hook(self.bot, "on_error", lambda args, kwargs: sys.exc_info()[1])
        for view in self._live_views():
            self._wrap_error_hook(
                view, "on_error", lambda args, kwargs: args[1] if len(args) > 1 else None
            )

    def _wrap_error_hook(
        self,
        obj: Any,
        name: str,
        extract: Callable[[tuple[Any, ...], dict[str, Any]], BaseException | None],
    ) -> None:
        current = getattr(obj, name)
        if getattr(current, "__harness_owner__", None) is self:
            return
        inner_was_attr = name in vars(obj)
        harness = self

        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            error = extract(args, kwargs)
            if error is not None:
                harness._capture_error(error)
            return await current(*args, **kwargs)

        wrapper.__harness_owner__ = self  # type: ignore[attr-defined]
        wrapper.__harness_inner__ = current  # type: ignore[attr-defined]
        wrapper.__harness_inner_was_attr__ = inner_was_attr  # type: ignore[attr-defined]
        setattr(obj, name, wrapper)
        self._wrapped.append((obj, name))

    # -- payload builders -----------------------------------------------------------------------

    def _bot_user_payload(self) -> dict[str, Any]:
        return {
            "id": str(self.application_id),
            "username": self.bot_name,
            "discriminator": "0",
            "global_name": None,
            "avatar": None,
            "bot": True,
            "verified": True,
            "mfa_enabled": False,
            "flags": 0,
            "public_flags": 0,
        }

    def _add_role_data(
        self, role_id: int, name: str, permissions: int, *, position: int
    ) -> dict[str, Any]:
        data = {
            "id": str(role_id),
            "name": name,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "position": position,
            "permissions": str(permissions),
            "managed": False,
            "mentionable": False,
            "flags": 0,
        }
        self.roles[name] = role_id
        self._role_data[role_id] = data
        return data

    def _guild_payload(self) -> dict[str, Any]:
        bot_member = {
            "user": self._bot_user_payload(),
            "roles": [],
            "joined_at": _now_iso(),
            "deaf": False,
            "mute": False,
            "flags": 0,
        }
        return {
            "id": str(self.guild_id),
            "name": self.guild_name,
            "icon": None,
            "owner_id": str(self.owner_id),
            "roles": list(self._role_data.values()),
            "channels": [
                {k: v for k, v in c.items() if k != "guild_id"} for c in self._channels.values()
            ],
            "members": [bot_member],
            "member_count": 2,
            "features": [],
            "emojis": [],
            "stickers": [],
            "preferred_locale": self.guild_locale,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "afk_timeout": 300,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "large": False,
            "unavailable": False,
            "joined_at": _now_iso(),
            "voice_states": [],
            "presences": [],
            "threads": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }

    def _permissions_for(self, user: FakeUser) -> int:
        if user.id == self.owner_id:
            return discord.Permissions.all().value
        value = int(self._role_data[self.guild_id]["permissions"])
        for role_id in user.roles:
            value |= int(self._role_data[role_id]["permissions"])
        if value & discord.Permissions(administrator=True).value:
            return discord.Permissions.all().value
        return value

    def _member_payload(self, user: FakeUser, *, with_user: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "roles": [str(r) for r in user.roles],
            "nick": user.nick,
            "avatar": None,
            "banner": None,
            "joined_at": "2024-01-01T00:00:00+00:00",
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
            "permissions": str(self._permissions_for(user)),
        }
        if with_user:
            data["user"] = user.payload()
        return data

    def _user_for(self, user_id: int) -> FakeUser:
        return self.users.get(user_id) or FakeUser(id=user_id, name=f"user{user_id}")

    def _dm_channel_payload(self, user: FakeUser) -> dict[str, Any]:
        return {
            "id": str(self.dm_channel_id(user.id)),
            "type": 1,
            "last_message_id": None,
            "recipients": [user.payload()],
            "flags": 0,
        }

    def _interaction_payload(
        self,
        itype: int,
        data: dict[str, Any],
        *,
        user: FakeUser,
        locale: str | None,
        guild: bool,
        channel_id: int | None,
        message: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        iid = new_snowflake()
        payload: dict[str, Any] = {
            "id": str(iid),
            "application_id": str(self.application_id),
            "type": itype,
            "token": _interaction_token(iid),
            "version": 1,
            "data": data,
            "locale": _check_locale(locale or user.locale),
            "app_permissions": str(self.app_permissions),
            "entitlements": [],
            "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
        }
        if guild:
            cid = channel_id or self.channel_id
            if cid not in self._channels:
                raise ValueError(f"unknown guild channel {cid}; use add_channel()")
            channel = {k: v for k, v in self._channels[cid].items() if k != "permission_overwrites"}
            channel["permissions"] = str(self._permissions_for(user))
            payload.update(
                guild_id=str(self.guild_id),
                guild={"id": str(self.guild_id), "locale": self.guild_locale, "features": []},
                guild_locale=self.guild_locale,
                channel_id=str(cid),
                channel=channel,
                member=self._member_payload(user),
                authorizing_integration_owners={"0": str(self.guild_id)},
                context=0,
            )
        else:
            dm = self._dm_channel_payload(user)
            payload.update(
                channel_id=dm["id"],
                channel=dm,
                user=user.payload(),
                authorizing_integration_owners={"0": "0"},
                context=1,
            )
        if message is not None:
            payload["message"] = message
        return payload

    # -- command payloads -----------------------------------------------------------------------

    def _find_command(
        self, path: str, *, guild: bool
    ) -> tuple[list[str], app_commands.Command[Any, ..., Any], bool]:
        tree = self.bot._connection._command_tree
        if tree is None:
            raise RuntimeError("the bot has no CommandTree")
        parts = path.split()
        if not parts:
            raise ValueError("empty command path")
        root: Any = None
        guild_scoped = False
        if guild:
            root = tree.get_command(parts[0], guild=discord.Object(self.guild_id))
            guild_scoped = root is not None
        if root is None:
            root = tree.get_command(parts[0])
        if root is None:
            known = sorted(c.name for c in tree.get_commands())
            if guild:
                known += sorted(
                    c.name for c in tree.get_commands(guild=discord.Object(self.guild_id))
                )
            raise LookupError(
                f"no slash command {parts[0]!r} registered in bot.tree; registered: {known}"
            )
        if not guild:
            if guild_scoped:
                raise ValueError(
                    f"/{parts[0]} is a guild command; Discord does not offer it in DMs"
                )
            contexts = root.to_dict(tree).get("contexts")
            if root.guild_only or (contexts is not None and 1 not in contexts):
                raise ValueError(f"/{parts[0]} is guild-only; Discord does not offer it in DMs")
        node: Any = root
        for part in parts[1:]:
            if not isinstance(node, app_commands.Group):
                raise LookupError(f"/{node.qualified_name} is not a group; cannot find {part!r}")
            child = node.get_command(part)
            if child is None:
                raise LookupError(
                    f"/{node.qualified_name} has no subcommand {part!r}; "
                    f"it has {[c.name for c in node.commands]}"
                )
            node = child
        if isinstance(node, app_commands.Group):
            raise LookupError(
                f"/{node.qualified_name} is a group; name a subcommand: "
                f"{[c.name for c in node.commands]}"
            )
        return parts, node, guild_scoped

    def _command_data(
        self,
        path: str,
        options: dict[str, object],
        *,
        guild: bool,
        user: FakeUser,
        focused: str | None,
    ) -> dict[str, Any]:
        parts, command, guild_scoped = self._find_command(path, guild=guild)
        params = {p.display_name: p for p in command.parameters}
        by_python = {p.name: p for p in command.parameters}
        resolved: dict[str, dict[str, Any]] = {}
        leaf_options: list[dict[str, Any]] = []
        seen: set[str] = set()
        if focused is not None:
            fparam = params.get(focused) or by_python.get(focused)
            if fparam is None:
                raise KeyError(
                    f"/{command.qualified_name} has no option {focused!r}; "
                    f"options: {sorted(params)}"
                )
            if not fparam.autocomplete:
                raise ValueError(
                    f"option {focused!r} of /{command.qualified_name} has no autocomplete"
                )
            focused = fparam.display_name
            options.setdefault(focused, "")
        for key, value in options.items():
            param = params.get(key) or by_python.get(key)
            if param is None:
                raise KeyError(
                    f"/{command.qualified_name} has no option {key!r}; options: {sorted(params)}"
                )
            if value is None:
                continue  # Discord never sends null options: None means "not given"
            if param.display_name in seen:
                raise KeyError(f"option {key!r} given twice")
            seen.add(param.display_name)
            is_focused = param.display_name == focused
            option: dict[str, Any] = {
                "name": param.display_name,
                "type": param.type.value,
                "value": self._option_value(
                    param,
                    value,
                    resolved,
                    guild=guild,
                    focused=is_focused,
                    partial=focused is not None,
                ),
            }
            if is_focused:
                option["focused"] = True
            leaf_options.append(option)
        if focused is None:
            missing = [
                p.display_name
                for p in command.parameters
                if p.required and p.display_name not in seen
            ]
            if missing:
                raise ValueError(f"/{command.qualified_name} is missing required options {missing}")
        # Discord orders options as declared.
        order = {p.display_name: i for i, p in enumerate(command.parameters)}
        leaf_options.sort(key=lambda o: order[o["name"]])

        opts: list[dict[str, Any]] = leaf_options
        depth = len(parts) - 1
        for index in range(depth, 0, -1):
            opts = [{"type": 1 if index == depth else 2, "name": parts[index], "options": opts}]
        data: dict[str, Any] = {
            "id": str(self._command_id(parts[0], guild_scoped)),
            "name": parts[0],
            "type": 1,
        }
        if opts:
            data["options"] = opts
        if resolved:
            data["resolved"] = resolved
        if guild_scoped:
            data["guild_id"] = str(self.guild_id)
        return data

    def _command_id(self, name: str, guild_scoped: bool) -> int:
        key = f"{name}:{guild_scoped}"
        if key not in self._command_ids:
            self._command_ids[key] = new_snowflake()
        return self._command_ids[key]

    def _option_value(
        self,
        param: app_commands.Parameter,
        value: object,
        resolved: dict[str, dict[str, Any]],
        *,
        guild: bool,
        focused: bool,
        partial: bool,
    ) -> Any:
        where = f"option {param.display_name!r}"
        if focused:
            return value if isinstance(value, str) else str(value)
        if isinstance(value, app_commands.Choice):
            value = value.value
        elif isinstance(value, enum.Enum) and param.choices:
            choice = next((c for c in param.choices if c.name == value.name), None)
            value = choice.value if choice is not None else value.value
        kind = param.type
        if kind is AppCommandOptionType.string:
            if not isinstance(value, str):
                raise TypeError(f"{where} is a string option, got {value!r}")
        elif kind is AppCommandOptionType.integer:
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"{where} is an integer option, got {value!r}")
        elif kind is AppCommandOptionType.number:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise TypeError(f"{where} is a number option, got {value!r}")
        elif kind is AppCommandOptionType.boolean:
            if not isinstance(value, bool):
                raise TypeError(f"{where} is a boolean option, got {value!r}")
        else:
            return self._snowflake_option(kind, value, resolved, guild=guild, where=where)
        if param.choices and value not in [c.value for c in param.choices]:
            raise ValueError(
                f"{where} must be one of {[c.value for c in param.choices]}, got {value!r}"
            )
        if not partial:
            low, high = param.min_value, param.max_value
            measured = len(value) if isinstance(value, str) else value
            if (low is not None and measured < low) or (high is not None and measured > high):  # type: ignore[operator]
                raise ValueError(
                    f"{where}={value!r} is outside [{low}, {high}]; Discord would refuse it"
                )
        return value

    def _snowflake_option(
        self,
        kind: AppCommandOptionType,
        value: object,
        resolved: dict[str, dict[str, Any]],
        *,
        guild: bool,
        where: str,
    ) -> str:
        if kind is AppCommandOptionType.attachment:
            if isinstance(value, tuple) and len(value) == 2:
                filename, blob = value
                attachment = self._attachment_payload(str(filename), bytes(blob), self.channel_id)
            elif isinstance(value, Mapping):
                attachment = {
                    "id": str(new_snowflake()),
                    "size": 0,
                    "url": "",
                    "proxy_url": "",
                    **value,
                }
            else:
                raise TypeError(
                    f"{where} is an attachment: pass (filename, bytes) or an attachment dict"
                )
            resolved.setdefault("attachments", {})[attachment["id"]] = attachment
            return attachment["id"]
        if kind is AppCommandOptionType.role and isinstance(value, str) and value in self.roles:
            value = self.roles[value]
        if isinstance(value, FakeUser | discord.abc.Snowflake):
            sid = value.id
        elif isinstance(value, int) and not isinstance(value, bool):
            sid = value
        elif isinstance(value, str) and value.isdigit():
            sid = int(value)
        else:
            raise TypeError(f"{where} needs an id / FakeUser / snowflake, got {value!r}")
        if kind is AppCommandOptionType.mentionable:
            kind = (
                AppCommandOptionType.role if sid in self._role_data else AppCommandOptionType.user
            )
        self._resolve(kind.value, sid, resolved, guild=guild)
        return str(sid)

    def _resolve(
        self, kind: int, sid: int, resolved: dict[str, dict[str, Any]], *, guild: bool
    ) -> None:
        """Add resolved data; kind = option type (6 user, 7 channel, 8 role)."""
        key = str(sid)
        if kind == 6:
            fake = self._user_for(sid)
            resolved.setdefault("users", {})[key] = fake.payload()
            if guild:
                resolved.setdefault("members", {})[key] = self._member_payload(
                    fake, with_user=False
                )
        elif kind == 8:
            if sid not in self._role_data:
                raise ValueError(f"unknown role id {sid}")
            resolved.setdefault("roles", {})[key] = self._role_data[sid]
        elif kind == 7:
            if sid not in self._channels:
                raise ValueError(f"unknown channel id {sid}; use add_channel()")
            channel = self._channels[sid]
            resolved.setdefault("channels", {})[key] = {
                "id": key,
                "name": channel["name"],
                "type": channel["type"],
                "parent_id": channel["parent_id"],
                "permissions": str(DEFAULT_APP_PERMISSIONS),
                "flags": 0,
            }

    # -- component payloads ---------------------------------------------------------------------

    def _message_for_click(
        self,
        custom_id: str,
        message: Sent | Mapping[str, Any] | None,
        component_type: int | None,
        values: Sequence[str | int] | None,
    ) -> dict[str, Any]:
        if isinstance(message, Sent):
            if message.message_id is not None and message.message_id in self._messages:
                return copy.deepcopy(self._messages[message.message_id])
            return self._message_payload(
                message_id=message.message_id or new_snowflake(),
                channel_id=message.channel_id or self.channel_id,
                data=message.data,
            )
        if isinstance(message, Mapping):
            if "id" in message and "channel_id" in message:
                base = self._message_payload(
                    message_id=int(message["id"]), channel_id=int(message["channel_id"]), data={}
                )
                base.update(copy.deepcopy(dict(message)))
                return base
            return self._message_payload(
                message_id=new_snowflake(), channel_id=self.channel_id, data=dict(message)
            )
        for mid in reversed(list(self._messages)):
            if _find_component(self._messages[mid].get("components") or [], custom_id) is not None:
                return copy.deepcopy(self._messages[mid])
        ctype = component_type or (3 if values else 2)
        if ctype == 2:
            component: dict[str, Any] = {
                "type": 2,
                "style": 1,
                "label": custom_id,
                "custom_id": custom_id,
            }
        elif ctype == 3:
            opts = [{"label": str(v), "value": str(v)} for v in values or []]
            component = {
                "type": 3,
                "custom_id": custom_id,
                "options": opts,
                "min_values": 1,
                "max_values": max(1, len(opts)),
            }
        else:
            component = {"type": ctype, "custom_id": custom_id, "min_values": 1, "max_values": 25}
        return self._message_payload(
            message_id=new_snowflake(),
            channel_id=self.channel_id,
            data={"content": "", "components": [{"type": 1, "components": [component]}]},
        )

    def _select_values(
        self,
        component: Mapping[str, Any],
        ctype: int,
        values: Sequence[str | int],
        resolved: dict[str, dict[str, Any]],
        *,
        guild: bool,
    ) -> list[str]:
        custom_id = component.get("custom_id")
        result = [str(getattr(v, "id", v)) for v in values]
        low, high = int(component.get("min_values", 1)), int(component.get("max_values", 1))
        if not low <= len(result) <= high:
            raise ValueError(f"select {custom_id!r} takes {low}..{high} values, got {result}")
        if ctype == 3:
            allowed = [str(o.get("value")) for o in component.get("options") or []]
            bad = [v for v in result if v not in allowed]
            if bad:
                raise ValueError(f"select {custom_id!r} has no options {bad}; options: {allowed}")
        else:
            for v in result:
                sid = int(v)
                if ctype == 5:
                    kind = 6
                elif ctype == 6:
                    kind = 8
                elif ctype == 8:
                    kind = 7
                else:
                    kind = 8 if sid in self._role_data else 6
                self._resolve(kind, sid, resolved, guild=guild)
        return result

    def _mirror_modal_component(
        self,
        comp: Mapping[str, Any],
        values: dict[str, Any],
        counter: Iterator[int],
        resolved: dict[str, dict[str, Any]],
        *,
        guild: bool,
    ) -> dict[str, Any]:
        ctype = int(comp["type"])
        cid = comp.get("id") or next(counter)
        if ctype == 1:
            return {
                "type": 1,
                "id": cid,
                "components": [
                    self._mirror_modal_component(c, values, counter, resolved, guild=guild)
                    for c in comp.get("components") or []
                ],
            }
        if ctype == 18:
            return {
                "type": 18,
                "id": cid,
                "component": self._mirror_modal_component(
                    comp["component"], values, counter, resolved, guild=guild
                ),
            }
        custom_id = comp.get("custom_id")
        if custom_id is None:
            return {"type": ctype, "id": cid}
        required = bool(comp.get("required", True))
        given = custom_id in values
        value = values.pop(custom_id, None)
        out: dict[str, Any] = {"type": ctype, "id": cid, "custom_id": custom_id}
        if ctype == 4:
            if value is None:
                if required:
                    raise ValueError(f"text input {custom_id!r} is required")
                value = ""
            if not isinstance(value, str):
                raise TypeError(f"text input {custom_id!r} takes a str, got {value!r}")
            low, high = comp.get("min_length"), comp.get("max_length")
            if value and (
                (low is not None and len(value) < low) or (high is not None and len(value) > high)
            ):
                raise ValueError(
                    f"text input {custom_id!r}: length {len(value)} outside [{low}, {high}]"
                )
            out["value"] = value
        elif ctype in (3, 5, 6, 7, 8, 19, 22):
            items = [] if value is None else [value] if isinstance(value, str) else list(value)
            if not items and required and int(comp.get("min_values", 1)) > 0:
                raise ValueError(f"select {custom_id!r} is required")
            if items or given:
                if ctype in (3, 5, 6, 7, 8):
                    out["values"] = self._select_values(comp, ctype, items, resolved, guild=guild)
                else:
                    out["values"] = [str(v) for v in items]
            else:
                out["values"] = []
        elif ctype == 21:
            out["value"] = value
        elif ctype == 23:
            out["value"] = bool(value)
        else:
            out["value"] = value
        return out

    @staticmethod
    def _inferred_modal_component(custom_id: str, value: Any, cid: int) -> dict[str, Any]:
        if isinstance(value, str):
            inner: dict[str, Any] = {
                "type": 4,
                "id": cid * 2,
                "custom_id": custom_id,
                "value": value,
            }
        elif isinstance(value, bool):
            inner = {"type": 23, "id": cid * 2, "custom_id": custom_id, "value": value}
        else:
            inner = {
                "type": 3,
                "id": cid * 2,
                "custom_id": custom_id,
                "values": [str(v) for v in value or []],
            }
        return {"type": 18, "id": cid * 2 - 1, "component": inner}

    # -- messages -------------------------------------------------------------------------------

    def _attachment_payload(self, filename: str, blob: bytes, channel_id: int) -> dict[str, Any]:
        aid = new_snowflake()
        return {
            "id": str(aid),
            "filename": filename,
            "size": len(blob),
            "url": f"https://cdn.discordapp.com/attachments/{channel_id}/{aid}/{filename}",
            "proxy_url": f"https://media.discordapp.net/attachments/{channel_id}/{aid}/{filename}",
            "content_type": mimetypes.guess_type(filename)[0] or "application/octet-stream",
        }

    def _message_payload(
        self,
        *,
        message_id: int,
        channel_id: int,
        data: Mapping[str, Any],
        files: Sequence[tuple[str, bytes]] = (),
        msg_type: int = 0,
        interaction: PendingInteraction | None = None,
    ) -> dict[str, Any]:
        message: dict[str, Any] = {
            "id": str(message_id),
            "channel_id": str(channel_id),
            "type": msg_type,
            "author": self._bot_user_payload(),
            "content": data.get("content") or "",
            "timestamp": _now_iso(),
            "edited_timestamp": None,
            "tts": bool(data.get("tts", False)),
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [self._attachment_payload(n, b, channel_id) for n, b in files],
            "embeds": copy.deepcopy(list(data.get("embeds") or [])),
            "pinned": False,
            "flags": int(data.get("flags") or 0),
            "components": copy.deepcopy(list(data.get("components") or [])),
        }
        if channel_id in self._channels:
            message["guild_id"] = str(self.guild_id)
        if data.get("poll"):
            message["poll"] = copy.deepcopy(data["poll"])
        if interaction is not None:
            message["webhook_id"] = str(self.application_id)
            message["application_id"] = str(self.application_id)
            user = interaction.payload.get("member", {}).get("user") or interaction.payload.get(
                "user"
            )
            metadata: dict[str, Any] = {
                "id": str(interaction.id),
                "type": interaction.type,
                "user": user,
                "authorizing_integration_owners": interaction.payload.get(
                    "authorizing_integration_owners", {}
                ),
            }
            if interaction.component_message is not None:
                metadata["interacted_message_id"] = interaction.component_message["id"]
            message["interaction_metadata"] = metadata
        return message

    def _store_message(self, message: dict[str, Any]) -> dict[str, Any]:
        self._messages[int(message["id"])] = message
        return copy.deepcopy(message)

    def _edit_message(
        self,
        message_id: int,
        channel_id: int,
        data: Mapping[str, Any],
        files: Sequence[tuple[str, bytes]],
    ) -> dict[str, Any]:
        old = self._messages.get(message_id)
        if old is None:
            old = self._message_payload(message_id=message_id, channel_id=channel_id, data={})
        new = copy.deepcopy(old)
        for key in ("content", "embeds", "components", "poll"):
            if key in data:
                new[key] = (
                    copy.deepcopy(data[key])
                    if data[key] is not None
                    else ([] if key != "content" else "")
                )
        if "flags" in data and data["flags"] is not None:
            new["flags"] = (int(data["flags"]) & ~LOADING) | (
                int(new.get("flags") or 0) & EPHEMERAL
            )
        else:
            new["flags"] = int(new.get("flags") or 0) & ~LOADING
        if "attachments" in data or files:
            keep = {str(a.get("id")) for a in data.get("attachments") or []}
            new["attachments"] = [a for a in new.get("attachments") or [] if str(a["id"]) in keep]
            new["attachments"] += [self._attachment_payload(n, b, channel_id) for n, b in files]
        new["edited_timestamp"] = _now_iso()
        return self._store_message(new)

    # -- recorders ------------------------------------------------------------------------------

    def _record(self, sent: Sent, method: str) -> Sent:
        self.requests.append(sent)
        if method != "GET":
            self.sent.append(sent)
        return sent

    def _failure_for(self, method: str, template: str, url_path: str) -> BaseException | None:
        return self.http_fail.get(f"{method} {url_path}") or self.http_fail.get(
            f"{method} {template}"
        )

    async def _on_webhook_request(self, route: Route, kwargs: dict[str, Any]) -> Any:
        """Answer an AsyncWebhookAdapter request for one of our interaction tokens."""
        pending = next(p for p in self.interactions if p.token == route.webhook_token)
        method, template = route.method, route.path
        url_path = route.url[len(Route.BASE) :]
        key = f"{method} {template}"
        body, files = _decode_body(
            kwargs.get("payload"), kwargs.get("multipart"), kwargs.get("files")
        )
        query = kwargs.get("params") or {}
        failure = self._failure_for(method, template, url_path)
        is_original = template.endswith("/messages/@original")
        has_message_id = template.endswith("/messages/{message_id}")

        if template == "/interactions/{webhook_id}/{webhook_token}/callback":
            rtype = int(body.get("type", 0))
            data = dict(body.get("data") or {})
            sent = self._record(
                Sent(
                    kind="interaction_response",
                    type=rtype,
                    data=data,
                    route=key,
                    files=files,
                    channel_id=pending.channel_id,
                    interaction_id=pending.id,
                    error=failure,
                ),
                method,
            )
            if failure is not None:
                raise failure.with_traceback(None)
            return self._interaction_callback(pending, rtype, data, files, sent)

        kind = "webhook"
        if method == "POST" and template == "/webhooks/{webhook_id}/{webhook_token}":
            kind = "followup"
        elif method == "PATCH" and is_original:
            kind = "edit_original"
        elif method == "PATCH" and has_message_id:
            kind = "edit_message"
        elif method == "DELETE" and (is_original or has_message_id):
            kind = "delete"
        message_id: int | None = None
        if is_original:
            message_id = pending.original_message_id
        elif has_message_id:
            message_id = int(url_path.rsplit("/", 1)[1])
        replaces_original = (
            kind == "followup"
            and pending.followup_replaces_original
            and pending.original_message_id is not None
        )
        sent = self._record(
            Sent(
                kind=kind,
                type=None,
                data=body,
                route=key,
                files=files,
                channel_id=pending.channel_id,
                message_id=message_id,
                interaction_id=pending.id,
                error=failure,
                inherited_ephemeral=pending.original_ephemeral
                and (is_original or replaces_original),
            ),
            method,
        )
        if failure is not None:
            raise failure.with_traceback(None)

        if kind == "followup":
            if replaces_original and pending.original_message_id is not None:
                # The first follow-up after a deferred "thinking" response replaces it.
                pending.followup_replaces_original = False
                sent.message_id = pending.original_message_id
                message = self._edit_message(
                    pending.original_message_id, pending.channel_id, body, files
                )
            else:
                sent.message_id = new_snowflake()
                message = self._store_message(
                    self._message_payload(
                        message_id=sent.message_id,
                        channel_id=pending.channel_id,
                        data=body,
                        files=files,
                        msg_type=20 if pending.type == 2 else 0,
                        interaction=pending,
                    )
                )
            return message if int(query.get("wait", 1)) else None
        if message_id is None or (message_id not in self._messages and method != "DELETE"):
            error = http_error(404, 10008, "Unknown Message")
            sent.error = error
            raise error
        if method == "GET":
            return copy.deepcopy(self._messages[message_id])
        if method == "PATCH":
            if is_original:
                pending.followup_replaces_original = False
            return self._edit_message(message_id, pending.channel_id, body, files)
        if method == "DELETE":
            self._messages.pop(message_id, None)
            return None
        raise RuntimeError(f"DiscordHarness: unsupported webhook call {key}")

    def _interaction_callback(
        self,
        pending: PendingInteraction,
        rtype: int,
        data: dict[str, Any],
        files: list[tuple[str, bytes]],
        sent: Sent,
    ) -> dict[str, Any]:
        interaction_info: dict[str, Any] = {"id": str(pending.id), "type": pending.type}
        response: dict[str, Any] = {"interaction": interaction_info}
        message: dict[str, Any] | None = None
        if rtype in (4, 5):
            message_id = new_snowflake()
            flags = int(data.get("flags") or 0)
            msg_data = data if rtype == 4 else {"flags": flags | LOADING}
            message = self._store_message(
                self._message_payload(
                    message_id=message_id,
                    channel_id=pending.channel_id,
                    data=msg_data,
                    files=files,
                    msg_type=20 if pending.type == 2 else 0,
                    interaction=pending,
                )
            )
            pending.original_message_id = message_id
            pending.original_ephemeral = bool(flags & EPHEMERAL)
            pending.followup_replaces_original = rtype == 5
            sent.message_id = message_id
            interaction_info.update(
                response_message_id=str(message_id),
                response_message_loading=rtype == 5,
                response_message_ephemeral=bool(flags & EPHEMERAL),
            )
        elif rtype in (6, 7) and pending.component_message is not None:
            message_id = int(pending.component_message["id"])
            self._messages.setdefault(message_id, copy.deepcopy(pending.component_message))
            pending.original_message_id = message_id
            pending.original_ephemeral = bool(
                int(pending.component_message.get("flags") or 0) & EPHEMERAL
            )
            sent.message_id = message_id
            sent.inherited_ephemeral = pending.original_ephemeral
            if rtype == 7:
                message = self._edit_message(message_id, pending.channel_id, data, files)
            interaction_info["response_message_id"] = str(message_id)
        if message is not None:
            response["resource"] = {"type": rtype, "message": message}
        pending._mark_responded(rtype)
        return response

    async def _on_http_request(
        self,
        route: Route,
        *,
        files: Sequence[discord.File] | None = None,
        form: Iterable[dict[str, Any]] | None = None,
        **kwargs: Any,
    ) -> Any:
        """Replacement for ``bot.http.request``: record, maybe fail, answer plausibly."""
        method, template = route.method, route.path
        url_path = route.url[len(Route.BASE) :]
        key = f"{method} {template}"
        params = _route_params(template, url_path)
        body, blobs = _decode_body(kwargs.get("json"), list(form) if form else None, files)
        call = HttpCall(
            method=method,
            path=template,
            url_path=url_path,
            params=params,
            json=kwargs.get("json") if form is None else body,
            query=dict(kwargs.get("params") or {}),
            reason=kwargs.get("reason"),
            files=blobs,
        )
        pending = _CURRENT.get()
        interaction_id = pending.id if pending is not None and pending.harness is self else None
        channel_id = int(params["channel_id"]) if "channel_id" in params else None
        dm_user = next((u for u, c in self._dm_channels.items() if c == channel_id), None)
        kind = "http"
        if template == "/channels/{channel_id}/messages" and method == "POST":
            kind = "dm" if dm_user is not None else "channel_message"
        elif template == "/channels/{channel_id}/messages/{message_id}":
            kind = {"PATCH": "edit_message", "DELETE": "delete"}.get(method, "http")
        message_id = int(params["message_id"]) if "message_id" in params else None
        failure = self._failure_for(method, template, url_path)
        sent = self._record(
            Sent(
                kind=kind,
                type=None,
                data=body if isinstance(body, dict) else {"json": body},
                route=key,
                files=blobs,
                channel_id=channel_id,
                message_id=message_id,
                user_id=dm_user,
                interaction_id=interaction_id,
                error=failure,
            ),
            method,
        )
        if failure is not None:
            raise failure.with_traceback(None)
        for custom_key in (f"{method} {url_path}", key):
            if custom_key in self.http_responses:
                answer = self.http_responses[custom_key]
                result = answer(call) if callable(answer) else copy.deepcopy(answer)
                if asyncio.iscoroutine(result):
                    result = await result
                return result
        try:
            result = self._default_http_response(call, body, blobs)
        except discord.HTTPException as error:
            sent.error = error
            raise
        if kind in ("channel_message", "dm") and isinstance(result, dict):
            sent.message_id = int(result["id"])
        return result

    def _default_http_response(
        self, call: HttpCall, body: Any, blobs: list[tuple[str, bytes]]
    ) -> Any:
        method, template, params = call.method, call.path, call.params
        if template == "/users/@me/channels" and method == "POST":
            return self._dm_channel_payload(self._user_for(int(body["recipient_id"])))
        if template == "/channels/{channel_id}/messages":
            if method == "POST":
                channel_id = int(params["channel_id"])
                return self._store_message(
                    self._message_payload(
                        message_id=new_snowflake(), channel_id=channel_id, data=body, files=blobs
                    )
                )
            return []
        if template == "/channels/{channel_id}/messages/{message_id}":
            message_id = int(params["message_id"])
            if method == "PATCH":
                return self._edit_message(message_id, int(params["channel_id"]), body, blobs)
            if method == "GET":
                if message_id not in self._messages:
                    raise http_error(404, 10008, "Unknown Message")
                return copy.deepcopy(self._messages[message_id])
            if method == "DELETE":
                self._messages.pop(message_id, None)
                return None
        if template == "/channels/{channel_id}" and method == "GET":
            channel_id = int(params["channel_id"])
            if channel_id in self._channels:
                return copy.deepcopy(self._channels[channel_id])
            user_id = next((u for u, c in self._dm_channels.items() if c == channel_id), None)
            if user_id is None:
                raise http_error(404, 10003, "Unknown Channel")
            return self._dm_channel_payload(self._user_for(user_id))
        if template == "/users/{user_id}" and method == "GET":
            return self._user_for(int(params["user_id"])).payload()
        if template == "/users/@me" and method == "GET":
            return self._bot_user_payload()
        if template == "/guilds/{guild_id}/members/{user_id}" and method == "GET":
            uid = int(params["user_id"])
            if uid not in self.users:
                raise http_error(404, 10007, "Unknown Member")
            return self._member_payload(self.users[uid])
        if template == "/guilds/{guild_id}" and method == "GET":
            return self._guild_payload()
        if template.endswith("/commands") and method == "PUT":
            return [self._app_command_payload(c, params) for c in body or []]
        if template.endswith("/commands") and method == "POST":
            return self._app_command_payload(body, params)
        if template == "/guilds/{guild_id}/scheduled-events":
            if method == "POST":
                event = self._scheduled_event_payload(body, params["guild_id"], None)
                self.scheduled_events[int(event["id"])] = event
                return copy.deepcopy(event)
            if method == "GET":
                return [copy.deepcopy(e) for e in self.scheduled_events.values()]
        if template == "/guilds/{guild_id}/scheduled-events/{guild_scheduled_event_id}":
            event_id = int(params["guild_scheduled_event_id"])
            if event_id not in self.scheduled_events:
                raise http_error(404, 10070, "Unknown Guild Scheduled Event")
            if method == "PATCH":
                stored = self.scheduled_events[event_id]
                stored.update(copy.deepcopy(body))
                return copy.deepcopy(stored)
            if method == "GET":
                return copy.deepcopy(self.scheduled_events[event_id])
            if method == "DELETE":
                del self.scheduled_events[event_id]
                return None
        if method == "GET":
            # Collections answer an empty list; single objects at least carry their id.
            return {"id": call.url_path.rsplit("/", 1)[1]} if template.endswith("}") else []
        if method == "DELETE" or not isinstance(body, dict) or not body:
            return None
        echo = dict(body)
        echo.setdefault("id", str(new_snowflake()))
        for name, value in params.items():
            if name.endswith("_id"):
                echo.setdefault(name, value)
        return echo

    def _app_command_payload(
        self, command: Mapping[str, Any], params: Mapping[str, str]
    ) -> dict[str, Any]:
        data = dict(command)
        data.setdefault("type", 1)
        data.setdefault("description", "")
        data.setdefault("nsfw", False)
        data.setdefault("default_member_permissions", None)
        data["id"] = str(self._command_id(str(data["name"]), "guild_id" in params))
        data["application_id"] = str(self.application_id)
        data["version"] = str(new_snowflake())
        if "guild_id" in params:
            data["guild_id"] = params["guild_id"]
        return data

    def _scheduled_event_payload(
        self, body: Mapping[str, Any], guild_id: str, event_id: str | None
    ) -> dict[str, Any]:
        data: dict[str, Any] = {
            "channel_id": None,
            "description": None,
            "scheduled_end_time": None,
            "entity_id": None,
            "entity_metadata": None,
            "image": None,
            "user_count": 0,
            "privacy_level": 2,
            "status": 1,
            "recurrence_rule": None,
        }
        data.update(body)
        data["id"] = event_id or str(new_snowflake())
        data["guild_id"] = guild_id
        data["creator_id"] = str(self.application_id)
        data["creator"] = self._bot_user_payload()
        return data


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------


def _interaction_token(interaction_id: int) -> str:
    """A fresh token shaped like Discord's (base64 of ``interaction:<id>:<secret>``)."""
    raw = f"interaction:{interaction_id}:{secrets.token_hex(48)}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _check_locale(locale: str) -> str:
    try:
        return discord.Locale(locale).value
    except ValueError:
        raise ValueError(
            f"{locale!r} is not a Discord locale; Discord sends one of "
            f"{[loc.value for loc in discord.Locale]} (e.g. 'fr', not 'fr-FR'; 'es-ES' / 'es-419')"
        ) from None


_DISCORD_PACKAGE_DIR = str(Path(discord.__file__).parent)


def _is_library_task(task: asyncio.Task[Any]) -> bool:
    """Whether the task runs a coroutine defined inside discord.py (timers, view timeouts)."""
    code = getattr(task.get_coro(), "cr_code", None)
    return code is not None and code.co_filename.startswith(_DISCORD_PACKAGE_DIR)


def _custom_ids(components: Iterable[Mapping[str, Any]]) -> list[str]:
    return [str(c["custom_id"]) for c in walk_components(components) if c.get("custom_id")]


def _find_component(
    components: Iterable[Mapping[str, Any]], custom_id: str
) -> dict[str, Any] | None:
    return next((c for c in walk_components(components) if c.get("custom_id") == custom_id), None)


def _route_params(template: str, url_path: str) -> dict[str, str]:
    names = re.findall(r"{(\w+)}", template)
    pattern = "^" + re.sub(r"\\{\w+\\}", "([^/]+)", re.escape(template)) + "$"
    match = re.match(pattern, url_path)
    return dict(zip(names, match.groups(), strict=True)) if match else {}


def _decode_body(
    payload: Any,
    multipart: Sequence[Mapping[str, Any]] | None,
    files: Sequence[discord.File] | None,
) -> tuple[Any, list[tuple[str, bytes]]]:
    body: Any = copy.deepcopy(payload) if payload is not None else {}
    for part in multipart or ():
        if part.get("name") == "payload_json":
            body = json.loads(part["value"])
    blobs: list[tuple[str, bytes]] = []
    for file in files or ():
        file.reset(seek=True)
        blobs.append((file.filename or "file", file.fp.read()))
        file.reset(seek=True)
    return body, blobs
