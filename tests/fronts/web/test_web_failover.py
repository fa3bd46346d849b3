"""Two processes serving the web front on one PostgreSQL database, a burst of votes spread over
both, one of them killed (``kill -9``) mid-burst: every vote whose HTTP answer confirmed it is
in the final tally (a voter whose process died tries the other one, as a browser would)."""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import signal
import time
from pathlib import Path

import pytest
from aiohttp import ClientError, ClientSession, ClientTimeout, CookieJar

from tests.fronts.web.conftest import csrf_of
from tests.support.postgres import free_port
from tests.support.processes import Proc, start_bot, wait_until

VOTERS = 240
FAILOVER = 3.0


def _config(tmp_path: Path, name: str, port: int) -> Path:
    config = tmp_path / f"{name}.toml"
    config.write_text(
        f'[bot]\ndatabase = "{tmp_path / name}.sqlite3"\n'
        f"[store]\nfailover_seconds = {FAILOVER}\n"
        f'[web]\nenabled = true\nport = {port}\nbase_url = "http://127.0.0.1:{port}"\n',
        encoding="utf-8",
    )
    return config


def _start(config: Path, url: str) -> Proc:
    return start_bot(
        ["run", "--front", "console", "--front", "web", "--config", str(config), "--db", url]
    )


async def _vote(browser: ClientSession, base: str, poll_id: int, choice: int) -> bool:
    """One voter's try on one process: True once the answer confirms the vote."""
    async with browser.get(f"{base}/v/{poll_id}") as page:
        if page.status != 200:
            return False
        form = await page.text()
    data = {"csrf": csrf_of(form), "choice": str(choice)}
    async with browser.post(f"{base}/v/{poll_id}", data=data) as resp:
        await resp.read()
        return resp.status == 200


async def _burst(bases: list[str], poll_id: int, kill: object) -> list[int]:
    """Every voter votes once, spread over both processes; ``kill()`` mid-burst. Returns the
    confirmed votes by choice."""
    rng = random.Random(7)
    confirmed = [0, 0]
    limit = asyncio.Semaphore(24)
    third = asyncio.Event()  # a third of the voters confirmed: kill one process

    async def voter(i: int) -> None:
        choice = rng.randint(1, 2)
        # One browser (its cookie is the voter's id on both processes): a vote the killed
        # process saved but could not confirm is replaced, not doubled, by the retry.
        async with (
            limit,
            ClientSession(
                cookie_jar=CookieJar(unsafe=True), timeout=ClientTimeout(total=10)
            ) as browser,
        ):
            for base in (bases[i % 2], bases[(i + 1) % 2]):  # the other one if this one died
                try:
                    if await _vote(browser, base, poll_id, choice):
                        confirmed[choice - 1] += 1
                        if sum(confirmed) >= VOTERS // 3:
                            third.set()
                        return
                except (ClientError, TimeoutError, OSError):
                    continue

    tasks = [asyncio.create_task(voter(i)) for i in range(VOTERS)]
    await asyncio.wait_for(third.wait(), 60)
    kill()  # type: ignore[operator]
    await asyncio.gather(*tasks)
    return confirmed


async def _tally(base: str, poll_id: int) -> list[int]:
    async with (
        ClientSession(timeout=ClientTimeout(total=10)) as browser,
        browser.get(f"{base}/poll/{poll_id}/events") as events,
    ):
        assert events.status == 200
        while True:
            line = (await events.content.readline()).decode()
            if line.startswith("data:"):
                return list(json.loads(line[5:])["counts"])


@pytest.mark.timeout(120)
def test_killing_one_web_process_mid_vote_burst_loses_no_confirmed_vote(
    pg_url: str, tmp_path: Path
) -> None:
    ports = [free_port(), free_port()]
    a = _start(_config(tmp_path, "a", ports[0]), pg_url)
    b: Proc | None = None
    try:
        wait_until(lambda: a.first(a.err, "console: leader"), 30, "the first process leads")
        b = _start(_config(tmp_path, "b", ports[1]), pg_url)
        wait_until(lambda: b.first(b.err, "web front on"), 30, "the second serves the web")
        a.say("@moderator /poll start Water first? | yes | no")
        wait_until(lambda: re.search(r"#(\d+)", a.stdout()), 10, "the poll starts")
        found = re.search(r"#(\d+)", a.stdout())
        assert found is not None
        poll_id = int(found.group(1))
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        killed: list[float] = []

        def kill() -> None:
            os.kill(a.popen.pid, signal.SIGKILL)
            killed.append(time.monotonic())

        confirmed = asyncio.run(_burst(bases, poll_id, kill))
        assert killed and a.popen.wait(10) == -signal.SIGKILL
        assert sum(confirmed) > VOTERS // 3
        assert asyncio.run(_tally(bases[1], poll_id)) == confirmed
    finally:
        for proc in (a, b):
            if proc is not None:
                proc.close()
