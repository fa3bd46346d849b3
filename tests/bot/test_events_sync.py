"""Carrying out a sync against a fake server: idempotent, resumable, refusals reported."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from bot.events import EventSpec, LiveEvent
from bot.events_sync import (
    EventGone,
    EventsApiError,
    EventsForbidden,
    EventsRepo,
    sync_events,
    sync_reply,
)
from bot.hub import Hub
from bot.programme import Programme
from tests.conftest import text_of

pytestmark = pytest.mark.both_backends

BEFORE_FORUM = datetime(2021, 10, 1, 8, 0, tzinfo=UTC)
GUILD = "42"


class FakeServer:
    """A server's scheduled events in memory, with failures on demand."""

    def __init__(self) -> None:
        self.events: dict[str, EventSpec] = {}
        self.calls: list[str] = []
        self.next_id = 1000
        self.fail: dict[str, Exception] = {}  # "create" / "edit" / "delete" / "list"

    def _maybe_fail(self, what: str) -> None:
        if what in self.fail:
            raise self.fail[what]

    async def list(self) -> list[LiveEvent]:
        self._maybe_fail("list")
        return [LiveEvent(i, True, True, s.name, s.start) for i, s in self.events.items()]

    async def create(self, spec: EventSpec) -> str:
        self.calls.append(f"create {spec.session_id}")
        self._maybe_fail("create")
        self.next_id += 1
        self.events[str(self.next_id)] = spec
        return str(self.next_id)

    async def edit(self, event_id: str, spec: EventSpec) -> None:
        self.calls.append(f"edit {event_id}")
        self._maybe_fail("edit")
        if event_id not in self.events:
            raise EventGone("Unknown Guild Scheduled Event")
        self.events[event_id] = spec

    async def delete(self, event_id: str) -> None:
        self.calls.append(f"delete {event_id}")
        self._maybe_fail("delete")
        if self.events.pop(event_id, None) is None:
            raise EventGone("Unknown Guild Scheduled Event")


def timed(programme: Programme) -> int:
    return sum(1 for s in programme.sessions if s.timed)


async def test_a_second_sync_creates_nothing_and_edits_nothing(
    hub: Hub, programme: Programme
) -> None:
    server, repo = FakeServer(), EventsRepo(hub.store.database)
    first = await sync_events(server, repo, GUILD, programme, BEFORE_FORUM, "en")
    assert first.created == timed(programme) == len(server.events)
    server.calls.clear()
    second = await sync_events(server, repo, GUILD, programme, BEFORE_FORUM, "en")
    assert server.calls == [] and second.unchanged == timed(programme)
    assert "0 created, 0 updated, 0 deleted" in text_of(sync_reply(second, "en"))


async def test_a_moved_session_is_edited_in_place(hub: Hub, programme: Programme) -> None:
    server, repo = FakeServer(), EventsRepo(hub.store.database)
    await sync_events(server, repo, GUILD, programme, BEFORE_FORUM, "en")
    hub_slot = programme.by_id["hub-oct-6"]
    moved = dataclasses.replace(hub_slot, starts_at=hub_slot.starts_at + timedelta(hours=1))  # type: ignore[operator]
    changed = Programme(
        programme.forum,
        programme.places,
        programme.days,
        [moved if s.id == moved.id else s for s in programme.sessions],
    )
    server.calls.clear()
    result = await sync_events(server, repo, GUILD, changed, BEFORE_FORUM, "en")
    assert result.updated == 1 and len(server.calls) == 1 and server.calls[0].startswith("edit")
    assert any(s.start == moved.starts_at for s in server.events.values())


async def test_an_event_deleted_between_listing_and_editing_is_made_again(
    hub: Hub, programme: Programme
) -> None:
    server, repo = FakeServer(), EventsRepo(hub.store.database)
    await sync_events(server, repo, GUILD, programme, BEFORE_FORUM, "en")
    server.fail["edit"] = EventGone("Unknown Guild Scheduled Event")
    retitled = programme.with_sessions([])  # same sessions, asked in French: every text changes
    result = await sync_events(server, repo, GUILD, retitled, BEFORE_FORUM, "fr")
    assert result.created == result.recreated == timed(programme) and result.error is None
    mapping = await repo.mapping(GUILD)
    assert {m.event_id for m in mapping} <= set(server.events)


async def test_without_the_manage_events_permission_the_sync_stops_with_one_clear_line(
    hub: Hub, programme: Programme
) -> None:
    server, repo = FakeServer(), EventsRepo(hub.store.database)
    server.fail["create"] = EventsForbidden(
        "403 Forbidden (error code: 50013): Missing Permissions"
    )
    result = await sync_events(server, repo, GUILD, programme, BEFORE_FORUM, "en")
    assert result.forbidden and server.calls == ["create climate-dialogue"]
    reply = sync_reply(result, "es")
    assert not reply.ok and "Gestionar eventos" in text_of(reply)
    assert await repo.mapping(GUILD) == []


async def test_a_sync_cut_short_keeps_what_it_did_and_the_next_one_finishes(
    hub: Hub, programme: Programme
) -> None:
    server, repo = FakeServer(), EventsRepo(hub.store.database)
    created = 0
    real_create = server.create

    async def flaky(spec: EventSpec) -> str:
        nonlocal created
        created += 1
        if created == 4:
            raise EventsApiError("503 Service Unavailable")
        return await real_create(spec)

    server.create = flaky  # type: ignore[method-assign]
    first = await sync_events(server, repo, GUILD, programme, BEFORE_FORUM, "en")
    assert first.created == 3 and first.error == "503 Service Unavailable"
    assert "Discord refused part of the sync" in text_of(sync_reply(first, "en"))
    server.create = real_create  # type: ignore[method-assign]
    second = await sync_events(server, repo, GUILD, programme, BEFORE_FORUM, "en")
    assert second.created == timed(programme) - 3 and len(server.events) == timed(programme)


async def test_servers_are_kept_apart(hub: Hub, programme: Programme) -> None:
    one, two, repo = FakeServer(), FakeServer(), EventsRepo(hub.store.database)
    await sync_events(one, repo, "1", programme, BEFORE_FORUM, "en")
    result = await sync_events(two, repo, "2", programme, BEFORE_FORUM, "en")
    assert result.created == timed(programme) == len(two.events)


async def test_a_listing_refused_reports_and_changes_nothing(
    hub: Hub, programme: Programme
) -> None:
    server, repo = FakeServer(), EventsRepo(hub.store.database)
    server.fail["list"] = EventsForbidden("403 Forbidden")
    result = await sync_events(server, repo, GUILD, programme, BEFORE_FORUM, "en")
    assert result.forbidden and server.calls == []


async def test_an_event_discord_refuses_alone_does_not_stop_the_others(
    hub: Hub, programme: Programme
) -> None:
    server, repo = FakeServer(), EventsRepo(hub.store.database)
    real_create = server.create

    async def picky(spec: EventSpec) -> str:
        if spec.session_id == "hub-oct-7":
            server.calls.append(f"create {spec.session_id}")
            raise EventsApiError("400 Invalid Form Body", 400)
        return await real_create(spec)

    server.create = picky  # type: ignore[method-assign]
    result = await sync_events(server, repo, GUILD, programme, BEFORE_FORUM, "en")
    assert result.refused == 1 and result.error == "400 Invalid Form Body"
    assert result.created == timed(programme) - 1
    assert "create hub-oct-7" in server.calls and server.calls[-1] == "create closing"
    server.create = real_create  # type: ignore[method-assign]
    again = await sync_events(server, repo, GUILD, programme, BEFORE_FORUM, "en")
    assert again.created == 1 and again.error is None  # retried at the next sync
