"""Tests for bot.zones: what participants may type as their time zone (bot.zones.resolve).

Stored keys, labels and autocomplete are in test_zones_labels.py.
"""

from __future__ import annotations

import difflib
import pickle
import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo, available_timezones

import pytest

from bot import zones
from bot.zones import (
    PLACE_ALIASES,
    ZoneError,
    load_zone,
    resolve_zone,
    suggest_zones,
)
from tests.support.zones import FORUM, MADRID, WINTER, offset_at

# --- IANA names -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("asia/kathmandu", "Asia/Kathmandu"),
        ("  Europe/Madrid  ", "Europe/Madrid"),
        ("ETC/GMT+5", "Etc/GMT+5"),
        ("us/eastern", "US/Eastern"),
        ("america/st johns", "America/St_Johns"),
        ("America/Port au Prince", "America/Port-au-Prince"),
        ("Asia / Kathmandu", "Asia/Kathmandu"),
        ("Asia/Katmandu ", "Asia/Katmandu"),
        ("Etc/UTC", "Etc/UTC"),
    ],
)
def test_iana_names_resolve_case_insensitively_to_the_name_as_iana_spells_it(
    typed: str, key: str
) -> None:
    zone = resolve_zone(typed)
    assert zone.key == key
    assert zone.tzinfo == ZoneInfo(key)


def test_every_available_iana_name_resolves_to_itself_except_gmt_aliases_of_utc() -> None:
    utc_spellings = {"GMT", "GMT+0", "GMT-0"}  # offset syntax: they mean UTC
    for name in sorted(available_timezones() - {"Factory", "localtime", "posixrules"}):
        expected = "UTC" if name in utc_spellings else name
        assert resolve_zone(name).key == expected, name
        assert resolve_zone(name.lower()).key == expected, name


def test_kathmandu_is_utc_plus_0545_labelled_from_tzdata_numeric_abbreviation() -> None:
    zone = resolve_zone("Asia/Kathmandu")
    assert FORUM.astimezone(zone.tzinfo).tzname() == "+0545"  # tzdata has no letters for it
    assert offset_at(zone, FORUM) == timedelta(hours=5, minutes=45)
    assert zone.label(FORUM) == "UTC+05:45"
    assert zone.describe(FORUM) == "Asia/Kathmandu (UTC+05:45)"


def test_chatham_is_utc_plus_1345_during_its_october_2021_daylight_time() -> None:
    zone = resolve_zone("Pacific/Chatham")
    assert offset_at(zone, FORUM) == timedelta(hours=13, minutes=45)
    assert zone.label(FORUM) == "UTC+13:45"


def test_kiritimati_shows_1600_cest_on_6_october_as_0400_on_7_october() -> None:
    zone = resolve_zone("kiritimati")
    session = datetime(2021, 10, 6, 16, 0, tzinfo=MADRID)
    local = session.astimezone(zone.tzinfo)
    assert (local.day, local.hour, local.minute) == (7, 4, 0)
    assert zone.label(session) == "UTC+14:00"


def test_st_johns_is_utc_minus_0230_newfoundland_daylight_time_in_october() -> None:
    zone = resolve_zone("America/St_Johns")
    assert offset_at(zone, FORUM) == -timedelta(hours=2, minutes=30)
    assert zone.label(FORUM) == "NDT"
    assert zone.describe(FORUM) == "America/St_Johns (NDT, UTC-02:30)"


def test_etc_gmt_plus_5_is_utc_minus_5_as_posix_inverts_the_sign() -> None:
    zone = resolve_zone("Etc/GMT+5")
    assert zone.key == "Etc/GMT+5"
    assert offset_at(zone, FORUM) == -timedelta(hours=5)
    assert zone.label(FORUM) == "UTC-05:00"
    assert zone.describe(FORUM) == "Etc/GMT+5 (UTC-05:00)"


# --- city parts, localized names, places ------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("kathmandu", "Asia/Kathmandu"),
        ("new york", "America/New_York"),
        ("New_York", "America/New_York"),
        ("st johns", "America/St_Johns"),
        ("St. John's", "America/St_Johns"),
        ("chatham", "Pacific/Chatham"),
        ("kiritimati", "Pacific/Kiritimati"),
        ("madrid", "Europe/Madrid"),
        ("buenos aires", "America/Argentina/Buenos_Aires"),  # not the legacy America/Buenos_Aires
        ("indianapolis", "America/Indiana/Indianapolis"),
        ("indiana/knox", "America/Indiana/Knox"),
        ("port-au-prince", "America/Port-au-Prince"),
        ("amsterdam", "Europe/Amsterdam"),  # a zone.tab location, though a link in tzdata
    ],
)
def test_city_part_alone_resolves_to_the_current_zone(typed: str, key: str) -> None:
    assert resolve_zone(typed).key == key


@pytest.mark.parametrize(
    ("typed", "key"),
    [("calcutta", "Asia/Kolkata"), ("kiev", "Europe/Kyiv"), ("saigon", "Asia/Ho_Chi_Minh")],
)
def test_city_part_of_a_legacy_name_only_resolves_to_the_zone_it_links_to(
    typed: str, key: str
) -> None:
    assert resolve_zone(typed).key == key


def test_city_part_naming_several_current_zones_is_ambiguous_with_them_as_suggestions() -> None:
    with pytest.raises(ZoneError) as caught:
        resolve_zone("eastern")  # US/Eastern and Canada/Eastern
    assert caught.value.reason == "ambiguous"
    assert set(caught.value.suggestions) == {"America/New_York", "America/Toronto"}


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("Katmandú", "Asia/Kathmandu"),  # es
        ("Katmandou", "Asia/Kathmandu"),  # fr
        ("Nueva York", "America/New_York"),
        ("nueva york", "America/New_York"),
        ("Estambul", "Europe/Istanbul"),
        ("Le Caire", "Africa/Cairo"),
        ("El Cairo", "Africa/Cairo"),
        ("Londres", "Europe/London"),
        ("Ciudad de México", "America/Mexico_City"),
        ("ciudad de mexico", "America/Mexico_City"),
        ("Ho Chi Minh City", "Asia/Ho_Chi_Minh"),  # en exemplar city
    ],
)
def test_localized_cldr_city_names_resolve_accent_insensitively(typed: str, key: str) -> None:
    assert resolve_zone(typed).key == key


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("Kütahya", "Europe/Istanbul"),
        ("kutahya", "Europe/Istanbul"),
        ("KÜTAHYA", "Europe/Istanbul"),
        ("Ankara", "Europe/Istanbul"),
        ("Chefchaouen", "Africa/Casablanca"),
        ("Barcelona", "Europe/Madrid"),
        ("Rabat", "Africa/Casablanca"),
        ("Delhi", "Asia/Kolkata"),
        ("new delhi", "Asia/Kolkata"),
        ("Beijing", "Asia/Shanghai"),
        ("Washington, D.C.", "America/New_York"),
    ],
)
def test_forum_uclg_and_major_places_resolve_through_the_alias_table(typed: str, key: str) -> None:
    assert resolve_zone(typed).key == key


def test_alias_table_is_small_points_to_real_zones_and_shadows_no_iana_or_cldr_name() -> None:
    index = zones._index()
    assert len(PLACE_ALIASES) <= 30
    assert set(PLACE_ALIASES.values()) <= available_timezones()
    for place in PLACE_ALIASES:
        folded = zones._fold(place)
        assert folded not in index.names, place
        assert folded not in index.cities, place
        assert folded not in index.localized, place


# --- offsets ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "key", "offset"),
    [
        ("UTC+3", "UTC+03:00", timedelta(hours=3)),
        ("utc+03", "UTC+03:00", timedelta(hours=3)),
        ("UTC+5:45", "UTC+05:45", timedelta(hours=5, minutes=45)),
        ("UTC+0545", "UTC+05:45", timedelta(hours=5, minutes=45)),
        ("+05:30", "UTC+05:30", timedelta(hours=5, minutes=30)),
        ("-3", "UTC-03:00", timedelta(hours=-3)),
        ("GMT-3", "UTC-03:00", timedelta(hours=-3)),
        ("UTC-03:30", "UTC-03:30", -timedelta(hours=3, minutes=30)),
        ("GMT+5", "UTC+05:00", timedelta(hours=5)),  # human meaning, unlike Etc/GMT+5
        ("utc − 3", "UTC-03:00", timedelta(hours=-3)),  # U+2212 minus sign, spaces
        ("+14", "UTC+14:00", timedelta(hours=14)),
        ("-12:00", "UTC-12:00", timedelta(hours=-12)),
    ],
)
def test_utc_and_gmt_offsets_resolve_to_fixed_offset_keys(
    typed: str, key: str, offset: timedelta
) -> None:
    zone = resolve_zone(typed)
    assert zone.key == key
    assert zone.tzinfo == timezone(offset)
    assert zone.label(FORUM) == key
    assert zone.describe(FORUM) == key


@pytest.mark.parametrize("typed", ["UTC", "utc", "GMT", "Z", "z", "UTC+0", "+00:00", "GMT-0"])
def test_bare_utc_gmt_z_and_zero_offsets_give_the_iana_utc_zone(typed: str) -> None:
    zone = resolve_zone(typed)
    assert zone.key == "UTC"
    assert zone.tzinfo == ZoneInfo("UTC")
    assert zone.label(FORUM) == "UTC"
    assert zone.describe(FORUM) == "UTC"


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("UTC+25", "outside UTC-12:00..UTC+14:00"),
        ("-13", "outside UTC-12:00..UTC+14:00"),
        ("+14:15", "outside UTC-12:00..UTC+14:00"),
        ("+05:07", "minutes must be 00, 15, 30 or 45"),
        ("UTC+3:60", "minutes must be 00, 15, 30 or 45"),
    ],
)
def test_offsets_out_of_range_or_with_odd_minutes_are_refused_with_a_clear_message(
    typed: str, message: str
) -> None:
    with pytest.raises(ZoneError, match=re.escape(message)) as caught:
        resolve_zone(typed)
    assert caught.value.reason == ("bad_minutes" if "minutes" in message else "out_of_range")
    assert caught.value.text == typed


# --- abbreviations ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("CEST", "UTC+02:00"),
        ("cest", "UTC+02:00"),
        ("EDT", "UTC-04:00"),
        ("NZDT", "UTC+13:00"),
        ("NDT", "UTC-02:30"),
        ("WEST", "UTC+01:00"),  # not the city part of the legacy Australia/West
    ],
)
def test_abbreviation_with_one_offset_in_tzdata_resolves_to_that_fixed_offset(
    typed: str, key: str
) -> None:
    assert resolve_zone(typed).key == key


def test_iana_name_wins_over_abbreviation_so_cet_keeps_its_summer_time() -> None:
    zone = resolve_zone("CET")
    assert zone.key == "CET"
    assert zone.label(FORUM) == "CEST"
    assert zone.label(WINTER) == "CET"


@pytest.mark.parametrize(
    ("typed", "first"),
    [("IST", "Asia/Kolkata"), ("CST", "America/Chicago"), ("PST", "America/Los_Angeles")],
)
def test_abbreviation_with_several_offsets_is_ambiguous_with_one_zone_per_offset(
    typed: str, first: str
) -> None:
    with pytest.raises(ZoneError) as caught:
        resolve_zone(typed)
    error = caught.value
    assert error.reason == "ambiguous"
    assert error.suggestions[0] == first
    assert 2 <= len(error.suggestions) <= 5
    offsets = set()
    for key in error.suggestions:
        zone = load_zone(key)
        offsets.add(frozenset(offset_at(zone, at) for at in zones._ABBREVIATION_INSTANTS))
    assert len(offsets) == len(error.suggestions)


def test_ist_suggests_india_israel_and_ireland() -> None:
    with pytest.raises(ZoneError) as caught:
        resolve_zone("IST")
    assert set(caught.value.suggestions) == {"Asia/Kolkata", "Asia/Jerusalem", "Europe/Dublin"}


def test_abbreviation_table_is_built_from_tzdata_once_and_cached() -> None:
    table = zones._abbreviations()
    assert table is zones._abbreviations()
    assert all(abbreviation.isalpha() for abbreviation in table)
    assert "utc" not in table
    assert "gmt" not in table
    assert table["cest"] == {timedelta(hours=2): table["cest"][timedelta(hours=2)]}


# --- refusals ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    ["🙂", "'; DROP TABLE zones; --", "asdfgh", "UTC+25", "+05:07", "12", "Mars/Olympus", "/", "."],
)
def test_rubbish_is_refused_cleanly_with_at_most_five_suggestions(typed: str) -> None:
    with pytest.raises(ZoneError) as caught:
        resolve_zone(typed)
    error = caught.value
    assert error.reason in ("unknown", "out_of_range", "bad_minutes")
    assert error.text == typed
    assert len(error.suggestions) <= 5
    assert all(load_zone(key).key == key for key in error.suggestions)
    assert str(error)


@pytest.mark.parametrize("typed", ["", "   ", "\t\n"])
def test_empty_text_is_refused_as_empty(typed: str) -> None:
    with pytest.raises(ZoneError) as caught:
        resolve_zone(typed)
    assert caught.value.reason == "empty"
    assert caught.value.suggestions == []


def test_text_over_100_characters_is_refused_as_too_long_without_fuzzy_matching(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_fuzzy(*args: object, **kwargs: object) -> list[str]:
        raise AssertionError("fuzzy matching must not run on over-long input")

    monkeypatch.setattr(difflib, "get_close_matches", no_fuzzy)
    typed = "Europe/Madrid" * 8
    with pytest.raises(ZoneError) as caught:
        resolve_zone(typed)
    assert caught.value.reason == "too_long"
    assert caught.value.suggestions == []
    assert caught.value.text == typed
    assert "too long" in str(caught.value)
    assert suggest_zones(typed) == []


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("Europe/Pariss", "Europe/Paris"),
        ("Asia/Kathmandoo ", "Asia/Kathmandu"),
        ("kathmandoo", "Asia/Kathmandu"),
        ("Amerika/New_Yrok", "America/New_York"),
        ("londn", "Europe/London"),
        ("istambul", "Europe/Istanbul"),
    ],
)
def test_near_miss_suggests_the_intended_zone_first(typed: str, meant: str) -> None:
    with pytest.raises(ZoneError) as caught:
        resolve_zone(typed)
    assert caught.value.reason == "unknown"
    assert caught.value.suggestions[0] == meant
    assert meant in str(caught.value)


def test_zone_error_is_a_value_error_with_an_english_message_and_survives_pickling() -> None:
    with pytest.raises(ValueError, match="unknown time zone 'Europe/Pariss'") as caught:
        resolve_zone("Europe/Pariss")
    error = caught.value
    assert isinstance(error, ZoneError)
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.text, copy.reason, copy.suggestions, str(copy), copy.more) == (
        error.text,
        error.reason,
        error.suggestions,
        str(error),
        error.more,
    )


def test_zone_error_keeps_five_suggestions_and_counts_the_rest_through_pickling() -> None:
    error = ZoneError("x", "ambiguous", [f"Zone/{i}" for i in range(8)])
    assert error.suggestions == [f"Zone/{i}" for i in range(5)] and error.more == 3
    assert pickle.loads(pickle.dumps(error)).more == 3


# --- abbreviations: choices tzdata does not give alone (issue 9) --------------------------------


def test_cst_offers_america_chicago_first_and_also_china_and_cuba() -> None:
    with pytest.raises(ZoneError) as caught:
        resolve_zone("CST")
    assert caught.value.reason == "ambiguous"
    assert caught.value.suggestions == ["America/Chicago", "Asia/Shanghai", "America/Havana"]


@pytest.mark.parametrize("typed", ["BST", "bst"])
def test_bst_asks_british_summer_time_or_bangladesh_instead_of_fixing_utc_plus_1(
    typed: str,
) -> None:
    with pytest.raises(ZoneError) as caught:
        resolve_zone(typed)
    assert caught.value.reason == "ambiguous"
    assert caught.value.suggestions == ["Europe/London", "Asia/Dhaka"]


# --- countries (tzdata zone.tab + CLDR territory names) -----------------------------------------


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("Samoa", "Pacific/Apia"),  # not the legacy US/Samoa, a day behind
        ("samoa", "Pacific/Apia"),
        ("American Samoa", "Pacific/Pago_Pago"),
        ("Samoa Americana", "Pacific/Pago_Pago"),
        ("Samoa américaines", "Pacific/Pago_Pago"),
        ("Turquía", "Europe/Istanbul"),
        ("Türkiye", "Europe/Istanbul"),
        ("Allemagne", "Europe/Berlin"),  # Büsingen keeps Berlin's clock: one choice
        ("Germany", "Europe/Berlin"),
        ("Nepal", "Asia/Kathmandu"),
        ("Népal", "Asia/Kathmandu"),
        ("India", "Asia/Kolkata"),
        ("Argentina", "America/Argentina/Buenos_Aires"),
        ("Sénégal", "Africa/Dakar"),
        ("Colombia", "America/Bogota"),
    ],
)
def test_country_with_one_clock_resolves_to_its_zone_in_es_en_fr(typed: str, key: str) -> None:
    assert resolve_zone(typed).key == key


def test_samoa_and_american_samoa_are_a_day_apart_at_the_forum() -> None:
    samoa, american = resolve_zone("Samoa"), resolve_zone("American Samoa")
    assert offset_at(samoa, FORUM) - offset_at(american, FORUM) == timedelta(hours=24)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Spain", ["Europe/Madrid", "Atlantic/Canary"]),
        ("España", ["Europe/Madrid", "Atlantic/Canary"]),
        ("Ecuador", ["America/Guayaquil", "Pacific/Galapagos"]),
    ],
)
def test_country_with_several_clocks_asks_with_one_zone_per_clock(
    typed: str, expected: list[str]
) -> None:
    with pytest.raises(ZoneError) as caught:
        resolve_zone(typed)
    assert caught.value.reason == "ambiguous"
    assert caught.value.suggestions == expected and caught.value.more == 0


@pytest.mark.parametrize("typed", ["Estados Unidos", "United States", "États-Unis"])
def test_country_with_many_clocks_lists_five_and_counts_the_others(typed: str) -> None:
    with pytest.raises(ZoneError) as caught:
        resolve_zone(typed)
    error = caught.value
    assert error.reason == "ambiguous"
    assert error.suggestions[:2] == ["America/New_York", "America/Los_Angeles"]
    assert "America/Chicago" in error.suggestions
    assert len(error.suggestions) == 5 and error.more == 3  # Anchorage, Adak, Honolulu


def test_a_city_wins_over_a_country_of_the_same_name() -> None:
    assert resolve_zone("Mexico").key == "America/Mexico_City"
    assert resolve_zone("Panama").key == "America/Panama"


def test_a_country_name_typed_so_far_is_suggested() -> None:
    assert suggest_zones("Allema")[0] == "Europe/Berlin"
    assert suggest_zones("Samoa")[0] == "Pacific/Apia"
