"""The web front in a real browser: Debian's Chromium (``/usr/bin/chromium``, installed by
``make test`` when missing) driven by Playwright; nothing downloads a browser. Without Chromium
the tests are skipped, saying why."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestServer

from bot.hub import Hub
from bot.polls import replies
from bot.polls.model import PollSpec, Question
from bot.polls.service import Polls
from bot.proposals.env import repo_of
from fronts.web.app import make_app
from tests.fronts.web.conftest import SECRET
from tests.support.proposals import GOOD, moderator

playwright_api = pytest.importorskip(
    "playwright.async_api", reason="Playwright is not installed (pip install -e '.[test]')"
)
CHROMIUM = os.environ.get("L4A_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
if not os.path.exists(CHROMIUM):
    pytest.skip(
        f"no Chromium at {CHROMIUM}: the browser tests need Debian's chromium package "
        "(`make test` installs it as root with apt-get; or set L4A_CHROMIUM)",
        allow_module_level=True,
    )

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
async def site(hub: Hub, polls: Polls) -> AsyncIterator[str]:
    server = TestServer(make_app(hub, SECRET), host="127.0.0.1")
    await server.start_server()
    yield str(server.make_url("")).rstrip("/")
    await server.close()


@pytest.fixture
async def browser() -> AsyncIterator[object]:
    async with playwright_api.async_playwright() as p:
        b = await p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        )
        yield b
        await b.close()


async def serious_violations(page: object) -> list[str]:
    from axe_playwright_python.async_playwright import Axe

    results = await Axe().run(page)
    return [
        f"{v['id']}: {v['help']}"
        for v in results.response["violations"]
        if v.get("impact") in ("serious", "critical")
    ]


async def test_form_with_mistakes_and_hostile_text_then_sent(
    site: str, browser: object, hub: Hub
) -> None:
    context = await browser.new_context(locale="es-ES", bypass_csp=False)
    page = await context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: dialogs.append(d.message))
    await page.goto(f"{site}/propose")
    assert await page.get_attribute("html", "lang") == "es"
    await page.fill("#f-host_name", "Ana")
    await page.fill("#f-organisation", "Ciudad")
    await page.fill("#f-title", HOSTILE)
    await page.fill("#f-description", "corto")
    await page.select_option("#f-slot", "hub-oct-6")
    await page.select_option("#f-language", "es")
    await page.check("#f-capitals-2")
    await page.select_option("#f-format", "workshop")
    await page.fill("#f-email", "ana@@example")
    await page.click("button[type=submit]")
    # Each problem next to its field, in Spanish, with the input kept and inert.
    assert await page.locator("#e-description").is_visible()
    assert await page.locator("#e-email").is_visible()
    assert await page.input_value("#f-title") == HOSTILE
    assert await page.input_value("#f-email") == "ana@@example"
    assert await page.get_attribute("#f-description", "aria-invalid") == "true"
    assert dialogs == []
    assert await page.locator("img[src=x]").count() == 0
    problems = await page.locator("#problems").inner_text()
    assert "Descripción" in problems
    ctx = await browser.new_context(bypass_csp=True)  # axe is injected by script
    axe_page = await ctx.new_page()
    await axe_page.goto(page.url)
    await axe_page.set_content(await page.content())
    assert await serious_violations(axe_page) == []
    await ctx.close()
    # Fixed, it is sent: the receipt gives the private link.
    await page.fill("#f-description", GOOD["description"])
    await page.fill("#f-email", "ana@example.org")
    await page.click("button[type=submit]")
    link = await page.locator("#private-link").inner_text()
    assert "/my/" in link
    [stored] = await repo_of(hub).all()
    assert stored.title == HOSTILE and stored.front == "web"
    await context.close()


async def test_several_phones_vote_while_the_projector_updates(
    site: str, browser: object, polls: Polls, hub: Hub
) -> None:
    spec = PollSpec(Question({"*": "Water first?"}), "yesno")
    poll = await polls.start(spec, front="matrix", by="matrix:@mod:x", lang="en")
    screen_ctx = await browser.new_context(locale="en-GB")
    screen = await screen_ctx.new_page()
    await screen.goto(f"{site}/poll/{poll.id}/screen")
    assert await screen.locator("svg").count() == 1
    phones = [await browser.new_context(locale="fr-FR") for _ in range(3)]
    for phone, choice in zip(phones, (1, 1, 2), strict=True):
        page = await phone.new_page()
        await page.goto(f"{site}/v/{poll.id}")
        await page.check(f"input[name=choice][value='{choice}']")
        await page.click("button[type=submit]")
        assert "enregistré" in (await page.locator("#message").inner_text())
    await polls.vote(poll.id, "discord:1", 1)  # and one from Discord
    await screen.wait_for_function(
        "() => document.getElementById('c1').textContent.includes('(2)')"
        " && document.getElementById('c2').textContent.includes('(2)')",
        timeout=5000,
    )
    assert "4" in await screen.locator("#votes").inner_text()
    await replies.close(hub.context(moderator(front="matrix")), str(poll.id))
    await screen.wait_for_function(
        "() => document.getElementById('status').textContent === 'Final result'", timeout=5000
    )
    axe_ctx = await browser.new_context(bypass_csp=True)
    for path in (f"/poll/{poll.id}/screen", f"/v/{poll.id}"):
        p = await axe_ctx.new_page()
        await p.goto(site + path)
        assert await serious_violations(p) == [], path
    for c in [screen_ctx, axe_ctx, *phones]:
        await c.close()


async def test_the_programme_in_two_zones(site: str, browser: object) -> None:
    shown = {}
    for zone in ("Asia/Kathmandu", "America/New_York"):
        context = await browser.new_context(timezone_id=zone, locale="en-US")
        page = await context.new_page()
        await page.goto(site + "/")
        await page.wait_for_function("() => document.cookie.includes('l4a_tz')")
        # The reload with the browser's zone (Chromium says "Asia/Katmandu", an alias).
        await page.wait_for_function(
            "() => !document.getElementById('zone-now').textContent.includes('Madrid')"
        )
        line = await page.locator("li.next").inner_text()
        shown[zone] = line.replace("\u202f", " ")
        if zone == "Asia/Kathmandu":
            assert await serious_violations_with_bypass(browser, page.url) == []
        await context.close()
    assert "3:45 PM" in shown["Asia/Kathmandu"] and "+05:45" in shown["Asia/Kathmandu"]
    assert "6:00 AM" in shown["America/New_York"] and "EDT" in shown["America/New_York"]
    # Without JavaScript: the forum's zone, and the picker changes it.
    context = await browser.new_context(java_script_enabled=False, locale="en-US")
    page = await context.new_page()
    await page.goto(site + "/")
    assert "12:00 PM" in (await page.locator("li.next").inner_text()).replace("\u202f", " ")
    await page.fill("#tz", "Samoa")
    await page.click("form.zone button")
    assert "Pacific/Apia" in await page.locator("#zone-now").inner_text()
    await page.fill("#tz", "Atlantis")
    await page.click("form.zone button")
    assert await page.locator("#tz-problem").is_visible()
    await context.close()


async def serious_violations_with_bypass(browser: object, url: str) -> list[str]:
    context = await browser.new_context(bypass_csp=True)
    page = await context.new_page()
    await page.goto(url)
    found = await serious_violations(page)
    await context.close()
    return found


async def test_a_vote_by_keyboard_alone(site: str, browser: object, polls: Polls) -> None:
    spec = PollSpec(Question({"*": "Lunch at noon?"}), "yesno")
    poll = await polls.start(spec, front="console", by="console:mod", lang="en")
    context = await browser.new_context(locale="en-GB")
    page = await context.new_page()
    await page.goto(f"{site}/v/{poll.id}")
    focused = []
    for _ in range(12):  # skip link, menus, languages, then the answers
        await page.keyboard.press("Tab")
        focused.append(await page.evaluate("() => document.activeElement.name || ''"))
        if focused[-1] == "choice":
            break
    assert focused[-1] == "choice"
    await page.keyboard.press("ArrowDown")  # the second answer: "No"
    await page.keyboard.press("Enter")  # submits the form
    await page.wait_for_selector("#message")
    assert "recorded: No" in await page.locator("#message").inner_text()
    assert polls.tally(poll.id).counts == [0, 1]
    await context.close()
