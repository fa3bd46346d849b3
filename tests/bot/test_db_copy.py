"""``tx.copy``: many new rows at once (PostgreSQL: COPY); a refused row raises IntegrityError and
the transaction is rolled back whole. On both backends (and SQLite's fast transaction)."""

from __future__ import annotations

import pytest

from bot.db import Database, IntegrityError
from tests.bot.test_polls_store import poll_db  # noqa: F401 - the fixture: both backends

COLUMNS = ("front", "user_id", "zone", "created_at", "updated_at")


def user(name: str) -> tuple[str, str, str, str, str]:
    return ("console", name, "UTC", "2021-10-06T10:00:00+00:00", "2021-10-06T10:00:00+00:00")


@pytest.mark.parametrize("fast", [False, True])
async def test_copy_inserts_new_rows_and_a_refused_one_rolls_the_transaction_back(
    poll_db: Database,  # noqa: F811
    fast: bool,
) -> None:
    begin = poll_db.fast_transaction if fast else poll_db.transaction
    async with begin() as tx:
        await tx.copy("users", COLUMNS, [user("ana"), user("bob")])
    with pytest.raises(IntegrityError):
        async with begin() as tx:
            await tx.execute(
                "INSERT INTO users (front, user_id, zone, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?)",
                user("dee"),
            )
            await tx.copy("users", COLUMNS, [user("cy"), user("ana")])
    async with begin() as tx:  # the connection is fine for the next one
        await tx.copy("users", COLUMNS, [user("eve")])
    names = await poll_db.fetch("SELECT user_id FROM users ORDER BY user_id")
    assert [r[0] for r in names] == ["ana", "bob", "eve"]  # nothing of the refused transaction
