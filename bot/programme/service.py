"""The programme as a service: what users see is the base programme (``schedule.yaml`` or its
live source) plus the sessions other features add (approved open-space proposals).

One place loads, reloads (``/reload``, the file watch, the live source) and recomputes it;
features subscribe instead of reaching into each other::

    programmes.subscribe(replan)           # called with every new programme
    programmes.on_changes(announce)        # called with what a reload moved, cancelled, added
    programmes.add_sessions(approved)      # async (base) -> extra sessions, e.g. proposals
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from bot.announce.changes import ReloadOutcome, diff
from bot.announce.jobs import FileWatch
from bot.announce.model import Change
from bot.clock import Clock
from bot.programme.load import ProgrammeError, load_programme
from bot.programme.model import Programme, Session

log = logging.getLogger(__name__)

ProgrammeListener = Callable[[Programme], Awaitable[None] | None]
ChangesListener = Callable[[list[Change]], Awaitable[None]]
SessionSource = Callable[[Programme], Awaitable[list[Session]]]


class ProgrammeService:
    def __init__(self, base: Programme, path: Path, clock: Clock) -> None:
        #: The programme as loaded from the file; ``current`` is what users see.
        self.base = base
        self.current = base
        #: The file the base programme was read from (``/reload`` and the file watch read it).
        self.path = Path(path)
        self.clock = clock
        #: Called with the new programme whenever it changes (re-plan announcements, events).
        self.listeners: list[ProgrammeListener] = []
        self._change_listeners: list[ChangesListener] = []
        self._sources: list[SessionSource] = []
        self.watch: FileWatch | None = None

    # -- subscribers ---------------------------------------------------------------------------
    def subscribe(self, listener: ProgrammeListener) -> None:
        self.listeners.append(listener)

    def unsubscribe(self, listener: ProgrammeListener) -> None:
        if listener in self.listeners:
            self.listeners.remove(listener)

    def on_changes(self, listener: ChangesListener) -> None:
        """``listener(changes)`` after a reload moved, cancelled or added sessions."""
        self._change_listeners.append(listener)

    def add_sessions(self, source: SessionSource) -> None:
        """Sessions ``source(base)`` are shown on top of the base programme (rebuilds ask it)."""
        self._sources.append(source)

    # -- the programme -------------------------------------------------------------------------
    async def set(self, programme: Programme) -> None:
        """Show ``programme`` from now on, and tell every listener."""
        self.current = programme
        for listener in list(self.listeners):
            result = listener(programme)
            if inspect.isawaitable(result):
                await result

    async def rebuild(self) -> Programme:
        """Show the base programme plus every added session (at start-up, after decisions)."""
        extra: list[Session] = []
        for source in self._sources:
            extra.extend(await source(self.base))
        programme = self.base.with_sessions(extra) if extra else self.base
        await self.set(programme)
        return programme

    async def reload(self, path: Path | None = None) -> ReloadOutcome:
        """Read the schedule file again. A file with problems changes nothing; a good one
        replaces the base programme (added sessions stay), tells the listeners and then the
        change listeners what moved, was cancelled or was added."""
        source = Path(path or self.path)
        if self.watch is not None:
            self.watch.accept()
        try:  # in a worker thread: a big file takes seconds, and the bot keeps answering
            base = await asyncio.to_thread(load_programme, source)
        except ProgrammeError as exc:
            return ReloadOutcome(False, exc.lines())
        old = self.current
        self.base = base
        self.path = source
        await self.rebuild()
        changes = diff(old, self.current, self.clock.now())
        if changes:
            for listener in list(self._change_listeners):
                await listener(changes)
        return ReloadOutcome(True, [], changes)

    # -- the file watch --------------------------------------------------------------------------
    def file_watch(self, seconds: float) -> FileWatch:
        """The watch of :attr:`path` (made once); its ``check`` is run every ``seconds``."""
        if self.watch is None:
            self.watch = FileWatch(self.path, seconds, self.file_changed)
        return self.watch

    async def file_changed(self) -> None:
        outcome = await self.reload()
        if not outcome.ok:
            log.warning(
                "%s changed but has problems; the running programme is kept:\n%s",
                self.path,
                "\n".join(outcome.problems),
            )
        else:
            log.info("%s reloaded: %d change(s)", self.path, len(outcome.changes))
