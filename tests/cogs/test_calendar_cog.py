"""``/ics`` through real discord.py dispatch: a private .ics attachment, localized."""

from __future__ import annotations

from icalendar import Calendar

from bot.hub import Hub
from tests.support.discord_harness import DiscordHarness


async def test_ics_all_sends_the_programme_privately_as_a_file(
    discord_bot: DiscordHarness, hub: Hub
) -> None:
    sent = await discord_bot.slash("ics", {"all": True})
    files = [(s, f) for s in sent for f in s.files]
    [(message, (filename, data))] = files
    assert message.ephemeral and filename == "local4action-programme.ics"
    events = Calendar.from_ical(data).walk("VEVENT")
    assert len(events) == len(hub.programme.sessions)
    assert "Your calendar file, 12 sessions:" in message.content


async def test_ics_for_a_french_client_is_in_french(discord_bot: DiscordHarness) -> None:
    lea = discord_bot.user(name="lea", locale="fr")
    sent = await discord_bot.slash("ics", {"all": True}, user=lea)
    [(filename, data)] = [f for s in sent for f in s.files]
    assert filename == "programme-local4action.ics"
    cal = Calendar.from_ical(data)
    assert "Forum mondial" in str(cal["X-WR-CALNAME"])
    assert any("Dialogue de haut niveau" in str(e["CATEGORIES"].cats) for e in cal.walk("VEVENT"))


async def test_ics_alone_is_my_agenda_and_says_how_to_fill_it_when_empty(
    discord_bot: DiscordHarness,
) -> None:
    lea = discord_bot.user(name="lea", locale="fr")
    *_, answer = await discord_bot.slash("ics", user=lea)  # deferred, then the follow-up
    assert answer.kind == "followup" and answer.ephemeral and not answer.files
    assert "Vous ne suivez encore aucune session" in answer.content


async def test_ics_feed_gives_a_private_subscription_url_and_reset_replaces_it(
    discord_bot: DiscordHarness, hub: Hub
) -> None:
    from bot.config import Config

    *_, refused = await discord_bot.slash("ics", {"feed": True})
    assert refused.ephemeral and "web front" in refused.content
    hub.config = Config.model_validate({"web": {"base_url": "https://hub.example.org"}})
    *_, first = await discord_bot.slash("ics", {"feed": True})
    *_, again = await discord_bot.slash("ics", {"feed": True})
    *_, reset = await discord_bot.slash("ics", {"reset": True})
    assert first.ephemeral and "https://hub.example.org/feed/" in first.content
    assert again.content == first.content
    url = reset.content.split("https://hub.example.org")[1].split(".ics")[0]
    assert url not in first.content and "old address no longer works" in reset.content
