"""The same user scenarios, run on every front: the console, Discord through real discord.py
dispatch, and Matrix through a real Synapse."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from bot.clock import FrozenClock
from bot.hub import Hub
from tests.fronts_under_test import Front, open_front

pytestmark = pytest.mark.both_backends

FRONTS = ["console", "discord", "matrix"]


@pytest.fixture(params=FRONTS)
async def front(request: pytest.FixtureRequest, hub: Hub) -> AsyncIterator[Front]:
    env = request.getfixturevalue("matrix_env") if request.param == "matrix" else None
    async with open_front(request.param, hub, env) as f:
        yield f


def _personal(answer_private: bool | None) -> None:
    assert answer_private in (True, None), "a personal answer was shown to everyone"


async def test_new_participant_sets_kathmandu_and_sees_local_times(front: Front) -> None:
    first = await front.say("ana", "next")
    assert "12:00 PM–12:45 PM CEST" in first.text and "hub-oct-6" in first.text
    assert "programme's zone" in first.text
    _personal(first.private)

    zone = await front.say("ana", "timezone", "asia/kathmandu")
    assert "Time zone set to Asia/Kathmandu (UTC+05:45)" in zone.text

    again = await front.say("ana", "next")
    assert "3:45 PM–4:30 PM UTC+05:45" in again.text
    assert "5:15 PM–7:15 PM UTC+05:45" in again.text
    assert "Times are in your zone: Asia/Kathmandu (UTC+05:45)" in again.text


async def test_settings_belong_to_one_participant(front: Front) -> None:
    await front.say("ana", "timezone", "Pacific/Kiritimati")
    other = await front.say("bea", "next", "1")
    assert "12:00 PM–12:45 PM CEST" in other.text


async def test_a_session_after_local_midnight_shows_its_local_date(front: Front) -> None:
    await front.say("kai", "timezone", "kiritimati")
    answer = await front.say("kai", "schedule", "2")
    assert "Thu, Oct 7, 4:00 AM–5:30 AM UTC+14:00" in answer.text


async def test_spanish_speaker_reads_day_four_in_spanish(front: Front) -> None:
    confirm = await front.say("eva", "language", "es")
    assert "A partir de ahora te responderé en español." in confirm.text
    day = await front.say("eva", "schedule", "4")
    assert "Día 4" in day.text and "13:30–15:30 CEST" in day.text
    assert "Diálogo de alto nivel" in day.text


async def test_a_long_day_of_a_big_programme_is_paged_by_room(front: Front, big_hub: Hub) -> None:
    # 1,000 sessions in 16 rooms: day 2 in Room 3 takes more than one page.
    first = await front.say("ana", "schedule", "2", "room:3")
    assert "Only: Room 3" in first.text and "Page 1 of 2" in first.text
    assert "next page:" in first.text and "page:2" in first.text
    second = await front.say("ana", "schedule", "2", "room:3", "page:2")
    assert "Page 2 of 2" in second.text and "next page" not in second.text
    ids = set(re.findall(r"gen-\d{4}", first.text)) & set(re.findall(r"gen-\d{4}", second.text))
    assert not ids, "a session shows on both pages"
    refused = await front.say("ana", "schedule", "2", "room:3", "page:9")
    assert "There is no page 9 here: the last page is 2." in refused.text
    _personal(second.private)


async def test_session_details_carry_key_statements_and_how_to_join(front: Front) -> None:
    answer = await front.say("ana", "session", "climate-dialogue")
    assert "Key statements" in answer.text and "Zoom" in answer.text
    assert "Session id: climate-dialogue" in answer.text
    _personal(answer.private)


@pytest.mark.parametrize(
    ("command", "args", "expected"),
    [
        ("timezone", ("xyzzy",), "I don't know the time zone “xyzzy”."),
        ("timezone", ("IST",), "can mean several time zones"),
        ("schedule", ("someday",), "I can't read “someday” as a forum day."),
        ("schedule", ("2021-10-12",), "the forum runs from"),
        ("session", ("quantum knitting",), "No session matches “quantum knitting”."),
        ("language", ("fr",), "Désormais, je vous répondrai en français."),
    ],
)
async def test_answers_to_odd_input_are_specific(
    front: Front, command: str, args: tuple[str, ...], expected: str
) -> None:
    answer = await front.say("ana", command, *args)
    assert expected in answer.text
    _personal(answer.private)


async def test_help_lists_the_commands(front: Front) -> None:
    answer = await front.say("ana", "help")
    for name in ("next", "now", "schedule", "session", "timezone", "language"):
        assert f"{front.prefix}{name}" in answer.text


# -- open-space proposals ----------------------------------------------------------------------
PROPOSAL = {
    "host_name": "Ana Pérez",
    "organisation": "Municipalidad de Chefchaouen, Marruecos",
    "title": "@everyone <script>alert(1)</script> **Agua**",
    "description": "Un taller sobre la gestión del agua: qué, por qué y qué nos llevamos.",
    "slot": "hub-oct-6",
    "language": "es",
    "capitals": "social,environmental",
    "format": "workshop",
    "cohosts": "",
    "email": "ana@example.org",
}


async def test_a_host_proposes_a_moderator_approves_and_it_shows_in_next(front: Front) -> None:
    await front.say("ana", "timezone", "asia/kathmandu")
    receipt = await front.propose("ana", PROPOSAL)
    assert "Thank you! Your proposal #1 is saved" in receipt.text
    assert "Session title: @everyone <script>alert(1)</script> **Agua**" in receipt.text
    assert "Preferred slot: Wed, Oct 6 · 3:45 PM–4:30 PM UTC+05:45" in receipt.text
    _personal(receipt.private)

    approved = await front.moderate("moderator", "approve", 1)
    assert "Approved: proposal #1" in approved.text
    (told,) = front.told("ana")
    assert "Good news: your proposal #1 is approved" in told
    assert "@everyone <script>alert(1)</script> **Agua**" in told

    shown = await front.say("ana", "next")
    line = next(x for x in shown.text.splitlines() if "<script>" in x)
    assert "3:45 PM–4:30 PM UTC+05:45" in line and "@everyone <script>alert(1)</script>" in line
    assert "hosted by Ana Pérez (Municipalidad de Chefchaouen, Marruecos)" in line


async def test_a_rejection_reaches_the_host_with_its_reason(front: Front) -> None:
    await front.propose("ana", PROPOSAL)
    rejected = await front.moderate("moderator", "reject", 1, "Ya hay una sesión sobre el agua.")
    assert "Rejected: proposal #1" in rejected.text
    (told,) = front.told("ana")
    assert "Your proposal #1 was not accepted" in told
    assert "Ya hay una sesión sobre el agua." in told
    mine = await front.say("ana", "myproposals")
    assert "#1" in mine.text and "not accepted" in mine.text


async def test_the_same_title_twice_is_refused_with_everything_kept(front: Front) -> None:
    await front.propose("ana", PROPOSAL)
    again = await front.propose("ana", {**PROPOSAL, "title": PROPOSAL["title"].upper()})
    assert "you already proposed “@everyone <script>alert(1)</script> **Agua**” #1" in again.text
    assert "Everything you typed is kept" in again.text


async def test_only_moderators_export_or_close_the_form(front: Front) -> None:
    export = await front.say("ana", "proposals", "export")
    assert "Only the Hub's moderators can export the proposals." in export.text
    close = await front.say("ana", "proposals", "close")
    assert "Only the Hub's moderators can open or close the proposal form." in close.text
    status = await front.say("ana", "proposals", "status")
    assert "The proposal form is open." in status.text


# -- announcements and reminders ---------------------------------------------------------------
@pytest.fixture(params=FRONTS)
async def announcing(request: pytest.FixtureRequest, hub: Hub) -> AsyncIterator[Front]:
    announcer = hub.announcer
    env = request.getfixturevalue("matrix_env") if request.param == "matrix" else None
    async with open_front(request.param, hub, env) as f:
        await announcer.start()  # Discord's cog and the Matrix bot have started it already
        yield f


async def test_a_follower_is_reminded_privately_in_their_zone(
    announcing: Front, hub: Hub, clock: FrozenClock
) -> None:
    await announcing.say("ana", "timezone", "asia/kathmandu")
    done = await announcing.say("ana", "remind", "opening-plenary")
    assert "I'll remind you privately of Intermediary Cities for Equal Territories" in done.text
    _personal(done.private)
    assert announcing.told("ana") == []
    clock.set(datetime(2021, 10, 6, 11, 20, tzinfo=UTC))  # 13:20 CEST, ten minutes before
    assert hub.announcer is not None
    await hub.announcer.deliver_due()
    (told,) = announcing.told("ana")
    assert "Reminder: starting in 10 minutes" in told
    assert "5:15 PM–7:15 PM UTC+05:45" in told and "Zoom" in told
    agenda = await announcing.say("ana", "agenda")
    assert "Your agenda" in agenda.text and "5:15 PM–7:15 PM UTC+05:45" in agenda.text
    _personal(agenda.private)


async def test_reminders_list_and_stop(announcing: Front) -> None:
    await announcing.say("bea", "remind", "kind:high_level_dialogue")
    listing = await announcing.say("bea", "reminders")
    assert "every session of kind “High-level dialogue” · 10 minutes" in listing.text
    stopped = await announcing.say("bea", "unremind", "all")
    assert "all your reminders are stopped (1)" in stopped.text
    refused = await announcing.say("bea", "reload")
    assert "Only moderators can reload the programme." in refused.text
