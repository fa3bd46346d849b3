"""Zone names from shipped data: IANA names and links (tzdata), CLDR exemplar cities in every
language of the catalogs (Babel), tzdata abbreviations, and the few :data:`PLACE_ALIASES`.
Indexes are built lazily, once per process."""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import resources
from zoneinfo import ZoneInfo, available_timezones

from bot.i18n import LANGUAGES

#: Place name -> IANA zone, for places that are neither an IANA city part nor a CLDR exemplar
#: city in a language of the catalogs. The first block are the forum's and UCLG's own places.
PLACE_ALIASES: dict[str, str] = {
    "Kütahya": "Europe/Istanbul",  # 2021 forum host city
    "Ankara": "Europe/Istanbul",
    "İzmir": "Europe/Istanbul",
    "Chefchaouen": "Africa/Casablanca",  # first forum, 2016
    "Rabat": "Africa/Casablanca",
    "Barcelona": "Europe/Madrid",  # UCLG world secretariat
    "Sevilla": "Europe/Madrid",
    "Delhi": "Asia/Kolkata",
    "New Delhi": "Asia/Kolkata",
    "Mumbai": "Asia/Kolkata",
    "Bengaluru": "Asia/Kolkata",
    "Beijing": "Asia/Shanghai",
    "Guangzhou": "Asia/Shanghai",
    "Osaka": "Asia/Tokyo",
    "Islamabad": "Asia/Karachi",
    "Abuja": "Africa/Lagos",
    "Pretoria": "Africa/Johannesburg",
    "Cape Town": "Africa/Johannesburg",
    "Washington": "America/New_York",
    "Washington DC": "America/New_York",
    "San Francisco": "America/Los_Angeles",
    "Ottawa": "America/Toronto",
    "Brasília": "America/Sao_Paulo",
    "Rio de Janeiro": "America/Sao_Paulo",
    "Quito": "America/Guayaquil",
    "Geneva": "Europe/Zurich",
}

#: Suggested when nothing is typed yet (forum zones first, then a spread round the world); the
#: order also ranks the suggestions for an ambiguous abbreviation.
DEFAULT_ZONES: tuple[str, ...] = (
    "Europe/Madrid",
    "Europe/Istanbul",
    "UTC",
    "Europe/London",
    "Africa/Casablanca",
    "Africa/Lagos",
    "Africa/Cairo",
    "Africa/Johannesburg",
    "Africa/Nairobi",
    "Asia/Dubai",
    "Asia/Karachi",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Asia/Dhaka",
    "Asia/Jakarta",
    "Asia/Shanghai",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Pacific/Auckland",
    "America/Sao_Paulo",
    "America/Argentina/Buenos_Aires",
    "America/Bogota",
    "America/Mexico_City",
    "America/New_York",
    "America/Los_Angeles",
)

#: Abbreviations in common use that tzdata does not write (it shows "+06" in Dhaka), with the
#: zone they name, so that "BST" asks: British Summer Time or Bangladesh Standard Time.
EXTRA_ABBREVIATIONS: dict[str, str] = {"BST": "Asia/Dhaka"}

#: Zones listed first among those sharing an abbreviation: North American usage, so that "CST"
#: offers America/Chicago before China's and Cuba's CST.
ABBREVIATION_FIRST: tuple[str, ...] = (
    "America/Chicago",
    "America/New_York",
    "America/Denver",
    "America/Los_Angeles",
)

#: Instants sampled for the abbreviation table (with "now"): the forum, a winter, a summer.
_ABBREVIATION_INSTANTS: tuple[datetime, ...] = (
    datetime(2021, 10, 6, 12, tzinfo=UTC),
    datetime(2022, 1, 15, 12, tzinfo=UTC),
    datetime(2022, 7, 15, 12, tzinfo=UTC),
    # Fixed recent samples rather than the wall clock, so the table (and every answer built on
    # it) is the same on every run and machine with the same tzdata.
    datetime(2026, 1, 15, 12, tzinfo=UTC),
    datetime(2026, 7, 15, 12, tzinfo=UTC),
)

_CITY_LOCALES = LANGUAGES  # the languages of the catalogs
_EXCLUDED_NAMES = frozenset({"Factory", "localtime", "posixrules"})
_DEFAULT_POSITION = {zone: i for i, zone in enumerate(DEFAULT_ZONES)}
_ABBREVIATION_POSITION = {zone: i for i, zone in enumerate(ABBREVIATION_FIRST)}
_DROP_CHARS = str.maketrans({c: None for c in ".,'’`\"()"})
_SPECIAL_LETTERS = str.maketrans({"ı": "i", "ø": "o", "đ": "d", "ł": "l", "æ": "ae", "œ": "oe"})
_SEPARATORS_RE = re.compile(r"(?:[\s_]|-(?!\d))+")
_SLASH_RE = re.compile(r"_?/_?")


def _fold(text: str) -> str:
    """Comparison form: accent- and case-insensitive, spaces/underscores/hyphens alike."""
    text = unicodedata.normalize("NFKD", text.strip())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.casefold().translate(_SPECIAL_LETTERS).translate(_DROP_CHARS)
    return _SLASH_RE.sub("/", _SEPARATORS_RE.sub("_", text)).strip("_")


@functools.cache
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones() - _EXCLUDED_NAMES)


@dataclass(frozen=True, slots=True)
class _Index:
    names: dict[str, str]  # folded IANA name -> IANA name
    current: frozenset[str]  # zones proper and current zone.tab locations (not legacy links)
    links: dict[str, str]  # legacy/alias name -> zone it links to
    cities: dict[str, frozenset[str]]  # folded city part ("kathmandu", "indiana/knox") -> names
    localized: dict[str, frozenset[str]]  # folded CLDR exemplar city -> names
    aliases: dict[str, str]  # folded PLACE_ALIASES key -> name
    terms: tuple[tuple[str, str, bool], ...]  # (folded term, key, is_legacy) for suggestions

    def canonical(self, name: str) -> str:
        """The current zone a legacy name links to (or the name itself)."""
        return _canonical(name, self.current, self.links)


def _canonical(name: str, current: frozenset[str], links: dict[str, str]) -> str:
    for _ in range(5):
        if name in current or name not in links:
            break
        name = links[name]
    return name


def _tzdata_text(filename: str) -> str:
    try:
        return resources.files("tzdata").joinpath("zoneinfo", filename).read_text("utf-8")
    except (ModuleNotFoundError, FileNotFoundError, OSError):
        return ""


def _zone_structure(names: frozenset[str]) -> tuple[frozenset[str], dict[str, str]]:
    """Zones proper and links from tzdata's ``tzdata.zi`` and ``zone.tab``."""
    zones: set[str] = set()
    links: dict[str, str] = {}
    for line in _tzdata_text("tzdata.zi").splitlines():
        if line.startswith("Z "):
            zones.add(line.split()[1])
        elif line.startswith("L "):
            _, target, link = line.split()[:3]
            links[link] = target
    for line in _tzdata_text("zone.tab").splitlines():
        fields = line.split("\t")
        if not line.startswith("#") and len(fields) >= 3:
            zones.add(fields[2])
    if not zones:  # no tzdata package: treat every name as current
        return names, {}
    return frozenset((zones | {"UTC"}) & names), links


def _cldr_cities(names: frozenset[str]) -> dict[str, set[str]]:
    try:
        from babel import Locale
        from babel.core import get_global
    except ImportError:  # pragma: no cover - babel is a dependency
        return {}
    zone_aliases = get_global("zone_aliases")
    found: dict[str, set[str]] = {}
    for code in _CITY_LOCALES:
        for cldr_id, data in Locale.parse(code).time_zones.items():
            city = data.get("city")
            name = zone_aliases.get(cldr_id, cldr_id)
            if city and name in names:
                found.setdefault(_fold(city), set()).add(name)
    return found


@functools.cache
def _index() -> _Index:
    names = _zone_names()
    current, links = _zone_structure(names)
    folded = {_fold(name): name for name in names}
    cities: dict[str, set[str]] = {}
    terms: list[tuple[str, str, bool]] = []
    for fold, name in folded.items():
        legacy = name not in current
        terms.append((fold, name, legacy))
        if name.startswith("Etc/"):  # "GMT+5" etc. must not be found by their city part
            continue
        for i in range(1, fold.count("/") + 1):
            city = fold.split("/", i)[i]
            cities.setdefault(city, set()).add(name)
            terms.append((city, name, legacy))
    localized = _cldr_cities(names)
    aliases = {_fold(place): zone for place, zone in PLACE_ALIASES.items() if zone in names}
    for fold, zones in localized.items():
        terms.extend((fold, _canonical(zone, current, links), False) for zone in zones)
    terms.extend((fold, _canonical(zone, current, links), False) for fold, zone in aliases.items())
    return _Index(
        names=folded,
        current=current,
        links=links,
        cities={k: frozenset(v) for k, v in cities.items()},
        localized={k: frozenset(v) for k, v in localized.items()},
        aliases=aliases,
        terms=tuple(terms),
    )


def _rank(zone: str) -> tuple[int, str]:
    """Sort key: zones of :data:`DEFAULT_ZONES` first, in that order, then by name."""
    return (_DEFAULT_POSITION.get(zone, len(DEFAULT_ZONES)), zone)


@functools.cache
def _abbreviations() -> dict[str, dict[timedelta, tuple[str, ...]]]:
    """Alphabetic tzdata abbreviation (casefolded) -> offset -> zones using it, best first."""
    index = _index()
    instants = _ABBREVIATION_INSTANTS
    table: dict[str, dict[timedelta, set[str]]] = {}
    for name in index.current:
        try:
            zone = ZoneInfo(name)
        except (ValueError, OSError):
            continue
        for instant in instants:
            local = instant.astimezone(zone)
            abbreviation = local.tzname() or ""
            offset = local.utcoffset()
            if abbreviation.isascii() and abbreviation.isalpha() and offset is not None:
                table.setdefault(abbreviation.casefold(), {}).setdefault(offset, set()).add(name)
    for abbreviation, name in EXTRA_ABBREVIATIONS.items():
        offset = instants[0].astimezone(ZoneInfo(name)).utcoffset()
        if offset is not None:
            table.setdefault(abbreviation.casefold(), {}).setdefault(offset, set()).add(name)
    table.pop("utc", None)
    table.pop("gmt", None)
    return {
        abbreviation: {
            offset: tuple(sorted(zones, key=_abbreviation_rank)) for offset, zones in by.items()
        }
        for abbreviation, by in table.items()
    }


def _abbreviation_rank(zone: str) -> tuple[int, int, str]:
    """Sort key among zones sharing an abbreviation: :data:`ABBREVIATION_FIRST`, then
    :func:`_rank`."""
    position, name = _rank(zone)
    return (_ABBREVIATION_POSITION.get(zone, len(ABBREVIATION_FIRST)), position, name)
