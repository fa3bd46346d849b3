"""``/ics feed`` on any front: a secret URL of the asker's agenda, served by the web front with
an alarm at their reminder lead; ``/ics feed reset`` revokes it."""

from __future__ import annotations

import re

import pytest
from aiohttp.test_utils import TestClient

from bot.config import Config
from bot.hub import Hub
from fronts.console import Console

pytestmark = pytest.mark.both_backends

BASE = "https://hub.example.org"


async def test_a_feed_url_serves_the_agenda_with_alarms_until_it_is_reset(
    web: TestClient, hub: Hub
) -> None:
    console = Console(hub)
    assert "web front" in await console.handle("/ics feed")  # no base_url: says why
    hub.config = Config.model_validate({"web": {"base_url": BASE}})
    await console.handle("@ana /remind hub-oct-6 25")
    await console.handle("@ana /language fr")
    answer = await console.handle("@ana /ics feed")
    url = re.search(rf"{BASE}(/feed/[A-Za-z0-9_-]+\.ics)", answer).group(1)
    assert await console.handle("@ana /ics feed") == answer  # the same address when asked again
    resp = await web.get(url)
    assert resp.status == 200 and resp.content_type == "text/calendar"
    ics = (await resp.text()).replace("\r\n ", "")
    assert "UID:hub-oct-6" in ics and ics.count("BEGIN:VEVENT") == 1
    assert "BEGIN:VALARM" in ics and "TRIGGER:-PT25M" in ics
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H" in ics
    assert "Espace ouvert" in ics or "espace ouvert" in ics.lower()  # in Ana's language
    # Following one more session shows up at the next fetch, by itself.
    await console.handle("@ana /remind opening-plenary")
    assert (await (await web.get(url)).text()).count("BEGIN:VEVENT") == 2
    # Reset: a new address; the old one is gone. Another user's feed is their own.
    reset = await console.handle("@ana /ics feed reset")
    new_url = re.search(rf"{BASE}(/feed/[A-Za-z0-9_-]+\.ics)", reset).group(1)
    assert new_url != url
    assert (await web.get(url)).status == 404
    assert (await web.get(new_url)).status == 200
    bob = await console.handle("@bob /ics feed")
    bob_url = re.search(rf"{BASE}(/feed/[A-Za-z0-9_-]+\.ics)", bob).group(1)
    assert "BEGIN:VEVENT" not in await (await web.get(bob_url)).text()
    assert (await web.get("/feed/guessed-token-guessed-token-guessed-1.ics")).status == 404


async def test_a_programme_without_a_hub_serves_feeds_named_after_the_forum(
    web: TestClient, hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An imported programme has no ``hub:`` section: the feed's calendar takes the forum's name."""
    forum = hub.programme.forum
    monkeypatch.setattr(hub.programme, "forum", forum.model_copy(update={"hub": None}))
    hub.config = Config.model_validate({"web": {"base_url": BASE}})
    console = Console(hub)
    await console.handle("@ana /remind hub-oct-6")
    answer = await console.handle("@ana /ics feed")
    url = re.search(rf"{BASE}(/feed/[A-Za-z0-9_-]+\.ics)", answer).group(1)
    resp = await web.get(url)
    assert resp.status == 200
    ics = (await resp.text()).replace("\r\n ", "")
    [name] = re.findall(r"X-WR-CALNAME:(.*)\r\n", ics)
    assert name.replace("\\,", ",") == "My agenda · " + forum.name.get("en")
    assert "UID:hub-oct-6" in ics
