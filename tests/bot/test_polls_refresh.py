"""Live tallies are coalesced: many changes, few updates, and the last shows the final state."""

from __future__ import annotations

import asyncio

import pytest

from bot.polls.refresh import Refresher


async def test_a_burst_of_changes_gives_one_update_now_and_one_after_the_pause() -> None:
    state = {"votes": 0}
    shown: list[int] = []

    async def update(key: int) -> None:
        shown.append(state["votes"])

    refresher: Refresher[int] = Refresher(update, interval=0.05)
    for _ in range(10_000):
        state["votes"] += 1
        refresher.mark(1)
    await asyncio.sleep(0)  # the first update runs now
    for _ in range(500):
        state["votes"] += 1
        refresher.mark(1)
    await refresher.idle()
    assert shown == [10_000, 10_500]


@pytest.mark.expect_logged_errors
async def test_keys_refresh_independently_and_a_failing_update_does_not_stop_others() -> None:
    calls: list[str] = []

    async def update(key: str) -> None:
        calls.append(key)
        if key == "bad":
            raise RuntimeError("message deleted")

    refresher: Refresher[str] = Refresher(update, interval=0.01)
    refresher.mark("bad")
    refresher.mark("good")
    await refresher.idle()
    refresher.mark("bad")
    await refresher.idle()
    assert sorted(calls) == ["bad", "bad", "good"]
