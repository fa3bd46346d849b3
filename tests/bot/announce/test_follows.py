"""Following sessions from a text front: /remind, /reminders, /unremind, /agenda."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.announce.follows import followed_sessions, parse_lead
from bot.clock import FrozenClock
from bot.commands import dispatch
from bot.config import Config
from bot.hub import Hub
from bot.programme import Programme
from tests.conftest import text_of
from tests.support.announce import FakeOutbox, person, running_bot

pytestmark = pytest.mark.both_backends


@pytest.fixture
async def bot(programme: Programme, db: Path | str, clock: FrozenClock) -> AsyncIterator[Hub]:
    async with running_bot(Config(), programme, db, clock, FakeOutbox()) as hub:
        yield hub


async def _say(hub: Hub, user: str, command: str, args: str = "") -> str:
    reply = await dispatch(hub, person(user), "/", command, args)
    return text_of(reply)


@pytest.mark.parametrize(
    ("text", "minutes"), [("15", 15), ("15m", 15), ("15 min", 15), ("1h", 60), ("soon", None)]
)
def test_a_lead_is_read_in_minutes_or_hours(text: str, minutes: int | None) -> None:
    assert parse_lead(text) == minutes


async def test_follow_a_session_by_words_with_a_lead_then_list_and_stop(bot: Hub) -> None:
    done = await _say(bot, "ana", "remind", "equal territories 30")
    assert "Intermediary Cities for Equal Territories, 30 minutes before the start" in done
    listing = await _say(bot, "ana", "reminders")
    assert "30 minutes · opening-plenary" in listing
    assert "no more reminders" in await _say(bot, "ana", "unremind", "opening-plenary")
    assert "You follow nothing yet" in await _say(bot, "ana", "reminders")


async def test_follow_a_kind_or_everything_and_see_the_agenda_in_your_zone(bot: Hub) -> None:
    kind = await _say(bot, "kai", "remind", "kind:high_level_dialogue")
    assert "every session of kind “High-level dialogue”" in kind and "still to come: 2" in kind
    await _say(bot, "kai", "timezone", "kiritimati")
    agenda = await _say(bot, "kai", "agenda")
    assert "Caring Economies" in agenda and "UTC+14:00" in agenda
    assert "climate-dialogue" not in agenda  # day 1 is over
    everything = await _say(bot, "kai", "remind", "all")
    assert "every session" in everything
    sessions = await followed_sessions(bot, "console", "kai")
    assert len(sessions) == len([s for s in bot.programme.sessions if s.starts_at])
    assert await followed_sessions(bot, "discord", "kai") == []


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("", "needs more: /remind <what> [lead]"),
        ("kind:banquet", "I don't know the kind “banquet”"),
        ("climate-dialogue", "has already started"),
        ("field-visits", "has no start time"),
        ("quantum knitting", "No session matches “quantum knitting”. /schedule shows every"),
        ("hub-oct-8 9999", "between 0 and 1440 minutes"),
        ("hub-oct-8 -5", "between 0 and 1440 minutes"),
        ("hub-oct-8 99999", "between 0 and 1440 minutes"),
    ],
)
async def test_remind_explains_what_it_cannot_do(bot: Hub, args: str, expected: str) -> None:
    reply = await dispatch(bot, person("ana"), "/", "remind", args)
    assert not reply.ok and expected in text_of(reply)


async def test_unremind_says_when_a_session_is_followed_through_a_kind(bot: Hub) -> None:
    await _say(bot, "ana", "remind", "kind:plenary")
    answer = await _say(bot, "ana", "unremind", "opening-plenary")
    assert "You do not follow" in answer and "covered by a kind" in answer
    assert "(1)" in await _say(bot, "ana", "unremind", "all")


async def test_reminder_commands_answer_in_spanish(bot: Hub) -> None:
    await _say(bot, "eva", "language", "es")
    assert "te recordaré en privado" in await _say(bot, "eva", "remind", "hub-oct-8")
    assert "Tu agenda" in await _say(bot, "eva", "agenda")


def test_an_unknown_kind_in_the_config_is_refused() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="unknown kind"):
        Config.model_validate({"announcements": {"kind_leads": {"banquet": [5]}}})


async def test_ics_without_argument_is_the_calendar_of_what_you_follow(bot: Hub) -> None:
    from icalendar import Calendar

    empty = await dispatch(bot, person("ana"), "/", "ics", "")
    assert not empty.ok and not empty.attachments
    assert "You follow no session yet" in text_of(empty) and "/ics all" in text_of(empty)

    await _say(bot, "ana", "remind", "kind:high_level_dialogue")
    mine = await dispatch(bot, person("ana"), "/", "ics", "")
    [attachment] = mine.attachments
    assert mine.private and attachment.filename == "my-agenda-local4action.ics"
    cal = Calendar.from_ical(attachment.data)
    followed = {s.id for s in await followed_sessions(bot, "console", "ana")}
    assert {str(e["UID"]).split(".")[0] for e in cal.walk("VEVENT")} == followed
    assert "My agenda" in str(cal["X-WR-CALNAME"])


async def test_a_reminder_whose_time_has_passed_is_not_promised(
    bot: Hub, clock: FrozenClock
) -> None:
    start = bot.programme.by_id["hub-oct-6"].starts_at
    assert start is not None
    clock.set(start - timedelta(minutes=5))
    answer = await _say(bot, "ana", "remind", "hub-oct-6")
    assert "10 minutes before the start" not in answer
    assert "starts in 5 minutes" in answer and "/remind hub-oct-6 0" in answer
    assert "hub-oct-6" in await _say(bot, "ana", "agenda")  # still followed
    at_start = await _say(bot, "ana", "remind", "hub-oct-6 0")
    assert "when it starts" in at_start and "starts in" not in at_start


async def test_a_reminder_for_all_says_how_many_more_sessions_it_covers_than_it_lists(
    bot: Hub,
) -> None:
    answer = await _say(bot, "ana", "remind", "all")
    count = int(answer.split("still to come: ")[1].split(".")[0])
    listed = sum(1 for line in answer.splitlines() if line.strip().startswith("•"))
    assert count > listed
    assert f"and {count - listed} more" in answer and "/agenda" in answer


async def test_the_agenda_counts_one_session_that_is_over_in_the_singular(bot: Hub) -> None:
    await _say(bot, "kai", "remind", "kind:high_level_dialogue")  # day 1's is over
    assert "1 session you follow is over and not shown." in await _say(bot, "kai", "agenda")
    await _say(bot, "eva", "language", "es")
    await _say(bot, "eva", "remind", "kind:high_level_dialogue")
    assert "1 sesión que sigues ya ha terminado y no se muestra." in await _say(
        bot, "eva", "agenda"
    )
    await _say(bot, "luc", "language", "fr")
    await _say(bot, "luc", "remind", "kind:high_level_dialogue")
    assert "1 session suivie terminée, non affichée." in await _say(bot, "luc", "agenda")


async def test_remind_all_names_the_session_too_close_for_its_reminder(
    bot: Hub, clock: FrozenClock
) -> None:
    start = bot.programme.by_id["hub-oct-6"].starts_at
    assert start is not None
    clock.set(start - timedelta(minutes=5))
    answer = await _say(bot, "ana", "remind", "all")
    assert "10 minutes before the start" in answer  # the rest of the sessions
    assert "Too late for a reminder of LOCAL4ACTION Hub · Open space on Wonder" in answer
    assert "starts in 5 minutes" in answer
    later = await _say(bot, "bea", "remind", "all 1")
    assert "Too late" not in later


@pytest.fixture
async def big_bot(
    big_programme: Programme, db: Path | str, clock: FrozenClock
) -> AsyncIterator[Hub]:
    async with running_bot(Config(), big_programme, db, clock, FakeOutbox()) as hub:
        yield hub


async def test_following_all_of_a_thousand_sessions_pages_the_agenda(
    big_bot: Hub, clock: FrozenClock
) -> None:
    now = clock.now()
    coming = [s for s in big_bot.programme.sessions if s.ends_at and s.ends_at > now]
    pages = -(-len(coming) // 10)
    assert pages > 50
    await _say(big_bot, "ana", "remind", "all")
    first = await _say(big_bot, "ana", "agenda")
    assert first.count("  • ") == 10
    assert f"Page 1 of {pages} · next page: /agenda page:2" in first
    second = await _say(big_bot, "ana", "agenda", "page:2")
    assert second.count("  • ") == 10 and f"Page 2 of {pages}" in second
    beyond = await _say(big_bot, "ana", "agenda", f"page:{pages + 1}")
    assert f"There is no page {pages + 1} here: the last page is {pages}." in beyond
    refused = await _say(big_bot, "ana", "agenda", "tomorrow")
    assert "/agenda does not take “tomorrow”: /agenda [page:…]" in refused


@pytest.mark.parametrize("args", ["opening-plenary 30 dm", "opening-plenary dm 30"])
async def test_remind_dm_asks_for_a_private_message_and_survives_a_restart(
    bot: Hub, args: str
) -> None:
    done = await _say(bot, "ana", "remind", args)
    assert "30 minutes before the start" in done and "private message" in done
    (follow,) = bot.announcer.follows_of("console", "ana")  # type: ignore[union-attr]
    assert follow.dm and follow.lead_minutes == 30 and follow.target == "opening-plenary"
    (saved,) = await bot.announcer.repo.follows()  # type: ignore[union-attr]
    assert saved.dm
    assert "· opening-plenary dm" in await _say(bot, "ana", "reminders")
    # following again without ``dm`` goes back to the session's own delivery
    await _say(bot, "ana", "remind", "opening-plenary 30")
    (saved,) = await bot.announcer.repo.follows()  # type: ignore[union-attr]
    assert not saved.dm
