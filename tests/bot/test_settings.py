from __future__ import annotations

import pytest

from bot import settings
from bot.hub import Hub
from tests.conftest import caller, text_of

pytestmark = pytest.mark.both_backends


async def test_timezone_alone_says_none_is_set_and_how_to_set_one(hub: Hub) -> None:
    text = text_of(await settings.timezone(hub.context(caller()), None))
    assert "not set a time zone yet" in text and "Europe/Madrid (CEST, UTC+02:00)" in text
    assert "/timezone reset" in text


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("asia/kathmandu", "Asia/Kathmandu"),
        ("kathmandu", "Asia/Kathmandu"),
        ("Kütahya", "Europe/Istanbul"),
        ("UTC+3", "UTC+03:00"),
        ("+05:30", "UTC+05:30"),
        ("GMT-3", "UTC-03:00"),
        ("CEST", "UTC+02:00"),
        ("Etc/GMT+5", "Etc/GMT+5"),
    ],
)
async def test_timezone_is_saved_in_canonical_form(hub: Hub, typed: str, stored: str) -> None:
    reply = await settings.timezone(hub.context(caller()), typed)
    assert reply.ok, text_of(reply)
    assert hub.store.user("console", "ana").zone == stored
    assert "Time zone set to" in text_of(reply)


async def test_setting_a_zone_confirms_with_the_next_session_in_that_zone(hub: Hub) -> None:
    text = text_of(await settings.timezone(hub.context(caller()), "Asia/Kathmandu"))
    assert "Asia/Kathmandu (UTC+05:45)" in text
    assert "is from 3:45 PM to 4:30 PM UTC+05:45 for you." in text


@pytest.mark.parametrize(
    ("lang", "zone", "sentence"),
    [
        ("es", "Asia/Kathmandu", "Wonder es de 15:45 a 16:30 UTC+05:45 para ti."),
        ("es", "Pacific/Kiritimati", "Wonder es el jue 7 oct, de 0:00 a 0:45 UTC+14:00 para ti."),
        ("fr", "Asia/Kathmandu", "Wonder a lieu de 15:45 à 16:30 UTC+05:45 pour vous."),
        ("fr", "Pacific/Honolulu", "Wonder a lieu le mer. 6 oct., de 00:00 à 00:45 HST pour vous."),
        (
            "en",
            "Pacific/Honolulu",
            "Wonder is on Wed, Oct 6, from 12:00 AM to 12:45 AM HST for you.",
        ),
    ],
)
async def test_the_example_after_setting_a_zone_reads_as_a_sentence_in_every_language(
    hub: Hub, lang: str, zone: str, sentence: str
) -> None:
    await hub.store.set_language("console", "ana", lang)
    text = text_of(await settings.timezone(hub.context(caller()), zone))
    assert sentence in text
    assert " a las " not in text and " à 15:45–" not in text


@pytest.mark.parametrize("rubbish", ["xyzzy", "🙂", "'; DROP TABLE users; --"])
async def test_rubbish_zone_is_refused_and_nothing_is_saved(hub: Hub, rubbish: str) -> None:
    reply = await settings.timezone(hub.context(caller()), rubbish)
    assert not reply.ok
    assert "I don't know the time zone" in text_of(reply)
    assert hub.store.user("console", "ana").zone is None


async def test_near_miss_zone_gets_at_most_five_suggestions(hub: Hub) -> None:
    reply = await settings.timezone(hub.context(caller()), "Europe/Pariss")
    items = [b for b in reply.blocks if b.kind == "item"]
    assert not reply.ok and 1 <= len(items) <= 5
    assert "Europe/Paris" in text_of(reply)


async def test_ambiguous_abbreviation_asks_to_choose(hub: Hub) -> None:
    text = text_of(await settings.timezone(hub.context(caller()), "IST"))
    assert "can mean several time zones" in text and "Asia/Kolkata" in text


async def test_overlong_zone_is_refused_without_echoing_it(hub: Hub) -> None:
    text = text_of(await settings.timezone(hub.context(caller()), "x" * 5000))
    assert "too long" in text and "x" * 100 not in text


async def test_timezone_reset_returns_to_the_programme_zone(hub: Hub) -> None:
    await settings.timezone(hub.context(caller()), "Asia/Kathmandu")
    text = text_of(await settings.timezone(hub.context(caller()), "reset"))
    assert "cleared" in text and hub.store.user("console", "ana").zone is None


async def test_language_is_saved_and_confirmed_in_the_new_language(hub: Hub) -> None:
    text = text_of(await settings.language(hub.context(caller()), "fr"))
    assert text == "Désormais, je vous répondrai en français."
    assert hub.context(caller()).lang == "fr"


async def test_unknown_language_is_refused_with_the_choices(hub: Hub) -> None:
    reply = await settings.language(hub.context(caller()), "klingon")
    assert not reply.ok and "en (English), es (Español), fr (Français), tr (Türkçe)" in text_of(
        reply
    )
    assert hub.store.user("console", "ana").language is None


async def test_platform_locale_is_the_default_language_until_one_is_chosen(hub: Hub) -> None:
    spanish_client = caller("eva", front="discord", locale="es-ES")
    assert hub.context(spanish_client).lang == "es"
    await settings.language(hub.context(spanish_client), "en")
    assert hub.context(spanish_client).lang == "en"


@pytest.mark.parametrize(
    ("lang", "typed", "expected"),
    [
        ("en", "UTC+15", "“UTC+15” is not an offset in use: offsets go from UTC−12 to UTC+14."),
        ("es", "-13", "«-13» no es un desfase en uso: los desfases van de UTC−12 a UTC+14."),
        ("fr", "+14:30", "de UTC−12 à UTC+14"),
        ("en", "+05:07", "its minutes must be 00, 15, 30 or 45"),
        ("fr", "+05:07", "ses minutes doivent être 00, 15, 30 ou 45"),
    ],
)
async def test_offset_out_of_range_or_odd_minutes_says_the_rule_in_the_readers_language(
    hub: Hub, lang: str, typed: str, expected: str
) -> None:
    await hub.store.set_language("console", "ana", lang)
    reply = await settings.timezone(hub.context(caller()), typed)
    assert not reply.ok and expected in text_of(reply)
    assert hub.store.user("console", "ana").zone is None


@pytest.mark.parametrize(
    ("lang", "typed", "more"),
    [
        ("en", "United States", "…and 3 more: give your city to get yours."),
        ("es", "Estados Unidos", "…y 3 más: indica tu ciudad para obtener la tuya."),
        ("fr", "États-Unis", "…et 3 autres : indiquez votre ville pour obtenir le vôtre."),
    ],
)
async def test_country_with_many_zones_lists_five_and_says_how_many_more(
    hub: Hub, lang: str, typed: str, more: str
) -> None:
    await hub.store.set_language("console", "ana", lang)
    reply = await settings.timezone(hub.context(caller()), typed)
    items = [b for b in reply.blocks if b.kind == "item"]
    assert not reply.ok and len(items) == 5
    assert "America/New_York" in text_of(reply) and more in text_of(reply)
    assert hub.store.user("console", "ana").zone is None


async def test_samoa_is_set_to_apia_not_american_samoa(hub: Hub) -> None:
    reply = await settings.timezone(hub.context(caller()), "Samoa")
    assert reply.ok and hub.store.user("console", "ana").zone == "Pacific/Apia"
