"""Drivers that let one scenario run against every front: type a command as a user, read back
what that user was shown. Discord goes through real discord.py dispatch (tests/support)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Protocol

import discord
from discord import app_commands

from bot.hub import Hub
from fronts.console import Console
from fronts.discord_client import HubBot
from tests.support.discord_harness import DiscordHarness


@dataclass(frozen=True)
class Answer:
    text: str  # as a reader sees it, markup removed
    private: bool | None  # None where the front has no notion of it (console)


class Front(Protocol):
    name: str

    async def say(self, user: str, command: str, *args: str) -> Answer: ...


def _plain(text: str) -> str:
    return text.replace("\u202f", " ").replace("\xa0", " ")


class ConsoleFront:
    name = "console"

    def __init__(self, hub: Hub) -> None:
        self.console = Console(hub)

    async def say(self, user: str, command: str, *args: str) -> Answer:
        line = " ".join([f"@{user}", f"/{command}", *args])
        out = await self.console.handle(line)
        return Answer(_plain(out or ""), None)


_STAMP = re.compile(r" · <t:\d+:[tTdDfFR]>")
_ESCAPE = re.compile(r"\\([\\_*~`|>#@:\[\]()-])")


def discord_plain(markdown: str) -> str:
    text = _STAMP.sub("", markdown)
    text = re.sub(r"^(### |-# |- |> )", "", text, flags=re.MULTILINE)
    text = text.replace("**", "").replace("\u200b", "")
    return _plain(_ESCAPE.sub(r"\1", text))


class DiscordFront:
    name = "discord"

    def __init__(self, harness: DiscordHarness) -> None:
        self.harness = harness

    async def say(self, user: str, command: str, *args: str) -> Answer:
        options: dict[str, object] = {}
        if args:
            # Text fronts take the rest of the line as the command's single parameter.
            registered = self.harness.bot.tree.get_command(command)
            assert isinstance(registered, app_commands.Command)
            param = registered.parameters[0]
            value = " ".join(args)
            is_int = param.type is discord.AppCommandOptionType.integer
            options[param.name] = int(value) if is_int else value
        sent = await self.harness.slash(command, options, user=self.harness.user(name=user))
        replies = [s for s in sent if s.kind in ("interaction_response", "followup")]
        assert replies, f"/{command} sent no reply"
        for s in replies:
            assert s.data.get("allowed_mentions") == {"parse": []}, "a reply could ping someone"
        return Answer(
            discord_plain("\n".join(s.text for s in replies)), all(s.ephemeral for s in replies)
        )


@asynccontextmanager
async def open_front(name: str, hub: Hub) -> AsyncIterator[Front]:
    if name == "console":
        yield ConsoleFront(hub)
        return
    bot = HubBot(hub, sync_commands=False)
    async with DiscordHarness(bot) as harness:
        yield DiscordFront(harness)
