"""Moderator rights on Discord come only from the forum's own server(s): the owner of another
server the bot was added to (who holds Manage Server there) is refused every moderator command
and button; a moderator of the forum's server is accepted in a direct message."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.clock import FrozenClock
from bot.config import Config
from bot.hub import Hub
from bot.polls.service import Polls
from bot.programme import Programme
from bot.proposals import service
from bot.store import Store
from fronts.discord_client import HubBot
from tests.cogs.test_polls_cog import DURING_CLIMATE_DIALOGUE
from tests.conftest import AppOf
from tests.support.discord_harness import DiscordHarness, FakeUser, Sent
from tests.support.proposals import answers, host

FOREIGN = "Moderator commands only work in the forum's own Discord server"
NOT_FORUM_MODERATOR = "You are not a moderator of the forum's Discord server."


@pytest.fixture
async def h(hub: Hub, polls: Polls, clock: FrozenClock) -> AsyncIterator[DiscordHarness]:
    clock.set(DURING_CLIMATE_DIALOGUE)
    async with DiscordHarness(HubBot(hub, sync_commands=False)) as harness:
        yield harness


def foreign_owner(h: DiscordHarness) -> tuple[FakeUser, int]:
    """Someone who added the bot to their own server: its owner, with a "Moderators" role too."""
    owner = h.user(name="intruder")
    gid, channel = h.add_guild("Not the forum", owner_id=owner.id, roles={"Moderators": 0})
    h.users[owner.id] = FakeUser(
        id=owner.id, name="intruder", roles=(h.guild_roles[gid]["Moderators"],)
    )
    return h.users[owner.id], channel


def only(sent: list[Sent]) -> Sent:
    assert len(sent) == 1, [(s.kind, s.text) for s in sent]
    return sent[0]


async def pending_proposal(hub: Hub) -> int:
    ctx = hub.context(host("ana", front="discord"))
    result = await service.submit(ctx, 0, answers())
    assert result.proposal is not None
    return result.proposal.id


async def test_the_owner_of_another_server_is_refused_every_moderator_command(
    h: DiscordHarness, hub: Hub, polls: Polls
) -> None:
    intruder, channel = foreign_owner(h)
    mod = h.user(name="mod", roles=["Moderators"])
    card = (await h.slash("poll start", {"question": "Lunch?"}, user=mod))[0]
    proposal_id = await pending_proposal(hub)

    for command, options in [
        ("proposals export", {}),
        ("proposals review", {}),
        ("proposals open", {}),
        ("poll start", {"question": "Mine?"}),
        ("poll close", {"poll": "1"}),
        ("poll export", {"poll": "1"}),
        ("reload", {}),
        ("events sync", {}),
    ]:
        refusal = only(await h.slash(command, options, user=intruder, channel_id=channel))
        assert refusal.ephemeral and FOREIGN in refusal.text, (command, refusal.text)
        assert not refusal.files, command

    # The review card's buttons, clicked on a message in the other server.
    for action in ("approve", "reject", "changes"):
        custom_id = f"l4a:prop:review:{action}:{proposal_id}"
        refusal = only(await h.click(custom_id, user=intruder, channel_id=channel))
        assert refusal.ephemeral and FOREIGN in refusal.text and refusal.type == 4, action
    refusal = only(
        await h.click(
            f"l4a:prop:slot:{proposal_id}", user=intruder, channel_id=channel, values=["hub-oct-7"]
        )
    )
    assert FOREIGN in refusal.text

    assert polls.get(1) is not None and polls.get(1).is_open  # type: ignore[union-attr]
    assert not h.scheduled_events
    proposal = await service.repo_of(hub).get(proposal_id)  # type: ignore[attr-defined]
    assert proposal is not None and proposal.status == "pending"
    assert card.text  # the forum's moderator could start it


async def test_the_refusal_is_in_the_callers_language(h: DiscordHarness) -> None:
    intruder, channel = foreign_owner(h)
    refusal = only(
        await h.slash("proposals export", {}, user=intruder, channel_id=channel, locale="es-ES")
    )
    assert "servidor de Discord del foro" in refusal.text


async def test_a_forum_moderator_is_accepted_in_a_direct_message(
    h: DiscordHarness, hub: Hub, polls: Polls
) -> None:
    mod = h.user(name="mod", roles=["Moderators"])
    await h.slash("poll start", {"question": "Lunch?"}, user=mod)
    await pending_proposal(hub)
    export = only(await h.slash("proposals export", {}, user=mod, guild=False))
    assert export.ephemeral and export.files and export.files[0][0].endswith(".csv")
    sent = await h.slash("poll close", {"poll": "1"}, user=mod, guild=False)
    result = only([s for s in sent if s.kind == "followup"])
    assert "Poll #1" in result.text and not polls.get(1).is_open  # type: ignore[union-attr]
    # The look-up went to the forum's server over HTTP (no members intent), once.
    lookups = [r for r in h.requests if r.route == "GET /guilds/{guild_id}/members/{member_id}"]
    assert len(lookups) == 1


async def test_in_a_direct_message_others_hear_they_are_not_forum_moderators(
    h: DiscordHarness,
) -> None:
    ana = h.user(name="ana")  # a member of the forum's server, without the role
    refusal = only(await h.slash("proposals export", {}, user=ana, guild=False))
    assert NOT_FORUM_MODERATOR in refusal.text and not refusal.files
    # A moderator of another server only, not a member of the forum's server at all.
    intruder, _ = foreign_owner(h)
    h.remove_member(intruder)
    refusal = only(await h.slash("poll export", {"poll": "1"}, user=intruder, guild=False))
    assert NOT_FORUM_MODERATOR in refusal.text


async def test_the_forum_server_defaults_to_guild_ids(
    app_of: AppOf, programme: Programme, store: Store, clock: FrozenClock
) -> None:
    from tests.conftest import FORUM_GUILD_ID

    hub = await app_of(
        Config.model_validate({"discord": {"guild_ids": [FORUM_GUILD_ID]}}), programme, store, clock
    )
    async with DiscordHarness(HubBot(hub, sync_commands=False)) as h:
        mod = h.user(name="mod", roles=["Moderators"])
        export = only(await h.slash("proposals export", {}, user=mod))
        assert export.files


async def test_with_no_forum_server_configured_nobody_is_a_moderator(
    app_of: AppOf,
    programme: Programme,
    store: Store,
    clock: FrozenClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    hub = await app_of(Config(), programme, store, clock)
    async with DiscordHarness(HubBot(hub, sync_commands=False)) as h:
        owner = h.user(user_id=h.owner_id, name="owner")
        refusal = only(await h.slash("proposals export", {}, user=owner))
        assert "nobody is a moderator on Discord" in refusal.text and not refusal.files
    assert "nobody is a moderator on Discord" in caplog.text


async def test_automatic_event_syncs_leave_other_servers_alone(
    app_of: AppOf, programme: Programme, store: Store, clock: FrozenClock
) -> None:
    from cogs.events import EventsCog
    from tests.conftest import FORUM_GUILD_ID

    config = Config.model_validate(
        {
            "discord": {"forum_guild_ids": [FORUM_GUILD_ID]},
            "events": {"sync": True, "resync_minutes": 0},
        }
    )
    h = DiscordHarness(HubBot(await app_of(config, programme, store, clock), sync_commands=False))
    other, _ = h.add_guild("Someone else's server")
    async with h:
        cog = h.bot.get_cog("EventsCog")
        assert isinstance(cog, EventsCog)
        await cog.wait_idle()
    made = [e["guild_id"] for e in h.scheduled_events.values()]
    assert made and set(made) == {str(FORUM_GUILD_ID)} and str(other) not in made


async def test_a_failed_look_up_refuses_now_and_asks_discord_again_next_time(
    h: DiscordHarness,
) -> None:
    from tests.support.discord_harness import http_error

    mod = h.user(name="mod", roles=["Moderators"])
    h.http_fail["GET /guilds/{guild_id}/members/{member_id}"] = http_error(500, 0, "oops")
    refusal = only(await h.slash("proposals export", {}, user=mod, guild=False))
    assert "Discord did not answer when I checked" in refusal.text and not refusal.files
    assert NOT_FORUM_MODERATOR not in refusal.text  # a real moderator is not told they are not
    del h.http_fail["GET /guilds/{guild_id}/members/{member_id}"]
    export = only(await h.slash("proposals export", {}, user=mod, guild=False))
    assert export.files  # the failure was not remembered as "not a moderator"
