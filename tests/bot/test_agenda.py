from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot import agenda
from bot.clock import FrozenClock
from bot.hub import Hub
from tests.conftest import caller, text_of


async def _ctx(hub: Hub, zone: str | None = None, lang: str | None = None, user: str = "ana"):
    if zone:
        await hub.store.set_zone("console", user, zone)
    if lang:
        await hub.store.set_language("console", user, lang)
    return hub.context(caller(user))


async def test_next_without_a_zone_uses_the_programme_zone_and_says_so(hub: Hub) -> None:
    text = text_of(agenda.next_sessions(await _ctx(hub)))
    assert "12:00 PM–12:45 PM CEST" in text
    assert "LOCAL4ACTION Hub" in text
    assert "programme's zone, Europe/Madrid (CEST, UTC+02:00)" in text
    assert "/timezone" in text


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        ("Asia/Kathmandu", "3:45 PM–4:30 PM UTC+05:45"),
        ("America/St_Johns", "7:30 AM–8:15 AM NDT"),
        ("Etc/GMT+5", "5:00 AM–5:45 AM UTC-05:00"),
        ("Europe/Istanbul", "1:00 PM–1:45 PM UTC+03:00"),
        ("UTC+05:30", "3:30 PM–4:15 PM UTC+05:30"),
    ],
)
async def test_next_shows_the_hub_slot_at_the_readers_local_time(
    hub: Hub, zone: str, expected: str
) -> None:
    lines = text_of(agenda.next_sessions(await _ctx(hub, zone), 1)).splitlines()
    hub_line = next(line for line in lines if "hub-oct-6" in line)
    assert expected in hub_line


async def test_a_session_on_the_next_local_day_shows_its_local_date(hub: Hub) -> None:
    # 12:00 CEST on 6 Oct is 00:00 on 7 Oct in Kiritimati (UTC+14).
    text = text_of(agenda.next_sessions(await _ctx(hub, "Pacific/Kiritimati"), 3))
    assert "Thu, Oct 7, 12:00 AM–12:45 AM UTC+14:00" in text
    # 16:00 CEST on 6 Oct is 04:00 on 7 Oct there.
    assert "Thu, Oct 7, 4:00 AM–5:30 AM UTC+14:00" in text


async def test_a_session_that_crosses_local_midnight_dates_its_end(hub: Hub) -> None:
    # Chatham is UTC+13:45 in October 2021: the hub slot runs 23:45 → 00:30.
    text = text_of(agenda.next_sessions(await _ctx(hub, "Pacific/Chatham"), 1))
    assert "11:45 PM–Thu, Oct 7, 12:30 AM" in text


async def test_next_lists_what_is_on_now_before_what_comes(hub: Hub, clock: FrozenClock) -> None:
    clock.set(datetime(2021, 10, 6, 10, 10, tzinfo=UTC))  # 12:10 CEST, in the hub slot
    text = text_of(agenda.next_sessions(await _ctx(hub), 2))
    assert text.index("On now") < text.index("hub-oct-6") < text.index("Coming up")
    assert text.index("Coming up") < text.index("opening-plenary")


async def test_next_count_limits_the_list(hub: Hub) -> None:
    reply = agenda.next_sessions(await _ctx(hub), 1)
    assert [b.kind for b in reply.blocks].count("item") == 1


@pytest.mark.parametrize("value", ["0", "11", "-3", "three", "9" * 50])
async def test_next_refuses_a_count_out_of_range(hub: Hub, value: str) -> None:
    result = agenda.parse_count(value, "en")
    assert not isinstance(result, int)
    assert "whole number from 1 to 10" in text_of(result)


async def test_after_the_forum_next_says_it_is_over(hub: Hub, clock: FrozenClock) -> None:
    clock.set(datetime(2021, 10, 9, 12, 0, tzinfo=UTC))
    assert "is over" in text_of(agenda.next_sessions(await _ctx(hub)))


async def test_before_the_forum_next_starts_with_day_one(hub: Hub, clock: FrozenClock) -> None:
    clock.set(datetime(2021, 9, 30, 12, 0, tzinfo=UTC))
    text = text_of(agenda.next_sessions(await _ctx(hub), 1))
    assert "Tue, Oct 5, 1:30 PM–3:30 PM CEST" in text and "climate-dialogue" in text


async def test_untimed_items_of_the_day_are_listed_too(hub: Hub, clock: FrozenClock) -> None:
    clock.set(datetime(2021, 10, 7, 8, 0, tzinfo=UTC))
    text = text_of(agenda.next_sessions(await _ctx(hub)))
    assert "Also today" in text and "field-visits" in text and "welcome-delegations" in text


async def test_next_speaks_the_users_language(hub: Hub) -> None:
    es = text_of(agenda.next_sessions(await _ctx(hub, lang="es", user="eva"), 1))
    fr = text_of(agenda.next_sessions(await _ctx(hub, lang="fr", user="luc"), 1))
    assert "A continuación" in es and "12:00–12:45 CEST" in es and "Espacio abierto" in es
    assert "À venir" in fr and "Espace ouvert sur Wonder" in fr


async def test_now_says_nothing_is_on_and_names_the_next(hub: Hub) -> None:
    text = text_of(agenda.now_sessions(await _ctx(hub)))
    assert "Nothing is on right now." in text and "hub-oct-6" in text


@pytest.mark.parametrize(
    ("day", "first_id"),
    [
        ("4", "hub-oct-8"),
        ("2021-10-05", "climate-dialogue"),
        ("8 oct", "hub-oct-8"),
        ("today", "hub-oct-6"),
        ("tomorrow", "hub-oct-7"),
        ("day 1", "climate-dialogue"),
    ],
)
async def test_schedule_reads_a_day_in_many_spellings(hub: Hub, day: str, first_id: str) -> None:
    text = text_of(agenda.schedule(await _ctx(hub), day))
    first = next(line for line in text.splitlines() if line.strip().startswith("•"))
    assert f"[{first_id}]" in first


async def test_schedule_understands_spanish_and_french_day_words(hub: Hub) -> None:
    assert "hub-oct-7" in text_of(agenda.schedule(await _ctx(hub, lang="es"), "mañana"))
    assert "hub-oct-6" in text_of(
        agenda.schedule(await _ctx(hub, lang="fr", user="luc"), "aujourd'hui")
    )


async def test_schedule_refuses_an_unreadable_day(hub: Hub) -> None:
    reply = agenda.schedule(await _ctx(hub), "someday soon")
    assert not reply.ok and "can't read “someday soon”" in text_of(reply)


async def test_schedule_refuses_a_day_outside_the_forum(hub: Hub) -> None:
    reply = agenda.schedule(await _ctx(hub), "2021-10-12")
    assert not reply.ok and "the forum runs from" in text_of(reply)


async def test_session_by_id_gives_key_statements_and_how_to_join(hub: Hub) -> None:
    text = text_of(agenda.session_details(await _ctx(hub), "climate-dialogue"))
    assert "Key statements" in text and text.count("“") >= 5
    assert "Zoom" in text and "Session id: climate-dialogue" in text


async def test_session_by_spanish_words_without_accents(hub: Hub) -> None:
    text = text_of(agenda.session_details(await _ctx(hub), "economias cuidados"))
    assert "caring-economies" in text and "Key messages" in text


async def test_session_with_several_matches_lists_their_ids(hub: Hub) -> None:
    text = text_of(agenda.session_details(await _ctx(hub), "justicia"))
    assert "Several sessions match" in text
    assert "climate-dialogue" in text and "water-justice" in text


async def test_session_without_a_match_is_refused_clearly(hub: Hub) -> None:
    reply = agenda.session_details(await _ctx(hub), "quantum knitting")
    assert not reply.ok and "No session matches “quantum knitting”" in text_of(reply)


async def test_hub_slot_details_point_hosts_to_the_form(hub: Hub) -> None:
    text = text_of(agenda.session_details(await _ctx(hub), "hub-oct-7"))
    assert "propose a session" in text and "https://forms.gle/" in text


async def test_next_lists_at_most_five_running_sessions_and_points_to_now(
    hub: Hub, clock: FrozenClock
) -> None:
    from dataclasses import replace

    base = hub.programme.by_id["opening-plenary"]
    parallel = [replace(base, id=f"parallel-{i}") for i in range(8)]
    hub.programme = hub.programme.with_sessions(parallel)
    clock.set(datetime(2021, 10, 6, 12, 0, tzinfo=UTC))  # 14:00 CEST: nine sessions on now
    ctx = await _ctx(hub)
    text = text_of(agenda.next_sessions(ctx))
    assert text.split("Coming up")[0].count("•") == 5
    assert (
        "…and 4 more sessions on now: /now lists them page by page, /now room:zoom one room's."
        in text
    )
    assert text_of(agenda.now_sessions(ctx)).count("•") == 9


@pytest.mark.parametrize(
    ("day", "lang", "first_id"),
    [
        ("friday", "en", "hub-oct-8"),
        ("Tuesday", "en", "climate-dialogue"),
        ("thu", "en", "hub-oct-7"),
        ("viernes", "es", "hub-oct-8"),
        ("miércoles", "es", "hub-oct-6"),
        ("jeudi", "fr", "hub-oct-7"),
        ("mardi", "fr", "climate-dialogue"),
        ("cuma", "tr", "hub-oct-8"),
        ("Çarşamba", "tr", "hub-oct-6"),
        ("sali", "tr", "climate-dialogue"),
        ("perşembe", "en", "hub-oct-7"),  # every language's words, whoever types them
    ],
)
async def test_schedule_reads_a_weekday_name_as_the_forum_day_of_that_weekday(
    hub: Hub, day: str, lang: str, first_id: str
) -> None:
    text = text_of(agenda.schedule(await _ctx(hub, lang=lang), day))
    first = next(line for line in text.splitlines() if line.strip().startswith("•"))
    assert f"[{first_id}]" in first


async def test_schedule_says_a_weekday_without_a_forum_day_is_outside_the_forum(
    hub: Hub,
) -> None:
    reply = agenda.schedule(await _ctx(hub), "sunday")
    assert not reply.ok and "the forum runs from" in text_of(reply)


@pytest.mark.parametrize(
    ("day", "lang", "first_id"),
    [
        ("7 octubre", "es", "hub-oct-7"),
        ("8 de octubre", "es", "hub-oct-8"),
        ("viernes 8 de octubre", "es", "hub-oct-8"),
        ("8 octobre", "fr", "hub-oct-8"),
        ("le 6 octobre", "fr", "hub-oct-6"),
        ("mercredi 6 oct.", "fr", "hub-oct-6"),
        ("Oct 5", "en", "climate-dialogue"),
        ("8 Ekim", "tr", "hub-oct-8"),
        ("7 ekim 2021", "tr", "hub-oct-7"),
        ("6.10.2021", "tr", "hub-oct-6"),  # Turkish writes the day first (Babel)
        ("gün 4", "tr", "hub-oct-8"),
    ],
)
async def test_schedule_reads_spanish_and_french_month_names(
    hub: Hub, day: str, lang: str, first_id: str
) -> None:
    text = text_of(agenda.schedule(await _ctx(hub, lang=lang), day))
    first = next(line for line in text.splitlines() if line.strip().startswith("•"))
    assert f"[{first_id}]" in first


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "/schedule shows every session with its id."),
        ("es", "/schedule muestra todas las sesiones con su identificador."),
        ("fr", "/schedule affiche toutes les sessions avec leur identifiant."),
    ],
)
async def test_session_without_a_match_names_the_schedule_command_in_every_language(
    hub: Hub, lang: str, expected: str
) -> None:
    reply = agenda.session_details(await _ctx(hub, lang=lang), "quantum knitting")
    assert not reply.ok and expected in text_of(reply)


@pytest.mark.parametrize(
    ("front", "locale", "command"),
    [
        ("matrix", None, "!schedule"),
        ("discord", "es-ES", "/programa"),  # the name a Spanish Discord client shows
        ("discord", "fr", "/programme"),
        ("discord", "tr", "/program"),
        ("discord", "en-US", "/schedule"),
        ("discord", "de", "/schedule"),
    ],
)
async def test_the_schedule_hint_names_the_command_as_the_front_shows_it(
    hub: Hub, front: str, locale: str | None, command: str
) -> None:
    ctx = hub.context(caller(front=front, locale=locale))
    text = text_of(agenda.session_details(ctx, "quantum knitting"))
    assert f"{command} " in text


@pytest.mark.parametrize(
    ("query", "sid"),
    [("apertura", "opening-plenary"), ("ouverture", "opening-plenary"), ("eau", "water-justice")],
)
async def test_session_finds_the_seed_name_and_whole_words(hub: Hub, query: str, sid: str) -> None:
    text = text_of(agenda.session_details(await _ctx(hub), query))
    assert f"Session id: {sid}" in text
