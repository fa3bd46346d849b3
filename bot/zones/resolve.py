"""What a participant typed -> a zone key (offsets, IANA names, abbreviations, cities, places,
with suggestions when nothing matches), stored keys -> zones, and autocomplete."""

from __future__ import annotations

import difflib
import functools
import re
from datetime import timedelta, timezone
from zoneinfo import ZoneInfo

from bot.zones.countries import countries
from bot.zones.model import (
    MAX_INPUT_CHARS,
    MAX_OFFSET,
    MAX_SUGGESTIONS,
    MIN_OFFSET,
    UserZone,
    ZoneError,
    _short,
    utc_offset_text,
)
from bot.zones.names import (
    DEFAULT_ZONES,
    _abbreviation_rank,
    _abbreviations,
    _fold,
    _index,
    _rank,
    _zone_names,
)

_UTC_WORDS = frozenset({"utc", "gmt", "z"})
_OFFSET_RE = re.compile(r"(?:utc|gmt)?([+-])(\d{1,2})(?::?(\d{2}))?")
_FIXED_KEY_RE = re.compile(r"UTC[+-]\d\d:\d\d")


def _fixed_key(offset: timedelta) -> str:
    return "UTC" if not offset else utc_offset_text(offset)


def _check_offset(text: str, offset: timedelta, minutes: int) -> None:
    if minutes not in (0, 15, 30, 45):
        raise ZoneError(
            text,
            "bad_minutes",
            message=f"offset {_short(text)}: minutes must be 00, 15, 30 or 45",
        )
    if not MIN_OFFSET <= offset <= MAX_OFFSET:
        raise ZoneError(
            text,
            "out_of_range",
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
            by_offset.values(),
            key=lambda zones: (*_abbreviation_rank(zones[0])[:2], -len(zones), zones[0]),
        )
        raise ZoneError(text, "ambiguous", [zones[0] for zones in groups])
    cities = index.cities.get(folded, frozenset())
    if cities & index.current:
        return _pick(text, cities)
    if folded in index.localized:
        return _pick(text, index.localized[folded])
    # Countries before the city parts of legacy names: "Samoa" is the country (Pacific/Apia),
    # not the legacy US/Samoa (Pacific/Pago_Pago, which is "American Samoa").
    country = countries().get(folded)
    if country is not None:
        if len(country) == 1:
            return country[0]
        raise ZoneError(text, "ambiguous", country)
    if cities:
        return _pick(text, cities)
    return None


@functools.cache
def _terms() -> tuple[tuple[str, str, int], ...]:
    """(folded term, key, tier): 0 for current names, cities and places, 1 for country names
    (each with every zone it offers), 2 for legacy names; a lower tier is suggested first."""
    terms = [(term, key, 2 if legacy else 0) for term, key, legacy in _index().terms]
    terms.extend((name, zone, 1) for name, zones in countries().items() for zone in zones)
    return tuple(terms)


@functools.cache
def _fuzzy_choices() -> dict[str, str]:
    index = _index()
    choices: dict[str, str] = {}
    for term, key, _tier in _terms():
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
        try:
            offset_key = _parse_offset(key)
        except ZoneError as error:  # a stored key: not the typist's offset problem
            raise ZoneError(key, "unknown", message=str(error)) from None
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
        best: dict[str, tuple[bool, int, int]] = {}
        skip_etc = not query.startswith("etc")
        for term, key, tier in _terms():
            if skip_etc and key.startswith("Etc/"):
                continue
            score = _match_score(query, term)
            if score is not None and (tier == 2, score, tier) < best.get(key, (True, 9, 9)):
                best[key] = (tier == 2, score, tier)
        ranked = sorted(best, key=lambda key: (best[key], _rank(key)))
        found.update(dict.fromkeys(ranked))
    return list(found)[:limit]
