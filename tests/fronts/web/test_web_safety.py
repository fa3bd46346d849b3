"""Safety and weight of the web front: CSP on every page, error pages in the visitor's language,
request size limits, no e-mail shown, secrets from the environment, reverse-proxy settings, and
pages light enough for a cheap phone."""

from __future__ import annotations

import re

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.config import Config, ConfigError
from bot.hub import Hub
from bot.polls.model import PollSpec, Question
from bot.polls.service import Polls
from fronts.web import app as web_app
from fronts.web.app import client_address, make_app
from tests.fronts.web.conftest import csrf_of
from tests.fronts.web.test_web_proposals import form_data


async def test_every_page_carries_a_strict_content_security_policy(web: TestClient) -> None:
    for path in ("/", "/session/hub-oct-6", "/propose", "/nope"):
        resp = await web.get(path)
        csp = resp.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp, path
        assert resp.headers["X-Frame-Options"] == "DENY"
        html = await resp.text()
        assert not re.search(r"<script>|<script(?![^>]*\bsrc=)[^>]*>|\bstyle=\"|\bon\w+=\"", html)


async def test_error_pages_speak_the_visitors_language(web: TestClient) -> None:
    resp = await web.get("/session/nothing-here", headers={"Accept-Language": "fr-CA,fr"})
    assert resp.status == 404
    html = await resp.text()
    assert '<html lang="fr">' in html and "Introuvable" in html
    resp = await web.get("/v/abc?lang=es")
    assert resp.status == 404 and "No encontrado" in await resp.text()


async def test_a_body_over_the_limit_is_refused_with_a_page(web: TestClient) -> None:
    page = await web.get("/propose")
    csrf = csrf_of(await page.text())
    resp = await web.post("/propose", data={"csrf": csrf, "description": "x" * 200_000})
    assert resp.status == 413
    assert "too large" in (await resp.text()).lower()


async def test_the_contact_email_never_shows_on_public_pages(web: TestClient, hub: Hub) -> None:
    page = await web.get("/propose")
    csrf = csrf_of(await page.text())
    await web.post("/propose", data=form_data(csrf, email="secret.host@example.org"))
    from bot.proposals import moderation
    from tests.support.proposals import moderator

    await moderation.decide(hub.context(moderator()), 1, "approved")
    for path in ("/", "/session/hub-oct-6"):
        assert "secret.host" not in await (await web.get(path)).text()


def test_the_cookie_key_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("L4A_WEB_SECRET", "from-the-environment")
    assert web_app.web_secret() == b"from-the-environment"
    monkeypatch.delenv("L4A_WEB_SECRET")
    assert web_app.web_secret() != web_app.web_secret()  # a fresh random key per start


def test_web_config_is_validated() -> None:
    with pytest.raises(ValueError, match="not an http"):
        Config.model_validate({"web": {"base_url": "hub.example.org"}})
    with pytest.raises(ValueError, match="not an IP"):
        Config.model_validate({"web": {"trusted_proxies": ["proxy.local"]}})
    assert issubclass(ConfigError, Exception)


async def test_behind_a_proxy_links_use_the_base_path_and_the_forwarded_address(
    hub: Hub, polls: Polls
) -> None:
    hub.config = Config.model_validate(
        {"web": {"base_url": "https://forum.example.org/hub", "trusted_proxies": ["127.0.0.1"]}}
    )
    app = make_app(hub, b"k")
    client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    try:
        resp = await client.get("/hub/")
        html = await resp.text()
        assert resp.status == 200 and 'href="/hub/propose"' in html
        assert "Path=/hub/" in resp.headers["Set-Cookie"]
        assert "Secure" in resp.headers["Set-Cookie"]
        spec = PollSpec(Question({"*": "Q?"}), "yesno")
        poll = await polls.start(spec, front="console", by="console:m", lang="en")
        screen = await (await client.get(f"/hub/poll/{poll.id}/screen")).text()
        assert f"https://forum.example.org/hub/v/{poll.id}" in screen
    finally:
        await client.close()

    class Req:
        def __init__(self, remote: str, fwd: str) -> None:
            self.remote, self.headers = remote, {"X-Forwarded-For": fwd}
            self.app = app

    assert client_address(Req("127.0.0.1", "203.0.113.9, 127.0.0.1")) == "203.0.113.9"
    assert client_address(Req("198.51.100.7", "203.0.113.9")) == "198.51.100.7"  # not trusted


async def _weight(web: TestClient, path: str, assets: list[str]) -> int:
    total = len(await (await web.get(path)).read())
    for asset in assets:
        total += len(await (await web.get(asset)).read())
    return total


async def test_the_programme_and_vote_pages_are_light(web: TestClient, polls: Polls) -> None:
    spec = PollSpec(Question({"*": "Water first?"}), "agree")
    poll = await polls.start(spec, front="console", by="console:m", lang="en")
    programme = await _weight(web, "/", ["/static/style.css", "/static/zone.js"])
    vote = await _weight(web, f"/v/{poll.id}", ["/static/style.css"])
    assert programme < 60_000, programme
    assert vote < 30_000, vote


@pytest.mark.expect_logged_errors
async def test_a_failure_is_a_page_in_the_visitors_language_and_the_log_has_no_token(
    web: TestClient, hub: Hub, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.proposals.env import repo_of

    async def broken(*_: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(type(repo_of(hub)), "by_host", broken)
    token = "S3cretT0ken-S3cretT0ken-S3cret"
    resp = await web.get(f"/my/{token}?lang=fr")
    assert resp.status == 500
    assert "Un problème est survenu" in await resp.text()
    assert "disk on fire" in caplog.text and token not in caplog.text


async def test_static_files_have_versioned_urls_and_are_kept_by_browsers(web: TestClient) -> None:
    html = await (await web.get("/")).text()
    css = re.search(r'href="(/static/style\.css\?v=[0-9a-f]{10})"', html).group(1)
    resp = await web.get(css)
    assert resp.status == 200 and "immutable" in resp.headers["Cache-Control"]
    assert (await web.get("/my/" + "t" * 30)).headers["Cache-Control"] == "no-store"


def test_accept_language_takes_the_best_of_the_bots_languages() -> None:
    from fronts.web.common import accept_language

    assert accept_language("de-DE,de;q=0.9,fr;q=0.4,es;q=0.7") == "es"
    assert accept_language("fr;q=0, en;q=0.1") == "en"  # q=0: not acceptable
    assert accept_language("zh-CN, ja") is None
    assert accept_language("es;q=garbage, fr") == "fr"


def test_the_rate_limit_counts_per_address_per_window() -> None:
    from fronts.web.common import RateLimiter

    limiter = RateLimiter(2, 60.0)
    assert [limiter.allow("a", now=0.0) for _ in range(3)] == [True, True, False]
    assert limiter.allow("b", now=1.0)  # another address
    assert limiter.allow("a", now=60.0)  # a new window
