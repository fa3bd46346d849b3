from __future__ import annotations

import pytest

from bot.commands import commands_for, dispatch, parse_line
from bot.hub import Hub
from tests.conftest import caller, text_of


@pytest.mark.parametrize(
    ("line", "parsed"),
    [
        ("/next 3", ("/", "next", "3")),
        ("  /TimeZone   Asia/Kathmandu ", ("/", "timezone", "Asia/Kathmandu")),
        ("/session climate justice", ("/", "session", "climate justice")),
        ("hello there", None),
        ("/", None),
        ("/ next", None),
        ("/123", None),
    ],
)
def test_command_lines_are_told_apart_from_chat(
    line: str, parsed: tuple[str, str, str] | None
) -> None:
    assert parse_line(line, ("/",)) == parsed


def test_matrix_style_prefix_is_supported() -> None:
    assert parse_line("!next", ("!",)) == ("!", "next", "")


async def test_unknown_command_suggests_the_closest(hub: Hub) -> None:
    reply = await dispatch(hub, caller(), "/", "nxt", "")
    assert not reply.ok
    assert "There is no command /nxt." in text_of(reply) and "/next" in text_of(reply)


async def test_missing_required_argument_shows_the_usage(hub: Hub) -> None:
    reply = await dispatch(hub, caller(), "/", "session", "")
    assert not reply.ok and "/session <query>" in text_of(reply)


async def test_help_lists_every_command_with_its_description(hub: Hub) -> None:
    text = text_of(await dispatch(hub, caller(), "/", "help", ""))
    for command in commands_for("console"):
        assert f"/{command.name}" in text
    assert "/events" not in text  # Discord's alone
    assert "What starts next, and what is on now" in text


@pytest.mark.parametrize(
    ("lang", "usage", "english"),
    [("es", "/session <búsqueda>", "<query>"), ("fr", "/session <recherche>", "<query>")],
)
async def test_missing_argument_usage_names_the_argument_in_the_readers_language(
    hub: Hub, lang: str, usage: str, english: str
) -> None:
    await hub.store.set_language("console", "ana", lang)
    text = text_of(await dispatch(hub, caller("ana"), "/", "session", ""))
    assert usage in text and english not in text


async def test_help_in_spanish_names_the_arguments_in_spanish_but_keeps_keywords(
    hub: Hub,
) -> None:
    await hub.store.set_language("console", "ana", "es")
    text = text_of(await dispatch(hub, caller("ana"), "/", "help", ""))
    assert "/next [número]" in text and "/remind <qué> [minutos]" in text
    assert "/ics [all]" in text  # a word to type as it is, not a placeholder
    assert "[count]" not in text and "<query>" not in text


async def test_a_discord_only_command_on_a_text_front_says_where_it_works(hub: Hub) -> None:
    reply = await dispatch(hub, caller(), "/", "events", "sync")
    text = text_of(reply)
    assert not reply.ok and "There is no command" not in text
    assert "/events works on Discord only" in text
    await hub.store.set_language("console", "eva", "es")
    assert "solo en Discord" in text_of(await dispatch(hub, caller("eva"), "!", "events", ""))
