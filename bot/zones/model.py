"""A participant's zone once resolved (:class:`UserZone`), and why a text is not one
(:class:`ZoneError`); offsets and short labels as shown beside every time."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import tzinfo as TzInfo
from typing import Literal
from zoneinfo import ZoneInfo

Reason = Literal["unknown", "ambiguous", "empty", "too_long", "out_of_range", "bad_minutes"]

MAX_INPUT_CHARS = 100
MAX_SUGGESTIONS = 5
MIN_OFFSET = timedelta(hours=-12)
MAX_OFFSET = timedelta(hours=14)


class ZoneError(ValueError):
    """What the user typed is not a usable time zone; ``reason`` says why. At most
    :data:`MAX_SUGGESTIONS` suggestions are kept; ``more`` counts those left out."""

    def __init__(
        self,
        text: str,
        reason: Reason,
        suggestions: Iterable[str] = (),
        message: str | None = None,
    ) -> None:
        self.text = text
        self.reason: Reason = reason
        every = list(suggestions)
        self.suggestions: list[str] = every[:MAX_SUGGESTIONS]
        self.more = len(every) - len(self.suggestions)
        super().__init__(message or _default_message(text, reason, self.suggestions))

    def __reduce__(self) -> tuple[object, tuple[str, Reason, list[str], str, int]]:
        return (_rebuild, (self.text, self.reason, self.suggestions, str(self), self.more))


def _rebuild(
    text: str, reason: Reason, suggestions: list[str], message: str, more: int
) -> ZoneError:
    error = ZoneError(text, reason, suggestions, message)
    error.more = more
    return error


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
