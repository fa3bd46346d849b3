"""Participants' own time zones: parse what they type, store a key, label the times shown.

Everything comes from data shipped with the project: ``zoneinfo`` (system zoneinfo or the
``tzdata`` package) for names, offsets and abbreviations, Babel's CLDR data for localized city
names. The only hand-written table is :data:`PLACE_ALIASES`, a few place names that are neither
IANA city parts nor CLDR exemplar cities.
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from datetime import tzinfo as TzInfo
from importlib import resources
from typing import Literal
from zoneinfo import ZoneInfo, available_timezones

__all__ = [
    "PLACE_ALIASES",
    "UserZone",
    "ZoneError",
    "load_zone",
    "resolve_zone",
    "suggest_zones",
    "utc_offset_text",
]

Reason = Literal["unknown", "ambiguous", "empty", "too_long"]

MAX_INPUT_CHARS = 100
MAX_SUGGESTIONS = 5
MIN_OFFSET = timedelta(hours=-12)
MAX_OFFSET = timedelta(hours=14)

#: Place name -> IANA zone, for places that are neither an IANA city part nor a CLDR exemplar
#: city in en/es/fr. The first block are the forum's and UCLG's own places.
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
_CITY_LOCALES = ("en", "es", "fr")
_EXCLUDED_NAMES = frozenset({"Factory", "localtime", "posixrules"})
_DEFAULT_POSITION = {zone: i for i, zone in enumerate(DEFAULT_ZONES)}
_UTC_WORDS = frozenset({"utc", "gmt", "z"})

_OFFSET_RE = re.compile(r"(?:utc|gmt)?([+-])(\d{1,2})(?::?(\d{2}))?")
_FIXED_KEY_RE = re.compile(r"UTC[+-]\d\d:\d\d")
_DROP_CHARS = str.maketrans({c: None for c in ".,'’`\"()"})
_SPECIAL_LETTERS = str.maketrans({"ı": "i", "ø": "o", "đ": "d", "ł": "l", "æ": "ae", "œ": "oe"})
_SEPARATORS_RE = re.compile(r"(?:[\s_]|-(?!\d))+")
_SLASH_RE = re.compile(r"_?/_?")


class ZoneError(ValueError):
    """What the user typed is not a usable time zone; ``reason`` says why."""

    def __init__(
        self,
        text: str,
        reason: Reason,
        suggestions: Iterable[str] = (),
        message: str | None = None,
    ) -> None:
        self.text = text
        self.reason: Reason = reason
        self.suggestions: list[str] = list(suggestions)[:MAX_SUGGESTIONS]
        super().__init__(message or _default_message(text, reason, self.suggestions))

    def __reduce__(self) -> tuple[type[ZoneError], tuple[str, Reason, list[str], str]]:
        return (type(self), (self.text, self.reason, self.suggestions, str(self)))


def _short(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:40] + "…")


def _default_message(text: str, reason: Reason, suggestions: list[str]) -> str:
    if reason == "empty":
        return "no time zone given"
    if reason == "too_long":
        return f"time zone text of {len(text)} characters is too long (at most {MAX_INPUT_CHARS})"
    if reason == "ambiguous":
        return f"{_short(text)} matches several time zones: {', '.join(suggestions)}"
    hint = f"; did you mean {', '.join(suggestions)}?" if suggestions else ""
    return f"unknown time zone {_short(text)}{hint}"


def utc_offset_text(offset: timedelta) -> str:
    """Format an offset as ``UTC+05:45`` / ``UTC-03:30`` / ``UTC+00:00``."""
    seconds = offset // timedelta(seconds=1)
    sign = "-" if seconds < 0 else "+"
    hours, rest = divmod(abs(seconds), 3600)
    minutes, seconds = divmod(rest, 60)
    text = f"UTC{sign}{hours:02d}:{minutes:02d}"
    return f"{text}:{seconds:02d}" if seconds else text


@functools.lru_cache(maxsize=512)
def _label_text(abbreviation: str | None, offset: timedelta) -> str:
    if abbreviation and abbreviation.isascii() and abbreviation.isalpha():
        return abbreviation
    return utc_offset_text(offset)


def _naive(at: datetime) -> ValueError:
    return ValueError(f"naive datetime {at.isoformat()}: an aware instant is required")


@dataclass(frozen=True, slots=True)
class UserZone:
    """A participant's zone: the stored ``key`` and the ``tzinfo`` it stands for."""

    key: str
    tzinfo: TzInfo

    def label(self, at: datetime) -> str:
        """Short name at instant ``at``: ``CEST``, ``NZDT``, ``UTC+05:45``, ``UTC``."""
        if at.tzinfo is None:
            raise _naive(at)
        if not isinstance(self.tzinfo, ZoneInfo):  # fixed offset: the key says it all
            return self.key
        local = at.astimezone(self.tzinfo)
        return _label_text(local.tzname(), local.utcoffset() or timedelta(0))

    def describe(self, at: datetime) -> str:
        """Longer form for confirmations: ``Europe/Madrid (CEST, UTC+02:00)``."""
        label = self.label(at)
        if not isinstance(self.tzinfo, ZoneInfo):
            return self.key
        offset = utc_offset_text(at.astimezone(self.tzinfo).utcoffset() or timedelta(0))
        parts = [label] if label not in (self.key, offset) else []
        if label != "UTC":
            parts.append(offset)
        return f"{self.key} ({', '.join(parts)})" if parts else self.key


# --- name indexes (built lazily, once) -------------------------------------------------------


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
    table.pop("utc", None)
    table.pop("gmt", None)
    return {
        abbreviation: {offset: tuple(sorted(zones, key=_rank)) for offset, zones in by.items()}
        for abbreviation, by in table.items()
    }


# --- resolution -------------------------------------------------------------------------------


def _fixed_key(offset: timedelta) -> str:
    return "UTC" if not offset else utc_offset_text(offset)


def _check_offset(text: str, offset: timedelta, minutes: int) -> None:
    if minutes not in (0, 15, 30, 45):
        raise ZoneError(
            text,
            "unknown",
            message=f"offset {_short(text)}: minutes must be 00, 15, 30 or 45",
        )
    if not MIN_OFFSET <= offset <= MAX_OFFSET:
        raise ZoneError(
            text,
            "unknown",
            message=f"offset {_short(text)} is outside UTC-12:00..UTC+14:00",
        )


def _parse_offset(text: str) -> str | None:
    """``UTC+3``, ``+05:30``, ``GMT-3``, ``UTC+0545`` -> fixed key; None if not offset syntax."""
    compact = "".join(text.split()).casefold().replace("−", "-")
    if compact in _UTC_WORDS:
        return "UTC"
    match = _OFFSET_RE.fullmatch(compact)
    if match is None:
        return None
    sign, hours, minutes = match[1], int(match[2]), int(match[3] or 0)
    offset = timedelta(hours=hours, minutes=minutes) * (-1 if sign == "-" else 1)
    _check_offset(text, offset, minutes)
    return _fixed_key(offset)


def _pick(text: str, names: frozenset[str]) -> str:
    """One zone from those a city name matches: the current one, else raise ambiguous."""
    index = _index()
    current = {name for name in names if name in index.current}
    pool = current or {index.canonical(name) for name in names}
    if len(pool) == 1:
        return next(iter(pool))
    raise ZoneError(text, "ambiguous", sorted(pool, key=_rank))


def _lookup(text: str) -> str | None:
    """The key for ``text`` by exact means (no fuzzy matching); None if nothing matched."""
    offset_key = _parse_offset(text)
    if offset_key is not None:
        return offset_key
    folded = _fold(text)
    if not folded:
        return None
    index = _index()
    if folded in index.names:
        return index.names[folded]
    if folded in index.aliases:
        return index.aliases[folded]
    # Abbreviations before city parts, so that "WEST" is not the legacy "Australia/West".
    by_offset = _abbreviations().get(folded) if folded.isascii() and folded.isalpha() else None
    if by_offset is not None:
        if len(by_offset) == 1:
            return _fixed_key(next(iter(by_offset)))
        groups = sorted(
            by_offset.values(), key=lambda zones: (_rank(zones[0])[0], -len(zones), zones[0])
        )
        raise ZoneError(text, "ambiguous", [zones[0] for zones in groups])
    if folded in index.cities:
        return _pick(text, index.cities[folded])
    if folded in index.localized:
        return _pick(text, index.localized[folded])
    return None


@functools.cache
def _fuzzy_choices() -> dict[str, str]:
    index = _index()
    choices: dict[str, str] = {}
    for term, key, _legacy in index.terms:
        choices.setdefault(term, index.canonical(key))
    return choices


def _close_matches(text: str) -> list[str]:
    """Up to five keys whose names look like ``text`` (difflib), deduplicated."""
    folded = _fold(text)
    if not folded:
        return []
    choices = _fuzzy_choices()
    # A full name must be very close (all of "Europe/" is shared); a city part a little less.
    queries = [(folded, 0.85), (folded.rsplit("/", 1)[-1], 0.75)] if "/" in folded else []
    keys: dict[str, None] = {}
    for query, cutoff in queries or [(folded, 0.75)]:
        for term in difflib.get_close_matches(query, choices, n=10, cutoff=cutoff):
            keys.setdefault(choices[term], None)
    return list(keys)[:MAX_SUGGESTIONS]


def resolve_zone(text: str) -> UserZone:
    """Turn what a participant typed into a zone; raises :class:`ZoneError`."""
    stripped = text.strip()
    if not stripped:
        raise ZoneError(text, "empty")
    if len(stripped) > MAX_INPUT_CHARS:
        raise ZoneError(text, "too_long")
    if "/" in stripped and stripped in _zone_names():  # fast path: exact IANA name
        return load_zone(stripped)
    key = _lookup(stripped)
    if key is None:
        raise ZoneError(text, "unknown", _close_matches(stripped))
    return load_zone(key)


@functools.lru_cache(maxsize=1024)
def load_zone(key: str) -> UserZone:
    """The zone for a stored key (IANA name or ``UTC+05:45``); raises :class:`ZoneError`."""
    if _FIXED_KEY_RE.fullmatch(key):
        offset_key = _parse_offset(key)
        if offset_key == key or (key == "UTC+00:00" and offset_key == "UTC"):
            offset = timedelta(hours=int(key[3:6]), minutes=int(key[3] + key[7:9]))
            return UserZone(key, timezone(offset))
    elif key in _zone_names():
        return UserZone(key, ZoneInfo(key))
    suggestions = _close_matches(key) if 0 < len(key) <= MAX_INPUT_CHARS else []
    raise ZoneError(key, "unknown", suggestions, f"stored time zone {_short(key)} is not valid")


# --- autocomplete -----------------------------------------------------------------------------


def _match_score(query: str, term: str) -> int | None:
    if term == query:
        return 0
    if term.startswith(query):
        return 1
    position = term.find(query)
    if position < 0:
        return None
    return 2 if term[position - 1] in "/_" else 3


def suggest_zones(text: str, limit: int = 25) -> list[str]:
    """Zone keys matching what is typed so far, best first (for autocomplete)."""
    if limit <= 0:
        return []
    stripped = text.strip()
    if not stripped:
        return list(DEFAULT_ZONES[:limit])
    if len(stripped) > MAX_INPUT_CHARS:
        return []
    found: dict[str, None] = {}
    try:
        key = _lookup(stripped)
    except ZoneError as error:
        found.update(dict.fromkeys(error.suggestions))
    else:
        if key is not None:
            found[key] = None
    query = _fold(stripped)
    if query:
        best: dict[str, tuple[bool, int]] = {}
        skip_etc = not query.startswith("etc")
        for term, key, legacy in _index().terms:
            if skip_etc and key.startswith("Etc/"):
                continue
            score = _match_score(query, term)
            if score is not None and (legacy, score) < best.get(key, (True, 9)):
                best[key] = (legacy, score)
        ranked = sorted(best, key=lambda key: (best[key], _rank(key)))
        found.update(dict.fromkeys(ranked))
    return list(found)[:limit]
