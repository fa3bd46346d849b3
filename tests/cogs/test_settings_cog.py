from __future__ import annotations

from bot.hub import Hub
from tests.support.discord_harness import DiscordHarness


async def test_timezone_autocomplete_suggests_zones_as_you_type(
    discord_bot: DiscordHarness,
) -> None:
    choices = await discord_bot.autocomplete("timezone", {"zone": "kat"}, "zone")
    assert "Asia/Kathmandu" in [c["value"] for c in choices] and len(choices) <= 25


async def test_timezone_is_saved_for_the_discord_user(
    discord_bot: DiscordHarness, hub: Hub
) -> None:
    ana = discord_bot.user(name="ana")
    [reply] = await discord_bot.slash("timezone", {"zone": "UTC-3"}, user=ana)
    assert reply.ephemeral and "UTC-03:00" in reply.content
    assert hub.store.user("discord", str(ana.id)).zone == "UTC-03:00"
    assert hub.store.user("console", "ana").zone is None


async def test_language_choice_overrides_the_client_locale(
    discord_bot: DiscordHarness, hub: Hub
) -> None:
    luc = discord_bot.user(name="luc", locale="es-ES")
    [reply] = await discord_bot.slash("language", {"code": "fr"}, user=luc)
    assert "je vous répondrai en français" in reply.content
    [after] = await discord_bot.slash("now", user=luc)
    assert "Rien n'est en cours en ce moment." in after.content


async def test_help_shows_the_command_names_a_french_client_sees(
    discord_bot: DiscordHarness,
) -> None:
    [reply] = await discord_bot.slash("help", user=discord_bot.user(name="luc", locale="fr"))
    assert "/suivant" in reply.content and "/fuseau-horaire" in reply.content
    assert "Ce qui commence ensuite" in reply.content


async def test_user_text_in_a_refusal_cannot_ping_or_format(discord_bot: DiscordHarness) -> None:
    [reply] = await discord_bot.slash("timezone", {"zone": "@everyone **x**"})
    assert "@everyone" not in reply.content.replace("@\u200beveryone", "")
    assert "**x**" not in reply.content
    assert reply.data["allowed_mentions"] == {"parse": []}
