"""An imported programme's sessions show at the right instants in ``/next``, ``/session``,
announcements and the ``.ics``, with their speakers, type and track; speakers can be searched
and tracks followed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import icalendar
import pytest

from bot import agenda
from bot.announce import texts
from bot.announce.follows import parse_target
from bot.app import build_app
from bot.calendar import calendar_bytes
from bot.clock import FrozenClock
from bot.config import Config
from bot.hub import Hub
from bot.interchange import import_bytes
from bot.programme import Programme
from bot.store import Store
from tests.conftest import caller, text_of
from tests.support import frab

BEFORE = datetime(2021, 10, 5, 13, 0, tzinfo=UTC)  # 09:00 in New York


@pytest.fixture
def imported() -> Programme:
    return import_bytes(frab.frab_xml(), "democon.xml").programme


@pytest.fixture
async def ny_hub(tmp_path: Path, imported: Programme, config: Config) -> AsyncIterator[Hub]:
    clock = FrozenClock(BEFORE)
    store = await Store.open(tmp_path / "db.sqlite3", clock)
    try:
        async with build_app(config, imported, store, clock) as hub:
            yield hub
    finally:
        await store.close()


async def test_next_and_session_show_speakers_type_and_the_instant(ny_hub: Hub) -> None:
    await ny_hub.store.set_zone("console", "ana", "Europe/Madrid")
    ctx = ny_hub.context(caller("ana"))
    text = text_of(agenda.next_sessions(ctx, 3))
    assert "4:00 PM–5:00 PM CEST · Opening · lecture · Hall A & B" in text
    details = text_of(agenda.session_details(ctx, "late night"))
    assert "Speakers:" not in details  # none for this one
    assert "lecture · Security" in details
    assert "Oct 6, 6:30 AM–7:15 AM CEST" in details  # 00:30 New York
    opening = text_of(agenda.session_details(ctx, "opening"))
    assert "Speakers: Ana Ruiz, Bo Li" in opening
    assert "Language: English" in opening
    assert "https://democon.example/talk/1" in opening


async def test_speakers_are_found_by_session_search(ny_hub: Hub) -> None:
    ctx = ny_hub.context(caller("ana"))
    found = ctx.programme.find("bo li")
    assert [s.title.en for s in found] == ["Opening"]


async def test_a_track_can_be_followed_by_its_name(ny_hub: Hub) -> None:
    ctx = ny_hub.context(caller("ana"))
    assert parse_target(ctx, "kind:Security") == ("kind", "security")
    assert parse_target(ctx, "kind:workshop") == ("kind", "workshop")


async def test_announcement_names_the_speakers(ny_hub: Hub) -> None:
    session = next(s for s in ny_hub.programme.sessions if s.title.en == "Opening")
    ctx = texts.channel_ctx(ny_hub, "console", "general", BEFORE)
    assert "with Ana Ruiz, Bo Li" in text_of(texts.announcement(ctx, session))


def test_ics_gives_the_instants_and_the_speakers(imported: Programme) -> None:
    cal = icalendar.Calendar.from_ical(
        calendar_bytes(imported.sessions, imported, "en", now=BEFORE)
    )
    events = {str(e["SUMMARY"]): e for e in cal.walk("VEVENT")}
    late = events["Late night"]
    assert late.decoded("DTSTART") == datetime(2021, 10, 6, 4, 30, tzinfo=UTC)
    opening = events["Opening"]
    assert "with Ana Ruiz, Bo Li" in str(opening["DESCRIPTION"])
    assert str(opening["URL"]) == "https://democon.example/talk/1"
    assert "lecture" in str(opening["CATEGORIES"].to_ical().decode())


async def test_a_day_without_title_is_headed_by_its_date_once(ny_hub: Hub) -> None:
    ctx = ny_hub.context(caller("ana"))
    text = text_of(agenda.schedule(ctx, "2021-10-06"))
    assert text.splitlines()[0] == "Wednesday, October 6, 2021"
    assert "No sessions are scheduled for this day." in text  # the empty day
