"""Every slash command, in every language, within Discord's limits (see shared FACTS.md)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import discord
import pytest

from bot.hub import Hub
from bot.i18n import LANGUAGES
from fronts.discord_client import HubBot

NAME_MAX, DESCRIPTION_MAX, OPTIONS_MAX, CHOICES_MAX, CHOICE_MAX = 32, 100, 25, 25, 100
COMMAND_TEXT_MAX = 4000  # name + description + every option's texts, per locale
TOP_LEVEL_MAX = 100
# Every Discord locale of a language the catalogs hold (bot/locales/core.<lang>.toml).
FORUM_LOCALES = {str(loc) for loc in discord.Locale if str(loc).split("-")[0] in LANGUAGES}
SUBCOMMAND, GROUP = 1, 2


@pytest.fixture
async def payloads(hub: Hub) -> AsyncIterator[list[dict[str, Any]]]:
    bot = HubBot(hub, sync_commands=False)
    await bot.setup_hook()
    translator = bot.tree.translator
    assert translator is not None
    yield [
        await command.get_translated_payload(bot.tree, translator)
        for command in bot.tree.get_commands()
    ]
    await bot.close()


def _valid_name(name: str) -> bool:
    return (
        1 <= len(name) <= NAME_MAX
        and all(c.isalnum() or c in "-_" for c in name)
        and name == name.lower()
    )


def _walk(item: dict[str, Any], path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    here = f"{path}/{item['name']}"
    yield here, item
    for option in item.get("options", []):
        yield from _walk(option, here)


def _texts(item: dict[str, Any], locale: str | None) -> int:
    def pick(field: str) -> str:
        localized = item.get(f"{field}_localizations") or {}
        return localized.get(locale, item[field]) if locale else item[field]

    total = len(pick("name")) + len(pick("description"))
    for choice in item.get("choices", []):
        total += len((choice.get("name_localizations") or {}).get(locale, choice["name"]))
        total += len(str(choice["value"]))
    return total + sum(_texts(o, locale) for o in item.get("options", []))


def test_there_are_commands_and_not_too_many(payloads: list[dict[str, Any]]) -> None:
    assert 7 <= len(payloads) <= TOP_LEVEL_MAX


def test_names_and_descriptions_fit_discord_limits_in_every_language(
    payloads: list[dict[str, Any]],
) -> None:
    for command in payloads:
        for path, item in _walk(command):
            assert _valid_name(item["name"]), path
            assert 1 <= len(item["description"]) <= DESCRIPTION_MAX, path
            for locale, name in (item.get("name_localizations") or {}).items():
                assert _valid_name(name), f"{path} [{locale}] {name!r}"
            for locale, text in (item.get("description_localizations") or {}).items():
                assert 1 <= len(text) <= DESCRIPTION_MAX, f"{path} [{locale}] {len(text)} chars"
            assert len(item.get("options", [])) <= OPTIONS_MAX, path
            choices = item.get("choices", [])
            assert len(choices) <= CHOICES_MAX, path
            for choice in choices:
                assert 1 <= len(choice["name"]) <= CHOICE_MAX, path
                assert len(str(choice["value"])) <= CHOICE_MAX, path
            assert not (choices and item.get("autocomplete")), f"{path}: choices + autocomplete"


def test_the_languages_served_on_discord_are_those_of_the_catalogs() -> None:
    assert {"es-ES", "es-419", "fr", "en-US", "en-GB", "tr"} <= FORUM_LOCALES


def test_every_command_is_localized_for_the_forum_languages(
    payloads: list[dict[str, Any]],
) -> None:
    valid_locales = {str(locale) for locale in discord.Locale}
    for command in payloads:
        for path, item in _walk(command):
            names = item.get("name_localizations") or {}
            descriptions = item.get("description_localizations") or {}
            assert names.keys() >= FORUM_LOCALES, f"{path}: {sorted(names)}"
            assert descriptions.keys() >= FORUM_LOCALES, f"{path}: {sorted(descriptions)}"
            assert set(names) <= valid_locales and set(descriptions) <= valid_locales


def test_names_are_unique_in_every_language(payloads: list[dict[str, Any]]) -> None:
    for locale in [None, *sorted(FORUM_LOCALES)]:

        def name(item: dict[str, Any], loc: str | None = locale) -> str:
            return (item.get("name_localizations") or {}).get(loc, item["name"])

        top = [name(c) for c in payloads]
        assert len(top) == len(set(top)), f"{locale}: {top}"
        for command in payloads:
            for _, item in _walk(command):
                options = [name(o) for o in item.get("options", [])]
                assert len(options) == len(set(options)), f"{locale}: {item['name']} {options}"


def test_required_options_come_before_optional_ones(payloads: list[dict[str, Any]]) -> None:
    for command in payloads:
        for path, item in _walk(command):
            flags = [o.get("required", False) for o in item.get("options", [])]
            if (flags and item.get("type") not in (SUBCOMMAND, GROUP)) or path.count("/") > 1:
                assert flags == sorted(flags, reverse=True), path


def test_each_command_text_fits_in_4000_characters_per_language(
    payloads: list[dict[str, Any]],
) -> None:
    for command in payloads:
        for locale in [None, *sorted(FORUM_LOCALES)]:
            assert _texts(command, locale) <= COMMAND_TEXT_MAX, (command["name"], locale)
