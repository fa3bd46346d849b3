"""A live programme source: ``schedule = "https://…/schedule.json"`` in the config.

At start-up the source is fetched and imported (any format ``l4a-bot import`` reads); the
result is written next to the database as ``schedule-live.yaml`` (the last good copy) with the
source's validators (ETag, Last-Modified) in ``schedule-live.json``. Every ``refresh_minutes``
it is fetched again with ``If-None-Match`` / ``If-Modified-Since``: a 304 costs nothing; a new
good programme is written and applied through the announcer's ``reload`` (so moves,
cancellations and new sessions are announced to channels and followers as after ``/reload``).
A source that is down, too large or broken changes nothing: the last good copy stays in use, and
the log and the moderators hear of it once per distinct failure (participants never do).
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import LIVE_COPY
from bot.interchange import finish, read_draft
from bot.interchange.draft import SourceError
from bot.interchange.fetch import Fetcher, FetchError, redact
from bot.programme import Problem, ProgrammeError

if TYPE_CHECKING:
    from bot.config import Config
    from bot.hub import Hub

log = logging.getLogger(__name__)
MAX_PROBLEMS_SHOWN = 5
LIVE_JOB = "schedule-live"  # its periodic job in the supervisor


@dataclass(frozen=True, slots=True)
class Refresh:
    """``changed``: a new programme was written. ``problem``: why the source could not be used
    (``None`` when it could)."""

    changed: bool
    problem: str | None = None


class LiveSource:
    def __init__(
        self,
        url: str,
        cache: Path,
        fetcher: Fetcher,
        *,
        fmt: str | None = None,
        timezone: str | None = None,
        refresh_minutes: float = 5.0,
    ) -> None:
        self.url = url
        self.fetch = fetcher
        self.shown = redact(url)
        self.cache = cache
        self.meta_path = cache.with_suffix(".json")
        self.fmt = fmt
        self.timezone = timezone
        self.refresh_seconds = refresh_minutes * 60
        self.problem: str | None = None  # the current failure (logged once)
        self._told: str | None = None  # the failure the moderators were told of

    @classmethod
    def from_config(
        cls, config: Config, fetcher: Fetcher, db: Path | None = None
    ) -> LiveSource | None:
        bot = config.bot
        if not bot.schedule_url:
            return None
        cache = (db or bot.database).parent / LIVE_COPY
        return cls(
            bot.schedule_url,
            cache,
            fetcher,
            fmt=bot.schedule_format,
            timezone=bot.schedule_timezone,
            refresh_minutes=bot.refresh_minutes,
        )

    # -- one fetch ---------------------------------------------------------------------------
    def _meta(self) -> dict[str, str | None] | None:
        """What is known of the copy on disk, if it is a copy of this source."""
        if not self.cache.exists():
            return None
        try:
            meta = json.loads(self.meta_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(meta, dict) or meta.get("url") != self.shown:
            return None  # the config names another source now
        return meta

    def _validators(self) -> tuple[str | None, str | None]:
        meta = self._meta()
        if meta is None:
            return None, None  # no good copy of this source: fetch it whole
        return meta.get("etag"), meta.get("last_modified")

    async def refresh(self) -> Refresh:
        """Fetch once; write a new good copy if the source changed and imports cleanly."""
        etag, modified = self._validators()
        try:
            fetched = await self.fetch(self.url, etag=etag, last_modified=modified)
        except FetchError as exc:
            return self._failed(str(exc))
        if fetched.data is None:
            return self._recovered(changed=False)  # 304 Not Modified
        draft = read_draft(fetched.data, self.shown, self.fmt, timezone=self.timezone)
        try:
            result = finish(draft, str(self.cache))
        except SourceError as exc:
            lines = [str(p) for p in exc.problems]
            more = len(lines) - MAX_PROBLEMS_SHOWN
            text = "; ".join(lines[:MAX_PROBLEMS_SHOWN]) + (f" (+{more} more)" if more > 0 else "")
            return self._failed(f"{self.shown} has problems: {text}")
        old = self.cache.read_text(encoding="utf-8") if self.cache.exists() else None
        if old != result.yaml_text:
            _write_atomically(self.cache, result.yaml_text)
        meta = {"url": self.shown, "etag": fetched.etag, "last_modified": fetched.last_modified}
        _write_atomically(self.meta_path, json.dumps(meta))
        return self._recovered(changed=old != result.yaml_text)

    def _failed(self, problem: str) -> Refresh:
        if problem != self.problem:
            log.warning("programme source unusable, the last good copy stays in use: %s", problem)
        self.problem = problem
        return Refresh(False, problem)

    def _recovered(self, *, changed: bool) -> Refresh:
        if self.problem is not None:
            log.info("programme source %s is usable again", self.shown)
        self.problem = None
        return Refresh(changed)

    async def prime(self) -> Path:
        """At start-up: the path of a programme to start on (fresh, else the last good copy);
        :class:`ProgrammeError` when there is neither."""
        outcome = await self.refresh()
        if self._meta() is None:  # no copy, or a copy of another source
            why = outcome.problem or "nothing fetched"
            raise ProgrammeError(self.shown, [Problem(1, f"{why}; no last good copy to use")])
        return self.cache

    # -- running -----------------------------------------------------------------------------
    def start(self, hub: Hub) -> None:
        """Refresh every ``refresh_seconds`` (a periodic job of the hub's supervisor)."""

        async def refresh() -> None:
            try:
                await self.update(hub)
            except Exception:
                log.exception("refreshing the programme from %s failed", self.shown)

        hub.supervisor.every(LIVE_JOB, self.refresh_seconds, refresh)

    async def update(self, hub: Hub) -> Refresh:
        """One refresh, applied: a changed programme is reloaded and announced; a new failure
        is told to the moderators once."""
        outcome = await self.refresh()
        if outcome.problem is not None and outcome.problem != self._told:
            # also a failure that began at start-up, before any front could post
            await _tell_moderators(hub, outcome.problem)
        self._told = outcome.problem
        if outcome.changed:
            reload = await hub.programmes.reload(self.cache)
            if not reload.ok:  # the copy was checked before it was written: not expected
                log.warning("%s: %s", self.cache, "; ".join(reload.problems))
            else:  # the other processes on the database fetch it too
                from bot.shared import RELOADED, programme_changed

                await programme_changed(hub, RELOADED)
        return outcome


async def _tell_moderators(hub: Hub, problem: str) -> None:
    announcer = hub.announcer
    from bot.announce.texts import channel_ctx
    from bot.doc import Code, Reply
    from bot.i18n import t

    now = hub.clock.now()
    for front, target in hub.config.announcements.moderator_channels.items():
        outbox = announcer.outboxes.get(front)
        if outbox is None:
            continue
        lang = channel_ctx(hub, front, target, now).lang
        reply = Reply().para(t(lang, "interchange.source_down")).item(Code(problem))
        try:
            await outbox.post(target, reply)
        except Exception as exc:  # a closed channel must not stop the refresh loop
            log.warning("cannot tell the moderators on %s %s: %s", front, target, exc)


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
