"""Calendar alarms: every .ics given to a person reminds them at their own lead (VALARM)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from icalendar import Calendar

from bot.calendar import calendar_bytes
from bot.clock import FrozenClock
from bot.commands import dispatch
from bot.config import Config
from bot.hub import Hub
from bot.programme import Programme
from tests.conftest import FORUM_MORNING
from tests.support.announce import FakeOutbox, person, running_bot


@pytest.fixture
async def bot(programme: Programme, db_path: Path, clock: FrozenClock) -> AsyncIterator[Hub]:
    async with running_bot(Config(), programme, db_path, clock, FakeOutbox()) as hub:
        yield hub


async def _ics(hub: Hub, user: str, args: str = "") -> Calendar:
    reply = await dispatch(hub, person(user), "/", "ics", args)
    [attachment] = reply.attachments
    return Calendar.from_ical(attachment.data)


def _alarms(cal: Calendar) -> dict[str, list[object]]:
    """``{session id: [VALARM…]}`` of every event."""
    return {
        str(e["UID"]).split(".")[0]: [c for c in e.subcomponents if c.name == "VALARM"]
        for e in cal.walk("VEVENT")
    }


async def test_my_calendar_carries_an_alarm_at_each_follows_own_lead(bot: Hub) -> None:
    await dispatch(bot, person("ana"), "/", "remind", "hub-oct-6 25")
    await dispatch(bot, person("ana"), "/", "remind", "kind:high_level_dialogue 10")
    alarms = _alarms(await _ics(bot, "ana"))
    [hub_alarm] = alarms["hub-oct-6"]
    assert str(hub_alarm["ACTION"]) == "DISPLAY"
    assert hub_alarm["TRIGGER"].dt == timedelta(minutes=-25)  # type: ignore[index]
    assert "starts in 25 minutes" in str(hub_alarm["DESCRIPTION"])
    dialogues = [s.id for s in bot.programme.sessions if s.kind == "high_level_dialogue"]
    for sid in dialogues:
        [alarm] = alarms[sid]
        assert alarm["TRIGGER"].dt == timedelta(minutes=-10)  # type: ignore[index]


async def test_a_session_follow_sets_its_alarm_over_a_kind_or_all_follow(bot: Hub) -> None:
    await dispatch(bot, person("bo"), "/", "remind", "all 5")
    await dispatch(bot, person("bo"), "/", "remind", "closing 0")
    alarms = _alarms(await _ics(bot, "bo"))
    [closing] = alarms["closing"]
    assert closing["TRIGGER"].dt == timedelta(0)  # type: ignore[index]
    assert "starts now" in str(closing["DESCRIPTION"])
    [hub_alarm] = alarms["hub-oct-6"]
    assert hub_alarm["TRIGGER"].dt == timedelta(minutes=-5)  # type: ignore[index]


async def test_the_whole_programme_has_alarms_only_on_the_sessions_one_follows(bot: Hub) -> None:
    await dispatch(bot, person("eva"), "/", "remind", "closing 15")
    alarms = _alarms(await _ics(bot, "eva", "all"))
    assert len(alarms) == len(bot.programme.sessions)
    assert [a["TRIGGER"].dt for a in alarms.pop("closing")] == [timedelta(minutes=-15)]  # type: ignore[index]
    assert all(not a for a in alarms.values())
    # someone following nothing gets the programme without any alarm
    assert all(not a for a in _alarms(await _ics(bot, "nobody", "all")).values())


async def test_alarm_texts_are_in_the_readers_language(bot: Hub) -> None:
    await bot.store.set_language("console", "fe", "fr")
    await dispatch(bot, person("fe"), "/", "remind", "closing 30")
    [alarm] = _alarms(await _ics(bot, "fe"))["closing"]
    assert "commence dans 30 minutes" in str(alarm["DESCRIPTION"])


def test_untimed_sessions_never_get_an_alarm(programme: Programme) -> None:
    leads = {"field-visits": 10, "closing": 10}
    data = calendar_bytes(programme.sessions, programme, "en", now=FORUM_MORNING, leads=leads)
    alarms = _alarms(Calendar.from_ical(data))
    assert alarms["field-visits"] == [] and len(alarms["closing"]) == 1
