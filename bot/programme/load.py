"""Reading ``schedule.yaml``: parse, validate as a whole, and report every problem with its line.

A file with any problem is refused whole (:class:`ProgrammeError` lists every problem with its
line); a programme is never half-loaded. Session times are written in the forum's zone and kept
in UTC; they are converted to each reader's zone only when shown.
"""

from __future__ import annotations

import difflib
import gc
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ValidationError,
)

from bot.programme.model import Programme, Session, kind_names, search_words
from bot.programme.problems import (
    _SCHEMA_KEYS,
    Problem,
    ProgrammeError,
    _dedupe,
    _problem_from_pydantic,
)
from bot.programme.schema import (
    KINDS,
    Day,
    ForumIn,
    LocalText,
    Place,
    ProgrammeIn,
    SessionIn,
)
from bot.programme.walltime import local_time as _local_time
from bot.yamlsrc import Path as NodePath
from bot.yamlsrc import YamlSourceError, line_of, load_with_lines
from bot.zones import ZoneError, load_zone

yaml_rs: ModuleType | None
try:  # optional fast parser (Rust); the PyYAML path below is the reference
    import yaml_rs
except ImportError:  # pragma: no cover - installed with the bot
    yaml_rs = None

REQUIRED_SECTIONS = ("forum", "places", "days", "sessions")


# -- loading ---------------------------------------------------------------------------------
#: The largest programme file read, in bytes. The bundled programme is 60 KB; a generated one of
#: 20,000 sessions (three languages each) is 23 MB. Reading takes tens of times the file's size in
#: memory (and several seconds per 10 MB), so a bigger file is refused before it is parsed.
MAX_FILE_BYTES = 30_000_000


def load_programme(path: str | Path) -> Programme:
    p = Path(path)
    try:
        with p.open("rb") as f:
            raw = f.read(MAX_FILE_BYTES + 1)
        if len(raw) > MAX_FILE_BYTES:
            size = max(len(raw), p.stat().st_size)
            raise ProgrammeError(
                str(path),
                [
                    Problem(
                        1,
                        f"the file is {size / 1e6:.1f} MB; programme files of at most "
                        f"{MAX_FILE_BYTES / 1e6:g} MB are read (20,000 sessions take about 23 MB)",
                    )
                ],
            )
        text = raw.decode("utf-8")
    except FileNotFoundError:
        raise ProgrammeError(str(path), [Problem(1, "file not found")]) from None
    except UnicodeDecodeError as exc:
        raise ProgrammeError(str(path), [Problem(1, f"not UTF-8 text ({exc.reason})")]) from None
    except OSError as exc:
        raise ProgrammeError(str(path), [Problem(1, f"cannot read: {exc.strerror}")]) from None
    return parse_programme(text, str(path))


def parse_programme(text: str, source: str = "<text>") -> Programme:
    """Parse and validate a whole programme; raise :class:`ProgrammeError` listing every problem.

    A fast path parses with the Rust ``yaml_rs`` parser and validates without line numbers; it is
    trusted only when everything succeeds. Anything else (a parse error, a type the fast parser
    read differently, any problem at all) goes through the authoritative path: PyYAML with every
    scalar kept as text and every line remembered, which is what reports the problems.
    """
    gc_was_enabled = gc.isenabled()
    gc.disable()  # tens of thousands of short-lived objects: collections would only slow this
    try:
        return _parse(text, source)
    finally:
        if gc_was_enabled:
            gc.enable()


def _parse(text: str, source: str) -> Programme:
    fast = _parse_fast(text, source)
    if fast is not None:
        return fast
    try:
        data, lines = load_with_lines(text)
    except YamlSourceError as exc:
        raise ProgrammeError(source, [Problem(p.line, p.message) for p in exc.problems]) from None
    if not isinstance(data, dict):
        raise ProgrammeError(
            source, [Problem(1, "the file must be a mapping with forum, places, days, sessions")]
        )
    problems: list[Problem] = []
    parts = _validate_parts(data, lines, problems)
    programme = _build(parts, lines, problems, source)
    if problems or programme is None:
        raise ProgrammeError(source, _dedupe(problems))
    return programme


_M = TypeVar("_M", bound=BaseModel)


def _parse_fast(text: str, source: str) -> Programme | None:
    if yaml_rs is None:
        return None
    try:
        data = yaml_rs.loads(text)
    except Exception:  # any refusal: the authoritative path will say what is wrong, with lines
        return None
    if not isinstance(data, dict):
        return None
    problems: list[Problem] = []
    try:
        whole = ProgrammeIn.model_validate(data)  # one call: no per-section overhead
        parts = _Parts(
            forum=whole.forum,
            places=dict(whole.places),
            place_ids=set(whole.places),
            kinds=dict(whole.kinds),
            days=list(enumerate(whole.days)),
            sessions=list(enumerate(whole.sessions)),
            raw_ids=[(i, s.id) for i, s in enumerate(whole.sessions)],
            raw_kinds=[
                (i, key, kind)
                for i, s in enumerate(whole.sessions)
                for key, kind in (("kind", s.kind), ("track", s.track))
                if kind is not None
            ],
        )
        programme = _build(parts, {}, problems, source)
    except Exception:  # values typed differently than the reference path expects
        return None
    return programme if not problems else None


@dataclass(slots=True)
class _Parts:
    forum: ForumIn | None = None
    places: dict[str, Place] = field(default_factory=dict)
    place_ids: set[str] = field(default_factory=set)
    kinds: dict[str, LocalText] = field(default_factory=dict)
    days: list[tuple[int, Day]] = field(default_factory=list)
    sessions: list[tuple[int, SessionIn]] = field(default_factory=list)
    raw_ids: list[tuple[int, str]] = field(default_factory=list)
    #: ``(index, "kind" or "track", value)`` as written, checked even in sessions with problems.
    raw_kinds: list[tuple[int, str, str]] = field(default_factory=list)
    #: ``forum.timezone`` as written, when the forum section has other problems (still checked).
    raw_zone: str | None = None


def _validate(
    model: type[_M],
    value: Any,
    loc: NodePath,
    data: Any,
    lines: dict[NodePath, int],
    problems: list[Problem],
) -> _M | None:
    """Validate one section on its own, so that one bad section does not hide the others."""
    try:
        return model.model_validate(value)
    except ValidationError as exc:
        for err in exc.errors():
            err = {**err, "loc": (*loc, *err["loc"])}
            problems.append(_problem_from_pydantic(err, data, lines))
        return None


def _validate_parts(
    data: dict[str, Any], lines: dict[NodePath, int], problems: list[Problem]
) -> _Parts:
    parts = _Parts()
    top = _SCHEMA_KEYS["ProgrammeIn"]
    for key in data:
        if key not in top:
            close = difflib.get_close_matches(str(key), top, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(Problem(line_of(lines, (key,)), f"unknown key {key!r}{hint}"))
    for key in REQUIRED_SECTIONS:
        if key not in data or data[key] in (None, [], {}):
            problems.append(Problem(line_of(lines, (key,)), f"{key}: missing or empty"))
    parts.forum = (
        _validate(ForumIn, data.get("forum") or {}, ("forum",), data, lines, problems)
        if "forum" in data
        else None
    )
    raw_forum = data.get("forum")
    if parts.forum is None and isinstance(raw_forum, dict):
        zone_text = raw_forum.get("timezone")
        zone_line = line_of(lines, ("forum", "timezone"))
        if isinstance(zone_text, str) and not any(p.line == zone_line for p in problems):
            parts.raw_zone = zone_text  # the forum has other problems: still check its zone
    places = data.get("places")
    if isinstance(places, dict):
        for pid, value in places.items():
            parts.place_ids.add(pid)
            if not re.fullmatch(r"[a-z0-9_-]+", pid):
                problems.append(
                    Problem(
                        line_of(lines, ("places", pid)), f"places › {pid}: ids are a-z, 0-9, - or _"
                    )
                )
            place = _validate(Place, value, ("places", pid), data, lines, problems)
            if place is not None:
                parts.places[pid] = place
    elif places is not None:
        problems.append(
            Problem(line_of(lines, ("places",)), "places: expected a mapping of id: place")
        )
    kinds = data.get("kinds")
    if isinstance(kinds, dict):
        for kid, value in kinds.items():
            name = _validate(LocalText, value, ("kinds", kid), data, lines, problems)
            if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,62}", kid):
                problems.append(
                    Problem(
                        line_of(lines, ("kinds", kid)), f"kinds › {kid}: ids are a-z, 0-9, - or _"
                    )
                )
            elif name is not None:
                parts.kinds[kid] = name
    elif kinds is not None:
        problems.append(
            Problem(line_of(lines, ("kinds",)), "kinds: expected a mapping of id: name")
        )
    sections: tuple[tuple[str, type[BaseModel], list[Any]], ...] = (
        ("days", Day, parts.days),
        ("sessions", SessionIn, parts.sessions),
    )
    for key, model, target in sections:
        items = data.get(key)
        if items is None:
            continue
        if not isinstance(items, list):
            problems.append(Problem(line_of(lines, (key,)), f"{key}: expected a list"))
            continue
        for i, value in enumerate(items):
            if key == "sessions" and isinstance(value, dict) and isinstance(value.get("id"), str):
                parts.raw_ids.append((i, value["id"]))
            if key == "sessions" and isinstance(value, dict):
                for k in ("kind", "track"):
                    if isinstance(value.get(k), str):
                        parts.raw_kinds.append((i, k, value[k]))
            item = _validate(model, value, (key, i), data, lines, problems)
            if item is not None:
                target.append((i, item))
    return parts


def _search_text(s: SessionIn, kinds: dict[str, LocalText], kind_words: dict[str, str]) -> str:
    """The session's :func:`search_words`; those of each kind's names are folded once per load
    (``kind_words``) and appended, as words of separate texts simply follow one another."""
    texts = [s.id, *s.title.all(), *s.speakers]
    if s.subtitle:
        texts.extend(s.subtitle.all())
    words = search_words(*texts)
    for kind in (s.kind, s.track):
        if kind is not None:
            if kind not in kind_words:
                names = kinds[kind].all() if kind in kinds else kind_names(kind)
                kind_words[kind] = search_words(*names)
            words += kind_words[kind]
    return words


def _build(
    parts: _Parts, lines: dict[NodePath, int], problems: list[Problem], source: str
) -> Programme | None:
    forum = parts.forum
    zone = ZoneInfo("UTC")
    zone_text = forum.timezone if forum is not None else parts.raw_zone
    if zone_text is not None:  # checked even when the forum section has other problems
        try:
            zone = ZoneInfo(load_zone(zone_text).key)
        except (ZoneError, ZoneInfoNotFoundError, ValueError, OSError):
            problems.append(
                Problem(
                    line_of(lines, ("forum", "timezone")),
                    f"forum › timezone: unknown time zone {zone_text!r} (use an IANA name "
                    "such as Europe/Madrid)",
                )
            )
    if forum is not None and forum.end_date < forum.start_date:
        problems.append(
            Problem(line_of(lines, ("forum", "end_date")), "forum › end_date is before start_date")
        )
    first, last = (forum.start_date, forum.end_date) if forum else (date.min, date.max)
    seen_days: dict[date, int] = {}
    for i, d in parts.days:
        line = line_of(lines, ("days", i, "date"))
        if d.date in seen_days:
            problems.append(Problem(line, f"days › item #{i + 1}: date {d.date} listed twice"))
        seen_days[d.date] = i
        if not first <= d.date <= last:
            problems.append(Problem(line, f"days › item #{i + 1}: {d.date} is outside the forum"))
    sessions: list[Session] = []
    kind_words: dict[str, str] = {}
    ids: dict[str, int] = {}
    for i, sid in parts.raw_ids:  # every id written, even in sessions with other problems
        id_line = line_of(lines, ("sessions", i, "id"))
        if sid in ids:
            problems.append(
                Problem(id_line, f"session {sid!r}: duplicate id (first used on line {ids[sid]})")
            )
        else:
            ids[sid] = id_line
    raw_by_index = dict(parts.raw_ids)
    for i, key, kind in parts.raw_kinds:
        if kind not in KINDS and kind not in parts.kinds:
            raw_id = raw_by_index.get(i)
            where = f"session {raw_id!r}" if raw_id else f"session #{i + 1}"
            known = ", ".join(repr(k) for k in [*KINDS, *sorted(parts.kinds)])
            problems.append(
                Problem(
                    line_of(lines, ("sessions", i, key)),
                    f"{where} › {key}: {kind!r} is not one of {known} (declare others "
                    "under kinds:)",
                )
            )
    for i, s in parts.sessions:
        where = f"session {s.id!r}"
        base: NodePath = ("sessions", i)
        if not first <= s.date <= last:
            problems.append(
                Problem(
                    line_of(lines, (*base, "date")),
                    f"{where}: {s.date} is outside the forum ({first} to {last})",
                )
            )
        for j, place in enumerate(s.places):
            if place not in parts.place_ids:
                known = ", ".join(sorted(parts.place_ids))
                problems.append(
                    Problem(
                        line_of(lines, (*base, "places", j)),
                        f"{where}: unknown place {place!r} (known: {known})",
                    )
                )
        starts = _local_time(
            s.date, s.start, zone, f"{where} › start", (*base, "start"), lines, problems
        )
        ends = _local_time(s.date, s.end, zone, f"{where} › end", (*base, "end"), lines, problems)
        if (s.start is None) != (s.end is None):
            missing = "end" if s.end is None else "start"
            problems.append(
                Problem(
                    line_of(lines, (*base, "start" if s.start else "end")),
                    f"{where}: has {'start' if s.start else 'end'} but no {missing} "
                    "(give both, or neither for an untimed item)",
                )
            )
        elif starts and ends and ends <= starts:
            problems.append(
                Problem(
                    line_of(lines, (*base, "end")),
                    f"{where}: end {s.end} is not after start {s.start}",
                )
            )
        if s.hub_slot and (s.kind != "open_space" or s.start is None):
            problems.append(
                Problem(
                    line_of(lines, (*base, "hub_slot")),
                    f"{where}: a hub slot must be a timed open_space session",
                )
            )
        sessions.append(
            Session(
                id=s.id,
                kind=s.kind,
                date=s.date,
                starts_at=starts,
                ends_at=ends,
                format=s.format,
                places=tuple(s.places),
                title=s.title,
                summary=s.summary,
                subtitle=s.subtitle,
                description=s.description,
                key_messages=tuple(s.key_messages),
                key_statements=tuple(s.key_statements),
                hub_slot=s.hub_slot,
                kind_name=parts.kinds.get(s.kind),
                track=s.track,
                track_name=parts.kinds.get(s.track) if s.track else None,
                speakers=tuple(s.speakers),
                language=s.language,
                url=s.url,
                links=tuple(s.links),
                search_text=_search_text(s, parts.kinds, kind_words),
            )
        )
    if problems or forum is None:
        return None
    return Programme(
        forum, parts.places, [d for _, d in parts.days], sessions, source, kinds=parts.kinds
    )
