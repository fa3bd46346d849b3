"""Participants' own time zones: parse what they type, store a key, label the times shown.

Everything comes from data shipped with the project: ``zoneinfo`` (system zoneinfo or the
``tzdata`` package) for names, offsets, abbreviations and each country's zones (``zone.tab``),
Babel's CLDR data for localized city and country names. The hand-written tables are small:
:data:`PLACE_ALIASES`, a few place names that are neither IANA city parts nor CLDR exemplar
cities, and two for abbreviations (``EXTRA_ABBREVIATIONS``, ``ABBREVIATION_FIRST``).

The package: ``model`` (:class:`UserZone`, :class:`ZoneError`, labels), ``names`` (indexes of
zone names, cities, abbreviations and places), ``countries`` (country names -> zones),
``resolve`` (typed text -> zone, autocomplete).
Everything is imported from here.
"""

from __future__ import annotations

from bot.zones.model import (
    MAX_INPUT_CHARS,
    MAX_OFFSET,
    MAX_SUGGESTIONS,
    MIN_OFFSET,
    Reason,
    UserZone,
    ZoneError,
    _label_text,
    utc_offset_text,
)
from bot.zones.names import (
    _ABBREVIATION_INSTANTS,
    DEFAULT_ZONES,
    PLACE_ALIASES,
    _abbreviations,
    _fold,
    _index,
    _rank,
    _zone_names,
)
from bot.zones.resolve import load_zone, resolve_zone, suggest_zones

__all__ = [
    "DEFAULT_ZONES",
    "MAX_INPUT_CHARS",
    "MAX_OFFSET",
    "MAX_SUGGESTIONS",
    "MIN_OFFSET",
    "PLACE_ALIASES",
    "_ABBREVIATION_INSTANTS",
    "Reason",
    "UserZone",
    "ZoneError",
    "_abbreviations",
    "_fold",
    "_index",
    "_label_text",
    "_rank",
    "_zone_names",
    "load_zone",
    "resolve_zone",
    "suggest_zones",
    "utc_offset_text",
]
