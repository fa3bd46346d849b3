"""``fronts.runner``: the fronts run side by side; the first that fails stops the others."""

from __future__ import annotations

import asyncio

import pytest

from fronts.runner import first_failure


async def test_a_failing_front_stops_the_others_and_its_error_is_raised() -> None:
    stopped = asyncio.Event()

    async def forever() -> None:
        try:
            await asyncio.sleep(3600)
        finally:
            stopped.set()

    async def fails() -> None:
        await asyncio.sleep(0.01)
        raise RuntimeError("the homeserver rejected the token")

    # A runner that forgot to stop the others would wait here for an hour: bound it, so that
    # mistake fails this test in seconds instead of hanging it.
    async with asyncio.timeout(10):
        with pytest.raises(RuntimeError, match="rejected the token"):
            await first_failure([forever(), fails()])
    assert stopped.is_set()


async def test_fronts_that_end_quietly_end_the_run() -> None:
    async def quiet() -> None:
        await asyncio.sleep(0)

    ended: list[str] = []

    async def quiet_named(name: str) -> None:
        await quiet()
        ended.append(name)

    async with asyncio.timeout(10):
        await first_failure([quiet_named("console"), quiet_named("matrix")])
    assert sorted(ended) == ["console", "matrix"]
