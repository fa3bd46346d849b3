"""Wall times of ``schedule.yaml`` (``HH:MM`` on the session's date, or ``YYYY-MM-DDTHH:MM``
on another day) turned into UTC instants, or the problem with them (clock changes)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo

from bot.programme.problems import Problem
from bot.yamlsrc import Path as NodePath
from bot.yamlsrc import line_of

_HHMM = re.compile(r"^(?:[01]\d|2[0-3]):[0-5]\d$")
#: A wall time on another date than the session's programme day (past midnight, or a session
#: longer than a day): ``2021-10-06T00:30`` (``T`` or a space).
_DATE_HHMM = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ]((?:[01]\d|2[0-3]):[0-5]\d)$")


def local_time(
    day: date,
    text: str | None,
    zone: ZoneInfo,
    where: str,
    path: NodePath,
    lines: dict[NodePath, int],
    problems: list[Problem],
) -> datetime | None:
    if text is None:
        return None
    at = utc_instant(day, text.strip(), zone)
    if isinstance(at, datetime):
        return at
    message = (
        f"{where}: {text!r} is not a time (use HH:MM, 24-hour, or YYYY-MM-DDTHH:MM for another day)"
        if at == "format"
        else f"{where}: {text} does not exist on {day} in {zone.key} (clock change)"
    )
    problems.append(Problem(line_of(lines, path), message))
    return None


@lru_cache(maxsize=4096)
def utc_instant(day: date, text: str, zone: ZoneInfo) -> datetime | str:
    """The UTC instant of a wall time on a day in a zone, or why there is none."""
    if not _HHMM.match(text):
        other = _DATE_HHMM.match(text)
        if other is None:
            return "format"
        try:
            day = date.fromisoformat(other[1])
        except ValueError:
            return "format"
        text = other[2]
    hh, mm = (int(x) for x in text.split(":"))
    local = datetime.combine(day, time(hh, mm), tzinfo=zone)
    back = local.astimezone(UTC).astimezone(zone)
    if back.replace(tzinfo=None) != local.replace(tzinfo=None):
        return "gap"
    return local.astimezone(UTC)
