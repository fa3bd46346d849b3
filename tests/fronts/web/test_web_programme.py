"""Programme pages over HTTP: language from Accept-Language or the switch (remembered), the
zone from the cookie or the picker, now and next marked, session pages, .ics files."""

from __future__ import annotations

import re

import pytest
from aiohttp.test_utils import TestClient
from icalendar import Calendar

from bot.clock import FrozenClock
from bot.hub import Hub
from tests.conftest import FORUM_MORNING


async def test_the_language_follows_accept_language_then_the_switch(web: TestClient) -> None:
    es = await web.get("/", headers={"Accept-Language": "de-DE, es;q=0.8, en;q=0.5"})
    assert '<html lang="es">' in await es.text()
    switched = await web.get("/?lang=fr", headers={"Accept-Language": "es"})
    assert '<html lang="fr">' in await switched.text()
    remembered = await web.get("/", headers={"Accept-Language": "es"})  # the cookie wins
    assert '<html lang="fr">' in await remembered.text()


async def test_now_and_next_are_marked_as_the_clock_moves(
    web: TestClient, clock: FrozenClock
) -> None:
    html = await (await web.get("/")).text()
    assert '<li class="next"><strong class="badge">Next</strong>' in html
    assert 'class="now"' not in html
    clock.set(FORUM_MORNING.replace(hour=10, minute=10))  # 12:10 CEST: the open space is on
    html = await (await web.get("/")).text()
    now_line = html.split('<li class="now">')[1].split("</li>")[0]
    assert "/session/hub-oct-6" in now_line
    assert "/session/opening-plenary" in html.split('<li class="next">')[1].split("</li>")[0]


async def test_the_zone_picker_takes_what_timezone_takes_and_says_what_is_wrong(
    web: TestClient,
) -> None:
    resp = await web.get("/?tz=kathmandu", allow_redirects=False)
    assert resp.status == 303 and "l4a_tz=Asia%2FKathmandu;" in resp.headers["Set-Cookie"]
    html = await (await web.get("/")).text()
    assert "UTC+05:45" in html and "3:45\u202fPM" in html
    bad = await (await web.get("/?tz=Atlantis&lang=es")).text()
    assert 'id="tz-problem"' in bad and "Atlantis" in bad


async def test_a_session_page_says_how_to_join_and_links_its_calendars(web: TestClient) -> None:
    html = await (await web.get("/session/climate-dialogue?lang=en")).text()
    assert "<h1>Intermediary Cities and the Planet for Climate Justice</h1>" in html
    assert "Key statements" in html and "Zoom" in html
    for link in ("/ics/session/climate-dialogue.ics", "/ics/day/1.ics", "/ics/all.ics"):
        assert f'href="{link}"' in html
    assert (await web.get("/session/../../etc/passwd")).status == 404


async def test_the_calendar_files_hold_the_session_the_day_and_everything(
    web: TestClient, hub: Hub
) -> None:
    one = Calendar.from_ical(await (await web.get("/ics/session/climate-dialogue.ics")).read())
    assert [str(e["UID"]).split(".")[0] for e in one.walk("VEVENT")] == ["climate-dialogue"]
    day = Calendar.from_ical(await (await web.get("/ics/day/2.ics")).read())
    assert len(day.walk("VEVENT")) == len(hub.programme.on_date(hub.programme.days[1].date))
    everything = Calendar.from_ical(await (await web.get("/ics/all.ics")).read())
    assert len(everything.walk("VEVENT")) == len(hub.programme.sessions)
    assert (await web.get("/ics/day/9.ics")).status == 404


async def test_untitled_days_are_headed_by_their_date(
    web: TestClient, hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An imported programme's days have no title: the page heads each with its date alone."""
    untitled = [d.model_copy(update={"title": None}) for d in hub.programme.days]
    monkeypatch.setattr(hub.programme, "days", untitled)
    resp = await web.get("/?lang=en")
    assert resp.status == 200
    html = await resp.text()
    assert "None" not in html
    assert re.search(r'<h2 id="day-1">[^<—]*5[^<—]*</h2>', html)
