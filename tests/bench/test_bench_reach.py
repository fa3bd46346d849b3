"""The reach bench's simulated servers enforce the limits they claim, and the bench runs the
real DM path through them (``bench/sim_discord.py``, ``sim_matrix.py``, ``bench_reach.py``)."""

from __future__ import annotations

from aiohttp.test_utils import TestClient, TestServer

from bench import sim_discord, sim_matrix
from bench.bench_reach import Outcome, line, members_line, mode_available, project, run
from fronts.matrix import outbox as matrix_outbox


async def test_discord_refuses_the_51st_request_of_a_second_as_global_with_its_headers() -> None:
    sim = sim_discord.Discord(scale=1.0, dm_opens=10_000, warm=True)
    async with TestClient(TestServer(sim_discord.app(sim))) as client:
        answers = []
        for i in range(51):
            body = {"content": "x", "nonce": str(i)}
            resp = await client.post(f"/api/v10/channels/{1000 + i}/messages", json=body)
            answers.append((resp.status, resp.headers, await resp.json()))
    ok = [a for a in answers if a[0] == 200]
    refused = [a for a in answers if a[0] == 429]
    assert len(ok) == 50 and len(refused) == 1
    _, headers, body = refused[0]
    assert body["global"] is True and 0 < body["retry_after"] <= 1
    assert headers["X-RateLimit-Global"] == "true" and headers["X-RateLimit-Scope"] == "global"
    assert headers["Via"] and headers["Retry-After"] == "1"
    assert headers["Content-Type"] == "application/json"  # discord.py compares it exactly
    assert ok[0][1]["X-RateLimit-Limit"] == "5" and ok[0][1]["X-RateLimit-Remaining"] == "4"


async def test_discord_limits_messages_per_channel_and_new_dms_per_minute() -> None:
    sim = sim_discord.Discord(scale=1.0, dm_opens=2, warm=False)
    async with TestClient(TestServer(sim_discord.app(sim))) as client:
        statuses = []
        for _ in range(6):
            resp = await client.post("/api/v10/channels/7/messages", json={"nonce": "same"})
            statuses.append(resp.status)
        assert statuses == [200] * 5 + [429]  # 5 per 5 s in one channel
        opened = []
        for user in ("11", "12", "13", "11"):
            resp = await client.post("/api/v10/users/@me/channels", json={"recipient_id": user})
            opened.append((resp.status, (await resp.json()).get("code")))
        # the third new DM within a minute is refused; an open channel is no new DM
        assert opened == [(200, None), (200, None), (403, 40003), (200, None)]
        stats = await (await client.get("/_bench/stats")).json()
    assert stats["refused_dm_open"] == 1 and stats["refused_route"] == 1


async def test_synapse_allows_a_burst_of_ten_then_asks_to_wait_five_seconds() -> None:
    sim = sim_matrix.Matrix(scale=1.0, exempt=False)
    async with TestClient(TestServer(sim_matrix.app(sim))) as client:
        answers = []
        for i in range(11):
            path = f"/_matrix/client/v3/rooms/!a:b/send/m.room.message/t{i}"
            resp = await client.put(path, json={"body": "x"})
            answers.append((resp.status, await resp.json()))
        again = await client.put("/_matrix/client/v3/rooms/!a:b/send/m.room.message/t0", json={})
        assert again.status == 200  # a transaction id seen before is answered, not counted
    assert [s for s, _ in answers] == [200] * 10 + [429]
    body = answers[-1][1]
    assert body["errcode"] == "M_LIMIT_EXCEEDED" and 4_900 <= body["retry_after_ms"] <= 5_000


async def test_the_real_dm_path_reaches_every_follower_at_the_paced_rate() -> None:
    outcome = await run("dm", 40, scale=20.0, label="small")
    assert outcome is not None and len(outcome.reached) == 40
    # 40 DMs at 20/s: the last leaves ~2 s (simulated) after the due instant, never sooner (how
    # much later depends on the machine's load: the bench reports it, a test does not time it)
    assert max(outcome.reached) >= 1.5
    assert outcome.stats["messages"] == 40 and outcome.stats["most_refusals"] == 0


async def test_the_synapse_limit_paces_matrix_dms_and_each_refusal_is_waited_out() -> None:
    # ×20, not faster: at ×100 Synapse's 5 s wait is 50 ms real, and a loaded machine's timer
    # slack alone could send a message before the wait is over (a refusal twice, not the bot's)
    outcome = await run("dm", 14, front="matrix", scale=20.0, label="matrix")
    assert outcome is not None and len(outcome.reached) == 14
    # a burst of 10, then one every 5 s: the 14th ~20 s after the due instant, never sooner
    assert max(outcome.reached) >= 15
    assert outcome.stats["messages"] == 14 and outcome.stats["refused_twice"] == 0
    assert matrix_outbox.CALM == 30.0  # the bench's faster waits do not outlive the run


def test_a_mode_the_code_does_not_have_is_reported_not_run() -> None:
    assert mode_available("dm") and mode_available("thread") and mode_available("mentions")
    assert not mode_available("carrier-pigeon")


def test_a_projection_scales_times_and_keeps_the_share_reached() -> None:
    measured = Outcome("x", "dm", 100, 1.0, reached=[float(i) for i in range(50)])
    big = project(measured, 1_000)
    assert big.share == 0.5 and big.figure(50) == 490.0 and big.figure(99) is None
    assert "not reached" in line(big) and "| 500 |" in line(big)


async def test_discord_limits_thread_member_additions_per_thread_and_counts_mentions() -> None:
    sim = sim_discord.Discord(scale=1.0, dm_opens=10, warm=True)
    async with TestClient(TestServer(sim_discord.app(sim))) as client:
        made = await client.post("/api/v10/channels/5/threads", json={"name": "s", "type": 12})
        thread = (await made.json())["id"]
        statuses = []
        for i in range(sim_discord.MEMBER_BUCKET[0] + 1):
            resp = await client.put(f"/api/v10/channels/{thread}/thread-members/{100 + i}")
            statuses.append(resp.status)
        body = {"content": "<@1> <@2> <@3>", "nonce": "n"}
        await client.post(f"/api/v10/channels/{thread}/messages", json=body)
        stats = await (await client.get("/_bench/stats?times")).json()
    assert made.status == 201
    assert statuses == [204] * sim_discord.MEMBER_BUCKET[0] + [429]
    assert stats["members_added"] == sim_discord.MEMBER_BUCKET[0]
    assert [n for _, n in stats["mention_times"]] == [3]


async def test_the_thread_mode_adds_followers_ahead_then_reaches_them_by_mentions() -> None:
    outcome = await run("thread", 170, scale=20.0, label="thread")
    assert outcome is not None and len(outcome.reached) == 170  # 80 + 80 + 10 mentions
    assert outcome.member_stats["members_added"] == 170 and outcome.members_s is not None
    assert outcome.member_stats["threads"] == 1
    # the post and its 3 mention messages at the due instant; no member added then
    assert outcome.stats["messages"] == 4 and outcome.stats.get("members_added", 0) == 0
    assert outcome.stats["refused_twice"] == 0
    assert "adding the followers ahead" in members_line(outcome)


async def test_the_mentions_mode_on_discord_and_the_thread_mode_on_matrix_reach_everyone() -> None:
    mentions = await run("mentions", 90, scale=20.0, label="mentions")
    assert mentions is not None and len(mentions.reached) == 90
    assert mentions.stats["messages"] == 3 and mentions.members_s is None  # post + 80 + 10
    matrix = await run("thread", 150, front="matrix", scale=100.0, label="matrix thread")
    assert matrix is not None and len(matrix.reached) == 150
    assert matrix.stats["messages"] == 2  # post + 150 mentions in one event (root: ahead)


async def test_discord_threads_hold_1000_participants_and_each_has_its_own_message_bucket() -> None:
    """What makes sharding help: a thread is its own channel for the 5-per-5-s message limit;
    and what makes it needed: the 1,001st participant (the bot is one) is refused with 30033."""
    sim = sim_discord.Discord(scale=1.0, dm_opens=10, warm=True)
    async with TestClient(TestServer(sim_discord.app(sim))) as client:
        threads = []
        for name in ("a", "b"):
            made = await client.post("/api/v10/channels/5/threads", json={"name": name})
            threads.append((await made.json())["id"])
        first, second = threads
        sim.members[first] |= {str(10_000 + i) for i in range(998)}  # 999 with the bot
        last = await client.put(f"/api/v10/channels/{first}/thread-members/42")
        again = await client.put(f"/api/v10/channels/{first}/thread-members/42")  # no change
        over = await client.put(f"/api/v10/channels/{first}/thread-members/43")
        over_body = await over.json()
        statuses: dict[str, list[int]] = {first: [], second: []}
        for thread in (first, second, first):
            for i in range(5 if thread == second else 3):
                resp = await client.post(f"/api/v10/channels/{thread}/messages", json={"nonce": i})
                statuses[thread].append(resp.status)
        stats = await (await client.get("/_bench/stats")).json()
    assert (last.status, again.status, over.status) == (204, 204, 400)
    assert over_body["code"] == 30033 and len(sim.members[first]) == 1000
    assert statuses[second] == [200] * 5  # its sibling's traffic does not count
    assert statuses[first] == [200] * 5 + [429]
    assert stats["refused_thread_full"] == 1


async def test_the_sharded_thread_mode_posts_in_each_thread_at_once() -> None:
    """2,100 followers: three private threads (999, 999, 102), each with its own post; the
    third thread's followers are not reached after the first two's (they run side by side)."""
    outcome = await run("thread", 2_100, scale=50.0, label="sharded")
    assert outcome is not None and len(outcome.reached) == 2_100
    assert outcome.member_stats["threads"] == 3
    assert outcome.member_stats["members_added"] == 2_100
    assert outcome.member_stats.get("refused_thread_full", 0) == 0
    # per thread: the post + 13 (or 2) mention messages; one thread alone would take 27
    assert outcome.stats["messages"] == 3 + 13 + 13 + 2
    assert max(outcome.reached) < 20  # one thread of 2,100 at 5 per 5 s: ~27 s
    assert outcome.stats["refused_twice"] == 0
