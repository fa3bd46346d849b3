"""Carrying out an events :class:`~bot.events.Plan` through a front, and remembering what was made.

A front supplies an :class:`EventsApi` for one server (Discord: ``cogs/events.py``) that raises
:class:`EventGone` for an unknown event (404), :class:`EventsForbidden` when the bot may not
manage events (403) and :class:`EventsApiError` for anything else. Each step's mapping row is
committed as soon as Discord has answered, so a sync cut short (crash, refusal) keeps what it did
and the next one starts from there; rate limits (429) are the front library's business.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from bot.db import Database
from bot.doc import Reply, error
from bot.events import EventSpec, LiveEvent, Mapped, Plan, plan
from bot.i18n import t, tn
from bot.programme import Programme
from bot.registry import DISCORD, Command, Invocation

log = logging.getLogger(__name__)


class EventsApiError(Exception):
    """Discord refused a call (other than 403/404); ``str()`` is a short reason for people.

    ``status`` is the HTTP status when there was one: a 4xx refuses that one event (for example
    an edit of an event someone already started), and the sync goes on with the others; a 5xx or
    a network failure (``None``) stops the sync, which the next one resumes.
    """

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status

    @property
    def only_this_event(self) -> bool:
        return self.status is not None and 400 <= self.status < 500


class EventsForbidden(EventsApiError):
    """The bot lacks the Manage Events permission in that server."""


class EventGone(EventsApiError):
    """The event no longer exists (deleted by hand, or ended)."""


class EventsApi(Protocol):
    async def list(self) -> list[LiveEvent]: ...

    async def create(self, spec: EventSpec) -> str:
        """Create the external event; return its id."""
        ...

    async def edit(self, event_id: str, spec: EventSpec) -> None: ...

    async def delete(self, event_id: str) -> None: ...


class EventsRepo:
    """The ``scheduled_events`` table: which event this bot made for which session."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def mapping(self, guild_id: str) -> list[Mapped]:
        rows = await self.db.fetch(
            "SELECT session_id, event_id, fingerprint FROM scheduled_events WHERE guild_id = ?",
            (guild_id,),
        )
        return [Mapped(r[0], r[1], r[2]) for r in rows]

    async def remember(self, guild_id: str, spec: EventSpec, event_id: str, now: datetime) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                "DELETE FROM scheduled_events"
                " WHERE guild_id = ? AND event_id = ? AND session_id <> ?",
                (guild_id, event_id, spec.session_id),
            )
            await tx.execute(
                "INSERT INTO scheduled_events"
                " (guild_id, session_id, event_id, fingerprint, synced_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (guild_id, session_id) DO UPDATE SET"
                " event_id = excluded.event_id, fingerprint = excluded.fingerprint,"
                " synced_at = excluded.synced_at",
                (guild_id, spec.session_id, event_id, spec.fingerprint, now.isoformat()),
            )

    async def session_of(self, guild_id: str, event_id: str) -> str | None:
        """The session an event of this bot stands for (``None``: not one of ours)."""
        found = await self.db.fetchval(
            "SELECT session_id FROM scheduled_events WHERE guild_id = ? AND event_id = ?",
            (guild_id, event_id),
        )
        return None if found is None else str(found)

    async def forget(self, guild_id: str, event_id: str) -> None:
        await self.db.execute(
            "DELETE FROM scheduled_events WHERE guild_id = ? AND event_id = ?",
            (guild_id, event_id),
        )


@dataclass(slots=True)
class SyncResult:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    recreated: int = 0
    wanted: int = 0
    capped: int = 0
    forbidden: bool = False
    #: The first refusal (``None``: everything went through).
    error: str | None = None
    #: Events Discord refused one by one (4xx); the sync went on with the others.
    refused: int = 0
    ops: list[str] = field(default_factory=list)  # "create hub-oct-6", in order (for logs)


async def sync_events(
    api: EventsApi,
    repo: EventsRepo,
    guild_id: str,
    programme: Programme,
    now: datetime,
    lang: str,
) -> SyncResult:
    """Bring one server's scheduled events in line with ``programme``: list, plan, apply."""
    result = SyncResult()
    try:
        live = await api.list()
        todo: Plan = plan(programme, now, await repo.mapping(guild_id), lang, live=live)
    except EventsForbidden as exc:
        return _refused(result, exc)
    except EventsApiError as exc:
        result.error = str(exc)
        return result
    result.unchanged, result.recreated = todo.unchanged, todo.recreated
    result.wanted, result.capped = todo.wanted, todo.capped
    for op in todo.ops:
        try:
            if op.action == "forget":
                assert op.event_id is not None
                await repo.forget(guild_id, op.event_id)
                continue
            if op.action == "delete":
                assert op.event_id is not None
                try:
                    await api.delete(op.event_id)
                    result.deleted += 1
                except EventGone:
                    pass
                await repo.forget(guild_id, op.event_id)
            elif op.action == "update":
                assert op.event_id is not None and op.spec is not None
                try:
                    await api.edit(op.event_id, op.spec)
                    await repo.remember(guild_id, op.spec, op.event_id, now)
                    result.updated += 1
                except EventGone:  # deleted by hand since the listing: make it again
                    await repo.forget(guild_id, op.event_id)
                    event_id = await api.create(op.spec)
                    await repo.remember(guild_id, op.spec, event_id, now)
                    result.created += 1
                    result.recreated += 1
            else:
                assert op.spec is not None
                event_id = await api.create(op.spec)
                await repo.remember(guild_id, op.spec, event_id, now)
                result.created += 1
            result.ops.append(f"{op.action} {op.session_id or op.event_id}")
        except EventsForbidden as exc:
            return _refused(result, exc)
        except EventsApiError as exc:
            log.warning(
                "scheduled events of server %s: %s %s refused: %s",
                guild_id,
                op.action,
                op.session_id,
                exc,
            )
            result.error = result.error or str(exc)
            if not exc.only_this_event:
                return result
            result.refused += 1
    return result


def _refused(result: SyncResult, exc: Exception) -> SyncResult:
    result.forbidden = True
    result.error = str(exc)
    return result


def sync_reply(result: SyncResult, lang: str) -> Reply:
    """What a moderator is told after ``/events sync``."""
    if result.forbidden:
        return error(t(lang, "events.forbidden"))
    reply = Reply(private=True, ok=result.error is None)
    reply.para(
        t(
            lang,
            "events.done",
            created=result.created,
            updated=result.updated,
            deleted=result.deleted,
            unchanged=result.unchanged,
        )
    )
    if result.recreated:
        reply.para(tn(lang, "events.recreated", result.recreated))
    if result.capped:
        reply.note(t(lang, "events.capped", count=result.wanted))
    if result.error is not None:
        reply.para(t(lang, "events.failed", error=result.error[:200]))
    return reply


async def _events(inv: Invocation) -> Reply:  # never reached: a text front says "Discord only"
    raise NotImplementedError("/events is answered by cogs/events.py")


#: Discord's alone (cogs/events.py): a text front names where it works.
COMMANDS = (
    Command(
        "events", (), _events, fronts=frozenset({DISCORD}), moderator_only=True, discord_ui=True
    ),
)
