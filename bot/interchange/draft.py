"""What every importer produces: sessions read from a source, checked and written as
``schedule.yaml``.

An importer reads its format into :class:`SourceEvent` values (exact instants, the room, type,
track and speakers as the source names them) and hands them to a :class:`Draft`, which maps them
onto the programme: rooms become places, types and tracks become declared kinds, instants are
written as wall times of the forum's zone. Whatever cannot be mapped is a :class:`SourceProblem`
naming the source and its line (or row), never a guess; a draft with problems writes nothing.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.i18n import LANGUAGES
from bot.programme.schema import KINDS

#: Sources larger than this are refused before parsing (a whole large congress is ~5 MB).
MAX_SOURCE_BYTES = 20_000_000
#: The kind of a session whose source names no type (a CSV without a ``type`` column).
DEFAULT_KIND = "session"
DEFAULT_KIND_NAME = {"es": "Sesión", "en": "Session", "fr": "Séance", "tr": "Oturum"}
_DURATION = re.compile(r"^(\d{1,4}):([0-5]\d)(?::([0-5]\d))?$")


@dataclass(frozen=True, slots=True)
class SourceProblem:
    """``where`` is a line number or ``row N``; ``str()`` gives ``SOURCE:WHERE: message``."""

    source: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.source}:{self.where}: {self.message}"


class SourceError(Exception):
    """The source cannot be turned into a programme; ``problems`` says every reason."""

    def __init__(self, problems: list[SourceProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass(slots=True)
class SourceEvent:
    """One session as a source gives it. ``where``: its line (or ``row N``) in the source."""

    where: str
    title: str | None
    start: datetime | None  # an exact instant (aware)
    room: str | None
    end: datetime | None = None
    duration: timedelta | None = None
    source_id: str | None = None  # the source's own id or guid, for duplicates
    slug: str | None = None
    day: date | None = None  # the programme day, when the source says (frab's days)
    kind: str | None = None
    track: str | None = None
    subtitle: str | None = None
    abstract: str | None = None
    description: str | None = None
    language: str | None = None
    url: str | None = None
    speakers: list[str] = field(default_factory=list)
    links: list[tuple[str, str | None]] = field(default_factory=list)  # (url, title)
    all_day: date | None = None  # an untimed item on that date (an iCalendar all-day event)
    broken: bool = False  # the reader already reported why this event cannot be used


def parse_duration(text: str) -> timedelta | None:
    """``HH:MM`` or ``H:MM:SS`` (frab, pretalx; hours may pass 24: ``26:00``); else ``None``."""
    m = _DURATION.match(text.strip())
    if m is None:
        return None
    return timedelta(hours=int(m[1]), minutes=int(m[2]), seconds=int(m[3] or 0))


def is_web(url: str) -> bool:
    """Only http(s) links are kept (an export's ``urn:uuid:`` stand-ins are not links)."""
    return url.strip().lower().startswith(("http://", "https://"))


def slugify(text: str, limit: int = 63) -> str:
    """Lower-case ASCII letters, digits and ``-``: ``Saal 1 & 2`` → ``saal-1-2``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:limit].strip("-")


def _clean(text: str | None) -> str | None:
    if text is None:
        return None
    text = text.strip()
    return text or None


class Draft:
    """Sessions of one source, mapped onto the programme's shape."""

    def __init__(
        self,
        source: str,
        zone: ZoneInfo,
        title: str,
        *,
        acronym: str | None = None,
        days: list[date] | None = None,
    ) -> None:
        self.source = source
        self.zone = zone
        self.title = title
        self.acronym = acronym
        self.days: set[date] = set(days or [])
        self.problems: list[SourceProblem] = []
        self.places: dict[str, str] = {}  # id → room name
        self.kinds: dict[str, str | dict[str, str]] = {}
        self.sessions: list[dict[str, Any]] = []
        self.instants: dict[str, tuple[str, datetime | None]] = {}  # id → (where, start)
        self._ids: dict[str, str] = {}  # session id → where
        self._source_ids: dict[str, str] = {}

    def problem(self, where: str | int, message: str) -> None:
        self.problems.append(SourceProblem(self.source, str(where), message))

    # -- mapping -----------------------------------------------------------------------------
    def _place(self, room: str) -> str:
        pid = slugify(room) or "room"
        base, n = pid, 2
        while pid in self.places and self.places[pid] != room:
            pid, n = f"{base}-{n}", n + 1
        self.places[pid] = room
        return pid

    def _kind(self, name: str) -> str:
        if name in KINDS:  # a built-in kind (an export of this bot): no declaration needed
            return name
        kid = slugify(name) or "kind"
        base, n = kid, 2
        while kid in self.kinds and self.kinds[kid] != name:
            kid, n = f"{base}-{n}", n + 1
        self.kinds[kid] = name
        return kid

    def _session_id(self, e: SourceEvent) -> str:
        wanted = slugify(e.slug or "") or slugify(e.title or "") or "session"
        sid, n = wanted, 2
        while sid in self._ids:
            sid, n = f"{wanted[:58]}-{n}", n + 1
        return sid

    def _writable(self, at: datetime) -> bool:
        """Whether the wall time of ``at`` in the forum's zone reads back as ``at`` (not the
        second pass of an hour repeated when clocks go back)."""
        wall = at.astimezone(self.zone).replace(tzinfo=None, fold=0)
        return wall.replace(tzinfo=self.zone).astimezone(UTC) == at

    def _wall(self, at: datetime, day: date) -> str:
        local = at.astimezone(self.zone)
        if local.date() == day:
            return f"{local:%H:%M}"
        return f"{local:%Y-%m-%dT%H:%M}"

    def add(self, e: SourceEvent) -> None:
        """Map one event, or say why it cannot be."""
        if e.broken:
            return
        before = len(self.problems)
        title = _clean(e.title)
        room = _clean(e.room)
        if title is None:
            self.problem(e.where, "a session without a title")
        if room is None:
            self.problem(e.where, f"session {title!r}: no room (every session needs a place)")
        if e.source_id is not None:
            first = self._source_ids.get(e.source_id)
            if first is not None:
                self.problem(e.where, f"duplicate id {e.source_id!r} (first used at {first})")
            else:
                self._source_ids[e.source_id] = e.where
        start = end = None
        if e.all_day is None:
            if e.start is None:
                self.problem(e.where, f"session {title!r}: no start time")
            elif e.start.tzinfo is None:
                self.problem(e.where, f"session {title!r}: its start has no time zone")
            else:
                start = e.start.astimezone(UTC)
                if e.end is not None:
                    end = e.end.astimezone(UTC)
                elif e.duration is not None:
                    end = start + e.duration
                else:
                    self.problem(e.where, f"session {title!r}: no end and no duration")
                for what, at in (("start", start), ("end", end)):
                    if at is not None and (at.second or at.microsecond):
                        self.problem(
                            e.where,
                            f"session {title!r}: its {what} is not on a whole minute "
                            "(the programme keeps minutes)",
                        )
                for what, at in (("start", start), ("end", end)):
                    if at is not None and not self._writable(at):
                        self.problem(
                            e.where,
                            f"session {title!r}: its {what} falls in the hour repeated by a "
                            f"clock change in {self.zone.key}: a wall time cannot say which one",
                        )
                if start is not None and end is not None and end <= start:
                    self.problem(e.where, f"session {title!r}: ends before or when it starts")
        if len(self.problems) > before or title is None or room is None:
            return
        day = e.all_day or e.day or (start.astimezone(self.zone).date() if start else None)
        assert day is not None
        sid = self._session_id(e)
        self._ids[sid] = e.where
        self.days.add(day)
        item: dict[str, Any] = {"id": sid}
        item["kind"] = (
            self._kind(e.kind.strip()) if e.kind and e.kind.strip() else self._default_kind()
        )
        if e.track and e.track.strip():
            item["track"] = self._kind(e.track.strip())
        item["date"] = day.isoformat()
        if start is not None and end is not None:
            item["start"] = self._wall(start, day)
            item["end"] = self._wall(end, day)
        item["places"] = [self._place(room)]
        item["title"] = title
        for key, value in (
            ("subtitle", e.subtitle),
            ("summary", e.abstract),
            ("description", e.description),
        ):
            if cleaned := _clean(value):
                item[key] = cleaned
        speakers = [s.strip() for s in e.speakers if s and s.strip()]
        if speakers:
            item["speakers"] = speakers
        if language := _clean(e.language):
            item["language"] = language
        if e.url and is_web(e.url):
            item["url"] = e.url.strip()
        links = [
            {"url": url.strip(), **({"title": t.strip()} if t and t.strip() else {})}
            for url, t in e.links
            if url and is_web(url)
        ]
        if links:
            item["links"] = links
        self.sessions.append(item)
        self.instants[sid] = (e.where, start)

    def _default_kind(self) -> str:
        self.kinds.setdefault(DEFAULT_KIND, dict(DEFAULT_KIND_NAME))
        return DEFAULT_KIND

    # -- output ------------------------------------------------------------------------------
    def data(self) -> dict[str, Any]:
        days = sorted(self.days)
        forum: dict[str, Any] = {
            "name": self.title,
            "start_date": days[0].isoformat() if days else None,
            "end_date": days[-1].isoformat() if days else None,
            "timezone": self.zone.key,
            "languages": list(LANGUAGES),
        }
        if self.acronym:
            forum["acronym"] = self.acronym
        return {
            "forum": forum,
            "places": {pid: {"name": name} for pid, name in self.places.items()},
            "kinds": dict(self.kinds),
            "days": [{"date": d.isoformat()} for d in days],
            "sessions": self.sessions,
        }

    def yaml_text(self) -> str:
        source = re.sub(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]", "?", self.source)
        head = (
            f"# Imported by `l4a-bot import` from {source}.\n"
            f"# Times are wall-clock times in {self.zone.key}; `l4a-bot check` validates this "
            "file.\n"
        )
        body = "".join(_emit(self.data(), 0))
        return head + body


_PLAIN_KEY = re.compile(r"^[a-z0-9_][a-z0-9_-]*$")
#: Characters YAML does not allow raw, or reads as line breaks, even inside quotes.
_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ud800-\udfff\ufffe\uffff]")


def _scalar(value: object) -> str:
    """Every value double-quoted (JSON's escapes are YAML's): no text is ever read as a date,
    a number or a boolean, whatever a source holds."""
    text = json.dumps(str(value), ensure_ascii=False)
    return _UNSAFE.sub(lambda m: f"\\u{ord(m[0]):04x}", text)


def _key(key: str) -> str:
    return key if _PLAIN_KEY.match(key) else _scalar(key)


def _emit(node: object, indent: int) -> Iterator[str]:
    """Block-style YAML of dicts, lists and texts (what :meth:`Draft.data` holds), fast on a
    programme of thousands of sessions."""
    pad = " " * indent
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, dict | list) and value:
                yield f"{pad}{_key(key)}:\n"
                yield from _emit(value, indent + 2)
            elif isinstance(value, dict | list):
                yield f"{pad}{_key(key)}: {'{}' if isinstance(value, dict) else '[]'}\n"
            elif value is None:
                continue
            else:
                yield f"{pad}{_key(key)}: {_scalar(value)}\n"
    elif isinstance(node, list):
        for item in node:
            if isinstance(item, dict):
                lines = list(_emit(item, indent + 2))
                yield f"{pad}- {lines[0].lstrip()}" if lines else f"{pad}- {{}}\n"
                yield from lines[1:]
            else:
                yield f"{pad}- {_scalar(item)}\n"
