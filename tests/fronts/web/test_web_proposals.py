"""The proposal form on the web: same form and rules as the chat fronts, problems per field with
the input kept, hostile text inert, a private link to status/edit/withdraw, one review queue."""

from __future__ import annotations

import re

from aiohttp.test_utils import TestClient

from bot.hub import Hub
from bot.proposals import moderation
from bot.proposals.env import repo_of
from tests.fronts.web.conftest import csrf_of
from tests.support.proposals import GOOD, moderator

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def form_data(csrf: str, **changes: str) -> list[tuple[str, str]]:
    answers = {**GOOD, **changes}
    data = [("csrf", csrf)]
    for key, value in answers.items():
        if key == "capitals":
            data += [("capitals", v) for v in value.split(",") if v]
        else:
            data.append((key, value))
    return data


async def open_form(web: TestClient) -> str:
    resp = await web.get("/propose")
    assert resp.status == 200
    return csrf_of(await resp.text())


async def test_every_problem_is_shown_next_to_its_field_with_the_input_kept(
    web: TestClient, hub: Hub
) -> None:
    csrf = await open_form(web)
    data = form_data(csrf, title=HOSTILE, description="too short", email="not-an-email")
    resp = await web.post("/propose", data=data)
    html = await resp.text()
    assert resp.status == 422
    assert 'id="e-description"' in html and 'id="e-email"' in html
    assert 'id="e-title"' not in html  # a valid (if odd) title
    assert "<script>alert" not in html and "<img src=x" not in html  # inert
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html  # kept, escaped
    assert ">too short</textarea>" in html
    assert 'value="not-an-email"' in html
    assert await repo_of(hub).all() == []


async def test_a_form_without_its_csrf_token_is_refused(web: TestClient, hub: Hub) -> None:
    await open_form(web)
    resp = await web.post("/propose", data=form_data("0" * 32))
    assert resp.status == 403
    assert "send it again" in await resp.text()
    assert await repo_of(hub).all() == []


async def test_a_sent_proposal_gets_a_private_link_and_lands_in_the_review_queue(
    web: TestClient, hub: Hub
) -> None:
    told: list[int] = []

    async def listener(pid: int) -> None:
        told.append(pid)

    hub.proposal_listeners.append(listener)
    csrf = await open_form(web)
    resp = await web.post("/propose", data=form_data(csrf), allow_redirects=False)
    assert resp.status == 303, await resp.text()
    location = resp.headers["Location"]
    token = re.fullmatch(r"/my/([A-Za-z0-9_-]{20,64})\?new=1", location).group(1)
    [stored] = await repo_of(hub).all()
    assert stored.front == "web" and token not in stored.user_id  # the token is never stored
    assert stored.status == "pending" and told == [stored.id]
    page = await (await web.get(location)).text()
    assert "waiting for review" in page
    assert f"/my/{token}" in page
    # A moderator approves it from a chat front; the web programme shows it.
    ctx = hub.context(moderator(front="discord"))
    decided = await moderation.decide(ctx, stored.id, "approved")
    assert decided.proposal is not None
    assert GOOD["title"] in await (await web.get("/")).text()
    assert [n.proposal_id for n in await repo_of(hub).undelivered("web")] == [stored.id]
    assert "· approved" in await (await web.get(f"/my/{token}")).text()
    assert await repo_of(hub).undelivered("web") == []  # the host has seen the decision


async def test_the_private_link_edits_and_withdraws_and_nobody_else_can(
    web: TestClient, hub: Hub
) -> None:
    csrf = await open_form(web)
    resp = await web.post("/propose", data=form_data(csrf), allow_redirects=False)
    token = resp.headers["Location"].split("/")[2].split("?")[0]
    edit = await web.get(f"/my/{token}/edit/1")
    assert edit.status == 200 and GOOD["title"] in await edit.text()
    resp = await web.post(
        f"/my/{token}/edit/1",
        data=form_data(csrf, title="Agua, edited title"),
        allow_redirects=False,
    )
    assert resp.status == 303
    assert (await repo_of(hub).get(1)).title == "Agua, edited title"
    # Another private link (or a guessed one) cannot touch it.
    other = "x" * 30
    resp = await web.post(f"/my/{other}/withdraw/1", data={"csrf": csrf})
    assert resp.status == 409
    assert (await repo_of(hub).get(1)).status == "pending"
    resp = await web.post(f"/my/{token}/withdraw/1", data={"csrf": csrf}, allow_redirects=False)
    assert resp.status == 303
    assert (await repo_of(hub).get(1)).status == "withdrawn"


async def test_a_closed_form_says_why_and_keeps_what_was_typed(web: TestClient, hub: Hub) -> None:
    from bot.proposals.window import set_window

    csrf = await open_form(web)  # opened while the form was open
    await set_window(hub.context(moderator()), "close")
    page = await web.get("/propose")
    assert "closed the proposal form" in await page.text()
    resp = await web.post("/propose", data=form_data(csrf))
    html = await resp.text()
    assert resp.status == 422 and "closed the proposal form" in html
    assert GOOD["description"] in html  # nothing typed is lost
    assert await repo_of(hub).all() == []


async def test_the_per_host_limit_holds_on_the_web(web: TestClient, hub: Hub) -> None:
    csrf = await open_form(web)
    limit = hub.config.proposals.max_pending_per_host
    for i in range(limit):
        resp = await web.post(
            "/propose", data=form_data(csrf, title=f"Agua y resiliencia {i}"), allow_redirects=False
        )
        assert resp.status == 303
    resp = await web.post("/propose", data=form_data(csrf, title="One too many, surely"))
    assert resp.status == 422 and len(await repo_of(hub).all()) == limit


async def test_an_approved_hostile_title_stays_text_on_every_page(
    web: TestClient, hub: Hub
) -> None:
    csrf = await open_form(web)
    title = '"><script>alert(1)</script>'
    description = '<img src=x onerror="alert(2)"> ' + GOOD["description"]
    resp = await web.post(
        "/propose",
        data=form_data(csrf, title=title, description=description),
        allow_redirects=False,
    )
    private = resp.headers["Location"]
    await moderation.decide(hub.context(moderator()), 1, "approved")
    [session] = [s for s in hub.programme.sessions if s.title.get("en") == title]
    for path in ("/", f"/session/{session.id}", private):
        html = await (await web.get(path)).text()
        assert "<script>alert" not in html and "<img src=x" not in html, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, path
