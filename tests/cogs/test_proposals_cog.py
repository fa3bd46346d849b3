"""Proposals on Discord, through real discord.py dispatch (tests/support/discord_harness/)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.clock import FrozenClock
from bot.hub import Hub
from bot.programme import Programme
from bot.proposals.env import repo_of
from bot.proposals.sessions import rebuild_programme
from bot.store import Store
from fronts.discord_client import HubBot
from tests.conftest import AppOf, forum_config
from tests.support.discord_harness import DiscordHarness, FakeUser, Sent

REVIEW_CHANNEL = 1_150_000_000_000_000_777
PAGE_1 = {
    "field:host_name": "Ana Pérez",
    "field:organisation": "Municipalidad de Chefchaouen, Marruecos",
    "field:title": "Agua y resiliencia",
    "field:description": "Un taller sobre la gestión del agua: qué, por qué y qué nos llevamos.",
    "field:slot": ["hub-oct-6"],
}
PAGE_2 = {
    "field:language": "es",
    "field:capitals": ["social", "environmental"],
    "field:format": "workshop",
    "field:cohosts": "",
    "field:email": "ana@example.org",
}


async def _harness(hub: Hub) -> DiscordHarness:
    hub.config.proposals.review_channel_id = REVIEW_CHANNEL
    h = DiscordHarness(HubBot(hub, sync_commands=False))
    h.add_channel("review", channel_id=REVIEW_CHANNEL)
    await h.start()
    return h


@pytest.fixture
async def h(hub: Hub) -> AsyncIterator[DiscordHarness]:
    harness = await _harness(hub)
    yield harness
    await harness.close()


def _ana(h: DiscordHarness) -> FakeUser:
    return h.user(name="ana", global_name="Ana Pérez", locale="es-ES")


def _mod(h: DiscordHarness) -> FakeUser:
    return h.user(name="mod", roles=["Moderators"])


def _one(sent: list[Sent], kind: str = "interaction_response") -> Sent:
    found = [s for s in sent if s.kind == kind]
    assert len(found) == 1, [(s.kind, s.text) for s in sent]
    return found[0]


async def _propose(h: DiscordHarness, user: FakeUser, **page_1: Any) -> Sent:
    """/propose, both pages; returns the receipt."""
    modal = _one(await h.slash("propose", user=user))
    assert modal.type == 9
    step = _one(await h.submit_modal(modal, {**PAGE_1, **page_1}, user=user))
    (continue_id,) = [c for c in step.custom_ids() if c.startswith("l4a:prop:form:")]
    modal_2 = _one(await h.click(continue_id, message=step, user=user))
    return _one(await h.submit_modal(modal_2, PAGE_2, user=user))


def _cards(h: DiscordHarness) -> list[Sent]:
    return [s for s in h.sent if s.kind == "channel_message" and s.channel_id == REVIEW_CHANNEL]


async def test_propose_opens_a_two_page_form_prefilled_with_the_profile_name(
    h: DiscordHarness,
) -> None:
    modal = _one(await h.slash("propose", user=_ana(h), locale="es-ES"))
    assert modal.type == 9 and "Proponer una sesión (1/2)" in modal.text
    assert modal.find_component("field:host_name")["value"] == "Ana Pérez"  # type: ignore[index]
    labels = [c for c in modal.components if c["type"] == 18]
    assert len(labels) == 5 and labels[0]["label"] == "Tu nombre"
    slot = modal.find_component("field:slot")
    assert slot is not None and [o["value"] for o in slot["options"]] == [
        "hub-oct-6",
        "hub-oct-7",
        "hub-oct-8",
    ]
    assert slot["options"][0]["label"].replace("\u202f", " ") == "mié, 6 oct · 12:00–12:45 CEST"


async def test_the_second_page_uses_radio_groups_and_a_multi_select_inside_labels(
    h: DiscordHarness,
) -> None:
    ana = _ana(h)
    modal = _one(await h.slash("propose", user=ana))
    step = _one(await h.submit_modal(modal, PAGE_1, user=ana))
    page_2 = _one(await h.click("l4a:prop:form:0:2", message=step, user=ana))
    assert [c["type"] for c in page_2.components] == [18] * 5  # five labels, nothing else
    kinds = {c["component"]["custom_id"]: c["component"] for c in page_2.components}
    assert kinds["field:language"]["type"] == 21  # radio group
    assert [o["value"] for o in kinds["field:language"]["options"]] == ["es", "en", "fr"]
    assert kinds["field:format"]["type"] == 21
    capitals = kinds["field:capitals"]
    assert capitals["type"] == 3 and capitals["max_values"] == 5  # a select, several answers
    assert kinds["field:cohosts"]["type"] == 4 and kinds["field:cohosts"]["required"] is False
    assert kinds["field:email"]["type"] == 4


async def test_problems_are_named_and_the_form_reopens_with_what_was_typed(
    h: DiscordHarness,
) -> None:
    ana = _ana(h)
    modal = _one(await h.slash("propose", user=ana))
    typed = {**PAGE_1, "field:organisation": "X", "field:description": "Corto"}
    problems = _one(await h.submit_modal(modal, typed, user=ana))
    assert problems.ephemeral
    assert "Organización, ciudad y país:** al menos 2 caracteres" in problems.text
    assert "Descripción: qué, por qué, resultado:** al menos 30 caracteres" in problems.text
    again = _one(await h.click("l4a:prop:form:0:1", message=problems, user=ana))
    assert again.type == 9
    assert again.find_component("field:organisation")["value"] == "X"  # type: ignore[index]
    assert again.find_component("field:title")["value"] == "Agua y resiliencia"  # type: ignore[index]
    slot = again.find_component("field:slot")
    assert slot is not None and slot["options"][0].get("default") is True


async def test_the_receipt_is_private_and_the_card_reaches_the_moderators(
    h: DiscordHarness,
) -> None:
    receipt = await _propose(h, _ana(h))
    assert receipt.ephemeral
    assert "¡Gracias! Tu propuesta #1 está guardada" in receipt.text
    (card,) = _cards(h)
    assert "New proposal for the Hub open space" in card.text and "Agua y resiliencia" in card.text
    assert card.custom_ids() == [
        "l4a:prop:review:approve:1",
        "l4a:prop:review:reject:1",
        "l4a:prop:review:changes:1",
    ]


async def test_a_hostile_title_pings_nobody_and_shows_as_text(h: DiscordHarness) -> None:
    title = "@everyone <script>alert(1)</script> **<@&1150000000000000100>**"
    await _propose(h, _ana(h), **{"field:title": title})
    (card,) = _cards(h)
    assert card.data["allowed_mentions"]["parse"] == []
    assert "@\u200beveryone \\<script>alert(1)\\</script>" in card.content
    assert "\\*\\*\\<@\u200b&1150000000000000100>\\*\\*" in card.content
    assert "@everyone" not in card.content
    proposal = await repo_of(h.bot.hub).get(1)  # type: ignore[attr-defined]
    assert proposal is not None and proposal.title == title  # stored exactly as typed


async def test_a_host_edits_a_pending_proposal_from_myproposals(h: DiscordHarness) -> None:
    ana = _ana(h)
    await _propose(h, ana)
    listing = _one(await h.slash("myproposals", user=ana))
    assert "Tus propuestas" in listing.text
    assert listing.custom_ids() == ["l4a:prop:form:1:1", "l4a:prop:withdraw:1"]
    modal = _one(await h.click("l4a:prop:form:1:1", message=listing, user=ana))
    assert "Editar la propuesta #1 (1/2)" in modal.text
    assert modal.find_component("field:title")["value"] == "Agua y resiliencia"  # type: ignore[index]
    step = _one(await h.submit_modal(modal, {**PAGE_1, "field:title": "Agua y ciudad"}, user=ana))
    modal_2 = _one(await h.click("l4a:prop:form:1:2", message=step, user=ana))
    assert modal_2.find_component("field:email")["value"] == "ana@example.org"  # type: ignore[index]
    saved = _one(await h.submit_modal(modal_2, PAGE_2, user=ana))
    assert "la propuesta #1 está actualizada" in saved.text
    edits = [s for s in h.sent if s.kind == "edit_message" and s.channel_id == REVIEW_CHANNEL]
    assert edits and "Agua y ciudad" in edits[-1].text


async def test_a_host_withdraws_after_confirming(h: DiscordHarness) -> None:
    ana = _ana(h)
    await _propose(h, ana)
    ask = _one(await h.click("l4a:prop:withdraw:1", user=ana))
    assert "¿Retirar la propuesta #1?" in ask.text
    done = _one(await h.click("l4a:prop:withdraw-yes:1", message=ask, user=ana))
    assert "Retirada: propuesta #1" in done.text
    (card_edit,) = [s for s in h.sent if s.kind == "edit_message"]
    assert "withdrawn" in card_edit.text and card_edit.components == []


async def test_someone_else_cannot_withdraw_or_approve(h: DiscordHarness) -> None:
    await _propose(h, _ana(h))
    bob = h.user(name="bob")
    assert (
        "You have no proposal #1." in _one(await h.click("l4a:prop:withdraw-yes:1", user=bob)).text
    )
    refusal = _one(await h.click("l4a:prop:review:approve:1", user=bob))
    assert refusal.ephemeral and "Only the Hub's moderators can approve" in refusal.text
    assert (await repo_of(h.bot.hub).get(1)).status == "pending"  # type: ignore[attr-defined,union-attr]


async def test_a_moderator_approves_from_the_review_card_after_a_restart(
    app_of: AppOf, tmp_path: Path, programme: Programme, clock: FrozenClock
) -> None:
    db = tmp_path / "restart.sqlite3"
    store = await Store.open(db, clock)
    hub = await app_of(forum_config(), programme, store, clock)
    h = await _harness(hub)
    ana = _ana(h)
    try:
        await _propose(h, ana)
        (card,) = _cards(h)
        card_message = h.message_payload(card.message_id)  # type: ignore[arg-type]
    finally:
        await h.close()
        await store.close()

    store = await Store.open(db, clock)  # the bot restarts: nothing in memory survives
    hub = await app_of(forum_config(), programme, store, clock)
    await rebuild_programme(hub)
    h = await _harness(hub)
    try:
        await h.drain()
        assert _cards(h) == []  # the card is up to date: not posted twice
        h.user(ana.id, name="ana", global_name="Ana Pérez", locale="es-ES")
        await hub.store.set_zone("discord", str(ana.id), "Asia/Kathmandu")
        done = _one(await h.click("l4a:prop:review:approve:1", message=card_message, user=_mod(h)))
        assert done.ephemeral and "Approved: proposal #1" in done.text
        (edit,) = [s for s in h.sent if s.kind == "edit_message"]
        assert "approved by mod" in edit.text and edit.components == []
        (dm,) = h.dm_texts(ana.id)
        assert "Buenas noticias: tu propuesta #1 está aprobada" in dm
        assert "mié, 6 oct · 15:45–16:30 UTC+05:45" in dm.replace("\u202f", " ")
        following = _one(await h.slash("next", user=ana))
        line = next(x for x in following.text.splitlines() if "Agua y resiliencia" in x)
        assert line.startswith(
            "- 15:45–16:30 UTC+05:45 · <t:1633514400:R> · **Agua y resiliencia**"
        )
        assert "Espacio abierto" in line and "organizada por Ana Pérez (Municipalidad" in line
    finally:
        await h.close()
        await store.close()


async def test_a_form_page_opened_before_a_restart_is_taken_after_it(
    app_of: AppOf, tmp_path: Path, programme: Programme, clock: FrozenClock
) -> None:
    db = tmp_path / "restart.sqlite3"
    store = await Store.open(db, clock)
    h = await _harness(await app_of(forum_config(), programme, store, clock))
    ana = _ana(h)
    try:
        modal = _one(await h.slash("propose", user=ana))
    finally:
        await h.close()
        await store.close()
    store = await Store.open(db, clock)
    h = await _harness(await app_of(forum_config(), programme, store, clock))
    try:
        step = _one(await h.submit_modal(modal, PAGE_1, user=ana))
        assert "Parte 1 de 2 guardada" in step.text
        assert "l4a:prop:form:0:2" in step.custom_ids()
    finally:
        await h.close()
        await store.close()


async def test_rejecting_asks_for_a_reason_that_reaches_the_host(h: DiscordHarness) -> None:
    ana = _ana(h)
    await _propose(h, ana)
    modal = _one(await h.click("l4a:prop:review:reject:1", user=_mod(h)))
    assert modal.type == 9 and "Reject proposal #1" in modal.text
    done = _one(
        await h.submit_modal(modal, {"reason": "Ya hay una sesión sobre el agua."}, user=_mod(h))
    )
    assert "Rejected: proposal #1" in done.text
    (dm,) = h.dm_texts(ana)
    assert "Tu propuesta #1 no fue aceptada" in dm and "Ya hay una sesión sobre el agua." in dm


async def test_approving_into_a_full_slot_offers_the_slots_with_room(h: DiscordHarness) -> None:
    h.bot.hub.config.proposals.rooms_per_slot = 1  # type: ignore[attr-defined]
    await _propose(h, _ana(h))
    await _propose(h, h.user(name="bob"), **{"field:title": "Otra sesión"})
    await h.click("l4a:prop:review:approve:1", user=_mod(h))
    ask = _one(await h.click("l4a:prop:review:approve:2", user=_mod(h)))
    assert "is full" in ask.text and ask.custom_ids() == ["l4a:prop:slot:2"]
    select = ask.find_component("l4a:prop:slot:2")
    assert select is not None and [o["value"] for o in select["options"]] == [
        "hub-oct-7",
        "hub-oct-8",
    ]
    done = _one(await h.click("l4a:prop:slot:2", message=ask, user=_mod(h), values=["hub-oct-7"]))
    assert (
        "Approved: proposal #2" in done.text and "\\[hub-oct-7\\]: 1 of 1 rooms taken" in done.text
    )


async def test_the_moderator_learns_when_the_host_cannot_be_messaged(h: DiscordHarness) -> None:
    ana = _ana(h)
    await _propose(h, ana)
    h.fail_dms_for(ana)
    sent = await h.click("l4a:prop:review:approve:1", user=_mod(h))
    followup = _one(sent, "followup")
    assert followup.ephemeral and "could not send the host a private message" in followup.text


async def test_a_closed_form_answers_with_its_dates_instead_of_opening(h: DiscordHarness) -> None:
    closed = _one(await h.slash("proposals close", user=_mod(h)))
    assert "The moderators have closed the proposal form for now." in closed.text
    refusal = _one(await h.slash("propose", user=_ana(h)))
    assert refusal.type == 4 and refusal.ephemeral
    assert "La moderación ha cerrado el formulario de propuestas" in refusal.text
    refused = _one(await h.slash("proposals open", user=_ana(h)))
    assert "Solo el equipo de moderación del Hub puede abrir o cerrar" in refused.text


async def test_moderators_export_a_csv_attachment(h: DiscordHarness) -> None:
    await _propose(h, _ana(h))
    sent = _one(await h.slash("proposals export", user=_mod(h)))
    ((name, data),) = sent.files
    assert name == "proposals-20211006-1150.csv" and data.startswith(b"\xef\xbb\xbf")
    assert "Agua y resiliencia" in data.decode("utf-8-sig")
    refused = _one(await h.slash("proposals export", user=_ana(h)))
    assert refused.files == [] and "Solo el equipo de moderación" in refused.text


async def test_proposals_review_lists_waiting_proposals_with_buttons(h: DiscordHarness) -> None:
    await _propose(h, _ana(h))
    sent = await h.slash("proposals review", user=_mod(h))
    assert "1 proposal waiting for a decision:" in _one(sent).text
    card = _one(sent, "followup")
    assert card.ephemeral and "l4a:prop:review:approve:1" in card.custom_ids()


async def test_a_web_proposal_gets_its_review_card_at_once_and_is_approved_from_discord(
    h: DiscordHarness, hub: Hub
) -> None:
    """Issue 12: sent from the web front, reviewed on Discord, shown on the web programme and on
    the host's private page."""
    from aiohttp.test_utils import TestClient, TestServer

    from fronts.web.app import make_app
    from tests.fronts.web.conftest import csrf_of
    from tests.fronts.web.test_web_proposals import form_data

    web = TestClient(TestServer(make_app(hub, b"k"), host="127.0.0.1"))
    await web.start_server()
    try:
        csrf = csrf_of(await (await web.get("/propose")).text())
        sent = await web.post("/propose", data=form_data(csrf), allow_redirects=False)
        private = sent.headers["Location"]
        await h.drain()
        (card,) = _cards(h)  # posted at once, not at the next start-up
        assert "Agua y resiliencia en las ciudades" in card.text
        card_message = h.message_payload(card.message_id)  # type: ignore[arg-type]
        done = _one(await h.click("l4a:prop:review:approve:1", message=card_message, user=_mod(h)))
        assert "Approved: proposal #1" in done.text
        programme = await (await web.get("/")).text()
        assert "Agua y resiliencia en las ciudades intermedias" in programme
        assert "· approved" in await (await web.get(private)).text()
    finally:
        await web.close()
