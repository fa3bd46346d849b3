from __future__ import annotations

import re
import string
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.i18n import (
    LANGUAGE_NAMES,
    LANGUAGES,
    catalog,
    day_first,
    fmt_day,
    fmt_day_phrase,
    fmt_time,
    negotiate,
    own_name,
    parse_language,
    t,
    tn,
)


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != "en"])
def test_every_language_has_the_same_keys_and_placeholders_as_english(lang: str) -> None:
    """Every language of bot/locales (es, fr, tr…: those with a core.<lang>.toml), key by key."""
    english, other = catalog("en"), catalog(lang)
    missing, extra = sorted(set(english) - set(other)), sorted(set(other) - set(english))
    assert not missing, f"bot/locales/*.{lang}.toml lacks {missing}"
    assert not extra, f"bot/locales/*.{lang}.toml has keys English lacks: {extra}"
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


def test_missing_translation_falls_back_to_english_text(monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.i18n

    french = {k: v for k, v in catalog("fr").items() if k != "zone.set"}
    real = bot.i18n.catalog
    monkeypatch.setattr(bot.i18n, "catalog", lambda lang: french if lang == "fr" else real(lang))
    assert t("fr", "zone.set", zone="UTC") == "Time zone set to UTC."  # English, not a KeyError
    assert t("fr", "next.heading") == "À venir"  # keys French has are still French


def test_a_key_missing_in_english_too_is_a_bug_that_raises() -> None:
    with pytest.raises(KeyError):
        t("fr", "no.such.key")


@pytest.mark.parametrize(
    ("lang", "count", "expected"),
    [("en", 1, "1 vote"), ("en", 0, "0 votes"), ("en", 2, "2 votes"), ("es", 1, "1 voto"),
     ("es", 3, "3 votos"), ("fr", 0, "0 vote"), ("fr", 1, "1 vote"), ("fr", 2, "2 votes")],
)  # fmt: skip
def test_counted_texts_follow_each_languages_plural_rule(
    lang: str, count: int, expected: str
) -> None:
    assert tn(lang, "polls.card.votes", count) == expected


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_text_writes_a_plural_as_s_or_es_in_brackets(lang: str) -> None:
    bracketed = [k for k, v in catalog(lang).items() if re.search(r"\w\((s|es|x)\)", v)]
    assert bracketed == []


_SLOT = {"slot": "mer. 6 oct.", "id": "hub-oct-6", "rooms": 4}


@pytest.mark.parametrize(
    ("lang", "key", "count", "values", "expected"),
    [
        ("en", "reload.problems", 1, {},
         "The schedule file has 1 problem; the running programme is unchanged:"),
        ("en", "reload.problems", 3, {},
         "The schedule file has 3 problems; the running programme is unchanged:"),
        ("es", "reload.problems", 1, {},
         "El archivo del programa tiene 1 problema; el programa en uso no cambia:"),
        ("es", "reload.problems", 2, {},
         "El archivo del programa tiene 2 problemas; el programa en uso no cambia:"),
        ("fr", "reload.problems", 1, {},
         "Le fichier du programme a 1 problème ; le programme en cours ne change pas :"),
        ("fr", "reload.problems", 2, {},
         "Le fichier du programme a 2 problèmes ; le programme en cours ne change pas :"),
        ("en", "reload.done", 1, {"sessions": 12},
         "Programme reloaded (12 sessions): 1 change, announced in the channel and to the "
         "followers of the session concerned."),
        ("es", "reload.done", 1, {"sessions": 12},
         "Programa recargado (12 sesiones): 1 cambio, anunciado en el canal y a quienes "
         "siguen la sesión afectada."),
        ("es", "reload.done", 2, {"sessions": 12},
         "Programa recargado (12 sesiones): 2 cambios, anunciados en el canal y a quienes "
         "siguen las sesiones afectadas."),
        ("fr", "reload.done", 1, {"sessions": 12},
         "Programme rechargé (12 sessions) : 1 changement, annoncé dans le canal et aux "
         "personnes qui suivent la session concernée."),
        ("fr", "reload.done", 2, {"sessions": 12},
         "Programme rechargé (12 sessions) : 2 changements, annoncés dans le canal et aux "
         "personnes qui suivent les sessions concernées."),
        ("en", "proposals.fix", 1, {}, "Please fix 1 answer:"),
        ("en", "proposals.fix", 2, {}, "Please fix 2 answers:"),
        ("es", "proposals.fix", 1, {}, "Corrige 1 respuesta, por favor:"),
        ("es", "proposals.fix", 2, {}, "Corrige 2 respuestas, por favor:"),
        ("fr", "proposals.fix", 1, {}, "Merci de corriger 1 réponse :"),
        ("fr", "proposals.fix", 2, {}, "Merci de corriger 2 réponses :"),
        ("en", "proposals.review.count", 2, {}, "2 proposals waiting for a decision:"),
        ("es", "proposals.review.count", 1, {}, "1 propuesta espera una decisión:"),
        ("es", "proposals.review.count", 2, {}, "2 propuestas esperan una decisión:"),
        ("fr", "proposals.review.count", 1, {}, "1 proposition en attente de décision :"),
        ("fr", "proposals.review.count", 2, {}, "2 propositions en attente de décision :"),
        ("en", "proposals.exported", 0, {},
         "0 proposals, one row each (UTF-8 CSV: opens in Excel, LibreOffice and Google "
         "Sheets)."),
        ("es", "proposals.exported", 1, {},
         "1 propuesta, en una fila (CSV UTF-8: se abre en Excel, LibreOffice y Google "
         "Sheets)."),
        ("fr", "proposals.exported", 0, {},
         "0 proposition (CSV UTF-8 : s'ouvre dans Excel, LibreOffice et Google Sheets)."),
        ("fr", "proposals.exported", 3, {},
         "3 propositions, une ligne chacune (CSV UTF-8 : s'ouvre dans Excel, LibreOffice "
         "et Google Sheets)."),
        ("fr", "proposals.slot_use", 0, {**_SLOT, "taken": 0},
         "mer. 6 oct. [hub-oct-6] : 0 salle prise sur 4"),
        ("fr", "proposals.slot_use", 2, {**_SLOT, "taken": 2},
         "mer. 6 oct. [hub-oct-6] : 2 salles prises sur 4"),
        ("en", "calendar.ready", 1, {}, "Your calendar file, 1 session:"),
        ("es", "calendar.ready", 1, {}, "Tu archivo de calendario, 1 sesión:"),
        ("es", "calendar.ready", 12, {}, "Tu archivo de calendario, 12 sesiones:"),
        ("fr", "calendar.ready", 1, {}, "Votre fichier d'agenda, 1 session :"),
        ("fr", "calendar.ready", 12, {}, "Votre fichier d'agenda, 12 sessions :"),
        ("en", "events.recreated", 2, {},
         "2 events deleted by hand in Discord were created again."),
        ("es", "events.recreated", 1, {},
         "Se volvió a crear 1 evento eliminado a mano en Discord."),
        ("es", "events.recreated", 2, {},
         "Se volvieron a crear 2 eventos eliminados a mano en Discord."),
        ("fr", "events.recreated", 1, {},
         "1 événement supprimé à la main dans Discord a été recréé."),
        ("fr", "events.recreated", 2, {},
         "2 événements supprimés à la main dans Discord ont été recréés."),
    ],
)  # fmt: skip
def test_reload_proposal_and_calendar_counts_are_singular_or_plural_in_each_language(
    lang: str, key: str, count: int, values: dict[str, object], expected: str
) -> None:
    assert tn(lang, key, count, **values) == expected


def test_the_languages_are_those_with_a_core_catalog_and_include_turkish() -> None:
    from importlib import resources

    files = {f.name for f in resources.files("bot.locales").iterdir()}
    assert set(LANGUAGES) == {n.split(".")[1] for n in files if n.startswith("core.")}
    assert {"es", "en", "fr", "tr"} <= set(LANGUAGES)
    features = {n.split(".")[0] for n in files if n.endswith(".en.toml")}
    for lang in LANGUAGES:  # every feature's catalog exists in every language
        assert {f"{feature}.{lang}.toml" for feature in features} <= files, lang


def test_adding_a_language_is_adding_its_catalog_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.i18n

    for name in ("core.en.toml", "core.de.toml", "polls.de.toml", "README.md"):
        (tmp_path / name).write_text("", encoding="utf-8")
    monkeypatch.setattr(bot.i18n.resources, "files", lambda package: tmp_path)
    assert bot.i18n._catalog_languages() == ("de", "en")


@pytest.mark.parametrize(
    ("hint", "expected"), [("tr", "tr"), ("tr-TR", "tr"), ("TR_tr", "tr"), ("de-DE", "en")]
)
def test_a_turkish_platform_locale_picks_turkish(hint: str, expected: str) -> None:
    assert negotiate(hint) == expected


@pytest.mark.parametrize(
    "typed", ["tr", "TR", "Türkçe", "turkce", "Turkish", "turco", "turc", " TÜRKÇE "]
)
def test_turkish_is_understood_by_code_or_by_its_name_in_every_language(typed: str) -> None:
    assert parse_language(typed) == "tr"


def test_language_names_come_from_babel_in_each_language_itself() -> None:
    assert LANGUAGE_NAMES["tr"] == "Türkçe" and LANGUAGE_NAMES["es"] == "Español"
    assert own_name("pt") == "Português" and own_name("zz-nonsense") == "zz-nonsense"


@pytest.mark.parametrize(
    ("count", "expected"), [(0, "0 oy"), (1, "1 oy"), (2, "2 oy"), (21, "21 oy")]
)
def test_turkish_counts_follow_babels_plural_rule(count: int, expected: str) -> None:
    assert tn("tr", "polls.card.votes", count) == expected


def test_turkish_dates_are_written_by_babel() -> None:
    day = date(2021, 10, 6)
    assert fmt_day(day, "tr") == "6 Ekim 2021 Çarşamba"
    assert fmt_day_phrase(day, "tr") == "6 Eki Çar"
    assert fmt_time(datetime(2021, 10, 6, 16, 5), "tr") == "16:05"
    assert fmt_day_phrase(day, "en") == "Wed, Oct 6" and fmt_day_phrase(day, "es") == "mié 6 oct"
    assert (day_first("tr"), day_first("es"), day_first("en")) == (True, True, False)


def test_programme_text_without_a_language_reads_english_and_with_it_that_language() -> None:
    from bot.programme import LANGS, LocalText

    assert "tr" in LANGS
    text = LocalText(es="Apertura", en="Opening", fr="Ouverture")
    assert (text.get("tr"), text.get("fr"), text.get("es")) == ("Opening", "Ouverture", "Apertura")
    assert LocalText(es="Apertura", en="Opening", tr="Açılış").get("tr") == "Açılış"
    with pytest.raises(ValueError, match="xx"):
        LocalText(es="Apertura", en="Opening", xx="?")  # no catalogs for xx: a typo
