"""A programme of 1,000 sessions in 16 rooms (about 20 at once) through /next, /now and
/schedule: bounded lists, pages that name the command for the next one, room and kind filters."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from bot import agenda, listing
from bot.clock import FrozenClock
from bot.commands import dispatch, parse_line
from bot.hub import Hub
from tests.conftest import BIG_ROOMS, caller, text_of

ITEM = "  • "


def _items(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith(ITEM)]


def _ids(text: str) -> list[str]:
    return re.findall(r"\[(gen-\d{4})\]", text)


async def _say(hub: Hub, line: str, user: str = "ana", front: str = "console") -> str:
    prefix = "!" if front == "matrix" else "/"
    parsed = parse_line(line, (prefix,))
    assert parsed is not None
    return text_of(await dispatch(hub, caller(user, front=front), *parsed))


def test_the_big_programme_has_many_sessions_at_once_in_sixteen_rooms(big_hub: Hub) -> None:
    programme = big_hub.programme
    assert len(programme.sessions) == 1000
    assert len([p for p in programme.places if p.startswith("room-")]) == BIG_ROOMS
    assert len(programme.ongoing(datetime(2021, 10, 6, 12, 0, tzinfo=UTC))) >= 15


async def test_next_lists_five_of_the_sessions_on_now_and_says_how_many_more(
    big_hub: Hub, clock: FrozenClock
) -> None:
    clock.set(datetime(2021, 10, 6, 12, 0, tzinfo=UTC))
    ongoing = big_hub.programme.ongoing(clock.now())
    text = await _say(big_hub, "/next")
    on_now = text.split("Coming up")[0]
    assert len(_items(on_now)) == agenda.MAX_ONGOING_IN_NEXT
    hidden = len(ongoing) - agenda.MAX_ONGOING_IN_NEXT
    assert f"…and {hidden} more sessions on now: /now lists them page by page, /now room:" in text
    assert len(_items(text.split("Coming up")[1])) <= agenda.DEFAULT_NEXT + 3


async def test_next_names_the_room_filter_in_the_readers_language_and_front(
    big_hub: Hub, clock: FrozenClock
) -> None:
    clock.set(datetime(2021, 10, 6, 12, 0, tzinfo=UTC))
    await big_hub.store.set_language("matrix", "eva", "es")
    text = await _say(big_hub, "!next", "eva", front="matrix")
    assert re.search(r"!now las muestra página a página, !now sala:room-\d\d las de una sala", text)


async def test_next_bounds_the_untimed_items_of_the_day(hub: Hub, clock: FrozenClock) -> None:
    from dataclasses import replace

    visit = hub.programme.by_id["field-visits"]
    hub.programme = hub.programme.with_sessions([replace(visit, id=f"visit-{i}") for i in range(6)])
    clock.set(datetime(2021, 10, 7, 8, 0, tzinfo=UTC))
    text = await _say(hub, "/next")
    also = text.split("Also today")[1]
    assert len(_items(also)) == agenda.MAX_UNTIMED_IN_NEXT
    assert "…and 5 more items today: /now lists them page by page." in also


async def test_a_long_day_is_paged_and_each_page_names_the_next(big_hub: Hub) -> None:
    first = await _say(big_hub, "/schedule 2")
    day = big_hub.programme.on_date(datetime(2021, 10, 6).date())
    pages = -(-len(day) // listing.PAGE_SIZE)
    assert _ids(first) == [s.id for s in day[: listing.PAGE_SIZE]]
    assert f"Page 1 of {pages} · next page: /schedule 2021-10-06 page:2" in first
    second = await _say(big_hub, "/schedule 2021-10-06 page:2")
    assert _ids(second) == [s.id for s in day[listing.PAGE_SIZE : 2 * listing.PAGE_SIZE]]
    assert "Day 2" in second and f"Page 2 of {pages}" in second
    last = await _say(big_hub, f"/schedule 2 page:{pages}")
    assert f"Page {pages} of {pages}" in last and "next page" not in last
    assert _ids(last) == [s.id for s in day[(pages - 1) * listing.PAGE_SIZE :]]


async def test_the_whole_programme_outside_the_forum_is_paged_with_day_headings(
    big_hub: Hub, clock: FrozenClock
) -> None:
    clock.set(datetime(2021, 11, 1, 12, 0, tzinfo=UTC))
    in_room = [s for s in big_hub.programme.sessions if "room-03" in s.places]
    day_1 = sum(1 for s in in_room if s.date == in_room[0].date)
    page = day_1 // listing.PAGE_SIZE + 1  # the page where day 2 starts
    assert day_1 % listing.PAGE_SIZE, "the generated programme no longer splits a page"
    text = await _say(big_hub, f"/schedule room:3 page:{page}")
    assert _ids(text) == [s.id for s in in_room][(page - 1) * listing.PAGE_SIZE :][:10]
    # The page holds the last sessions of day 1 and the first of day 2, each under its day.
    assert "Day 1" in text and "Day 2" in text and text.index("Day 1") < text.index("Day 2")
    assert f"next page: /schedule room:room-03 page:{page + 1}" in text


@pytest.mark.parametrize("typed", ["room:3", "room:room-03", "sala:3", "place:Room 3", "salle:3"])
async def test_schedule_keeps_one_room_however_it_is_named(big_hub: Hub, typed: str) -> None:
    if " " in typed:
        text = text_of(agenda.schedule(big_hub.context(caller()), "2", room="Room 3"))
    else:
        text = await _say(big_hub, f"/schedule 2 {typed}")
    items = _items(text)
    assert items and all(line.endswith("]") and "· Room 3  [" in line for line in items)
    assert "Only: Room 3" in text


async def test_schedule_filters_by_kind_in_any_language_and_by_room_together(
    big_hub: Hub,
) -> None:
    day_4 = big_hub.programme.on_date(datetime(2021, 10, 8).date())
    room = next(s for s in day_4 if s.kind == "plenary").places[0]
    expected = [s.id for s in day_4 if s.kind == "plenary" and room in s.places]
    text = await _say(big_hub, f"/schedule 4 kind:plénière room:{room}")
    assert _ids(text) == expected[: listing.PAGE_SIZE]
    name = big_hub.programme.places[room].name.get("en")
    assert f"Only: {name} · Plenary" in text


async def test_the_next_page_hint_keeps_the_filters_in_the_readers_words(big_hub: Hub) -> None:
    await big_hub.store.set_language("matrix", "eva", "es")
    text = await _say(big_hub, "!schedule 3 tipo:espacio", "eva", front="matrix")
    assert "página siguiente: !schedule 2021-10-07 tipo:open_space pagina:2" in text
    follow = re.search(r"(!schedule 2021-10-07 tipo:open_space pagina:2)", text)
    assert follow is not None
    page_2 = await _say(big_hub, follow.group(1), "eva", front="matrix")
    assert "Página 2 de" in page_2 and "Solo: Espacio abierto" in page_2


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("/schedule 2 room:room", "“room” may be several rooms: Room 1 (room-01), Room 2"),
        ("/schedule 2 room:attic", "I don't know the room “attic”. Rooms: Zoom, Wonder,"),
        ("/schedule 2 kind:party", "I don't know the kind of session “party”. Kinds:"),
        ("/schedule 2 page:99", "There is no page 99 here: the last page is 25."),
        ("/schedule 2 page:two", "“two” is not a page number: give a whole number such as 2."),
        ("/schedule 2 page:0", "“0” is not a page number"),
        ("/schedule 2 room:", "/schedule does not take “room:”: /schedule [day] [room:…]"),
        ("/now tomorrow", "/now does not take “tomorrow”: /now [room:…] [kind:…] [page:…]"),
    ],
)
async def test_bad_options_get_a_specific_answer(big_hub: Hub, line: str, expected: str) -> None:
    assert expected in await _say(big_hub, line)


async def test_unknown_room_refusal_lists_the_rooms_in_french(big_hub: Hub) -> None:
    await big_hub.store.set_language("console", "luc", "fr")
    text = await _say(big_hub, "/schedule 2 salle:grenier", "luc")
    assert "Je ne connais pas la salle « grenier ». Salles : Zoom, Wonder," in text
    assert "Salle 16 (room-16)" in text


async def test_now_pages_what_is_on_and_filters_it(big_hub: Hub, clock: FrozenClock) -> None:
    clock.set(datetime(2021, 10, 6, 12, 0, tzinfo=UTC))
    ongoing = big_hub.programme.ongoing(clock.now())
    untimed = big_hub.programme.untimed_on(datetime(2021, 10, 6).date())
    listed = [*ongoing, *untimed]
    first = await _say(big_hub, "/now")
    assert _ids(first) == [s.id for s in listed[: listing.PAGE_SIZE]]
    assert "Page 1 of 3 · next page: /now page:2" in first
    room = ongoing[0].places[0]
    only = await _say(big_hub, f"/now room:{room}")
    assert _ids(only) == [s.id for s in listed if room in s.places]


async def test_now_in_an_empty_room_names_that_rooms_next_session(
    big_hub: Hub, clock: FrozenClock
) -> None:
    programme = big_hub.programme
    for minute in range(0, 600, 5):  # a moment when some room is empty
        at = datetime(2021, 10, 6, 8, 0, tzinfo=UTC) + timedelta(minutes=minute)
        busy = {p for s in programme.ongoing(at) for p in s.places}
        empty = [f"room-{n:02d}" for n in range(1, BIG_ROOMS + 1) if f"room-{n:02d}" not in busy]
        if empty:
            break
    clock.set(at)
    room = empty[0]
    following = programme.upcoming(at, 1, lambda s: room in s.places)[0]
    name = programme.places[room].name.get("en")
    text = await _say(big_hub, f"/now room:{room}")
    assert f"No sessions match: {name}." in text
    assert "Next:" in text and f"[{following.id}]" in text
    nowhere = await _say(big_hub, "/now room:zoom")  # no generated session is on Zoom
    assert "No sessions match: Zoom." in nowhere and "Next:" not in nowhere


def test_upcoming_with_a_filter_skips_the_others(big_hub: Hub) -> None:
    now = datetime(2021, 10, 6, 12, 0, tzinfo=UTC)
    found = big_hub.programme.upcoming(now, 3, lambda s: "room-05" in s.places)
    assert len(found) == 3 and all("room-05" in s.places and s.starts_at > now for s in found)


async def test_schedule_and_now_on_the_bundled_programme_are_not_paged(hub: Hub) -> None:
    assert "Page" not in await _say(hub, "/schedule 2")
    assert "Page" not in await _say(hub, "/now")


@pytest.mark.parametrize("lang", ["es", "fr", "en"])
async def test_an_iso_date_is_year_month_day_in_every_language(hub: Hub, lang: str) -> None:
    await hub.store.set_language("console", "eva", lang)
    text = await _say(hub, "/schedule 2021-10-07", "eva")
    assert "welcome-delegations" in text and "climate-dialogue" not in text
