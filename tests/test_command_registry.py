"""The command registry against every front: each command exists on the fronts its spec
declares and nowhere else (console and Matrix parsers, the Discord tree built offline, every
``/help``), every catalog key a spec implies exists in every language, and Discord's localized
names work as text commands."""

from __future__ import annotations

import importlib
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot import commands as registry
from bot.commands import COMMANDS, commands_for, dispatch, parse_line
from bot.hub import Hub
from bot.i18n import LANGUAGES, catalog, t
from bot.polls.service import Polls
from bot.registry import ALL_FRONTS, CONSOLE, DISCORD, MATRIX
from fronts.discord_client import HubBot
from fronts.matrix.commands import PREFIXES as MATRIX_PREFIXES
from fronts.matrix.commands import ours
from tests.conftest import caller, text_of
from tests.support.discord_harness import DiscordHarness
from tests.support.markup import shown

ROOT = Path(__file__).resolve().parents[1]
TEXT_PREFIX = {CONSOLE: "/", MATRIX: MATRIX_PREFIXES[0]}


@pytest.fixture
async def discord_bot(hub: Hub, polls: Polls) -> AsyncIterator[DiscordHarness]:
    async with DiscordHarness(HubBot(hub, sync_commands=False)) as harness:
        yield harness


def _unknown(text: str, lang: str = "en") -> bool:
    return t(lang, "errors.unknown_command", command="").rstrip(".") in text


def test_every_spec_names_known_fronts_and_has_a_handler() -> None:
    for spec in COMMANDS.values():
        assert spec.fronts and spec.fronts <= ALL_FRONTS, spec.name
        assert callable(spec.handler), spec.name


def test_every_feature_module_that_declares_commands_is_in_the_registry() -> None:
    """A feature's ``COMMANDS`` tuple that ``bot.commands.FEATURES`` forgets fails here."""
    for path in sorted((ROOT / "bot").rglob("*.py")):
        if re.search(r"^COMMANDS\b.*=", path.read_text(encoding="utf-8"), re.MULTILINE):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            if name != "bot.commands":
                module = importlib.import_module(name)
                assert any(module.COMMANDS is f for f in registry.FEATURES), (
                    f"{name} declares COMMANDS but bot.commands.FEATURES lacks them"
                )


@pytest.mark.parametrize("front", [CONSOLE, MATRIX])
async def test_each_text_front_parses_and_runs_exactly_its_commands(hub: Hub, front: str) -> None:
    prefix = TEXT_PREFIX[front]
    for spec in COMMANDS.values():
        parsed = parse_line(f"{prefix}{spec.name}", (prefix,))
        assert parsed == (prefix, spec.name, ""), spec.name
        if front == MATRIX:
            assert ours(parsed), f"Matrix ignores !{spec.name}"
        if spec.name in ("propose",):  # starts a form; answered by the form tests
            continue
        reply = await dispatch(hub, caller("reg", front=front), *parsed)
        text = text_of(reply)
        if front in spec.fronts:
            assert not _unknown(text), f"{prefix}{spec.name} is unknown on {front}"
            assert "Discord only" not in text, spec.name
        else:
            assert not reply.ok, f"{prefix}{spec.name} ran on {front}, not one of its fronts"


@pytest.mark.parametrize("front", [CONSOLE, MATRIX])
async def test_text_help_lists_exactly_the_commands_of_that_front(hub: Hub, front: str) -> None:
    prefix = TEXT_PREFIX[front]
    text = text_of(await dispatch(hub, caller("reg", front=front), prefix, "help", ""))
    listed = re.findall(rf"^\s*[•*-]?\s*{re.escape(prefix)}([a-z]+)", text, re.MULTILINE)
    assert listed == [c.name for c in commands_for(front)]


async def test_the_discord_tree_has_exactly_the_discord_commands(
    discord_bot: DiscordHarness,
) -> None:
    """A spec offered on Discord whose cog is missing (``discord_ui=True``), or a cog command
    that no spec declares, fails here."""
    tree = {c.name for c in discord_bot.bot.tree.get_commands()}
    expected = {t("en", f"slash.{c.name}.name") for c in commands_for(DISCORD)}
    assert tree == expected


async def test_discord_help_lists_exactly_the_discord_commands(
    discord_bot: DiscordHarness,
) -> None:
    for lang, locale in (("en", "en-US"), ("fr", "fr"), ("tr", "tr")):
        user = discord_bot.user(name=f"h{lang}", locale=locale)
        [reply] = await discord_bot.slash("help", user=user)
        listed = re.findall(r"^\s*[•*-]?\s*\*{0,2}/([^\s*]+)", reply.content, re.MULTILINE)
        expected = [catalog(lang)[f"slash.{c.name}.name"] for c in commands_for(DISCORD)]
        assert listed == expected, lang


def test_every_catalog_key_a_spec_implies_exists_in_every_language() -> None:
    missing = []
    for lang in LANGUAGES:
        keys = catalog(lang)
        for spec in COMMANDS.values():
            wanted = [f"cmd.{spec.name}.description"]
            wanted += [f"params.{p.name}" for p in spec.params]
            if DISCORD in spec.fronts:
                wanted.append(f"slash.{spec.name}.name")
                if not spec.discord_ui:  # a generated command's options
                    wanted += [f"slash.{spec.name}.{p.name}" for p in spec.params]
                    wanted += [f"cmd.{spec.name}.{p.name}" for p in spec.params]
            missing += [f"{lang}: {k}" for k in wanted if k not in keys]
    assert missing == []


def test_localized_discord_names_are_unambiguous_text_commands() -> None:
    owners: dict[str, set[str]] = {}
    for spec in commands_for(DISCORD):
        for lang in LANGUAGES:
            owners.setdefault(catalog(lang)[f"slash.{spec.name}.name"], set()).add(spec.name)
    clashes = {n: s for n, s in owners.items() if len(s) > 1 or (n in COMMANDS and s != {n})}
    assert clashes == {}


@pytest.mark.parametrize(
    ("line", "name"),
    [("/siguiente 2", "next"), ("/suivant", "next"), ("/SONRAKI", "next"), ("!aide", "help")],
)
def test_discord_localized_names_parse_as_the_command(line: str, name: str) -> None:
    parsed = parse_line(line, (line[0],))
    assert parsed is not None and parsed[1] == name


@pytest.mark.parametrize("front", [CONSOLE, MATRIX])
async def test_a_localized_name_runs_the_command_on_text_fronts(hub: Hub, front: str) -> None:
    prefix = TEXT_PREFIX[front]
    via_alias = text_of(
        await dispatch(hub, caller(front=front), *parse_line(f"{prefix}siguiente 2", (prefix,)))
    )  # type: ignore[misc]
    direct = text_of(await dispatch(hub, caller(front=front), prefix, "next", "2"))
    assert via_alias == direct and "12:00" in direct
    assert ours(parse_line("!suivant", MATRIX_PREFIXES))
    refused = text_of(await dispatch(hub, caller(front=front), prefix, "eventos", ""))
    assert "/events works on Discord only".replace("/", prefix) in refused


async def test_a_generated_discord_command_answers_like_the_text_front(
    discord_bot: DiscordHarness, hub: Hub
) -> None:
    """/reminders has no cog: cogs/generic.py builds it from the spec."""
    generated = [c for c in commands_for(DISCORD) if not c.discord_ui]
    assert generated, "no spec exercises cogs/generic.py"
    [reply] = await discord_bot.slash("reminders", user=discord_bot.user(name="gen"))
    console = text_of(await dispatch(hub, caller("gen"), "/", "reminders", ""))
    assert console.splitlines()[0] in shown(reply.content)  # as Discord shows its escapes


def test_a_param_named_like_the_commands_own_keys_is_refused() -> None:
    from bot.registry import Command, Param

    with pytest.raises(ValueError, match="may not be called 'name'"):
        Command("speakers", (Param("name"),), lambda inv: None)  # type: ignore[arg-type,return-value]


def test_every_command_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [n for n in COMMANDS if not re.search(rf"(^|[`\s])/{n}\b", readme, re.MULTILINE)]
    assert missing == [], "add them to README's Commands table"
