"""Tests for bot.zones: stored keys (load_zone), the labels shown beside every time, and
autocomplete."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.zones import (
    ZoneError,
    load_zone,
    resolve_zone,
    suggest_zones,
    utc_offset_text,
)
from tests.support.zones import FORUM, MADRID, WINTER

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
