"""The Matrix front's health (bot/health.py): syncing is connected; a homeserver away is not."""

from __future__ import annotations

import asyncio

from bot.hub import Hub
from tests.support.matrix_env import MatrixEnv, running_bot


async def _until(check: object, seconds: float = 20.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if check():  # type: ignore[operator]
            return
        await asyncio.sleep(0.05)
    raise AssertionError("not reached in time")


async def test_healthz_follows_the_sync_loop_through_a_homeserver_outage(
    hub: Hub, matrix_env: MatrixEnv
) -> None:
    env = matrix_env
    hub.health.expect("matrix")
    assert not hub.health.ready
    async with running_bot(hub, env):
        matrix = hub.health.fronts["matrix"]
        assert matrix.connected and hub.health.ready
        assert hub.health.snapshot()["last_matrix_sync"] is not None
        try:
            env.synapse.stop()
            await _until(lambda: not matrix.connected)
            assert hub.health.problems()[0].startswith("matrix: sync failed: ")
        finally:
            env.synapse.start()
        await _until(lambda: matrix.connected)
        assert hub.health.ready
    assert hub.health.problems() == ["matrix: stopped"]
