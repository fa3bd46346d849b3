"""Poll votes: end to end through real discord.py dispatch, and the vote store's ingest rate
beside a raw batched SQLite insert of the same rows, measured in the same run.

    python -m bench.bench_polls [--votes 10000] [--rounds 3] [--synchronous FULL|NORMAL]

End to end: gateway-shaped INTERACTION_CREATE payloads (button clicks of distinct members on the
poll message) are fed to ``ConnectionState.parse_interaction_create``; discord.py parses each
interaction and its message, dispatches the ``poll:<id>:<choice>`` button of the poll's
persistent view, the cog queues the vote, the group-commit writer commits it, and only then the
ephemeral confirmation leaves through ``AsyncWebhookAdapter.create_interaction_response``
(recorded here, never sent). The clock stops when the last confirmation has been recorded.
Targets (issue 5): ≥ 5,000 votes/s end to end; store ingest ≥ 1/3 of the raw batched rate.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from discord.webhook.async_ import AsyncWebhookAdapter

from bot.clock import FrozenClock
from bot.config import Config
from bot.hub import Hub
from bot.polls.model import PollSpec, Question
from bot.polls.service import Polls
from bot.programme import load_programme
from bot.store import Store
from cogs.polls import PollsCog
from fronts.app import settle_heap
from fronts.discord_client import HubBot
from tests.support.discord_harness import DEFAULT_GUILD_ID, DiscordHarness, FakeUser

NOW = datetime(2021, 10, 5, 12, 0, tzinfo=UTC)  # during the climate dialogue
RAW_SCHEMA = (
    "CREATE TABLE poll_votes (poll_id INTEGER NOT NULL, voter TEXT NOT NULL,"
    " choice INTEGER NOT NULL, PRIMARY KEY (poll_id, voter)) WITHOUT ROWID"
)
RAW_UPSERT = (
    "INSERT INTO poll_votes (poll_id, voter, choice) VALUES (?, ?, ?) "
    "ON CONFLICT (poll_id, voter) DO UPDATE SET choice = excluded.choice"
)


class Confirmations:
    """Stands in for Discord's interaction callback endpoint: counts and checks the answers."""

    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.count = 0
        self.ephemeral = 0
        self.done = asyncio.Event()
        self.last = 0.0

    async def create_interaction_response(
        self, interaction_id: int, token: str, *, params: Any, **_: Any
    ) -> dict[str, Any]:
        self.count += 1
        payload = params.payload or {}
        data = payload.get("data") or {}
        if int(data.get("flags") or 0) & 64 and "recorded" in str(data.get("content")):
            self.ephemeral += 1
        if self.count == self.expected:
            self.last = time.perf_counter()
            self.done.set()
        return {"interaction": {"id": str(interaction_id), "type": 3}}


async def _bare_answer(self: PollsCog, interaction: Any, poll_id: int, choice: int) -> None:
    """The ceiling: discord.py's own dispatch with a handler that only answers (no vote)."""
    await interaction.response.send_message("Your vote is recorded", ephemeral=True)


async def end_to_end(
    workdir: Path, votes: int, synchronous: str, *, bare: bool = False
) -> dict[str, float]:
    db = workdir / f"e2e-{time.monotonic_ns()}.sqlite3"
    clock = FrozenClock(NOW)
    config = Config.model_validate({"discord": {"forum_guild_ids": [DEFAULT_GUILD_ID]}})
    store = await Store.open(db, clock)
    hub = Hub(config, load_programme(config.bot.schedule), store, clock)
    hub.polls = await Polls.open(db, clock, synchronous=synchronous)
    settle_heap()  # as fronts.app.open_hub does once the bot has started
    bot = HubBot(hub, sync_commands=False)
    try:
        async with DiscordHarness(bot, timeout=60) as h:
            moderator = h.user(name="mod", roles=["Moderators"])
            sent = await h.slash("poll start", {"question": "climate-dialogue/s1"}, user=moderator)
            card = sent[0]
            message = h.message_payload(int(card.message_id or 0))
            cog = bot.get_cog("PollsCog")
            assert isinstance(cog, PollsCog)
            payloads = []
            for i in range(votes):
                user = FakeUser(id=500_000_000_000_000_000 + i, name=f"p{i}")
                data = {"custom_id": f"poll:1:{i % 5}", "component_type": 2}
                payloads.append(
                    h._interaction_payload(
                        3,
                        data,
                        user=user,
                        locale="en-US",
                        guild=True,
                        channel_id=None,
                        message=message,
                    )
                )
            # The harness's per-interaction bookkeeping is not part of the bot: step it aside.
            loop = asyncio.get_running_loop()
            factory = loop.get_task_factory()
            loop.set_task_factory(None)
            recorder = Confirmations(votes)
            handler = PollsCog.vote_button
            if bare:
                PollsCog.vote_button = _bare_answer  # type: ignore[method-assign]
            original = AsyncWebhookAdapter.create_interaction_response
            AsyncWebhookAdapter.create_interaction_response = recorder.create_interaction_response  # type: ignore[assignment,method-assign]
            batches_before = hub.polls.store.batches
            edits_before = len(h.messages("edit_message"))
            parse = bot._connection.parse_interaction_create
            try:
                start = time.perf_counter()
                for i, payload in enumerate(payloads):
                    parse(payload)  # type: ignore[arg-type]
                    if i % 100 == 99:
                        await asyncio.sleep(0)  # a gateway reader yields between frames
                fed = time.perf_counter()
                await asyncio.wait_for(recorder.done.wait(), timeout=120)
            finally:
                AsyncWebhookAdapter.create_interaction_response = original  # type: ignore[method-assign]
                PollsCog.vote_button = handler  # type: ignore[method-assign]
                loop.set_task_factory(factory)
            elapsed = recorder.last - start
            await cog.refresher.idle()
            return {
                "counted": hub.polls.tally(1).voters,
                "confirmed": recorder.ephemeral,
                "rate": votes / elapsed,
                "seconds": elapsed,
                "feed_seconds": fed - start,
                "batches": hub.polls.store.batches - batches_before,
                "edits": len(h.messages("edit_message")) - edits_before,
            }
    finally:
        await hub.polls.close()
        await store.close()


async def store_ingest(workdir: Path, votes: int, synchronous: str) -> tuple[float, int]:
    db = workdir / f"ingest-{time.monotonic_ns()}.sqlite3"
    clock = FrozenClock(NOW)
    store = await Store.open(db, clock)
    polls = await Polls.open(db, clock, synchronous=synchronous)
    settle_heap()  # as fronts.app.open_hub does once the bot has started
    try:
        poll = await polls.start(
            PollSpec(Question({"*": "Q?"}), "agree"), front="discord", by="b", lang="en"
        )
        batches = polls.store.batches
        start = time.perf_counter()
        futures = [polls.submit_vote(poll.id, f"discord:{i}", i % 5) for i in range(votes)]
        for future in futures:
            await future
        elapsed = time.perf_counter() - start
        assert polls.tally(poll.id).voters == votes
        return votes / elapsed, polls.store.batches - batches
    finally:
        await polls.close()
        await store.close()


def raw_batched(workdir: Path, votes: int, synchronous: str) -> float:
    db = workdir / f"raw-{time.monotonic_ns()}.sqlite3"
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={synchronous}")
    conn.execute(RAW_SCHEMA)
    conn.commit()
    rows = [(1, f"discord:{i}", i % 5) for i in range(votes)]
    start = time.perf_counter()
    conn.executemany(RAW_UPSERT, rows)
    conn.commit()
    elapsed = time.perf_counter() - start
    conn.close()
    return votes / elapsed


async def main(votes: int, rounds: int, synchronous: str) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        e2e = [await end_to_end(workdir, votes, synchronous) for _ in range(rounds)]
        for r in e2e:  # every vote counted once, every click confirmed as recorded
            assert r["counted"] == r["confirmed"] == votes, r
        bare = [await end_to_end(workdir, votes, synchronous, bare=True) for _ in range(rounds)]
        ingest = [await store_ingest(workdir, votes, synchronous) for _ in range(rounds)]
        raw = [raw_batched(workdir, votes, synchronous) for _ in range(rounds)]
    e2e_rate = statistics.median(r["rate"] for r in e2e)
    ingest_rate = statistics.median(r for r, _ in ingest)
    raw_rate = statistics.median(raw)
    ratio = ingest_rate / raw_rate
    print(f"poll votes: {votes:,} distinct voters a round, {rounds} rounds, sync={synchronous}")
    for r in e2e:
        print(
            f"  end to end (discord.py dispatch → commit → ephemeral confirmation): "
            f"{r['rate']:>9,.0f} votes/s  ({r['seconds']:.2f} s; fed in {r['feed_seconds']:.2f} s;"
            f" {r['batches']:.0f} commits; {r['edits']:.0f} poll message edits)"
        )
    for r in bare:
        print(
            f"  discord.py alone (same clicks, handler only answers):  {r['rate']:>9,.0f} clicks/s"
        )
    for rate, batches in ingest:
        print(
            f"  vote store ingest (queued → committed → resolved): {rate:>9,.0f} votes/s"
            f" ({batches} commits)"
        )
    for rate in raw:
        print(f"  raw batched SQLite (one executemany, one commit):          {rate:>9,.0f} rows/s")
    ok_e2e = e2e_rate >= 5000
    ok_ratio = ratio >= 1 / 3
    bare_rate = statistics.median(r["rate"] for r in bare)
    print(
        f"median end to end {e2e_rate:,.0f} votes/s — target ≥ 5,000: "
        f"{'OK' if ok_e2e else 'MISSED'} (discord.py alone: {bare_rate:,.0f}/s)"
    )
    print(
        f"median store ingest {ingest_rate:,.0f}/s = {ratio:.2f} × raw {raw_rate:,.0f}/s — "
        f"target ≥ 0.33: {'OK' if ok_ratio else 'MISSED'}"
    )
    return 0 if ok_e2e and ok_ratio else 1


def cli() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--votes", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--synchronous", choices=("FULL", "NORMAL"), default="FULL")
    args = parser.parse_args()
    return asyncio.run(main(args.votes, args.rounds, args.synchronous))


if __name__ == "__main__":
    sys.exit(cli())
