"""DiscordHarness clicks, selects and modals through real view / dynamic item / modal dispatch."""

from __future__ import annotations

import pytest

from .discord_harness import DiscordHarness, InteractionFailed, InteractionTimeout, NoResponse
from .harness_demo_bot import make_bot


async def test_modal_with_labelled_text_input_and_select_round_trip(h: DiscordHarness) -> None:
    sent = await h.slash("feedback")
    modal = sent[0]
    assert modal.type == 9
    assert modal.custom_ids() == ["comment", "mood"]
    assert [c["type"] for c in modal.components] == [18, 18]
    assert "Feedback" in modal.text and "Your comment" in modal.text
    result = await h.submit_modal(modal, {"comment": "Great panel", "mood": ["great"]})
    assert result[0].ephemeral
    assert result[0].text == "comment=Great panel mood=great"


async def test_modal_submit_validates_inputs_like_discord(h: DiscordHarness) -> None:
    modal = (await h.slash("feedback"))[0]
    assert modal.custom_id is not None
    with pytest.raises(KeyError, match="no inputs"):
        await h.submit_modal(modal.custom_id, {"comment": "ok", "mood": ["meh"], "extra": "x"})
    with pytest.raises(ValueError, match="no options"):
        await h.submit_modal(modal.custom_id, {"comment": "ok", "mood": ["awful"]})
    with pytest.raises(ValueError, match="required"):
        await h.submit_modal(modal.custom_id, {"mood": ["meh"]})
    sent = await h.submit_modal(modal.custom_id, {"comment": "ok", "mood": "meh"})
    assert sent[0].text == "comment=ok mood=meh"


async def test_dynamic_item_click_parses_ids_from_template(h: DiscordHarness) -> None:
    poll = (await h.slash("poll start", {"question": "Q?"}))[0]
    custom_id = poll.custom_ids()[1]
    poll_id = int(custom_id.split(":")[1])
    sent = await h.click(custom_id, message=poll)
    assert sent[0].ephemeral
    assert sent[0].text == f"poll={poll_id} choice=2"


async def test_dynamic_item_click_without_recorded_message_works_after_restart(
    h: DiscordHarness,
) -> None:
    sent = await h.click("vote:42:7")  # synthetic message, as after a bot restart
    assert sent[0].text == "poll=42 choice=7"


async def test_dynamic_item_callback_exception_is_surfaced(h: DiscordHarness) -> None:
    with pytest.raises(InteractionFailed, match="choice 0 does not exist"):
        await h.click("vote:1:0")


async def test_view_button_and_select_edit_the_message_in_place(h: DiscordHarness) -> None:
    message = (await h.slash("counter"))[0]
    first = await h.click("counter:inc", message=message)
    assert first[0].type == 7 and first[0].text == "count=1"
    assert first[0].message_id == message.message_id
    second = await h.click("counter:inc")  # finds the latest message carrying that custom_id
    assert second[0].text == "count=2"
    picked = await h.click("counter:pick", values=["10"])
    assert picked[0].text == "count=10"
    with pytest.raises(ValueError, match="no options"):
        await h.click("counter:pick", values=["7"])


async def test_begin_slash_lets_a_view_wait_be_answered_by_a_click(h: DiscordHarness) -> None:
    pending = await h.begin_slash("confirm")
    assert not pending.done()
    assert pending.sent[0].text == "Sure?"
    clicked = await h.click("confirm:yes")
    assert clicked[0].type == 7 and clicked[0].text == "Confirmed"
    sent = await pending.result()
    assert [s.text for s in sent] == ["Sure?", "value=True"]


async def test_waiting_handler_times_out_instead_of_hanging() -> None:
    async with DiscordHarness(make_bot(), timeout=0.2) as harness:
        with pytest.raises(InteractionTimeout):
            await harness.slash("confirm")


async def test_click_on_unknown_custom_id_fails_loudly(h: DiscordHarness) -> None:
    with pytest.raises(NoResponse, match="no handler"):
        await h.click("nobody:listens")
    message = (await h.slash("counter"))[0]
    with pytest.raises(ValueError, match="no component"):
        await h.click("missing", message=message)


async def test_dm_with_view_is_clicked_by_its_recipient_in_dm_context(h: DiscordHarness) -> None:
    bea = h.user(name="bea")
    await h.slash("dmview", user=bea)
    dm = next(s for s in h.sent if s.kind == "dm")
    assert dm.user_id == bea.id and dm.custom_ids() == ["dm:ack"]
    sent = await h.click("dm:ack", message=dm)
    assert sent[0].text == "ack from bea in DM=True"
