"""The Matrix front's state in the bot's store: writes that a stopping bot cannot leave open."""

from __future__ import annotations

import asyncio

import pytest

from bot.store import Store
from fronts.matrix.errors import VotesNotSaved, is_transient
from fronts.matrix.state import MatrixState


async def test_a_write_cancelled_midway_is_still_committed_and_holds_no_lock(
    store: Store,
) -> None:
    """The bot is stopped (its task cancelled) while saving its sync token: the write still
    ends with its COMMIT, so the shared connection does not keep SQLite's write lock (which
    made poll votes fail with "database is locked")."""
    state = MatrixState(store.database)
    saving = asyncio.create_task(state.set("next_batch", "s42"))
    await asyncio.sleep(0)  # the INSERT is on its way to aiosqlite's thread
    saving.cancel()
    with pytest.raises(asyncio.CancelledError):
        await saving
    for _ in range(100):
        if not store.database.conn.in_transaction and await state.get("next_batch") == "s42":
            break
        await asyncio.sleep(0.01)
    assert not store.database.conn.in_transaction
    assert await state.get("next_batch") == "s42"


def test_votes_not_saved_make_the_sync_batch_run_again() -> None:
    assert is_transient(VotesNotSaved("1 poll response(s) not saved"))
