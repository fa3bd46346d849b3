"""Buttons and modals never end in Discord's "This interaction failed": forged or stale ids get a
clear private answer, the Fix button's modal is never prefilled beyond its limits, a long review
card drops no line, and /poll start refuses a channel the bot cannot post in."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.clock import FrozenClock
from bot.context import Caller
from bot.hub import Hub
from bot.polls.service import Polls
from bot.proposals import service
from bot.proposals.env import repo_of
from bot.proposals.form import step_fields
from fronts.discord_client import HubBot
from tests.cogs.test_polls_cog import DURING_CLIMATE_DIALOGUE, start_poll
from tests.cogs.test_proposals_cog import REVIEW_CHANNEL, _ana, _cards, _harness, _mod, _propose
from tests.support.discord_harness import (
    DEFAULT_APP_PERMISSIONS,
    DiscordHarness,
    Sent,
    _discord,
    http_error,
)
from tests.support.proposals import answers

Permissions = _discord.discord.Permissions


def only(sent: list[Sent]) -> Sent:
    assert len(sent) == 1, [(s.kind, s.text) for s in sent]
    return sent[0]


@pytest.fixture
async def polls_bot(hub: Hub, polls: Polls, clock: FrozenClock) -> AsyncIterator[DiscordHarness]:
    clock.set(DURING_CLIMATE_DIALOGUE)
    async with DiscordHarness(HubBot(hub, sync_commands=False)) as harness:
        yield harness


@pytest.fixture
async def h(hub: Hub) -> AsyncIterator[DiscordHarness]:
    harness = await _harness(hub)
    yield harness
    await harness.close()


# -- poll buttons -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("custom_id", "expected"),
    [
        ("poll:1:99", "not (or no longer) one of poll #1's answers: nothing was counted"),
        ("poll:1:01", "not (or no longer) one of poll #1's answers"),
        ("poll:x:y", "belongs to no poll this bot knows: nothing was counted"),
        ("poll:1", "belongs to no poll this bot knows"),
        ("poll:7:0", "There is no poll #7."),
    ],
)
async def test_a_forged_or_stale_poll_button_gets_a_clear_private_answer(
    polls_bot: DiscordHarness, polls: Polls, custom_id: str, expected: str
) -> None:
    await start_poll(polls_bot, question="Lunch?", scale="yesno")
    answer = only(await polls_bot.click(custom_id, user=polls_bot.user(name="ana")))
    assert answer.ephemeral and answer.type == 4 and expected in answer.text
    assert polls.tally(1).voters == 0


async def test_the_stale_poll_answer_is_in_the_voters_language(polls_bot: DiscordHarness) -> None:
    await start_poll(polls_bot, question="Lunch?", scale="yesno")
    answer = only(await polls_bot.click("poll:1:99", user=polls_bot.user(name="zoe", locale="fr")))
    assert "rien n'a été compté" in answer.text


async def test_a_real_poll_button_is_answered_once(polls_bot: DiscordHarness) -> None:
    message = await start_poll(polls_bot, question="Lunch?", scale="yesno")
    answer = only(await polls_bot.click("poll:1:1", message=message))
    assert "recorded: No" in answer.text


# -- proposal buttons and modals ----------------------------------------------------------------
@pytest.mark.parametrize(
    "custom_id",
    [
        "l4a:prop:review:destroy:1",
        "l4a:prop:review:approve:99999999999999999999999",
        "l4a:prop:form:x:1",
        "l4a:prop:withdraw:",
    ],
)
async def test_a_forged_proposal_button_gets_a_clear_private_answer(
    h: DiscordHarness, custom_id: str
) -> None:
    answer = only(await h.click(custom_id, user=_mod(h)))
    assert answer.ephemeral and "not (or no longer) one this bot knows" in answer.text


@pytest.mark.parametrize(
    ("custom_id", "values"),
    [
        ("l4a:prop:reason:approved:1", {"reason": "why not"}),
        ("l4a:prop:modal:0:7", {"field:title": "A page the form does not have"}),
    ],
)
async def test_a_forged_proposal_modal_gets_a_clear_private_answer(
    h: DiscordHarness, custom_id: str, values: dict[str, str]
) -> None:
    answer = only(await h.submit_modal(custom_id, values, user=_mod(h)))
    assert answer.ephemeral and "not (or no longer) one this bot knows" in answer.text


async def test_reject_of_a_proposal_that_does_not_exist_opens_no_modal(h: DiscordHarness) -> None:
    answer = only(await h.click("l4a:prop:review:reject:42", user=_mod(h)))
    assert answer.type == 4 and "There is no proposal #42." in answer.text


async def test_the_fix_button_never_prefills_beyond_a_fields_limit(
    h: DiscordHarness, hub: Hub
) -> None:
    """A draft may keep an answer refused as too long; Discord refuses a modal whose text input
    holds more than its max_length (the harness answers 400 like Discord)."""
    ana = _ana(h)
    ctx = hub.context(Caller("discord", str(ana.id), "Ana", "es-ES"))
    typed = {"title": "T" * 300, "description": "D" * 1500, "organisation": "Org"}
    _, errors, _ = await service.save_answers(ctx, 0, typed, fields=step_fields(1))
    assert "title" in errors and "description" in errors
    modal = only(await h.click("l4a:prop:form:0:1", user=ana))
    assert modal.type == 9 and modal.ok
    title = modal.find_component("field:title")
    description = modal.find_component("field:description")
    assert title is not None and len(title["value"]) == title["max_length"] == 100
    assert description is not None and len(description["value"]) == 1000


async def test_the_harness_refuses_a_modal_prefilled_beyond_its_limit_as_discord_does() -> None:
    from tests.support.discord_harness.webhook import _invalid_modal

    text_input = {"type": 4, "custom_id": "x", "max_length": 10, "value": "y" * 11}
    error = _invalid_modal({"title": "t", "components": [{"type": 18, "component": text_input}]})
    assert error is not None and "Invalid Form Body" in str(error)
    assert _invalid_modal({"title": "t", "components": []}) is None
    assert http_error(400, 50035).status == 400


async def test_a_long_review_card_drops_no_line(h: DiscordHarness, hub: Hub) -> None:
    """Markdown characters are escaped (each * becomes \\*), so a 1,000-character description
    can fill more than one message: the card says so and carries the whole text as a file."""
    description = "*" * 997 + "END"
    cohosts = "_" * 296 + "TAIL"
    await _propose(h, _ana(h))
    ctx = hub.context(Caller("discord", str(_ana(h).id), "Ana", "es-ES"))
    result = await service.submit(
        ctx, 1, answers(title="Agua y resiliencia", description=description, cohosts=cohosts)
    )
    assert result.proposal is not None, result.reply.plain()
    from cogs.proposal_review import refresh_review

    await refresh_review(h.bot, hub, 1)
    edit = [s for s in h.sent if s.kind == "edit_message" and s.channel_id == REVIEW_CHANNEL][-1]
    assert len(edit.content) <= 2000
    assert "the whole proposal is in the attached file" in edit.content
    ((name, data),) = edit.files
    assert name == "proposal-1.txt"
    full = data.decode("utf-8")
    assert description in full and cohosts[:-4] in full and "TAIL" in full
    assert "ana@example.org" in full  # the contact line, last of the card, is there too
    # A short card again: one message, no attachment left behind.
    await service.submit(ctx, 1, answers(title="Agua y resiliencia"))
    await refresh_review(h.bot, hub, 1)
    last = [s for s in h.sent if s.kind == "edit_message" and s.channel_id == REVIEW_CHANNEL][-1]
    assert "attached file" not in last.content and last.data.get("attachments") == []
    assert len(_cards(h)) == 1
    assert (await repo_of(hub).get(1)) is not None


async def test_the_review_listing_drops_no_line_either(h: DiscordHarness, hub: Hub) -> None:
    ana = _ana(h)
    ctx = hub.context(Caller("discord", str(ana.id), "Ana", "es-ES"))
    await service.submit(ctx, 0, answers(description="*" * 997 + "END"))
    sent = await h.slash("proposals review", user=_mod(h))
    (card,) = [s for s in sent if s.kind == "followup"]
    assert card.files and "END" in card.files[0][1].decode("utf-8")
    assert card.custom_ids()[0] == "l4a:prop:review:approve:1"


# -- /poll start in a channel the bot cannot post in --------------------------------------------
@pytest.mark.parametrize(
    ("lacking", "named"),
    [
        (Permissions(send_messages=True), "send messages"),
        (Permissions(attach_files=True), "attach files"),
        (Permissions(view_channel=True), "see the channel"),
    ],
)
async def test_poll_start_is_refused_where_the_bot_cannot_post(
    polls_bot: DiscordHarness, polls: Polls, lacking: Permissions, named: str
) -> None:
    polls_bot.app_permissions = DEFAULT_APP_PERMISSIONS & ~lacking.value
    mod = polls_bot.user(name="mod", roles=["Moderators"])
    refusal = only(await polls_bot.slash("poll start", {"question": "Lunch?"}, user=mod))
    assert refusal.ephemeral and named in refusal.text and "No poll was started" in refusal.text
    assert polls.all_polls() == []
    polls_bot.app_permissions = DEFAULT_APP_PERMISSIONS
    assert not (await polls_bot.slash("poll start", {"question": "Lunch?"}, user=mod))[0].ephemeral
