"""A session's time inside a sentence (bot.render.when_phrase), in es, en, fr and tr."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from bot.config import BUNDLED_SCHEDULE
from bot.programme import load_programme
from bot.render import _when_phrase
from bot.zones import load_zone

PROGRAMME = load_programme(BUNDLED_SCHEDULE)
MADRID = load_zone("Europe/Madrid")


def _phrase(sid: str, lang: str, zone: str = "Europe/Madrid", *, dated: bool = False, **change):
    session = dataclasses.replace(PROGRAMME.by_id[sid], **change)
    return _when_phrase(session, load_zone(zone), lang, dated).replace("\u202f", " ")


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("es", "el mar 5 oct, de 13:30 a 15:30 CEST"),
        ("fr", "le mar. 5 oct., de 13:30 à 15:30 CEST"),
        ("en", "on Tue, Oct 5, from 1:30 PM to 3:30 PM CEST"),
        ("tr", "5 Eki Sal, saat 13:30 ile 15:30 arasında (CEST)"),
    ],
)
def test_a_dated_range_says_the_day_then_from_and_to(lang: str, expected: str) -> None:
    assert _phrase("climate-dialogue", lang, dated=True) == expected


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("es", "del mié 6 oct, 23:30, al jue 7 oct, 1:00 ACST"),
        ("fr", "du mer. 6 oct., 23:30, au jeu. 7 oct., 01:00 ACST"),
        ("en", "from Wed, Oct 6, 11:30 PM, to Thu, Oct 7, 1:00 AM ACST"),
        ("tr", "6 Eki Çar, 23:30 ile 7 Eki Per, 01:00 arasında (ACST)"),
    ],
)
def test_a_range_across_midnight_names_both_days(lang: str, expected: str) -> None:
    assert _phrase("water-justice", lang, "Australia/Darwin") == expected


@pytest.mark.parametrize(
    ("hour", "expected"),
    [(1, "a la 1:30 UTC"), (13, "a las 13:30 UTC"), (0, "a las 0:30 UTC")],
)
def test_a_start_without_an_end_uses_the_spanish_article_of_its_hour(
    hour: int, expected: str
) -> None:
    start = datetime(2021, 10, 6, hour, 30, tzinfo=UTC)
    phrase = _phrase("opening-plenary", "es", "UTC", starts_at=start, ends_at=None)
    assert phrase == expected
    assert _phrase("opening-plenary", "fr", "UTC", starts_at=start, ends_at=None).startswith("à ")


def test_an_untimed_item_says_all_day_in_a_sentence() -> None:
    assert _phrase("field-visits", "es") == "el jue 7 oct, todo el día"
    assert _phrase("field-visits", "fr") == "le jeu. 7 oct., toute la journée"
    assert _phrase("field-visits", "en") == "on Thu, Oct 7, all day"
