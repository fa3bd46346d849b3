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
from bot.proposals.model import FIELD_KEYS
from fronts.console import Console
from fronts.discord_client import HubBot
from fronts.matrix.render import WORD_JOINER
from tests.support.discord_harness import DiscordHarness, Sent
from tests.support.matrix_client import settle
from tests.support.matrix_env import MatrixEnv, People, people, running_bot


@dataclass(frozen=True)
class Answer:
    text: str  # as a reader sees it, markup removed
    private: bool | None  # None where the front has no notion of it (console)


class Front(Protocol):
    name: str
    prefix: str  # how users type commands: "/next" or "!next"

    async def say(self, user: str, command: str, *args: str) -> Answer: ...

    async def propose(self, user: str, answers: dict[str, str]) -> Answer:
        """Fill in the whole proposal form (codes for choices; several joined by commas)."""
        ...

    async def moderate(self, user: str, action: str, proposal_id: int, reason: str = "") -> Answer:
        """``approve``, ``reject`` or ``changes`` as a moderator would on that front."""
        ...

    def told(self, user: str) -> list[str]:
        """The private messages the bot sent that user on its own (decisions on proposals)."""
        ...


def _plain(text: str) -> str:
    return text.replace("\u202f", " ").replace("\xa0", " ")


class ConsoleFront:
    name = "console"
    prefix = "/"

    def __init__(self, hub: Hub) -> None:
        self.console = Console(hub)
        self.outputs: list[str] = []

    async def _line(self, line: str) -> str:
        out = _plain(await self.console.handle(line) or "")
        self.outputs.append(out)
        return out

    async def say(self, user: str, command: str, *args: str) -> Answer:
        return Answer(await self._line(" ".join([f"@{user}", f"/{command}", *args])), None)

    async def propose(self, user: str, answers: dict[str, str]) -> Answer:
        await self._line(f"@{user} /propose")
        for key in FIELD_KEYS:
            await self._line(f"@{user} {answers.get(key) or '-'}")
        return Answer(await self._line(f"@{user} send"), None)

    async def moderate(self, user: str, action: str, proposal_id: int, reason: str = "") -> Answer:
        return await self.say(user, action, str(proposal_id), reason)

    def told(self, user: str) -> list[str]:
        head = f"✉ @{user}:\n"
        parts = [part for out in self.outputs for part in out.split("\n\n")]
        told = [part.removeprefix(head) for part in parts if part.startswith(head)]
        # Reminders and other messages the announcer sent on its own: "[time] ✉ @user:\n…".
        for text in self.console.announcements:
            stamp, sep, rest = text.partition("] ✉ @")
            if sep and stamp.startswith("[") and rest.startswith(f"{user}:\n"):
                told.append(_plain(rest.removeprefix(f"{user}:\n")))
        return told


_STAMP = re.compile(r" · <t:\d+:[tTdDfFR]>")
_ESCAPE = re.compile(r"\\([\\_*~`|<>#@:\[\]()-])")


def discord_plain(markdown: str) -> str:
    text = _STAMP.sub("", markdown)
    text = re.sub(r"^(### |-# |- |> )", "", text, flags=re.MULTILINE)
    text = text.replace("**", "").replace("\u200b", "")
    return _plain(_ESCAPE.sub(r"\1", text))


def _option(param: app_commands.Parameter, value: str) -> object:
    return int(value) if param.type is discord.AppCommandOptionType.integer else value


class DiscordFront:
    name = "discord"
    prefix = "/"

    def __init__(self, harness: DiscordHarness) -> None:
        self.harness = harness

    async def say(self, user: str, command: str, *args: str) -> Answer:
        options: dict[str, object] = {}
        if args and isinstance(self.harness.bot.tree.get_command(command), app_commands.Group):
            command, args = f"{command} {args[0]}", args[1:]  # /proposals export…
        if args:
            # Text fronts take the rest of the line as the command's parameter; ``name:value``
            # words for the command's other options (``room:zoom page:2``) are those options.
            registered = self.harness.bot.tree.get_command(command)
            assert isinstance(registered, app_commands.Command)
            params = {p.name: p for p in registered.parameters}
            rest = []
            for arg in args:
                name, sep, value = arg.partition(":")
                if sep and name in params and name != registered.parameters[0].name:
                    options[name] = _option(params[name], value)
                else:
                    rest.append(arg)
            if rest:
                param = registered.parameters[0]
                options[param.name] = _option(param, " ".join(rest))
        sent = await self.harness.slash(command, options, user=self.harness.user(name=user))
        replies = [s for s in sent if s.kind in ("interaction_response", "followup")]
        assert replies, f"/{command} sent no reply"
        for s in replies:
            assert s.data.get("allowed_mentions") == {"parse": []}, "a reply could ping someone"
        return Answer(
            discord_plain("\n".join(s.text for s in replies)), all(s.ephemeral for s in replies)
        )

    def _replies(self, sent: list[Sent]) -> Answer:
        replies = [s for s in sent if s.kind in ("interaction_response", "followup")]
        for s in replies:
            assert s.data.get("allowed_mentions") == {"parse": []}, "a reply could ping someone"
        return Answer(
            discord_plain("\n".join(s.text for s in replies)), all(s.ephemeral for s in replies)
        )

    async def propose(self, user: str, answers: dict[str, str]) -> Answer:
        h, who = self.harness, self.harness.user(name=user)
        values = {f"field:{k}": answers.get(k, "") for k in FIELD_KEYS}
        for key in ("slot", "capitals"):
            values[f"field:{key}"] = [v for v in answers[key].split(",") if v]  # type: ignore[assignment]
        page_1 = {k: values[k] for k in list(values)[:5]}
        page_2 = {k: values[k] for k in list(values)[5:]}
        (modal,) = await h.slash("propose", user=who)
        (step,) = await h.submit_modal(modal, page_1, user=who)
        if "l4a:prop:form:0:2" not in step.custom_ids():
            return self._replies([step])
        (modal_2,) = await h.click("l4a:prop:form:0:2", message=step, user=who)
        return self._replies(await h.submit_modal(modal_2, page_2, user=who))

    async def moderate(self, user: str, action: str, proposal_id: int, reason: str = "") -> Answer:
        h, mod = self.harness, self.harness.user(name=user, roles=["Moderators"])
        sent = await h.click(f"l4a:prop:review:{action}:{proposal_id}", user=mod)
        if sent and sent[0].type == 9:  # a reason is asked for
            sent = await h.submit_modal(sent[0], {"reason": reason}, user=mod)
        return self._replies(sent)

    def told(self, user: str) -> list[str]:
        return [discord_plain(text) for text in self.harness.dm_texts(self.harness.user(name=user))]


def matrix_plain(body: str) -> str:
    return _plain(body.replace(WORD_JOINER, ""))


class MatrixFront:
    """A person talks to the bot in their direct room (answers only they see); moderators
    decide in the hub room, where they have power level 50. Through a real Synapse."""

    name = "matrix"
    prefix = "!"

    def __init__(self, env: MatrixEnv, people: People) -> None:
        self.env = env
        self.people = people
        self.bot = env.bot.user_id

    async def _in_direct(self, user: str, line: str) -> Answer:
        me = await self.people.get(user)
        room = self.env.direct[user]
        sent = await me.say(room, line)
        answer = await me.answer_to(room, sent, self.bot, threaded=False)
        self._check(answer)
        return Answer(matrix_plain(answer["content"]["body"]), True)

    @staticmethod
    def _check(event: dict[str, object]) -> None:
        content = event["content"]
        assert isinstance(content, dict)
        assert content["msgtype"] == "m.notice", "the bot answered with something else"
        assert content.get("m.mentions") == {}, "an answer could ping someone"
        assert content.get("format") == "org.matrix.custom.html"

    async def say(self, user: str, command: str, *args: str) -> Answer:
        return await self._in_direct(user, " ".join([f"!{command}", *args]))

    async def propose(self, user: str, answers: dict[str, str]) -> Answer:
        await self._in_direct(user, "!propose")
        for key in FIELD_KEYS:
            await self._in_direct(user, answers.get(key) or "-")
        return await self._in_direct(user, "send")

    async def moderate(self, user: str, action: str, proposal_id: int, reason: str = "") -> Answer:
        me = await self.people.get(user)
        room = self.env.hub_room
        sent = await me.say(room, f"!{action} {proposal_id} {reason}".strip())
        answer = await me.answer_to(room, sent, self.bot, threaded=True)
        self._check(answer)
        await settle(*self.people.made.values())  # the hosts' notices came before this answer
        return Answer(matrix_plain(answer["content"]["body"]), False)

    def told(self, user: str) -> list[str]:
        """Bot messages in the person's direct room that answered nothing they typed."""
        me = self.people.made.get(user)
        if me is None:
            return []
        me.sync_blocking(self.env.synapse)  # what the bot sent on its own since the last answer
        out, answered = [], True
        for event in me.timeline.get(self.env.direct[user], []):
            if event.get("type") != "m.room.message":
                continue
            if event.get("sender") != self.bot:
                answered = False
            elif answered:
                out.append(matrix_plain(event["content"]["body"]))
            else:
                answered = True  # the bot's answer to the line before
        return out


@asynccontextmanager
async def open_front(
    name: str, hub: Hub, matrix_env: MatrixEnv | None = None
) -> AsyncIterator[Front]:
    if name == "console":
        yield ConsoleFront(hub)
        return
    if name == "matrix":
        assert matrix_env is not None
        async with running_bot(hub, matrix_env), people(matrix_env) as pool:
            yield MatrixFront(matrix_env, pool)
        return
    bot = HubBot(hub, sync_commands=False)
    async with DiscordHarness(bot) as harness:
        yield DiscordFront(harness)
