from __future__ import annotations

import string
from datetime import UTC, datetime

import pytest

from bot.i18n import LANGUAGES, catalog, fmt_time, negotiate, parse_language, t, tn


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != "en"])
def test_every_language_has_the_same_keys_and_placeholders_as_english(lang: str) -> None:
    english, other = catalog("en"), catalog(lang)
    assert set(other) == set(english)
    for key, template in english.items():
        assert _placeholders(other[key]) == _placeholders(template), key


@pytest.mark.parametrize(
    ("hint", "expected"),
    [("es-ES", "es"), ("es-419", "es"), ("fr", "fr"), ("en-GB", "en"), ("de", "en"), (None, "en")],
)
def test_platform_locale_picks_the_forum_language(hint: str | None, expected: str) -> None:
    assert negotiate(hint) == expected


def test_unknown_platform_locale_uses_the_configured_default() -> None:
    assert negotiate("pt-BR", default="es") == "es"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("ES", "es"), ("français", "fr"), ("Spanish", "es"), ("inglés", "en"), ("klingon", None)],
)
def test_language_is_understood_by_code_or_by_name(text: str, expected: str | None) -> None:
    assert parse_language(text) == expected


def test_same_instant_in_two_zones_is_written_with_each_wall_time() -> None:
    from zoneinfo import ZoneInfo

    at = datetime(2021, 10, 6, 10, 0, tzinfo=UTC)
    madrid = fmt_time(at.astimezone(ZoneInfo("Europe/Madrid")), "es")
    kathmandu = fmt_time(at.astimezone(ZoneInfo("Asia/Kathmandu")), "es")
    assert (madrid, kathmandu) == ("12:00", "15:45")


def test_missing_translation_falls_back_to_english_text() -> None:
    assert t("fr", "next.heading") == "À venir"
    assert t("en", "zone.set", zone="UTC") == "Time zone set to UTC."


@pytest.mark.parametrize(
    ("lang", "count", "expected"),
    [("en", 1, "1 vote"), ("en", 0, "0 votes"), ("en", 2, "2 votes"), ("es", 1, "1 voto"),
     ("es", 3, "3 votos"), ("fr", 0, "0 vote"), ("fr", 1, "1 vote"), ("fr", 2, "2 votes")],
)  # fmt: skip
def test_counted_texts_follow_each_languages_plural_rule(
    lang: str, count: int, expected: str
) -> None:
    assert tn(lang, "polls.card.votes", count) == expected
