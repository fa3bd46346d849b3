"""Discord with a programme of 1,000 sessions in 16 rooms, through real discord.py dispatch: every
reply within one message of 2,000 characters (never cut), /schedule and /now options with
autocomplete, and autocomplete within Discord's limits."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from bot import listing
from bot.clock import FrozenClock
from bot.hub import Hub
from tests.support.discord_harness import DiscordHarness, Sent

LIMIT, CHOICES_MAX, CHOICE_MAX = 2000, 25, 100
MIDDAY = datetime(2021, 10, 6, 12, 0, tzinfo=UTC)  # 14:00 CEST: about 20 sessions on now


def _replies(sent: list[Sent]) -> list[str]:
    texts = [s.content for s in sent if s.kind in ("interaction_response", "followup")]
    assert texts and all(len(t) <= LIMIT for t in texts)
    return texts


def _listed(text: str) -> list[str]:
    """The session lines; each ends with its id (a cut line would not)."""
    lines = [line for line in text.splitlines() if line.startswith("- ")]
    assert all(re.search(r"\\\[[\w-]+\\\]$", line) for line in lines), "a line was cut"
    return lines


def _within_limits(choices: list[dict[str, object]]) -> None:
    assert len(choices) <= CHOICES_MAX
    for c in choices:
        assert 1 <= len(str(c["name"])) <= CHOICE_MAX and len(str(c["value"])) <= CHOICE_MAX


async def test_next_fits_one_message_with_twenty_sessions_on_now(
    big_hub: Hub, discord_bot: DiscordHarness, clock: FrozenClock
) -> None:
    clock.set(MIDDAY)
    [text] = _replies(await discord_bot.slash("next"))
    hidden = len(big_hub.programme.ongoing(MIDDAY)) - 5
    assert f"…and {hidden} more sessions on now: /now lists them page by page, /now room:" in text
    assert len(_listed(text)) <= 5 + 3 + 3


async def test_next_ten_is_never_cut(
    big_hub: Hub, discord_bot: DiscordHarness, clock: FrozenClock
) -> None:
    clock.set(MIDDAY)
    texts = _replies(await discord_bot.slash("next", {"count": 10}))
    assert len(texts) <= 2
    assert sum(len(_listed(t)) for t in texts) == 5 + 10 + 1  # on now, coming up, also today


async def test_a_spanish_client_is_pointed_to_its_own_command_and_option_names(
    big_hub: Hub, discord_bot: DiscordHarness, clock: FrozenClock
) -> None:
    clock.set(MIDDAY)
    eva = discord_bot.user(name="eva", locale="es-ES")
    [text] = _replies(await discord_bot.slash("next", user=eva))
    assert re.search(r"/ahora las muestra página a página, /ahora sala:room-\d\d las de", text)
    [page] = _replies(await discord_bot.slash("schedule", {"day": "2"}, user=eva))
    assert "página siguiente: `/programa dia:2021-10-06 pagina:2`" in page


async def test_schedule_pages_a_day_of_250_sessions_one_message_each(
    big_hub: Hub, discord_bot: DiscordHarness
) -> None:
    [first] = _replies(await discord_bot.slash("schedule", {"day": "2"}))
    assert len(_listed(first)) == listing.PAGE_SIZE
    assert "Page 1 of 25 · next page: `/schedule day:2021-10-06 page:2`" in first
    [second] = _replies(await discord_bot.slash("schedule", {"day": "2021-10-06", "page": 2}))
    assert "Page 2 of 25" in second and set(_listed(first)).isdisjoint(_listed(second))


async def test_schedule_room_and_kind_options_filter(
    big_hub: Hub, discord_bot: DiscordHarness
) -> None:
    [text] = _replies(
        await discord_bot.slash("schedule", {"day": "2", "room": "room-05", "kind": "open_space"})
    )
    lines = _listed(text)
    assert lines and all("Open space" in line and "Room 5" in line for line in lines)
    assert "Only: Room 5 · Open space" in text


async def test_a_room_typed_without_autocomplete_is_read_by_name(
    big_hub: Hub, discord_bot: DiscordHarness
) -> None:
    [text] = _replies(await discord_bot.slash("schedule", {"day": "2", "room": "Room 16"}))
    assert _listed(text) and "Only: Room 16" in text
    [refused] = _replies(await discord_bot.slash("schedule", {"day": "2", "room": "attic"}))
    assert "I don't know the room “attic”." in refused


async def test_a_page_past_the_end_is_refused_clearly(
    big_hub: Hub, discord_bot: DiscordHarness
) -> None:
    [text] = _replies(await discord_bot.slash("schedule", {"day": "1", "page": 40}))
    assert "There is no page 40 here: the last page is 25." in text


async def test_now_is_paged_and_filtered(
    big_hub: Hub, discord_bot: DiscordHarness, clock: FrozenClock
) -> None:
    clock.set(MIDDAY)
    [text] = _replies(await discord_bot.slash("now"))
    assert len(_listed(text)) == listing.PAGE_SIZE and "next page: `/now page:2`" in text
    [page] = _replies(await discord_bot.slash("now", {"page": 2}))
    assert "Page 2 of" in page
    room = big_hub.programme.ongoing(MIDDAY)[0].places[0]
    [only] = _replies(await discord_bot.slash("now", {"room": room}))
    name = big_hub.programme.places[room].name.get("en")
    assert _listed(only) and all(name in line for line in _listed(only))


@pytest.mark.parametrize("command", ["schedule", "now"])
async def test_room_autocomplete_offers_the_rooms_within_limits(
    big_hub: Hub, discord_bot: DiscordHarness, command: str
) -> None:
    every = await discord_bot.autocomplete(command, {"room": ""}, "room")
    _within_limits(every)
    assert len(every) == len(big_hub.programme.places)
    three = await discord_bot.autocomplete(command, {"room": "3"}, "room")
    assert [c["value"] for c in three] == ["room-03"]
    spanish = discord_bot.user(name="eva", locale="es-ES")
    sala = await discord_bot.autocomplete(command, {"room": "sala 1"}, "room", user=spanish)
    assert sala[0] == {"name": "Sala 1", "value": "room-01"}


async def test_kind_autocomplete_reads_any_language(
    big_hub: Hub, discord_bot: DiscordHarness
) -> None:
    choices = await discord_bot.autocomplete("schedule", {"kind": "plén"}, "kind")
    assert choices == [{"name": "Plenary", "value": "plenary"}]
    _within_limits(await discord_bot.autocomplete("schedule", {"kind": ""}, "kind"))


@pytest.mark.parametrize("typed", ["", "c", "clima", "sesion 12", "session 999", "xyzzy"])
async def test_session_and_remind_autocomplete_stay_within_limits(
    big_hub: Hub, discord_bot: DiscordHarness, typed: str
) -> None:
    _within_limits(await discord_bot.autocomplete("session", {"query": typed}, "query"))
    _within_limits(await discord_bot.autocomplete("remind", {"what": typed}, "what"))


async def test_session_autocomplete_finds_one_of_a_thousand(
    big_hub: Hub, discord_bot: DiscordHarness
) -> None:
    choices = await discord_bot.autocomplete("session", {"query": "session 999"}, "query")
    assert choices[0]["value"] == "gen-0999"
