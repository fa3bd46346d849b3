"""Tests for bot.zones: what participants may type as their time zone, and how it is shown."""

from __future__ import annotations

import difflib
import pickle
import re
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo, available_timezones

import pytest

from bot import zones
from bot.zones import (
    PLACE_ALIASES,
    UserZone,
    ZoneError,
    load_zone,
    resolve_zone,
    suggest_zones,
    utc_offset_text,
)

MADRID = ZoneInfo("Europe/Madrid")
FORUM = datetime(2021, 10, 6, 12, 0, tzinfo=UTC)  # 14:00 CEST, forum day 2
WINTER = datetime(2021, 12, 15, 12, 0, tzinfo=UTC)


def offset_at(zone: UserZone, at: datetime) -> timedelta | None:
    return at.astimezone(zone.tzinfo).utcoffset()


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
    assert caught.value.reason == "unknown"
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
    [("IST", "Asia/Kolkata"), ("CST", "Asia/Shanghai"), ("PST", "America/Los_Angeles")],
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
    assert error.reason == "unknown"
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
    assert (copy.text, copy.reason, copy.suggestions, str(copy)) == (
        error.text,
        error.reason,
        error.suggestions,
        str(error),
    )


# --- load_zone --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "Asia/Kathmandu",
        "Etc/GMT+5",
        "US/Eastern",
        "UTC",
        "kutahya",
        "UTC+05:45",
        "-3",
        "UTC-03:30",
        "CEST",
        "+14",
    ],
)
def test_load_zone_round_trips_every_key_form(typed: str) -> None:
    zone = resolve_zone(typed)
    loaded = load_zone(zone.key)
    assert loaded == zone
    assert loaded.key == zone.key
    assert loaded.label(FORUM) == zone.label(FORUM)
    assert load_zone(zone.key) is loaded  # cached


def test_load_zone_accepts_the_zero_fixed_offset_key() -> None:
    zone = load_zone("UTC+00:00")
    assert zone.tzinfo.utcoffset(FORUM) == timedelta(0)
    assert zone.label(FORUM) == "UTC+00:00"


@pytest.mark.parametrize(
    "key",
    [
        "",
        "Mars/Olympus_Mons",
        "asia/kathmandu",  # stored keys are exact
        "UTC+3",
        "UTC+05:07",
        "UTC+15:00",
        "UTC-00:00",
        "../../etc/passwd",
        "Factory",
    ],
)
def test_load_zone_refuses_keys_that_no_longer_resolve(key: str) -> None:
    with pytest.raises(ZoneError) as caught:
        load_zone(key)
    assert caught.value.reason == "unknown"
    assert caught.value.text == key
    assert len(caught.value.suggestions) <= 5


# --- labels -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "at", "label", "described"),
    [
        ("Europe/Madrid", FORUM, "CEST", "Europe/Madrid (CEST, UTC+02:00)"),
        ("Europe/Madrid", WINTER, "CET", "Europe/Madrid (CET, UTC+01:00)"),
        ("America/New_York", FORUM, "EDT", "America/New_York (EDT, UTC-04:00)"),
        ("America/New_York", WINTER, "EST", "America/New_York (EST, UTC-05:00)"),
        ("Pacific/Auckland", FORUM, "NZDT", "Pacific/Auckland (NZDT, UTC+13:00)"),
        ("Europe/London", WINTER, "GMT", "Europe/London (GMT, UTC+00:00)"),
        ("Europe/Istanbul", FORUM, "UTC+03:00", "Europe/Istanbul (UTC+03:00)"),
        ("Etc/UTC", FORUM, "UTC", "Etc/UTC (UTC)"),
        ("UTC+05:45", FORUM, "UTC+05:45", "UTC+05:45"),
    ],
)
def test_label_and_describe_follow_the_instant_across_dst_changes(
    key: str, at: datetime, label: str, described: str
) -> None:
    zone = load_zone(key)
    assert zone.label(at) == label
    assert zone.describe(at) == described


def test_label_of_madrid_switches_from_cest_to_cet_at_the_october_2021_change() -> None:
    zone = load_zone("Europe/Madrid")
    change = datetime(2021, 10, 31, 1, 0, tzinfo=UTC)  # 03:00 CEST -> 02:00 CET
    assert zone.label(change - timedelta(seconds=1)) == "CEST"
    assert zone.label(change) == "CET"
    assert zone.label(change - timedelta(seconds=1)) == "CEST"  # cache does not stick


def test_label_accepts_any_aware_instant_and_refuses_naive_ones() -> None:
    zone = load_zone("Europe/Madrid")
    assert zone.label(datetime(2021, 10, 6, 14, 0, tzinfo=MADRID)) == "CEST"
    with pytest.raises(ValueError, match="naive"):
        zone.label(datetime(2021, 10, 6, 14, 0))
    with pytest.raises(ValueError, match="naive"):
        zone.describe(datetime(2021, 10, 6, 14, 0))


@pytest.mark.parametrize(
    ("offset", "text"),
    [
        (timedelta(hours=5, minutes=45), "UTC+05:45"),
        (-timedelta(hours=3, minutes=30), "UTC-03:30"),
        (timedelta(0), "UTC+00:00"),
        (timedelta(hours=14), "UTC+14:00"),
        (timedelta(hours=-12), "UTC-12:00"),
        (timedelta(minutes=-14, seconds=-44), "UTC-00:14:44"),  # LMT-style offsets
    ],
)
def test_utc_offset_text_formats_sign_hours_and_minutes(offset: timedelta, text: str) -> None:
    assert utc_offset_text(offset) == text


# --- autocomplete -----------------------------------------------------------------------------


def test_suggest_zones_for_kat_includes_kathmandu_first() -> None:
    suggestions = suggest_zones("kat")
    assert suggestions[0] == "Asia/Kathmandu"
    assert len(suggestions) == len(set(suggestions))


def test_suggest_zones_for_empty_text_is_a_short_default_list_led_by_the_forum_zones() -> None:
    suggestions = suggest_zones("")
    assert 0 < len(suggestions) <= 25
    assert suggestions[:3] == ["Europe/Madrid", "Europe/Istanbul", "UTC"]
    assert all(load_zone(key).key == key for key in suggestions)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("madr", "Europe/Madrid"),
        ("york", "America/New_York"),
        ("nueva", "America/New_York"),
        ("küta", "Europe/Istanbul"),
        ("america/st_j", "America/St_Johns"),
        ("utc+5:45", "UTC+05:45"),
        ("cest", "UTC+02:00"),
        ("ist", "Asia/Kolkata"),
    ],
)
def test_suggest_zones_matches_names_city_parts_localized_names_aliases_and_offsets(
    typed: str, expected: str
) -> None:
    suggestions = suggest_zones(typed)
    assert suggestions[0] == expected
    assert len(suggestions) <= 25


def test_suggest_zones_never_offers_inverted_etc_gmt_zones_for_a_human_offset() -> None:
    assert suggest_zones("gmt+5") == ["UTC+05:00"]
    assert suggest_zones("etc/gmt+5") == ["Etc/GMT+5"]


@pytest.mark.parametrize("limit", [0, 1, 3, 25])
def test_suggest_zones_respects_the_limit(limit: int) -> None:
    assert len(suggest_zones("a", limit=limit)) == limit
    assert len(suggest_zones("", limit=limit)) == limit


def test_suggest_zones_returns_only_loadable_keys_with_current_names_before_legacy_ones() -> None:
    suggestions = suggest_zones("calc")
    assert suggestions[:2] == ["Asia/Kolkata", "Asia/Calcutta"]
    for typed in ("a", "new", "st", "zz", "🙂"):
        assert all(load_zone(key).key == key for key in suggest_zones(typed))
