"""``l4a-bot run``: the discord.py client. The token comes only from ``DISCORD_TOKEN``."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Any

import discord
from discord.ext import commands

from bot.clock import Clock
from bot.config import Config
from bot.hub import Hub
from cogs.common import FRONT, route_interaction
from cogs.setup import add_cogs

log = logging.getLogger("l4a.discord")
EXIT_USAGE = 2
EXIT_FAILED = 1


class HubBot(commands.Bot):
    """A bot with slash commands only (no message content intent, no prefix commands)."""

    def __init__(self, hub: Hub, *, sync_commands: bool = True) -> None:
        intents = discord.Intents.none()
        intents.guilds = True
        # Not privileged: "Interested" marks on scheduled events ([events] follow_interested).
        intents.guild_scheduled_events = True
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            help_command=None,
            allowed_mentions=discord.AllowedMentions.none(),
        )
        self.hub = hub
        self.sync_commands = sync_commands

    def dispatch(self, event_name: str, /, *args: Any, **kwargs: Any) -> None:
        super().dispatch(event_name, *args, **kwargs)
        health = self.hub.health
        if event_name in ("ready", "resumed"):
            health.up(FRONT)  # the gateway session is usable
        elif event_name == "disconnect":
            health.down(FRONT, "gateway disconnected")
        else:
            health.event(FRONT)
        if event_name == "interaction" and args:
            route_interaction(self, args[0])  # discord.py passes the Interaction

    async def setup_hook(self) -> None:
        await add_cogs(self, self.hub)
        if not self.sync_commands:
            return
        guild_ids = self.hub.config.discord.guild_ids
        if guild_ids:  # instant in these servers: handy while preparing the event
            for gid in guild_ids:
                guild = discord.Object(id=gid)
                self.tree.copy_global_to(guild=guild)
                await self.tree.sync(guild=guild)
        else:
            await self.tree.sync()
        log.info("slash commands synced (%s)", guild_ids or "global")


class RedactToken(logging.Filter):
    """Belt and braces: no log record may ever carry the token, whoever logs it."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.token and self.token in message:
            record.msg = message.replace(self.token, "[redacted]")
            record.args = ()
        return True


def setup_logging(*secrets: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    for secret in secrets:
        handler.addFilter(RedactToken(secret))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    # APScheduler logs two INFO lines per job run ("Running job …", "… executed successfully"):
    # the programme watch alone made ~57,000 a day. Its warnings and errors still show.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


MISSING_TOKEN = (
    "l4a-bot: DISCORD_TOKEN is not set: export the bot token from the Discord Developer "
    "Portal (Bot › Token) in the environment; it is never read from a file."
)


def discord_token() -> str | None:
    return os.environ.get("DISCORD_TOKEN", "").strip() or None


async def serve_discord(hub: Hub, token: str) -> None:
    """Run the Discord client on ``hub`` until it stops (raises discord.py's errors)."""
    bot = HubBot(hub)
    async with bot:
        await bot.start(token)


def discord_failure(exc: BaseException) -> int | None:
    """One line for a Discord start-up failure, and the exit status; ``None``: not Discord's."""
    if isinstance(exc, discord.LoginFailure):
        print(
            "l4a-bot: Discord rejected the token in DISCORD_TOKEN (401 Unauthorized): "
            "copy a fresh token from the Developer Portal.",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if isinstance(exc, discord.PrivilegedIntentsRequired):
        print("l4a-bot: Discord refused the gateway intents this bot asked for.", file=sys.stderr)
        return EXIT_FAILED
    if isinstance(exc, discord.GatewayNotFound | discord.ConnectionClosed):
        print(f"l4a-bot: cannot reach Discord: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    return None


def run_discord(
    config: Config, clock: Clock, *, db: Path | None = None, schedule: Path | None = None
) -> int:
    """Discord alone (``fronts.runner.run_fronts`` runs every configured front)."""
    from fronts.runner import run_fronts

    return run_fronts(config, clock, db=db, schedule=schedule, matrix=False)
