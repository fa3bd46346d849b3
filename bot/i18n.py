"""Bot text in the forum's languages (es, en, fr), and dates and times written with Babel.

Catalogs live in ``bot/locales/<feature>.<lang>.toml`` (one file per feature and language, merged
per language; a key may be defined once only). Templates are translated first and formatted after
(``str.format`` placeholders). The language is chosen per call, never globally.
"""

from __future__ import annotations

import tomllib
from datetime import date, datetime
from functools import cache, lru_cache
from importlib import resources
from typing import Any, Literal

from babel import Locale
from babel.dates import format_date, format_skeleton, format_time

Lang = Literal["es", "en", "fr"]
LANGUAGES: tuple[Lang, ...] = ("es", "en", "fr")
LANGUAGE_NAMES: dict[str, str] = {"es": "Español", "en": "English", "fr": "Français"}


def _flatten(prefix: str, table: dict[str, Any], out: dict[str, str]) -> None:
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            _flatten(name + ".", value, out)
        else:
            out[name] = str(value)


@cache
def catalog(lang: str) -> dict[str, str]:
    out: dict[str, str] = {}
    files = sorted(
        (f for f in resources.files("bot.locales").iterdir() if f.name.endswith(f".{lang}.toml")),
        key=lambda f: f.name,
    )
    for file in files:
        part: dict[str, str] = {}
        _flatten("", tomllib.loads(file.read_text(encoding="utf-8")), part)
        clash = part.keys() & out.keys()
        if clash:
            raise RuntimeError(f"{file.name} redefines {sorted(clash)}")
        out.update(part)
    return out


def t(lang: str, key: str, /, **values: object) -> str:
    """The text for ``key`` in ``lang`` (English if the key is missing there), formatted."""
    template = catalog(lang).get(key)
    if template is None:
        template = catalog("en")[key]  # a missing English key is a bug: let it raise
    return template.format(**values) if values else template


@lru_cache(maxsize=256)
def _plural_form(lang: str, count: int) -> str:
    return Locale.parse(lang).plural_form(count)


def tn(lang: str, key: str, count: int, /, **values: object) -> str:
    """Like :func:`t`, for a text about ``count`` things: ``key_one`` when the language's plural
    rule says so (1 in English and Spanish; 0 and 1 in French), else ``key``."""
    form = _plural_form(lang, count)
    if form != "other" and f"{key}_{form}" in catalog(lang):
        key = f"{key}_{form}"
    return t(lang, key, count=count, **values)


def negotiate(hint: str | None, default: str = "en") -> str:
    """Pick es/en/fr from a platform locale such as Discord's ``es-ES``, ``en-GB`` or ``fr``."""
    if hint:
        base = hint.replace("_", "-").split("-")[0].lower()
        if base in LANGUAGES:
            return base
    return default if default in LANGUAGES else "en"


def parse_language(text: str) -> str | None:
    """``es``/``en``/``fr``, or a language name in any of them (``español``, ``French``…)."""
    q = text.strip().casefold()
    if q in LANGUAGES:
        return q
    for code in LANGUAGES:
        for display_in in LANGUAGES:
            name = Locale.parse(code).get_display_name(display_in) or ""
            if q == name.casefold():
                return code
    return None


def fmt_time(local: datetime, lang: str) -> str:
    """A wall-clock time (``13:30`` or ``1:30 PM``) in the language's usual style."""
    # Aware datetimes that are the same instant compare (and hash) equal whatever their zone,
    # so the cache is keyed on the naive wall time, never on the aware datetime itself.
    return _fmt_wall_time(local.replace(tzinfo=None), lang)


@lru_cache(maxsize=65536)
def _fmt_wall_time(wall: datetime, lang: str) -> str:
    return format_time(wall, format="short", locale=lang)


def language_name(code: str, *, in_lang: str | None = None) -> str:
    """The language's name for running text (``español``, ``français``, ``English``)."""
    return Locale.parse(code).get_display_name(in_lang or code) or code


@lru_cache(maxsize=8192)
def fmt_day(day: date, lang: str) -> str:
    """A full date: ``Wednesday, October 6, 2021`` / ``miércoles, 6 de octubre de 2021``."""
    return format_date(day, format="full", locale=lang)


@lru_cache(maxsize=8192)
def fmt_day_short(day: date, lang: str) -> str:
    """A short weekday and date: ``Wed, Oct 6`` / ``mié, 6 oct`` / ``mer. 6 oct.``."""
    return format_skeleton("MMMEd", day, locale=lang)


#: A date inside a sentence: "el mié 6 oct, de…", "le mar. 5 oct., de…", "on Tue, Oct 5, from…"
#: (CLDR's MMMEd skeleton puts a comma after the Spanish weekday, which reads badly there).
_PHRASE_DAY_PATTERNS = {"es": "EEE d MMM", "fr": "EEE d MMM", "en": "EEE, MMM d"}


@lru_cache(maxsize=8192)
def fmt_day_phrase(day: date, lang: str) -> str:
    """A short weekday and date in running text: ``Tue, Oct 5``, ``mar 5 oct``, ``mar. 5 oct.``."""
    pattern = _PHRASE_DAY_PATTERNS.get(lang)
    if pattern is None:
        return fmt_day_short(day, lang)
    return format_date(day, pattern, locale=lang)


@lru_cache(maxsize=1024)
def fmt_date_long(day: date, lang: str) -> str:
    return format_date(day, format="long", locale=lang)


def join_list(items: list[str], lang: str) -> str:
    from babel.lists import format_list

    return format_list(items, locale=lang) if items else ""
