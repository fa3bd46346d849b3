"""The Matrix front's state in the bot's store: writes that a stopping bot cannot leave open."""

from __future__ import annotations

import asyncio

import pytest

from bot.store import Store
from fronts.matrix.errors import VotesNotSaved, is_transient
from fronts.matrix.state import MatrixState

pytestmark = pytest.mark.both_backends


async def test_a_write_cancelled_midway_is_still_committed_and_holds_no_lock(
    store: Store,
) -> None:
    """The bot is stopped (its task cancelled) while saving its sync token: the write still
    ends with its COMMIT, so the shared connection does not keep SQLite's write lock (which
    made poll votes fail with "database is locked"), nor PostgreSQL's row lock."""
    state = MatrixState(store.database)
    saving = asyncio.create_task(state.set("next_batch", "s42"))
    await asyncio.sleep(0)  # the INSERT is on its way to aiosqlite's thread
    saving.cancel()
    with pytest.raises(asyncio.CancelledError):
        await saving
    sqlite = getattr(store.database, "conn", None)  # SQLite's one connection

    def open_transaction() -> bool:
        return sqlite is not None and sqlite.in_transaction

    for _ in range(100):
        if not open_transaction() and await state.get("next_batch") == "s42":
            break
        await asyncio.sleep(0.01)
    assert not open_transaction()
    assert await state.get("next_batch") == "s42"
    await asyncio.wait_for(state.set("next_batch", "s43"), 2)  # no lock is left held
    assert await state.get("next_batch") == "s43"


def test_votes_not_saved_make_the_sync_batch_run_again() -> None:
    assert is_transient(VotesNotSaved("1 poll response(s) not saved"))
