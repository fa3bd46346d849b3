from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.agenda import next_sessions, session_details
from bot.clock import FrozenClock
from bot.config import Config
from bot.hub import Hub
from bot.programme import Programme
from bot.proposals import moderation, service
from bot.proposals.env import repo_of
from bot.store import Store
from tests.conftest import AppOf, text_of
from tests.support.proposals import answers, ctx_for, host, moderator

pytestmark = pytest.mark.both_backends


async def _propose(hub: Hub, user: str = "ana", locale: str | None = None, **changes: str) -> int:
    result = await service.submit(ctx_for(hub, host(user, locale=locale)), 0, answers(**changes))
    assert result.proposal is not None, text_of(result.reply)
    return result.proposal.id


async def _decide(hub: Hub, pid: int, decision: str, **kw: str) -> moderation.Decided:
    return await moderation.decide(ctx_for(hub, moderator()), pid, decision, **kw)  # type: ignore[arg-type]


async def test_an_approved_proposal_shows_in_next_at_the_readers_local_time_with_its_host(
    hub: Hub,
) -> None:
    pid = await _propose(hub)
    done = await _decide(hub, pid, "approved")
    assert done.proposal is not None and done.proposal.approved_slot == "hub-oct-6"
    assert "Approved: proposal #1" in text_of(done.reply)
    assert "[hub-oct-6]: 1 of 4 rooms taken" in text_of(done.reply)
    await hub.store.set_zone("console", "kiran", "Asia/Kathmandu")
    shown = text_of(next_sessions(ctx_for(hub, host("kiran"))))
    line = next(x for x in shown.splitlines() if "Agua y resiliencia" in x)
    assert line.startswith("  • 3:45 PM–4:30 PM UTC+05:45 · Agua y resiliencia")
    assert "Open space" in line and "hosted by Ana Pérez (Municipalidad de Chefchaouen" in line
    assert "[proposal-1]" in line
    details = text_of(session_details(ctx_for(hub, host("kiran", locale="es")), "proposal-1"))
    assert "Taller · en español · capitales: Social y Ambiental" in details


async def test_every_decision_recomputes_the_programme_and_tells_listeners(hub: Hub) -> None:
    seen: list[Programme] = []
    replanned: list[int] = []

    async def replan(programme: Programme) -> None:  # e.g. the announcements
        replanned.append(len(programme.sessions))

    hub.programme_listeners.extend([seen.append, replan])
    pid = await _propose(hub)
    await _decide(hub, pid, "approved")
    assert len(seen) == 1 and "proposal-1" in seen[0].by_id
    assert replanned == [len(hub.base_programme.sessions) + 1]
    assert hub.base_programme.by_id.get("proposal-1") is None


async def test_the_programme_includes_approved_proposals_after_a_restart(
    app_of: AppOf, hub: Hub, db: Path | str, clock: FrozenClock, programme: Programme
) -> None:
    await _decide(hub, await _propose(hub), "approved")
    store = await Store.open(db, clock)
    try:
        fresh = await app_of(Config(), programme, store, clock)  # builds base + approved
        assert fresh.programme.by_id["proposal-1"].host == (
            "Ana Pérez (Municipalidad de Chefchaouen, Marruecos)"
        )
    finally:
        await store.close()


async def test_the_host_is_told_of_the_decision_privately_in_their_language(hub: Hub) -> None:
    pid = await _propose(hub, locale="fr")
    await _decide(hub, pid, "rejected", reason="Le créneau est réservé aux villes <@&1>.")
    due = await moderation.due_notices(hub, "console")
    assert [(n.user_id, n.event) for n, _ in due] == [("ana", "rejected")]
    text = text_of(due[0][1])
    assert "Votre proposition #1 n'a pas été retenue : Agua y resiliencia" in text
    assert "Le créneau est réservé aux villes <@&1>." in text
    await moderation.notice_sent(hub, due[0][0].id, delivered=True)
    assert await moderation.due_notices(hub, "console") == []


async def test_a_notice_that_cannot_be_delivered_is_retried_then_given_up(hub: Hub) -> None:
    await _decide(hub, await _propose(hub), "approved")
    for _ in range(3):
        (notice, _reply), *_ = await moderation.due_notices(hub, "console")
        await moderation.notice_sent(hub, notice.id, delivered=False)
    assert await moderation.due_notices(hub, "console") == []


async def test_rejecting_or_asking_for_changes_needs_a_reason(hub: Hub) -> None:
    pid = await _propose(hub)
    refused = await _decide(hub, pid, "rejected", reason=" ")
    assert "Give the host a reason (3–1000 characters): /reject 1 …" in text_of(refused.reply)
    assert (await repo_of(hub).get(pid)).status == "pending"  # type: ignore[union-attr]


async def test_changes_asked_then_edited_go_back_to_review(hub: Hub) -> None:
    pid = await _propose(hub)
    await _decide(hub, pid, "changes_requested", reason="Precisa el resultado esperado.")
    ctx = ctx_for(hub, host())
    mine, _ = await service.mine(ctx)
    assert "changes requested" in text_of(mine) and "Precisa el resultado esperado." in text_of(
        mine
    )
    again = await _decide(hub, pid, "changes_requested", reason="Otra vez")
    assert "is already changes requested" in text_of(again.reply)
    edited = await service.submit(ctx, pid, answers(description="x" * 40 + " resultado: un mapa."))
    assert edited.proposal is not None and edited.proposal.status == "pending"
    assert (await _decide(hub, pid, "approved")).proposal.status == "approved"  # type: ignore[union-attr]


async def test_a_decided_proposal_is_not_decided_again(hub: Hub) -> None:
    pid = await _propose(hub)
    await _decide(hub, pid, "approved")
    again = await _decide(hub, pid, "rejected", reason="Too late")
    text = text_of(again.reply)
    assert "Proposal #1 is already approved." in text and "approved by Mod, Wed, Oct 6" in text


async def test_two_moderators_clicking_at_once_make_one_decision(hub: Hub) -> None:
    pid = await _propose(hub)
    results = await asyncio.gather(
        _decide(hub, pid, "approved"), _decide(hub, pid, "rejected", reason="No room")
    )
    assert sorted(r.reply.ok for r in results) == [False, True]
    assert len(await moderation.due_notices(hub, "console")) == 1


async def test_approving_into_a_full_slot_asks_for_another(hub: Hub) -> None:
    hub.config.proposals.rooms_per_slot = 1
    first = await _propose(hub)
    second = await _propose(hub, "bob")
    await _decide(hub, first, "approved")
    full = await _decide(hub, second, "approved")
    text = text_of(full.reply)
    assert not full.reply.ok and full.choose_slot is not None
    assert [s.id for s in full.choose_slot] == ["hub-oct-7", "hub-oct-8"]
    assert "is full" in text and "Choose another slot for proposal #2:" in text
    assert "For example: /approve 2 hub-oct-7" in text
    placed = await _decide(hub, second, "approved", slot="3")  # by its number in the list
    assert placed.proposal is not None and placed.proposal.approved_slot == "hub-oct-8"


async def test_a_slot_cannot_overflow_even_with_simultaneous_approvals(hub: Hub) -> None:
    hub.config.proposals.rooms_per_slot = 1
    ids = [await _propose(hub, user) for user in ("ana", "bob", "eda")]
    results = await asyncio.gather(*(_decide(hub, pid, "approved") for pid in ids))
    assert sum(1 for r in results if r.reply.ok) == 1
    assert all(r.choose_slot for r in results if not r.reply.ok)
    assert await repo_of(hub).approved_per_slot() == {"hub-oct-6": 1}


async def test_when_no_slot_has_room_the_moderator_is_told_how_to_make_room(hub: Hub) -> None:
    hub.config.proposals.rooms_per_slot = 1
    ids = [await _propose(hub, u, slot=s) for u, s in (("a1", "hub-oct-6"), ("a2", "hub-oct-7"))]
    ids.append(await _propose(hub, "a3", slot="hub-oct-8"))
    ids.append(await _propose(hub, "a4", slot="hub-oct-8"))
    for pid in ids[:3]:
        await _decide(hub, pid, "approved")
    last = await _decide(hub, ids[3], "approved")
    assert last.choose_slot == []
    assert "No Hub slot has a free room left" in text_of(last.reply)


async def test_only_moderators_decide(hub: Hub) -> None:
    pid = await _propose(hub)
    refused = await moderation.decide(ctx_for(hub, host("bob")), pid, "approved")
    assert text_of(refused.reply) == "Only the Hub's moderators can approve or reject proposals."
    assert (await repo_of(hub).get(pid)).status == "pending"  # type: ignore[union-attr]


async def test_review_lists_waiting_proposals_with_the_commands_to_decide(hub: Hub) -> None:
    await _propose(hub)
    text = text_of(await moderation.review(ctx_for(hub, moderator())))
    assert "1 proposal waiting for a decision:" in text
    assert "Decide: /approve 1 [slot] · /reject 1 reason · /changes 1 what to change" in text
    assert "[hub-oct-6]: 0 of 4 rooms taken" in text


async def test_a_decision_without_a_proposal_number_asks_for_one(hub: Hub) -> None:
    from bot.commands import dispatch

    for command, args in [("approve", "x"), ("reject", "#x because"), ("changes", "abc fix it")]:
        reply = await dispatch(hub, moderator(), "/", command, args)
        text = text_of(reply)
        assert not reply.ok and "Which proposal? Give its number" in text, text
        assert "/review" in text and "proposal ?" not in text
    refused = await dispatch(hub, host(), "/", "approve", "x")
    assert "Only the Hub's moderators" in text_of(refused)  # said before anything else
