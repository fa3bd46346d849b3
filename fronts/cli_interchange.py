"""``l4a-bot import`` and ``l4a-bot export``: programmes in the formats conference tools speak
(the work is in :mod:`bot.interchange`)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot.i18n import LANGUAGES
from bot.interchange import FORMATS

if TYPE_CHECKING:
    from bot.hub import Hub
    from bot.programme import Programme

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2
EXPORT_FORMATS = ("frab-xml", "frab-json", "csv", "ics")


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    imp = sub.add_parser(
        "import",
        help="turn a frab/pretalx XML or JSON, CSV or iCalendar programme into schedule.yaml",
    )
    imp.add_argument("source", help="a file, or an http(s) URL (pretalx: …/schedule/export/…)")
    imp.add_argument("--out", type=Path, help="write schedule.yaml here (default: stdout)")
    imp.add_argument("--format", choices=FORMATS, help="the source's format (default: guessed)")
    imp.add_argument(
        "--timezone", help="zone of the source's wall times (CSV; overrides the source's own)"
    )
    imp.add_argument("--title", help="the event's name (default: the source's)")
    exp = sub.add_parser(
        "export", help="the programme (approved open-space sessions included) for other tools"
    )
    exp.add_argument("--format", choices=EXPORT_FORMATS, required=True)
    exp.add_argument("--config", type=Path, help="TOML config file")
    exp.add_argument("--db", type=Path, help="SQLite database (approved proposals)")
    exp.add_argument("--schedule", type=Path, help="programme file (overrides the config)")
    exp.add_argument("--out", type=Path, help="write here (default: standard output)")
    exp.add_argument("--lang", choices=LANGUAGES, help="language of the texts")


def _read_source(source: str) -> bytes:
    from bot.interchange.fetch import is_url
    from fronts.http_fetch import fetch

    if is_url(source):
        fetched = asyncio.run(fetch(source))
        assert fetched.data is not None  # no validators sent: never a 304
        return fetched.data
    return Path(source).read_bytes()


def cmd_import(args: argparse.Namespace) -> int:
    from bot.interchange import finish, read_draft
    from bot.interchange.draft import MAX_SOURCE_BYTES, SourceError
    from bot.interchange.fetch import FetchError, redact

    name = redact(args.source) if "://" in args.source else args.source
    try:
        path = Path(args.source)
        if "://" not in args.source and path.stat().st_size > MAX_SOURCE_BYTES:
            print(f"{name}:1: larger than {MAX_SOURCE_BYTES:,} bytes: refused")
            return EXIT_INVALID
        data = _read_source(args.source)
    except (OSError, FetchError, ValueError) as exc:
        print(
            f"l4a-bot: cannot read {name}: {getattr(exc, 'strerror', None) or exc}", file=sys.stderr
        )
        return EXIT_USAGE
    draft = read_draft(data, name, args.format, timezone=args.timezone, title=args.title)
    out_name = str(args.out) if args.out else "schedule.yaml"
    try:
        result = finish(draft, out_name)
    except SourceError as exc:
        for problem in exc.problems:
            print(problem)
        print(f"{name}: {len(exc.problems)} problem(s); nothing written", file=sys.stderr)
        return EXIT_INVALID
    programme = result.programme
    if args.out:
        from bot.files import write_atomic
        from fronts.cli import CannotWrite

        try:
            write_atomic(args.out, result.yaml_text.encode("utf-8"))
        except OSError as exc:
            raise CannotWrite(f"cannot write {args.out}: {exc.strerror or exc}") from None
    else:
        sys.stdout.write(result.yaml_text)
    print(
        f"{out_name}: OK — {len(programme.sessions)} sessions in {len(programme.places)} "
        f"places over {len(programme.days)} days, times in {programme.forum.timezone}",
        file=sys.stderr,
    )
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    """The current programme (approved open-space sessions included when a database exists)
    as frab XML/JSON, CSV or iCalendar."""
    from bot.interchange.export import export_bytes
    from fronts.cli import programme_output

    async def with_hub(hub: Hub, lang: str, now: datetime) -> bytes:
        return export_bytes(hub.programme, args.format, lang, now=now)

    def alone(programme: Programme, lang: str, now: datetime) -> bytes:
        return export_bytes(programme, args.format, lang, now=now)

    return programme_output(args, with_hub, alone)
