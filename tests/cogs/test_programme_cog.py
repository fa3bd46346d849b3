from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from bot.hub import Hub
from tests.support.discord_harness import DiscordHarness

HUB_SLOT_START = int(datetime(2021, 10, 6, 10, 0, tzinfo=UTC).timestamp())


async def test_next_is_ephemeral_and_carries_discord_timestamps(
    discord_bot: DiscordHarness,
) -> None:
    [reply] = await discord_bot.slash("next", {"count": 2})
    assert reply.ephemeral
    assert f"<t:{HUB_SLOT_START}:R>" in reply.content
    assert reply.data["allowed_mentions"] == {"parse": []}


async def test_spanish_client_gets_spanish_answers_without_asking(
    discord_bot: DiscordHarness,
) -> None:
    eva = discord_bot.user(name="eva", locale="es-ES")
    [reply] = await discord_bot.slash("next", user=eva)
    assert "A continuación" in reply.content and "12:00–12:45 CEST" in reply.content


async def test_latin_american_spanish_client_is_served_in_spanish(
    discord_bot: DiscordHarness,
) -> None:
    [reply] = await discord_bot.slash("now", user=discord_bot.user(name="leo", locale="es-419"))
    assert "Ahora mismo no hay nada en curso." in reply.content


async def test_session_autocomplete_finds_sessions_by_spanish_words(
    discord_bot: DiscordHarness,
) -> None:
    choices = await discord_bot.autocomplete("session", {"query": "agua"}, "query")
    assert [c["value"] for c in choices] == ["water-justice"]
    assert all(len(c["name"]) <= 100 for c in choices)


async def test_session_autocomplete_starts_with_what_is_next(discord_bot: DiscordHarness) -> None:
    choices = await discord_bot.autocomplete("session", {"query": ""}, "query")
    assert choices[0]["value"] == "hub-oct-6" and len(choices) <= 25


async def test_day_autocomplete_offers_the_forum_days(discord_bot: DiscordHarness) -> None:
    choices = await discord_bot.autocomplete("schedule", {"day": ""}, "day")
    assert [c["value"] for c in choices] == [
        "2021-10-05",
        "2021-10-06",
        "2021-10-07",
        "2021-10-08",
    ]


async def test_day_autocomplete_offers_untitled_days_by_their_date(
    discord_bot: DiscordHarness, hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An imported programme's days have no title: each is offered by its date alone."""
    untitled = [d.model_copy(update={"title": None}) for d in hub.programme.days]
    monkeypatch.setattr(hub.programme, "days", untitled)
    choices = await discord_bot.autocomplete("schedule", {"day": ""}, "day")
    assert [c["value"] for c in choices] == [d.date.isoformat() for d in untitled]
    assert all("None" not in c["name"] and " — " not in c["name"] for c in choices)
    assert "6" in choices[1]["name"]


async def test_a_long_answer_is_split_into_messages_within_discords_limit(
    discord_bot: DiscordHarness,
) -> None:
    sent = await discord_bot.slash("session", {"query": "closing"})
    sent += await discord_bot.slash("schedule", {"day": "4"})
    assert all(len(s.content) <= 2000 for s in sent)


@pytest.mark.expect_logged_errors
async def test_a_failing_command_answers_privately_and_is_logged(
    discord_bot: DiscordHarness, monkeypatch
) -> None:
    import bot.agenda

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(bot.agenda, "now_sessions", broken)
    sent = await discord_bot.slash("now", expect_error=RuntimeError)
    [reply] = [s for s in sent if s.kind == "interaction_response"]
    assert reply.ephemeral and "Something went wrong on my side" in reply.content
    assert "boom" not in reply.content


async def test_times_in_the_answer_name_their_zone(discord_bot: DiscordHarness) -> None:
    [reply] = await discord_bot.slash("next")
    for line in reply.content.splitlines():
        if line.startswith("- "):
            assert re.search(r"(AM|PM) CEST · <t:\d+:R>", line.replace("\u202f", " ")), line


async def test_a_session_not_found_names_the_schedule_command_as_a_spanish_client_shows_it(
    discord_bot: DiscordHarness,
) -> None:
    eva = discord_bot.user(name="eva", locale="es-ES")
    [reply] = await discord_bot.slash("session", {"query": "quantum knitting"}, user=eva)
    assert "/programa muestra todas las sesiones" in reply.content


async def test_session_by_a_word_of_the_seed_name_finds_the_opening_plenary(
    discord_bot: DiscordHarness,
) -> None:
    [reply] = await discord_bot.slash("session", {"query": "ouverture"})
    assert "opening-plenary" in reply.content


async def test_a_command_that_cannot_save_says_so_privately_not_something_went_wrong(
    discord_bot: DiscordHarness, monkeypatch
) -> None:
    import sqlite3

    import bot.agenda

    def full(*args: object, **kwargs: object) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(bot.agenda, "now_sessions", full)
    eva = discord_bot.user(name="eva", locale="fr")
    sent = await discord_bot.slash("now", user=eva, expect_error=sqlite3.OperationalError)
    [reply] = [s for s in sent if s.kind == "interaction_response"]
    assert reply.ephemeral
    assert reply.content.startswith("Je ne peux rien enregistrer pour le moment")
    assert "Un problème est survenu" not in reply.content


async def test_a_turkish_client_gets_turkish_bot_text_and_english_programme_text(
    discord_bot: DiscordHarness,
) -> None:
    # Turkish is a language because bot/locales has *.tr.toml; schedule.yaml has no Turkish
    # texts, so titles and summaries are the English ones.
    ece = discord_bot.user(name="ece", locale="tr")
    [reply] = await discord_bot.slash("session", {"query": "opening-plenary"}, user=ece)
    assert "Ne zaman:" in reply.content and "Genel oturum" in reply.content  # Turkish bot text
    assert "Intermediary Cities for Equal Territories" in reply.content  # English programme
    assert "Territorios" not in reply.content and "territoires" not in reply.content
    [reply] = await discord_bot.slash("next", user=ece)
    assert "### Sırada" in reply.content and "Saatler programın diliminde" in reply.content
    assert "12:00–12:45 CEST" in reply.content and "Open space on Wonder" in reply.content


async def test_a_turkish_client_sees_the_turkish_command_names_in_help(
    discord_bot: DiscordHarness,
) -> None:
    [reply] = await discord_bot.slash("help", user=discord_bot.user(name="ece", locale="tr"))
    assert "/sonraki" in reply.content and "/saat-dilimi" in reply.content
    assert "Sırada ne var, şu anda ne oluyor" in reply.content
