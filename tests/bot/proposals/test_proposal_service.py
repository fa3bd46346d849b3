from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.hub import Hub
from bot.proposals import service, window
from bot.proposals.env import repo_of
from tests.conftest import text_of
from tests.support.db import query
from tests.support.proposals import answers, ctx_for, host, moderator

pytestmark = pytest.mark.both_backends


async def _submit(hub: Hub, user: str = "ana", target: int = 0, **changes: str):
    return await service.submit(ctx_for(hub, host(user)), target, answers(**changes))


async def test_a_proposal_is_committed_before_the_receipt_is_shown(
    hub: Hub, db: Path | str
) -> None:
    result = await _submit(hub)
    assert result.proposal is not None and result.errors == {}
    rows = await query(db, "SELECT id, title, status FROM proposals")
    assert [tuple(r) for r in rows] == [
        (1, "Agua y resiliencia en las ciudades intermedias", "pending")
    ]
    text = text_of(result.reply)
    assert result.reply.private
    assert "Your proposal #1 is saved" in text
    assert "Session title: Agua y resiliencia en las ciudades intermedias" in text
    assert "Preferred slot: Wed, Oct 6 · 12:00 PM–12:45 PM CEST" in text


async def test_a_host_edits_a_pending_proposal_and_keeps_its_id(hub: Hub) -> None:
    await _submit(hub)
    ctx = ctx_for(hub, host())
    started = await service.start(ctx, 1)
    assert isinstance(started, tuple)
    prefilled, _ = started
    assert prefilled["title"] == "Agua y resiliencia en las ciudades intermedias"
    edited = await service.submit(ctx, 1, {**prefilled, "title": "Agua: resiliencia local"})
    assert edited.proposal is not None
    assert (edited.proposal.id, edited.proposal.title) == (1, "Agua: resiliencia local")
    assert "Saved: proposal #1 is updated" in text_of(edited.reply)
    assert len(await repo_of(hub).all()) == 1


async def test_nobody_edits_or_withdraws_someone_elses_proposal(hub: Hub) -> None:
    await _submit(hub)
    other = ctx_for(hub, host("bob"))
    refused = await service.start(other, 1)
    assert not isinstance(refused, tuple) and text_of(refused) == "You have no proposal #1."
    reply, withdrawn = await service.withdraw(other, 1)
    assert withdrawn is None and text_of(reply) == "You have no proposal #1."


async def test_a_withdrawn_proposal_can_no_longer_be_edited(hub: Hub) -> None:
    await _submit(hub)
    ctx = ctx_for(hub, host())
    reply, _ = await service.withdraw(ctx, 1)
    assert text_of(reply).startswith("Withdrawn: proposal #1")
    refused = await service.start(ctx, 1)
    assert not isinstance(refused, tuple)
    assert text_of(refused) == "Proposal #1 is withdrawn: it can no longer be edited or withdrawn."


async def test_a_host_may_have_at_most_n_proposals_waiting(hub: Hub) -> None:
    hub.config.proposals.max_pending_per_host = 2
    await _submit(hub, title="Primera sesión propuesta")
    await _submit(hub, title="Segunda sesión propuesta")
    third = await _submit(hub, title="Tercera sesión propuesta")
    assert third.proposal is None
    assert "You already have 2 proposals waiting for review" in text_of(third.reply)
    assert "Your answers are kept" in text_of(third.reply)
    await service.withdraw(ctx_for(hub, host()), 1)
    assert (await _submit(hub, title="Tercera sesión propuesta")).proposal is not None
    assert (await _submit(hub, "bob", title="Otra sesión")).proposal is not None  # per host


async def test_the_same_title_twice_by_one_host_is_refused_whatever_its_case_or_accents(
    hub: Hub,
) -> None:
    await _submit(hub)
    again = await _submit(hub, title="AGUA Y RESILIENCIA EN LAS CIUDADES INTERMEDIÁS")
    assert again.proposal is None
    assert (
        "you already proposed “Agua y resiliencia en las ciudades intermedias” #1"
        in (again.errors["title"])
    )
    assert (await _submit(hub, "bob")).proposal is not None  # another host: fine
    await service.withdraw(ctx_for(hub, host()), 1)
    assert (await _submit(hub)).proposal is not None  # withdrawn: the title is free again


async def test_a_refused_submission_keeps_the_answers_in_the_draft(hub: Hub) -> None:
    ctx = ctx_for(hub, host())
    bad = await service.submit(ctx, 0, answers(email="ana@nowhere"))
    assert set(bad.errors) == {"email"}
    started = await service.start(ctx, 0)
    assert isinstance(started, tuple) and started[0]["email"] == "ana@nowhere"
    assert started[0]["title"] == answers()["title"]


async def test_a_new_form_is_prefilled_with_the_hosts_profile_name(hub: Hub) -> None:
    started = await service.start(ctx_for(hub, host("zeynep")), 0)
    assert isinstance(started, tuple) and started[0] == {"host_name": "Zeynep"}


async def test_before_the_opening_date_the_form_says_when_it_opens(hub: Hub) -> None:
    hub.config.proposals.opens_at = datetime(2021, 10, 7, 8, 0, tzinfo=UTC)
    hub.config.proposals.closes_at = datetime(2021, 10, 7, 20, 0, tzinfo=UTC)
    refused = await service.start(ctx_for(hub, host()), 0)
    assert not isinstance(refused, tuple)
    text = text_of(refused)
    assert "The proposal form is not open yet: it opens Thu, Oct 7, 10:00 AM CEST." in text
    dates = "Proposals are taken from Thu, Oct 7, 10:00 AM CEST to Thu, Oct 7, 10:00 PM CEST."
    assert dates in text


async def test_after_the_deadline_the_form_says_when_it_closed_in_the_readers_zone(
    hub: Hub,
) -> None:
    hub.config.proposals.closes_at = datetime(2021, 10, 4, 21, 59, tzinfo=UTC)
    await hub.store.set_zone("console", "ana", "America/Bogota")
    await hub.store.set_language("console", "ana", "es")
    refused = await _submit(hub)
    assert refused.proposal is None
    text = text_of(refused.reply)
    assert "El formulario de propuestas cerró el lun, 4 oct, 16:59 UTC-05:00." in text
    assert "Tus respuestas se conservan" in text


async def test_moderators_open_and_close_the_form_whatever_the_dates(hub: Hub) -> None:
    hub.config.proposals.closes_at = datetime(2021, 10, 4, 21, 59, tzinfo=UTC)
    mod = ctx_for(hub, moderator())
    assert "is open (opened by the moderators)" in text_of(await window.set_window(mod, "open"))
    assert (await _submit(hub)).proposal is not None
    closed = text_of(await window.set_window(mod, "close"))
    assert "The moderators have closed the proposal form for now." in closed
    refused = await _submit(hub, "bob")
    assert "The moderators have closed the proposal form" in text_of(refused.reply)
    assert "The proposal form closed" in text_of(await window.set_window(mod, "auto"))


async def test_only_moderators_open_close_or_export(hub: Hub) -> None:
    from bot.proposals import moderation

    ana = ctx_for(hub, host())
    refusal = await window.set_window(ana, "close")
    assert not refusal.ok
    assert text_of(refusal) == "Only the Hub's moderators can open or close the proposal form."
    assert (await window.window(ana)).open
    export = await moderation.export(ana)
    assert text_of(export) == "Only the Hub's moderators can export the proposals."
    assert export.attachments == []
    review = await moderation.review(ctx_for(hub, host(locale="fr")))
    assert text_of(review) == "Seule la modération du Hub peut examiner les propositions."


async def test_edits_are_allowed_after_the_deadline(hub: Hub) -> None:
    await _submit(hub)
    await window.set_window(ctx_for(hub, moderator()), "close")
    edited = await _submit(hub, target=1, title="Agua: resiliencia local")
    assert edited.proposal is not None and edited.proposal.title == "Agua: resiliencia local"
