"""Programmes in the formats conference tools speak: import and export.

- import (``l4a-bot import``, and a live ``schedule = "https://…"``): frab / c3voc / pretalx XML
  and JSON (:mod:`.frab_xml`, :mod:`.frab_json`), CSV (:mod:`.csv_in`), iCalendar
  (:mod:`.ical_in`), each read into a :class:`~.draft.Draft` that writes ``schedule.yaml``;
- export (``l4a-bot export``): :mod:`.frab_out` (frab JSON and XML), :mod:`.csv_out`, and the
  calendar of :mod:`bot.calendar`;
- :mod:`.fetch` and :mod:`.live`: a programme read from a URL and kept up to date.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.interchange.draft import MAX_SOURCE_BYTES, Draft, SourceError, SourceProblem
from bot.programme import Programme, ProgrammeError, parse_programme

FORMATS = ("frab-xml", "frab-json", "csv", "ics")


@dataclass(frozen=True, slots=True)
class Imported:
    yaml_text: str
    programme: Programme


def detect_format(name: str, data: bytes) -> str | None:
    """The format by the name's extension, else by the first bytes; ``None`` if neither says."""
    suffix = Path(name.split("?", 1)[0]).suffix.lower()
    by_suffix = {".xml": "frab-xml", ".json": "frab-json", ".csv": "csv", ".ics": "ics"}
    if suffix in by_suffix:
        return by_suffix[suffix]
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        return "frab-xml"
    if head.startswith(b"{"):
        return "frab-json"
    if head.upper().startswith(b"BEGIN:VCALENDAR"):
        return "ics"
    return None


def read_draft(
    data: bytes,
    source: str,
    fmt: str | None = None,
    *,
    timezone: str | None = None,
    title: str | None = None,
) -> Draft:
    """Read ``data`` (named ``source`` in problems) into a draft, in ``fmt`` or as detected."""
    from zoneinfo import ZoneInfo

    if len(data) > MAX_SOURCE_BYTES:
        draft = Draft(source, ZoneInfo("UTC"), source)
        draft.problem(1, f"larger than {MAX_SOURCE_BYTES:,} bytes: refused")
        return draft
    fmt = fmt or detect_format(source, data)
    if fmt == "frab-xml":
        from bot.interchange.frab_xml import read_frab_xml

        draft = read_frab_xml(data, source, timezone)
    elif fmt == "frab-json":
        from bot.interchange.frab_json import read_frab_json

        draft = read_frab_json(data, source, timezone)
    elif fmt == "ics":
        from bot.interchange.ical_in import read_ical

        draft = read_ical(data, source, timezone)
    elif fmt == "csv":
        from bot.interchange.csv_in import read_csv

        draft = read_csv(data, source, timezone, title)
    else:
        draft = Draft(source, ZoneInfo("UTC"), source)
        draft.problem(1, f"cannot tell the format: use --format ({', '.join(FORMATS)})")
        return draft
    if title:
        draft.title = title
    return draft


def finish(draft: Draft, out_name: str = "schedule.yaml") -> Imported:
    """The draft as ``schedule.yaml`` text and the programme it makes, checked as ``check``
    does; :class:`SourceError` with every problem otherwise."""
    if not draft.sessions and not draft.problems:
        draft.problem(1, "no sessions found")
    if draft.problems:
        raise SourceError(draft.problems)
    text = draft.yaml_text()
    try:
        programme = parse_programme(text, out_name)
    except ProgrammeError as exc:  # a mapping this module failed to make valid: say so
        raise SourceError(
            [SourceProblem(draft.source, "1", f"cannot be written: {line}") for line in exc.lines()]
        ) from None
    problems = []
    for sid, (where, start) in draft.instants.items():
        if start is not None and programme.by_id[sid].starts_at != start:
            problems.append(
                SourceProblem(
                    draft.source,
                    where,
                    f"session {sid!r} starts in the hour repeated by a clock change in "
                    f"{draft.zone.key}: a wall time cannot say which one",
                )
            )
    if problems:
        raise SourceError(problems)
    return Imported(text, programme)


def import_bytes(
    data: bytes,
    source: str,
    fmt: str | None = None,
    *,
    timezone: str | None = None,
    title: str | None = None,
) -> Imported:
    return finish(read_draft(data, source, fmt, timezone=timezone, title=title))
