"""A bot killed with SIGKILL in the middle of a burst of votes loses no vote it confirmed (on
SQLite, and on PostgreSQL, whose server outlives the bot)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from bot.clock import FrozenClock
from bot.polls.model import PollSpec, Question
from bot.polls.service import Polls
from bot.store import Store

REPO = Path(__file__).resolve().parents[2]

# The child votes in waves of 1,000 distinct voters, without end (at most 5 waves in flight), and
# prints "voter choice" for each vote only after its commit resolved it; it is killed mid-stream.
CHILD = """
import asyncio, sys
from datetime import UTC, datetime
from bot.clock import FrozenClock
from bot.polls.service import Polls
from bot.store import Store

async def main(db, poll_id):
    clock = FrozenClock(datetime(2021, 10, 6, 10, tzinfo=UTC))
    store = await Store.open(db, clock)
    polls = await Polls.open(store.database, clock)
    out = sys.stdout
    async def one(i):
        result = await polls.vote(poll_id, f"discord:{i}", i % 5)
        if result.status == "recorded":
            out.write(f"{i} {i % 5}\\n")
    waves = []
    i = 0
    while True:
        waves.append([asyncio.ensure_future(one(i + k)) for k in range(1000)])
        i += 1000
        if len(waves) > 5:
            await asyncio.gather(*waves.pop(0))
        await asyncio.sleep(0.002)
        out.flush()

asyncio.run(main(sys.argv[1], int(sys.argv[2])))
"""


async def _new_poll(db_path: Path | str, clock: FrozenClock) -> int:
    store = await Store.open(db_path, clock)
    polls = await Polls.open(store.database, clock)
    poll = await polls.start(
        PollSpec(Question({"*": "Q?"}), "agree"), front="discord", by="discord:1", lang="en"
    )
    await polls.close()
    await store.close()
    return poll.id


async def _stored(db_path: Path | str, clock: FrozenClock, poll_id: int) -> dict[str, int]:
    store = await Store.open(db_path, clock)
    try:
        rows = await store.database.fetch(
            "SELECT voter, choice FROM poll_votes WHERE poll_id = ?", (poll_id,)
        )
        return {voter: choice for voter, choice in rows}
    finally:
        await store.close()


async def _reopen_and_vote(
    db_path: Path | str, clock: FrozenClock, poll_id: int
) -> tuple[int, str]:
    store = await Store.open(db_path, clock)
    reopened = await Polls.open(store.database, clock)
    try:
        voters = reopened.tally(poll_id).voters
        return voters, (await reopened.vote(poll_id, "discord:new", 2)).status
    finally:
        await reopened.close()
        await store.close()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_every_confirmed_vote_survives_a_sigkill_mid_burst(
    tmp_path: Path, clock: FrozenClock, backend: str, request: pytest.FixtureRequest
) -> None:
    db_path: Path | str = tmp_path / "kill.sqlite3"
    if backend == "postgresql":
        db_path = request.getfixturevalue("pg_url")
    poll_id = asyncio.run(_new_poll(db_path, clock))
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(db_path), str(poll_id)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert child.stdout is not None
    confirmed: dict[str, int] = {}
    try:
        while len(confirmed) < 5_000:
            line = child.stdout.readline()
            assert line, child.stderr.read().decode() if child.stderr else "child ended"
            voter, choice = line.split()
            confirmed[f"discord:{int(voter)}"] = int(choice)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        rest, _ = child.communicate(timeout=30)
    assert child.returncode == -signal.SIGKILL
    for line in rest.decode().splitlines(keepends=True):
        if line.endswith("\n"):  # printed (so committed) before the kill
            voter, choice = line.split()
            confirmed[f"discord:{int(voter)}"] = int(choice)

    stored = asyncio.run(_stored(db_path, clock, poll_id))
    missing = [v for v, c in confirmed.items() if stored.get(v) != c]
    assert missing == [], f"{len(missing)} confirmed votes lost, e.g. {missing[:5]}"
    assert len(stored) >= len(confirmed)
    # The reopened bot counts exactly what is stored, and the poll still takes votes.
    assert asyncio.run(_reopen_and_vote(db_path, clock, poll_id)) == (len(stored), "recorded")
