"""Bot text in every language the catalogs hold, and dates and times written with Babel.

Catalogs live in ``bot/locales/<feature>.<lang>.toml`` (one file per feature and language, merged
per language; a key may be defined once only). The bot speaks exactly the languages that have a
``core.<lang>.toml``: adding a language is adding its catalog files, no code names a language
(names come from Babel, dates too). Templates are translated first and formatted after
(``str.format`` placeholders). The language is chosen per call, never globally.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from datetime import date, datetime
from functools import cache, lru_cache
from importlib import resources
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_skeleton, format_time

#: The language every text falls back to; its catalogs define every key.
FALLBACK = "en"


def _catalog_languages() -> tuple[str, ...]:
    """The codes of the languages with a ``core.<lang>.toml`` catalog, in alphabetical order."""
    names = (f.name for f in resources.files("bot.locales").iterdir())
    return tuple(sorted(m.group(1) for n in names if (m := re.fullmatch(r"core\.(\w+)\.toml", n))))


#: A language code of :data:`LANGUAGES` (``en``, ``es``, ``fr``, ``tr``…).
Lang = str
LANGUAGES: tuple[Lang, ...] = _catalog_languages()


def own_name(code: str) -> str:
    """A language's name in itself, as a list item (Babel): ``English``, ``Español``,
    ``Français``, ``Türkçe``; any code Babel knows, the code itself otherwise."""
    try:
        name = Locale.parse(code).display_name or code
    except (ValueError, UnknownLocaleError):
        return code
    return name[:1].upper() + name[1:]


#: Each of :data:`LANGUAGES` by its own name.
LANGUAGE_NAMES: dict[str, str] = {code: own_name(code) for code in LANGUAGES}


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
        template = catalog(FALLBACK)[key]  # a missing English key is a bug: let it raise
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


def negotiate(hint: str | None, default: str = FALLBACK) -> str:
    """Pick one of :data:`LANGUAGES` from a platform locale such as Discord's ``es-ES``,
    ``en-GB``, ``fr`` or ``tr``."""
    if hint:
        base = hint.replace("_", "-").split("-")[0].lower()
        if base in LANGUAGES:
            return base
    return default if default in LANGUAGES else FALLBACK


def _folded(text: str) -> str:
    """Case- and accent-free (``Türkçe`` and ``turkce``, ``Français`` and ``francais`` meet)."""
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@cache
def _language_names() -> dict[str, str]:
    """Every name of each of :data:`LANGUAGES` in each of them (Babel's ``Locale.languages``:
    ``turco``, ``Turkish``, ``turc``, ``Türkçe``…), folded, to its code."""
    names: dict[str, str] = {}
    for display_in in LANGUAGES:
        known = Locale.parse(display_in).languages
        for code in LANGUAGES:
            if name := known.get(code):
                names.setdefault(_folded(name), code)
    return names


def parse_language(text: str) -> str | None:
    """A code of :data:`LANGUAGES`, or a language's name in any of them (``español``, ``French``,
    ``turco``, ``Türkçe``; case and accents ignored)."""
    q = _folded(text)
    if q in LANGUAGES:
        return q
    return _language_names().get(q)


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


@lru_cache(maxsize=8192)
def fmt_day_phrase(day: date, lang: str) -> str:
    """A short weekday and date in running text: ``Tue, Oct 5``, ``mar 5 oct``, ``mar. 5 oct.``.

    The catalog key ``dates.day_phrase`` may give a Babel pattern (CLDR's MMMEd skeleton puts a
    comma after the Spanish weekday, which reads badly in a sentence); empty: the skeleton."""
    pattern = catalog(lang).get("dates.day_phrase", "")
    if not pattern:
        return fmt_day_short(day, lang)
    return format_date(day, pattern, locale=lang)


@cache
def day_first(lang: str) -> bool:
    """Whether the language writes the day before the month in numeric dates (``6/10``: 6 Oct
    in Spanish, June 10 in English), from Babel's short date pattern."""
    pattern = Locale.parse(lang).date_formats["short"].pattern
    return pattern.find("d") < pattern.find("M")


@lru_cache(maxsize=1024)
def fmt_date_long(day: date, lang: str) -> str:
    return format_date(day, format="long", locale=lang)


def join_list(items: list[str], lang: str) -> str:
    from babel.lists import format_list

    return format_list(items, locale=lang) if items else ""
