"""``l4a-bot``: the console demo, the Discord/Matrix bot, and programme checks."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot.clock import Clock, parse_instant
from bot.config import BUNDLED_SCHEDULE, Config, ConfigError, load_config
from bot.db import DatabaseTarget
from bot.i18n import LANGUAGES
from bot.programme import Programme, ProgrammeError, load_programme
from bot.store import StoreError

if TYPE_CHECKING:
    from bot.hub import Hub

# The rehearsal instant the console demo starts at when no clock is given: day 2 of the forum,
# ten minutes before the LOCAL4ACTION Hub open space, so that /next has something to say.
DEMO_CLOCK = "2021-10-06T11:50:00+02:00"

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2
SUBCOMMANDS = (
    *("console", "run", "web", "check", "proposals", "plan", "ics", "import", "export", "db"),
)


def _instant(text: str) -> datetime:
    try:
        return parse_instant(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _speed(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 < value <= 100_000:
        raise argparse.ArgumentTypeError("speed must be above 0 and at most 100000")
    return value


DB_HELP = "database: a SQLite file or a postgresql:// URL (overrides the config)"


def _database(config: Config, given: str | None) -> DatabaseTarget | None:
    """The database a command works on, or ``None`` after printing why ``given`` is unusable."""
    try:
        return config.database_target(given)
    except ValueError as exc:
        print(f"l4a-bot: {exc}", file=sys.stderr)
        return None


def _exists(target: DatabaseTarget) -> bool:
    """A SQLite file that exists, or any PostgreSQL URL (opening it checks the rest)."""
    return target.path is None or target.path.exists()


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError("a port is 0 (off) to 65535")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="l4a-bot",
        description="LOCAL4ACTION Hub bot for the UCLG World Forum of Intermediary Cities.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--config", type=Path, help="TOML config file (default: built-in defaults)")
        p.add_argument("--db", metavar="PATH|URL", help=DB_HELP)
        p.add_argument("--schedule", type=Path, help="programme file (overrides the config)")
        p.add_argument(
            "--clock",
            type=_instant,
            metavar="ISO-8601",
            help="start the clock at this instant and let it run (rehearsal), "
            "e.g. 2021-10-06T11:50:00+02:00",
        )
        p.add_argument("--speed", type=_speed, help="run the rehearsal clock N times faster")

    console = sub.add_parser("console", help="chat with the bot on this terminal (the default)")
    common(console)
    console.add_argument(
        "--web",
        nargs="?",
        const=8080,
        type=int,
        metavar="PORT",
        help="also serve the web front on 127.0.0.1:PORT (default 8080), sharing polls and all",
    )
    run = sub.add_parser(
        "run",
        help="run the bot on Discord (DISCORD_TOKEN) and/or Matrix ([matrix], MATRIX_ACCESS_TOKEN)",
    )
    common(run)
    run.add_argument(
        "--front",
        action="append",
        choices=("discord", "matrix", "web", "console"),
        help="run this front (repeatable); default: every configured one. On PostgreSQL a "
        "front runs in one process at a time, the others of it are hot standbys",
    )
    web = sub.add_parser("web", help="serve the web front alone (programme, proposals, polls)")
    common(web)
    for serves in (run, web):
        serves.add_argument(
            "--ops-port",
            type=_port,
            metavar="PORT",
            help="serve /healthz and /metrics on this port (default: [ops] port, 9180; 0: off)",
        )
    web.add_argument("--host", help="address to listen on (default: [web] host, 127.0.0.1)")
    web.add_argument("--port", type=int, help="port to listen on (default: [web] port, 8080)")
    check = sub.add_parser("check", help="validate a programme file")
    check.add_argument("path", nargs="?", type=Path, default=BUNDLED_SCHEDULE)
    proposals = sub.add_parser("proposals", help="open-space proposals (export)")
    actions = proposals.add_subparsers(dest="action", metavar="ACTION", required=True)
    export = actions.add_parser(
        "export", help="every proposal as a CSV sheet (UTF-8 with BOM: opens in Excel)"
    )
    export.add_argument("--config", type=Path, help="TOML config file")
    export.add_argument("--db", metavar="PATH|URL", help=DB_HELP)
    export.add_argument("--schedule", type=Path, help="programme file (overrides the config)")
    export.add_argument("--out", type=Path, help="write the CSV here (default: standard output)")
    export.add_argument("--lang", choices=LANGUAGES, help="language of the headers")
    plan = sub.add_parser(
        "plan", help="list every announcement and reminder due in a window (sends nothing)"
    )
    plan.add_argument("--from", dest="start", type=_instant, required=True, metavar="ISO-8601")
    plan.add_argument("--to", dest="end", type=_instant, required=True, metavar="ISO-8601")
    plan.add_argument("--config", type=Path, help="TOML config file")
    plan.add_argument("--db", metavar="PATH|URL", help=DB_HELP)
    plan.add_argument("--schedule", type=Path, help="programme file (overrides the config)")
    plan.add_argument(
        "--front",
        action="append",
        choices=("console", "discord", "matrix"),
        help="only this front (repeatable); default: fronts with channels or followers",
    )
    ics = sub.add_parser(
        "ics", help="the whole programme as an iCalendar file (approved proposals included)"
    )
    ics.add_argument("--config", type=Path, help="TOML config file")
    ics.add_argument(
        "--db", metavar="PATH|URL", help="database (approved proposals; default: the config's)"
    )
    ics.add_argument("--schedule", type=Path, help="programme file (overrides the config)")
    ics.add_argument("--out", type=Path, help="write the .ics here (default: standard output)")
    ics.add_argument("--lang", choices=LANGUAGES, help="language of the texts")
    from fronts import cli_interchange

    cli_interchange.add_parsers(sub)
    from fronts import cli_db

    cli_db.add_parsers(sub)
    return parser


def cmd_plan(args: argparse.Namespace) -> int:
    from bot.announce.plan import plan_lines
    from bot.clock import FrozenClock
    from fronts.app import open_hub

    config = load_config(args.config)
    if args.end <= args.start:
        print("l4a-bot: --to must be after --from", file=sys.stderr)
        return EXIT_USAGE

    db = _database(config, args.db)
    if db is None:
        return EXIT_USAGE
    if args.db is not None and not _exists(db):
        print(
            f"l4a-bot: no database at {db} (check the path; nothing was created)", file=sys.stderr
        )
        return EXIT_USAGE
    scratch = None
    if not _exists(db):  # no database yet: plan from the programme alone, create nothing
        scratch = tempfile.TemporaryDirectory(prefix="l4a-plan-")
        db = DatabaseTarget(path=Path(scratch.name) / "plan.sqlite3")
        print("l4a-bot: no database yet: planned from the programme alone", file=sys.stderr)

    async def main() -> list[str]:
        clock = FrozenClock(args.start)  # nothing runs: the plan only reads
        async with open_hub(
            config, clock, db=db, schedule=args.schedule, create=scratch is not None
        ) as hub:
            announcer = hub.announcer
            fronts = set(args.front or [])
            if not fronts:
                fronts = set(config.announcements.channels)
                fronts |= {f.front for f in announcer.follow_index().all()}
            deliveries = announcer.plan(args.start, args.end, fronts)
            lines = plan_lines(deliveries, hub.programme)
            zone = hub.programme.zone
            start, end = args.start.astimezone(zone), args.end.astimezone(zone)
            lines.append(
                f"{len(deliveries)} delivery(ies) from {start:%Y-%m-%d %H:%M %Z}"
                f" to {end:%Y-%m-%d %H:%M %Z} for {', '.join(sorted(fronts)) or 'no front'}"
                " (already sent or skipped ones are not listed)"
            )
            return lines

    try:
        lines = asyncio.run(main())
    finally:
        if scratch is not None:
            scratch.cleanup()
    for line in lines:
        print(line)
    return EXIT_OK


def cmd_check(path: Path) -> int:
    try:
        programme = load_programme(path)
    except ProgrammeError as exc:
        for line in exc.lines():
            print(line)
        return EXIT_INVALID
    timed = sum(1 for s in programme.sessions if s.timed)
    untimed = len(programme.sessions) - timed
    print(
        f"{path}: OK — {len(programme.sessions)} sessions ({timed} timed, {untimed} untimed) "
        f"over {len(programme.days)} days, {len(programme.hub_slots())} open-space slots, "
        f"times in {programme.forum.timezone}"
    )
    return EXIT_OK


def _load(args: argparse.Namespace, *, demo: bool) -> tuple[Config, Clock]:
    from fronts.app import make_clock

    config = load_config(args.config)
    start = args.clock
    if start is None and config.bot.clock is None and demo:
        start = parse_instant(DEMO_CLOCK)
    return config, make_clock(config, start, args.speed)


def cmd_console(args: argparse.Namespace) -> int:
    from fronts.app import open_hub
    from fronts.console import run_console

    config, clock = _load(args, demo=True)
    port = getattr(args, "web", None)
    if port is not None and not config.web.base_url:  # poll links point at this demo server
        web = config.web.model_copy(update={"base_url": f"http://127.0.0.1:{port}"})
        config = config.model_copy(update={"web": web})

    async def main() -> None:
        async with open_hub(config, clock, db=args.db, schedule=args.schedule, lock=True) as hub:
            if config.ops.console:  # the demo stays quiet unless asked
                from fronts.ops import spawn_ops

                hub.health.expect("console")
                spawn_ops(hub)
            target = config.database_target(args.db)
            folder = target.path.parent if target.path is not None else config.data_dir
            console = run_console(hub, locale=os.environ.get("LANG"), files_dir=folder / "files")
            if port is None:
                await console
                return
            from fronts.web.app import serve_web

            hub.supervisor.spawn(serve_web(hub, "127.0.0.1", port), name="web", owner="web")
            try:
                await console
            finally:
                await hub.supervisor.stop_owner("web")

    asyncio.run(main())
    return EXIT_OK


def cmd_run(args: argparse.Namespace) -> int:
    from fronts.runner import run_fronts

    config, clock = _load(args, demo=False)
    return run_fronts(
        config, clock, db=args.db, schedule=args.schedule, ops_port=args.ops_port, fronts=args.front
    )


def cmd_web(args: argparse.Namespace) -> int:
    from fronts.app import open_hub
    from fronts.discord_client import setup_logging
    from fronts.ops import spawn_ops
    from fronts.web.app import serve_web

    config, clock = _load(args, demo=False)
    setup_logging()

    async def main() -> None:
        async with open_hub(config, clock, db=args.db, schedule=args.schedule, lock=True) as hub:
            hub.polls.start_timers()
            hub.health.expect("web")
            spawn_ops(hub, args.ops_port)
            await serve_web(hub, args.host, args.port)

    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
    except OSError as exc:
        print(f"l4a-bot: cannot serve the web front: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_OK


class CannotWrite(Exception):
    """An output file could not be written (nothing partial is left): one line."""


def _write_out(data: bytes, out: Path | None) -> None:
    """An export's bytes to ``--out`` (saying where on stderr), else to standard output."""
    if out:
        from bot.files import write_atomic

        try:
            write_atomic(out, data)
        except OSError as exc:
            raise CannotWrite(f"cannot write {out}: {exc.strerror or exc}") from None
        print(f"written to {out}", file=sys.stderr)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()


def cmd_proposals_export(args: argparse.Namespace) -> int:
    from bot.clock import SystemClock
    from bot.proposals.export import proposals_csv
    from bot.proposals.repo import ProposalRepo
    from fronts.app import open_hub

    config = load_config(args.config)
    db = _database(config, args.db)
    if db is None:
        return EXIT_USAGE
    if not _exists(db):
        print(f"l4a-bot: no database at {db}: nothing to export", file=sys.stderr)
        return EXIT_USAGE
    lang = args.lang or config.bot.default_language

    async def main() -> bytes:
        async with open_hub(
            config, SystemClock(), db=db, schedule=args.schedule, create=False
        ) as hub:
            proposals = await ProposalRepo(hub.store.database).all()
            print(f"{len(proposals)} proposal{'' if len(proposals) == 1 else 's'}", file=sys.stderr)
            return proposals_csv(proposals, hub.base_programme, lang)

    data = asyncio.run(main())
    _write_out(data, args.out)
    return EXIT_OK


def programme_output(
    args: argparse.Namespace,
    with_hub: Callable[[Hub, str, datetime], Awaitable[bytes]],
    alone: Callable[[Programme, str, datetime], bytes],
) -> int:
    """A read-only command's file from the programme (``ics``, ``export``), to ``--out`` or
    standard output: with a database (given, or the config's if it exists) ``with_hub`` sees
    the approved open-space proposals too; a database is never created (a mistyped ``--db``
    is refused); without one, ``alone`` gets the programme file."""
    from bot.clock import SystemClock
    from fronts.app import open_hub

    config = load_config(args.config)
    lang = args.lang or config.bot.default_language
    db = _database(config, args.db)
    if db is None:
        return EXIT_USAGE
    if args.db is not None and not _exists(db):
        print(f"l4a-bot: no database at {db}", file=sys.stderr)
        return EXIT_USAGE
    clock = SystemClock()

    async def from_db() -> bytes:
        async with open_hub(config, clock, db=db, schedule=args.schedule, create=False) as hub:
            return await with_hub(hub, lang, clock.now())

    if _exists(db):
        data = asyncio.run(from_db())
    else:
        data = alone(load_programme(args.schedule or config.bot.schedule), lang, clock.now())
    _write_out(data, args.out)
    return EXIT_OK


def cmd_ics(args: argparse.Namespace) -> int:
    """The whole programme as .ics. With a database: the approved open-space proposals too,
    and SEQUENCE from the stored revisions."""
    from bot.calendar import calendar_bytes
    from bot.revisions import record_revisions

    async def with_hub(hub: Hub, lang: str, now: datetime) -> bytes:
        sessions = hub.programme.sessions
        revisions = await record_revisions(hub.store.database, sessions, hub.programme, now)
        return calendar_bytes(sessions, hub.programme, lang, now=now, revisions=revisions)

    def alone(programme: Programme, lang: str, now: datetime) -> bytes:
        return calendar_bytes(programme.sessions, programme, lang, now=now)

    return programme_output(args, with_hub, alone)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    words = list(sys.argv[1:] if argv is None else argv)
    if not words or (words[0] not in SUBCOMMANDS and words[0] not in ("-h", "--help")):
        words.insert(0, "console")  # no subcommand: the console demo, options and all
    args = parser.parse_args(words)
    command = args.command
    try:
        if command == "check":
            return cmd_check(args.path)
        if command == "run":
            return cmd_run(args)
        if command == "web":
            return cmd_web(args)
        if command == "proposals":
            return cmd_proposals_export(args)
        if command == "plan":
            return cmd_plan(args)
        if command == "ics":
            return cmd_ics(args)
        if command == "db":
            from fronts.cli_db import cmd_db

            return cmd_db(args)
        if command in ("import", "export"):
            from fronts import cli_interchange

            if command == "import":
                return cli_interchange.cmd_import(args)
            return cli_interchange.cmd_export(args)
        return cmd_console(args)
    except ConfigError as exc:
        print(f"l4a-bot: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ProgrammeError as exc:
        print("l4a-bot: the programme file has problems:", file=sys.stderr)
        for line in exc.lines():
            print(line, file=sys.stderr)
        return EXIT_INVALID
    except (StoreError, CannotWrite) as exc:
        print(f"l4a-bot: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except KeyboardInterrupt:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
