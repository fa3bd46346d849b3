"""The .ics export: instants, stable UIDs, all-day items, languages, hostile text, SEQUENCE."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta

from icalendar import Calendar

from bot.calendar import agenda_calendar, calendar_bytes, calendar_reply, session_uid
from bot.commands import dispatch
from bot.hub import Hub
from bot.programme import LocalText, Programme, Session
from bot.revisions import record_revisions
from tests.conftest import FORUM_MORNING, caller, text_of

HOSTILE = 'Ciudades, clima; "agua"\nsegunda línea \\ 🌍 مدن وسيطة @everyone <b>x</b>'


def events(data: bytes) -> dict[str, object]:
    """``{UID: VEVENT}`` of a parsed-back calendar."""
    cal = Calendar.from_ical(data)
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


def event_of(data: bytes, session_id: str) -> object:
    return next(e for uid, e in events(data).items() if uid.startswith(f"{session_id}."))


def test_a_cest_session_parses_back_with_its_utc_instants(programme: Programme) -> None:
    data = calendar_bytes(programme.sessions, programme, "en", now=FORUM_MORNING)
    hub = event_of(data, "hub-oct-6")
    # 12:00–12:45 CEST on 6 Oct 2021 is 10:00–10:45 UTC.
    assert hub["DTSTART"].dt == datetime(2021, 10, 6, 10, 0, tzinfo=UTC)  # type: ignore[index]
    assert hub["DTEND"].dt == datetime(2021, 10, 6, 10, 45, tzinfo=UTC)  # type: ignore[index]
    assert hub["DTSTAMP"].dt == FORUM_MORNING  # type: ignore[index]
    cal = Calendar.from_ical(data)
    assert str(cal["VERSION"]) == "2.0" and "l4a-bot" in str(cal["PRODID"])
    assert len(list(cal.walk("VEVENT"))) == len(programme.sessions)


async def test_a_reader_in_kathmandu_gets_the_same_instants(hub: Hub) -> None:
    await hub.store.set_zone("console", "ana", "Asia/Kathmandu")
    nepal = await calendar_reply(hub.context(caller("ana")), hub.programme.sessions, "a.ics")
    madrid = await calendar_reply(hub.context(caller("bo")), hub.programme.sessions, "b.ics")
    mine, theirs = events(nepal.attachments[0].data), events(madrid.attachments[0].data)
    assert mine.keys() == theirs.keys()
    for uid, event in mine.items():
        assert event["DTSTART"].dt == theirs[uid]["DTSTART"].dt  # type: ignore[index]
    assert Calendar.from_ical(nepal.attachments[0].data)["X-WR-TIMEZONE"] == "Asia/Kathmandu"
    assert Calendar.from_ical(madrid.attachments[0].data)["X-WR-TIMEZONE"] == "Europe/Madrid"


def test_uids_do_not_depend_on_order_export_time_or_other_sessions(
    programme: Programme,
) -> None:
    first = calendar_bytes(programme.sessions, programme, "en", now=FORUM_MORNING)
    later = FORUM_MORNING + timedelta(days=1)
    reordered = calendar_bytes(list(reversed(programme.sessions)), programme, "fr", now=later)
    fewer = calendar_bytes(programme.sessions[3:], programme, "es", now=later)
    assert events(first).keys() == events(reordered).keys()
    assert events(fewer).keys() < events(first).keys()
    uid = session_uid(programme.by_id["hub-oct-6"], programme)
    assert uid == "hub-oct-6.2021-10-05@l4a-bot.local4action-hub"
    assert len(events(first)) == len(programme.sessions)  # one UID per session, none shared


def test_untimed_items_are_all_day_events(programme: Programme) -> None:
    data = calendar_bytes(programme.sessions, programme, "en", now=FORUM_MORNING)
    visits = event_of(data, "field-visits")
    start, end = visits["DTSTART"].dt, visits["DTEND"].dt  # type: ignore[index]
    assert not isinstance(start, datetime) and start == date(2021, 10, 7)
    assert not isinstance(end, datetime) and end == date(2021, 10, 8)
    assert "VALUE=DATE" in data.decode().split("UID:field-visits")[0].rsplit("BEGIN:VEVENT")[-1]


def test_texts_follow_the_reader_language_and_fall_back_to_english(
    programme: Programme,
) -> None:
    session = programme.by_id["climate-dialogue"]
    no_french = dataclasses.replace(session, title=LocalText(es="Clima", en="Climate"))
    spanish = event_of(calendar_bytes([session], programme, "es", now=FORUM_MORNING), session.id)
    french = event_of(calendar_bytes([no_french], programme, "fr", now=FORUM_MORNING), session.id)
    assert str(spanish["SUMMARY"]) == session.title.es  # type: ignore[index]
    assert "Diálogo de alto nivel" in str(spanish["DESCRIPTION"])  # type: ignore[index]
    assert str(french["SUMMARY"]) == "Climate"  # type: ignore[index]
    assert str(spanish["LOCATION"]) == "Zoom"  # type: ignore[index]
    assert [str(c) for c in spanish["CATEGORIES"].cats] == ["Diálogo de alto nivel"]  # type: ignore[index]
    assert str(spanish["STATUS"]) == "CONFIRMED"  # type: ignore[index]


def hostile_session(programme: Programme) -> Session:
    slot = programme.by_id["hub-oct-6"]
    same = LocalText(es=HOSTILE, en=HOSTILE, fr=HOSTILE)
    return dataclasses.replace(
        slot, id="proposal-7", title=same, summary=same, host=f"{HOSTILE} (Org; a, b)"
    )


def test_hostile_proposal_text_round_trips(programme: Programme) -> None:
    session = hostile_session(programme)
    data = calendar_bytes([session], programme.with_sessions([session]), "en", now=FORUM_MORNING)
    event = event_of(data, "proposal-7")
    assert str(event["SUMMARY"]) == HOSTILE  # type: ignore[index]
    description = str(event["DESCRIPTION"])  # type: ignore[index]
    assert HOSTILE in description and f"hosted by {HOSTILE} (Org; a, b)" in description
    assert max(len(line) for line in data.split(b"\r\n")) <= 75  # folded lines, in octets


async def test_sequence_grows_only_when_what_a_calendar_shows_changes(
    hub: Hub, programme: Programme
) -> None:
    session = programme.by_id["hub-oct-6"]
    db = hub.store.database
    first = await record_revisions(db, [session], programme, FORUM_MORNING)
    again = await record_revisions(db, [session], programme, FORUM_MORNING + timedelta(hours=1))
    assert first[session.id].sequence == again[session.id].sequence == 0
    assert again[session.id].changed_at == FORUM_MORNING
    moved = dataclasses.replace(session, starts_at=session.starts_at + timedelta(minutes=15))  # type: ignore[operator]
    later = FORUM_MORNING + timedelta(hours=2)
    bumped = await record_revisions(db, [moved], programme, later)
    assert bumped[session.id].sequence == 1 and bumped[session.id].changed_at == later
    data = calendar_bytes([moved], programme, "en", now=later, revisions=bumped)
    event = event_of(data, session.id)
    assert event["SEQUENCE"] == 1 and event["LAST-MODIFIED"].dt == later  # type: ignore[index]
    retitled = dataclasses.replace(moved, title=LocalText(es="Nuevo", en="New"))
    assert (await record_revisions(db, [retitled], programme, later))[session.id].sequence == 2


async def test_ics_all_command_answers_privately_with_a_calendar_file(hub: Hub) -> None:
    reply = await dispatch(hub, caller(), "/", "ics", "all")
    assert reply.ok and reply.private
    [attachment] = reply.attachments
    assert attachment.mime == "text/calendar" and attachment.filename.endswith(".ics")
    assert len(events(attachment.data)) == len(hub.programme.sessions)
    assert "Your calendar file, 12 sessions:" in text_of(reply)


async def test_ics_with_an_unknown_word_says_how_to_use_it(hub: Hub) -> None:
    reply = await dispatch(hub, caller(), "/", "ics", "everything please")
    assert not reply.ok and not reply.attachments
    assert "/ics all" in text_of(reply)


async def test_an_empty_list_of_sessions_gives_no_file(hub: Hub) -> None:
    reply = await calendar_reply(hub.context(caller()), [], "x.ics")
    assert not reply.ok and not reply.attachments


async def test_an_agenda_calendar_holds_only_the_given_sessions_under_its_own_name(
    hub: Hub,
) -> None:
    followed = [hub.programme.by_id["hub-oct-6"], hub.programme.by_id["closing"]]
    reply = await agenda_calendar(hub.context(caller("eva", locale="es-ES")), followed)
    [attachment] = reply.attachments
    assert attachment.filename == "mi-agenda-local4action.ics"
    cal = Calendar.from_ical(attachment.data)
    assert str(cal["X-WR-CALNAME"]) == "Mi agenda · LOCAL4ACTION Hub"
    assert {str(e["UID"]).split(".")[0] for e in cal.walk("VEVENT")} == {"hub-oct-6", "closing"}
