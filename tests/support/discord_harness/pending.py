"""Pending-interaction tracking (task factory, completion, timeouts) and error capture."""

from __future__ import annotations

import asyncio
import contextvars
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._discord import discord
from .records import ErrorSpec, InteractionFailed, InteractionTimeout, NoResponse, Sent, _matches

if TYPE_CHECKING:
    from .harness import DiscordHarness


_DISPATCH_TASK_PREFIXES = (
    "CommandTree-invoker",
    "discord-ui-view-dispatch",
    "discord-ui-dynamic-item",
    "discord-ui-modal-dispatch",
)


_CURRENT: contextvars.ContextVar[PendingInteraction | None] = contextvars.ContextVar(
    "discord_harness_current_interaction", default=None
)


_DISCORD_PACKAGE_DIR = str(Path(discord.__file__).parent)


def _is_library_task(task: asyncio.Task[Any]) -> bool:
    """Whether the task runs a coroutine defined inside discord.py (timers, view timeouts)."""
    code = getattr(task.get_coro(), "cr_code", None)
    return code is not None and code.co_filename.startswith(_DISCORD_PACKAGE_DIR)


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


class DispatchMixin:
    """Dispatch, completion and error capture of :class:`DiscordHarness` (mixed into it)."""

    async def dispatch(
        self, payload: dict[str, Any], *, expect_error: ErrorSpec | None = None
    ) -> list[Sent]:
        """Feed a hand-made INTERACTION_CREATE payload (its token is registered automatically)."""
        pending = await self._begin(payload, f"interaction type {payload.get('type')}")
        return await pending.result(expect_error=expect_error)

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
