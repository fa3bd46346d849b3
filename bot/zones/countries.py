"""Country names -> the zones used there, from shipped data only: tzdata's ``zone.tab`` (country
code -> zones, most populous first where that makes geographical sense) and CLDR's territory
names in every language of the catalogs (Babel), so "Samoa", "American Samoa", "Estados Unidos",
"Turquía", "Allemagne" and "Almanya" all resolve.

Zones of one country that keep the same clock (the same UTC offset at every instant of
:data:`~bot.zones.names._ABBREVIATION_INSTANTS`) are one choice: Germany's Berlin and Büsingen
are just Europe/Berlin, while Spain is Europe/Madrid or Atlantic/Canary."""

from __future__ import annotations

import functools
from datetime import timedelta
from zoneinfo import ZoneInfo

from bot.i18n import LANGUAGES
from bot.zones.names import _ABBREVIATION_INSTANTS, _fold, _rank, _tzdata_text, _zone_names

_NAME_LOCALES = LANGUAGES  # the languages of the catalogs


@functools.cache
def _zone_tab() -> dict[str, tuple[str, ...]]:
    """Country code -> its zones in ``zone.tab`` order."""
    names = _zone_names()
    found: dict[str, list[str]] = {}
    for line in _tzdata_text("zone.tab").splitlines():
        fields = line.split("\t")
        if not line.startswith("#") and len(fields) >= 3 and fields[2] in names:
            found.setdefault(fields[0], []).append(fields[2])
    return {code: tuple(zones) for code, zones in found.items()}


def _clock(zone: str) -> tuple[timedelta | None, ...]:
    tz = ZoneInfo(zone)
    return tuple(at.astimezone(tz).utcoffset() for at in _ABBREVIATION_INSTANTS)


def _choices(zones: tuple[str, ...]) -> tuple[str, ...]:
    """One zone per distinct clock: the best known of each group (forum and default zones
    first, then tzdata's order), groups in that same order."""
    groups: dict[tuple[timedelta | None, ...], list[str]] = {}
    for zone in zones:
        groups.setdefault(_clock(zone), []).append(zone)
    order = {zone: i for i, zone in enumerate(zones)}

    def best(zone: str) -> tuple[int, int]:
        return (_rank(zone)[0], order[zone])

    picks = [min(group, key=best) for group in groups.values()]
    return tuple(sorted(picks, key=best))


@functools.cache
def countries() -> dict[str, tuple[str, ...]]:
    """Folded country name (in every language of the catalogs) -> the zones to offer, best first
    (one if it has one)."""
    by_code = _zone_tab()
    try:
        from babel import Locale
    except ImportError:  # pragma: no cover - babel is a dependency
        return {}
    codes: dict[str, set[str]] = {}
    for locale in _NAME_LOCALES:
        for code, name in Locale.parse(locale).territories.items():
            if code in by_code:
                codes.setdefault(_fold(name), set()).add(code)
    found: dict[str, tuple[str, ...]] = {}
    for name, same_name in codes.items():
        zones = tuple(zone for code in sorted(same_name) for zone in by_code[code])
        found[name] = _choices(zones)
    return found
