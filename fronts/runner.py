"""``l4a-bot run``: every configured front in one process, sharing one :class:`~bot.hub.Hub`.

Discord runs when ``DISCORD_TOKEN`` is set, when ``[discord] guild_ids`` is configured, or when
no other front is (then a missing token is the error); Matrix runs when ``[matrix]`` names a
homeserver and a user. A missing or rejected credential is one clear line and exit status 2;
secrets are redacted from every log record.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from bot.clock import Clock
from bot.config import Config
from bot.hub import Hub
from bot.lease import lead
from fronts.app import open_hub
from fronts.discord_client import (
    EXIT_FAILED,
    EXIT_USAGE,
    MISSING_TOKEN,
    discord_failure,
    discord_token,
    serve_discord,
    setup_logging,
)
from fronts.ops import spawn_ops

FRONTS = ("discord", "matrix", "web", "console")


def default_fronts(config: Config, *, matrix: bool = True) -> list[str]:
    """What runs without ``--front``: Matrix when configured, the web front when enabled,
    Discord when it has a token or guilds, or when nothing else runs."""
    use_matrix = matrix and config.matrix.configured
    use_web = config.web.enabled
    fronts = []
    if bool(discord_token()) or bool(config.discord.guild_ids) or not (use_matrix or use_web):
        fronts.append("discord")
    if use_matrix:
        fronts.append("matrix")
    if use_web:
        fronts.append("web")
    return fronts


def run_fronts(
    config: Config,
    clock: Clock,
    *,
    db: str | Path | None = None,
    schedule: Path | None = None,
    matrix: bool = True,
    ops_port: int | None = None,
    fronts: list[str] | None = None,
) -> int:
    """Run ``fronts`` (default: :func:`default_fronts`) on one hub. On PostgreSQL each front
    but the web runs only while this process holds its lease (:mod:`bot.lease`): else this
    process is that front's hot standby."""
    chosen = list(dict.fromkeys(fronts)) if fronts else default_fronts(config, matrix=matrix)
    token = discord_token()
    if "discord" in chosen and not token:
        print(MISSING_TOKEN, file=sys.stderr)
        return EXIT_USAGE
    secrets = [token] if token else []
    creds = None
    if "matrix" in chosen:
        from fronts.matrix.run import MatrixStartError, credentials

        try:
            creds = credentials()
        except MatrixStartError as exc:
            print(str(exc), file=sys.stderr)
            return EXIT_USAGE
        secrets += creds.secrets
    if "web" in chosen and os.environ.get("L4A_WEB_SECRET"):
        secrets.append(os.environ["L4A_WEB_SECRET"])  # never in a log line
    setup_logging(*secrets)

    async def main() -> None:
        async with open_hub(config, clock, db=db, schedule=schedule, lock=True) as hub:
            jobs: list[Coroutine[Any, Any, None]] = []
            if "discord" in chosen and token:
                hub.health.expect("discord")
                jobs.append(lead(hub, "discord", lambda: serve_discord(hub, token)))
            if creds is not None:
                from fronts.matrix.run import run_matrix

                hub.health.expect("matrix")
                jobs.append(lead(hub, "matrix", lambda: run_matrix(hub, creds)))
            if "console" in chosen:
                hub.health.expect("console")
                jobs.append(lead(hub, "console", lambda: _serve_console(hub, config)))
            if "web" in chosen:
                # Every process serves the web front (no platform connection to lead, votes go
                # to the shared database): put several behind one address.
                from fronts.web.app import serve_web

                hub.health.expect("web")
                hub.polls.start_timers()
                jobs.append(serve_web(hub))
            spawn_ops(hub, ops_port)
            await first_failure(jobs)

    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
    except Exception as exc:
        return _failure(exc)
    return 0


async def _serve_console(hub: Hub, config: Config) -> None:
    """The console front in ``run``: announcements on standard output, lines from standard
    input until it ends (a pipe kept open serves a headless process)."""
    from fronts.console import run_console

    files = config.data_dir / "files"
    await run_console(hub, locale=os.environ.get("LANG"), files_dir=files)


async def first_failure(jobs: list[Coroutine[Any, Any, None]]) -> None:
    """Run the fronts side by side; when one stops with an error, stop the others and raise it."""
    tasks = [asyncio.create_task(job) for job in jobs]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        for task in done:
            if (exc := task.exception()) is not None:
                raise exc
    finally:
        await cancel_and_wait(tasks)


async def cancel_and_wait(tasks: list[asyncio.Task[Any]]) -> None:
    """Cancel the tasks and wait until each has ended, whatever it raised."""
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(BaseException):
            await task


def _failure(exc: BaseException) -> int:
    code = discord_failure(exc)
    if code is not None:
        return code
    from fronts.matrix.run import MatrixStartError

    if isinstance(exc, MatrixStartError):
        print(str(exc), file=sys.stderr)
        return EXIT_USAGE if exc.usage else EXIT_FAILED
    if isinstance(exc, OSError):
        print(f"l4a-bot: cannot reach Discord: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    raise exc
