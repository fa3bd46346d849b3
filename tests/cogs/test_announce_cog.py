"""/remind, /reminders, /unremind, /agenda, /reload and the announcer's posts and DMs on Discord,
through real discord.py dispatch (tests/support/discord_harness/)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.announce.fanout import nonce_for
from bot.announce.repo import AnnounceRepo
from bot.app import build_app
from bot.clock import FrozenClock
from bot.config import Config
from bot.hub import Hub
from bot.programme import Programme
from bot.proposals.sessions import rebuild_programme
from bot.store import Store
from fronts.discord_client import HubBot
from tests.conftest import FORUM_GUILD_ID
from tests.support.discord_harness import DEFAULT_CHANNEL_ID, DiscordHarness


@pytest.fixture
async def announcing(
    programme: Programme, db_path: Path, clock: FrozenClock
) -> AsyncIterator[tuple[Hub, DiscordHarness]]:
    config = Config.model_validate(
        {
            "discord": {"forum_guild_ids": [FORUM_GUILD_ID]},
            "announcements": {
                "channels": {"discord": {"default": DEFAULT_CHANNEL_ID}},
                "retry_seconds": 0.05,
                "dm_per_second": 0,
            },
        }
    )
    store = await Store.open(db_path, clock)
    try:
        # The app closes (its announcer stopped, a batch in flight finished) before the store.
        async with build_app(config, programme, store, clock) as hub:
            await rebuild_programme(hub)
            async with DiscordHarness(HubBot(hub, sync_commands=False)) as harness:
                yield hub, harness
            # cog_unload let go of Discord's outbox only: the announcer is shared (the app
            # stops it)
            assert hub.announcer.started and "discord" not in hub.announcer.outboxes
    finally:
        await store.close()


async def test_starting_the_cog_posts_what_is_due_with_discord_time_stamps(
    announcing: tuple[Hub, DiscordHarness],
) -> None:
    hub, h = announcing
    await hub.announcer.drain()  # type: ignore[union-attr]
    # 11:50 CEST: the 11:45 announcement of the 12:00 open space, five minutes late.
    (post,) = [p.replace("\u202f", " ") for p in h.channel_texts()]
    start = int(datetime(2021, 10, 6, 10, 0, tzinfo=UTC).timestamp())
    assert "Starting in 10 minutes" in post
    assert f"12:00 PM–12:45 PM CEST · <t:{start}:f> · <t:{start}:R>" in post
    (message,) = h.messages("channel_message")
    key = "ann:discord:hub-oct-6:15:20211006T1000Z"
    assert message.data["nonce"] == str(nonce_for(f"{key}:0"))
    assert message.data["enforce_nonce"] is True
    assert message.data["allowed_mentions"] == {"parse": []}


async def test_a_follower_gets_a_private_reminder_in_their_language(
    announcing: tuple[Hub, DiscordHarness], clock: FrozenClock
) -> None:
    hub, h = announcing
    eva = h.user(name="eva", locale="es-ES")
    [reply] = await h.slash("remind", {"what": "opening-plenary", "lead": 20}, user=eva)
    assert reply.ephemeral and "te recordaré en privado" in reply.content
    [agenda] = await h.slash("agenda", user=eva)
    assert agenda.ephemeral and "opening-plenary" in agenda.content
    clock.set(datetime(2021, 10, 6, 11, 10, tzinfo=UTC))  # 13:10 CEST, 20 min before 13:30
    await hub.announcer.deliver_due()  # type: ignore[union-attr]
    (dm,) = h.dm_texts(eva)
    assert "Recordatorio: empieza dentro de 20 minutos" in dm and "<t:" in dm


async def test_closed_dms_are_tried_once_and_noted(
    announcing: tuple[Hub, DiscordHarness], clock: FrozenClock
) -> None:
    hub, h = announcing
    bea = h.user(name="bea")
    h.fail_dms_for(bea)
    await h.slash("remind", {"what": "all"}, user=bea)
    for minutes in range(0, 8 * 60, 10):
        clock.set(datetime(2021, 10, 6, 9, 50, tzinfo=UTC) + timedelta(minutes=minutes))
        await hub.announcer.deliver_due()  # type: ignore[union-attr]
    attempts = [s for s in h.sent if s.kind == "dm"]
    assert len(attempts) == 1 and not attempts[0].ok
    assert await AnnounceRepo(hub.store.database).closed() == {("discord", str(bea.id))}
    [listing] = await h.slash("reminders", user=bea)
    assert "direct messages closed" in listing.content


async def test_reload_is_refused_to_members_and_answered_to_moderators(
    announcing: tuple[Hub, DiscordHarness],
) -> None:
    _, h = announcing
    [refusal] = await h.slash("reload", user=h.user(name="ana"))
    assert refusal.ephemeral and "Only moderators" in refusal.content
    mod = h.user(name="mo", roles=["Moderators"])
    sent = await h.slash("reload", user=mod)
    assert any("nothing changed" in s.text for s in sent)
    assert all(s.ephemeral for s in sent if s.kind in ("interaction_response", "followup"))


async def test_remind_autocomplete_offers_sessions_kinds_and_all(
    announcing: tuple[Hub, DiscordHarness],
) -> None:
    _, h = announcing
    choices = await h.autocomplete("remind", {"what": ""}, "what")
    values = [c["value"] for c in choices]
    assert "all" in values and "kind:high_level_dialogue" in values
    assert "opening-plenary" in values and "climate-dialogue" not in values  # past
    assert len(choices) <= 25
    dialogue = await h.autocomplete("remind", {"what": "dialogue"}, "what")
    assert [c["value"] for c in dialogue][:1] != []
    assert all(re.fullmatch(r"[\w:-]+", c["value"]) for c in dialogue)


async def test_unremind_removes_a_follow_offered_by_autocomplete(
    announcing: tuple[Hub, DiscordHarness],
) -> None:
    _, h = announcing
    ana = h.user(name="ana")
    await h.slash("remind", {"what": "kind:plenary"}, user=ana)
    choices = await h.autocomplete("unremind", {"what": ""}, "what", user=ana)
    assert "kind:plenary" in [c["value"] for c in choices]
    [done] = await h.slash("unremind", {"what": "kind:plenary"}, user=ana)
    assert "no more reminders" in done.content
    [empty] = await h.slash("reminders", user=ana)
    assert "You follow nothing yet" in empty.content


@pytest.mark.parametrize(
    ("status", "code", "permanent"),
    [
        (403, 50007, True),
        (404, 10003, True),
        (403, 50013, True),
        (500, 0, False),
        (429, 0, False),
        (403, 40003, False),  # opening DMs too fast: the bot's pace, not closed DMs
    ],
)
def test_discord_errors_are_told_apart_as_permanent_or_transient(
    status: int, code: int, permanent: bool
) -> None:
    from cogs.announce import _delivery_error
    from tests.support.discord_harness import http_error

    assert _delivery_error(http_error(status, code, "x")).permanent is permanent


async def test_a_server_error_is_retried_and_the_post_goes_out_once(
    announcing: tuple[Hub, DiscordHarness], clock: FrozenClock
) -> None:
    from tests.support.discord_harness import http_error

    hub, h = announcing
    await hub.announcer.drain()  # type: ignore[union-attr]
    h.clear()
    route = f"POST /channels/{DEFAULT_CHANNEL_ID}/messages"
    h.http_fail[route] = http_error(500, 0, "boom")
    clock.set(datetime(2021, 10, 6, 10, 0, tzinfo=UTC))  # 12:00 CEST: "starting now"
    await hub.announcer.run_due()  # type: ignore[union-attr]
    for _ in range(100):  # the first attempt fails; let the retry find Discord back
        if h.sent:
            break
        await asyncio.sleep(0.01)
    del h.http_fail[route]
    await hub.announcer.drain()  # type: ignore[union-attr]
    posts = [s for s in h.sent if s.kind == "channel_message"]
    assert [s.ok for s in posts] == [False, True]
    assert posts[0].data["nonce"] == posts[1].data["nonce"]  # same delivery, same nonce


async def test_opening_dms_too_fast_is_retried_and_never_taken_for_closed_dms(
    announcing: tuple[Hub, DiscordHarness], clock: FrozenClock
) -> None:
    from tests.support.discord_harness import http_error

    hub, h = announcing
    await hub.announcer.drain()  # type: ignore[union-attr]
    eva = h.user(name="eva")
    await h.slash("remind", {"what": "opening-plenary", "lead": 20}, user=eva)
    h.clear()
    route = "POST /users/@me/channels"
    h.http_fail[route] = http_error(403, 40003, "You are opening direct messages too fast.")
    clock.set(datetime(2021, 10, 6, 11, 10, tzinfo=UTC))
    await hub.announcer.run_due()  # type: ignore[union-attr]
    for _ in range(100):  # the first attempt is refused; the retry finds Discord calmer
        if h.sent:
            break
        await asyncio.sleep(0.01)
    del h.http_fail[route]
    await hub.announcer.drain()  # type: ignore[union-attr]
    assert len(h.dm_texts(eva)) == 1
    assert await AnnounceRepo(hub.store.database).closed() == set()
