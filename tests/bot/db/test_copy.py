"""A rehearsal's SQLite database copied into a fresh PostgreSQL one: all of it, or nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.announce.model import Follow
from bot.announce.repo import AnnounceRepo
from bot.clock import FrozenClock
from bot.db.copy import CopyError, copy_database
from bot.proposals.repo import ProposalRepo
from bot.store import Store, open_database

NOW = datetime(2021, 10, 6, 9, 50, tzinfo=UTC)
ANSWERS = {
    "host_name": "Ana",
    "organisation": "Kütahya",
    "title": "Ciudades intermedias",
    "description": "Una sesión",
    "slot": "2021-10-06",
    "language": "es",
    "capitals": "",
    "format": "talk",
    "cohosts": "",
    "email": "ana@example.org",
}


async def _rehearsal(path: Path) -> None:
    store = await Store.open(path, FrozenClock(NOW))
    try:
        await store.set_zone("discord", "1150000000000000001", "Europe/Istanbul")
        repo = AnnounceRepo(store.database)
        await repo.add_follow(
            Follow("discord", "1150000000000000001", "session", "hub-oct-6", 10, NOW, "tr", True)
        )
        proposals = ProposalRepo(store.database)
        first = await proposals.insert("console", "ana", "es", ANSWERS, NOW, 3)
        assert first == 1
    finally:
        await store.close()


async def test_every_row_arrives_and_new_ids_follow_the_copied_ones(
    tmp_path: Path, pg_url: str
) -> None:
    await _rehearsal(tmp_path / "rehearsal.sqlite3")
    source = await open_database(tmp_path / "rehearsal.sqlite3", create=False)
    target = await open_database(pg_url)
    try:
        copied = {c.table: c.rows for c in await copy_database(source, target)}
    finally:
        await source.close()
        await target.close()
    assert copied["users"] == 1 and copied["announce_follows"] == 1 and copied["proposals"] == 1
    live = await Store.open(pg_url, FrozenClock(NOW))
    try:
        assert live.user("discord", "1150000000000000001").zone == "Europe/Istanbul"
        [follow] = await AnnounceRepo(live.database).follows()
        assert follow.dm and follow.lead_minutes == 10 and follow.since == NOW
        again = dict(ANSWERS, title="Otra sesión")
        assert await ProposalRepo(live.database).insert("console", "ana", "es", again, NOW, 3) == 2
    finally:
        await live.close()


async def test_a_database_already_in_use_is_refused_and_left_as_it_was(
    tmp_path: Path, pg_url: str
) -> None:
    await _rehearsal(tmp_path / "rehearsal.sqlite3")
    live = await Store.open(pg_url, FrozenClock(NOW))
    await live.set_language("matrix", "@eva:l4a.test", "fr")
    await live.close()
    source = await open_database(tmp_path / "rehearsal.sqlite3", create=False)
    target = await open_database(pg_url)
    try:
        with pytest.raises(CopyError, match=r"already holds data .*users"):
            await copy_database(source, target)
        assert await target.fetchval("SELECT COUNT(*) FROM users") == 1
        assert await target.fetchval("SELECT COUNT(*) FROM announce_follows") == 0
    finally:
        await source.close()
        await target.close()


async def test_a_value_postgresql_cannot_take_stops_the_whole_copy(
    tmp_path: Path, pg_url: str
) -> None:
    await _rehearsal(tmp_path / "rehearsal.sqlite3")
    source = await open_database(tmp_path / "rehearsal.sqlite3", create=False)
    # SQLite stores whatever it is given: a hand-edited row with text in a number column.
    await source.execute("UPDATE announce_follows SET lead_minutes = 'ten'")
    target = await open_database(pg_url)
    try:
        with pytest.raises(CopyError, match=r"announce_follows\.lead_minutes: 'ten'"):
            await copy_database(source, target)
        assert await target.fetchval("SELECT COUNT(*) FROM users") == 0  # nothing half-copied
    finally:
        await source.close()
        await target.close()
