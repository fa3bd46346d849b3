from __future__ import annotations

from pathlib import Path

import pytest

from bot.clock import FrozenClock
from bot.commands import dispatch, intercept, parse_line
from bot.config import Config
from bot.context import Caller
from bot.hub import Hub
from bot.programme import Programme
from bot.proposals.env import repo_of
from bot.store import Store
from tests.conftest import AppOf, text_of
from tests.support.proposals import host, moderator

pytestmark = pytest.mark.both_backends

ANSWERS = [
    "Ana Pérez",
    "Municipalidad de Chefchaouen, Marruecos",
    "Agua y resiliencia",
    "Un taller sobre la gestión del agua: qué, por qué y qué nos llevamos.",
    "1",
    "es",
    "2, ambiental",
    "taller",
    "-",
    "ana@example.org",
]


async def say(hub: Hub, caller: Caller, line: str) -> str:
    reply = await intercept(hub, caller, line)
    if reply is None:
        parsed = parse_line(line, ("/",))
        assert parsed is not None, f"not a command and no conversation: {line!r}"
        reply = await dispatch(hub, caller, *parsed)
    return text_of(reply)


async def test_the_form_as_a_conversation_ends_with_a_receipt(hub: Hub) -> None:
    ana = host()
    first = await say(hub, ana, "/propose")
    assert "(1/10) Your name" in first and "Now: Ana" in first
    for answer in ANSWERS:
        last = await say(hub, ana, answer)
    assert (
        "1. Your name: Ana Pérez" in last and "7. Capitals of resilience it serves: Social" in last
    )
    assert "Send “send” to submit it" in last
    receipt = await say(hub, ana, "send")
    assert "Your proposal #1 is saved" in receipt
    proposal = await repo_of(hub).get(1)
    assert proposal is not None and proposal.capitals == ("social", "environmental")
    assert proposal.cohosts == "" and proposal.format == "workshop"
    assert await intercept(hub, ana, "hello") is None  # the conversation is over


async def test_a_wrong_answer_is_named_and_the_same_question_asked_again(hub: Hub) -> None:
    ana = host()
    await say(hub, ana, "/propose")
    await say(hub, ana, "Ana")
    again = await say(hub, ana, "X")
    assert again.startswith("Organisation, city and country: at least 2 characters")
    assert "Now: Ana" not in again
    assert "(3/10)" in await say(hub, ana, "Chefchaouen, Marruecos")


async def test_back_returns_to_the_previous_question_with_its_answer_shown(hub: Hub) -> None:
    ana = host()
    await say(hub, ana, "/propose")
    await say(hub, ana, "Ana Pérez")
    back = await say(hub, ana, "back")
    assert "(1/10) Your name" in back and "Now: Ana Pérez" in back
    assert "(2/10)" in await say(hub, ana, "=")  # keeps it


async def test_cancel_works_at_any_step_in_any_language_and_sends_nothing(hub: Hub) -> None:
    ana = host(locale="es")
    await say(hub, ana, "/propose")
    await say(hub, ana, "Ana")
    assert await say(hub, ana, "Cancelar") == "Formulario cancelado: no se envió nada."
    assert await repo_of(hub).all() == []
    assert await intercept(hub, ana, "Ana") is None


async def test_other_commands_still_work_in_the_middle_of_the_form(hub: Hub) -> None:
    ana = host()
    await say(hub, ana, "/propose")
    await say(hub, ana, "Ana Pérez")
    assert "Coming up" in await say(hub, ana, "/next")
    assert "(3/10)" in await say(hub, ana, "Chefchaouen, Marruecos")
    assert "Form cancelled" in await say(hub, ana, "/cancel")


async def test_a_number_on_the_summary_changes_that_answer_then_returns(hub: Hub) -> None:
    ana = host()
    await say(hub, ana, "/propose")
    for answer in ANSWERS:
        await say(hub, ana, answer)
    change = await say(hub, ana, "3")
    assert "(3/10) Session title" in change and "Now: Agua y resiliencia" in change
    summary = await say(hub, ana, "Agua, resiliencia y ciudad")
    assert "3. Session title: Agua, resiliencia y ciudad" in summary
    assert "not something I expected" in await say(hub, ana, "maybe")


async def test_a_refusal_at_the_end_returns_to_the_field_with_everything_kept(hub: Hub) -> None:
    ana = host()
    await say(hub, ana, "/propose")
    for answer in ANSWERS:
        await say(hub, ana, answer)
    await say(hub, ana, "send")
    await say(hub, ana, "/propose")
    for answer in ANSWERS:
        await say(hub, ana, answer)
    refused = await say(hub, ana, "send")
    assert "Session title: you already proposed “Agua y resiliencia” #1" in refused
    assert "(3/10) Session title" in refused
    summary = await say(hub, ana, "Agua y resiliencia, segunda parte")
    assert "10. Contact e-mail (optional): ana@example.org" in summary
    assert "#2 is saved" in await say(hub, ana, "send")


async def test_edit_starts_from_the_summary_of_the_current_proposal(hub: Hub) -> None:
    ana = host()
    await say(hub, ana, "/propose")
    for answer in ANSWERS:
        await say(hub, ana, answer)
    await say(hub, ana, "send")
    edit = await say(hub, ana, "/edit 1")
    assert "Editing proposal #1" in edit and "3. Session title: Agua y resiliencia" in edit
    await say(hub, ana, "9")
    await say(hub, ana, "Bob Ortiz, Ciudad de Chefchaouen")
    assert "Saved: proposal #1 is updated" in await say(hub, ana, "send")
    assert (await repo_of(hub).get(1)).cohosts == "Bob Ortiz, Ciudad de Chefchaouen"  # type: ignore[union-attr]


async def test_the_conversation_survives_a_restart(
    app_of: AppOf, hub: Hub, db: Path | str, clock: FrozenClock, programme: Programme
) -> None:
    ana = host()
    await say(hub, ana, "/propose")
    for answer in ANSWERS[:4]:
        await say(hub, ana, answer)
    store = await Store.open(db, clock)
    try:
        fresh = await app_of(Config(), programme, store, clock)
        resumed = await say(fresh, ana, "/propose")
        assert "(5/10) Preferred slot" in resumed
        assert "(6/10)" in await say(fresh, ana, "1")
    finally:
        await store.close()


async def test_moderators_review_and_decide_by_text_commands(hub: Hub) -> None:
    ana, mod = host(), moderator()
    await say(hub, ana, "/propose")
    for answer in ANSWERS:
        await say(hub, ana, answer)
    await say(hub, ana, "send")
    assert "Only the Hub's moderators can review" in await say(hub, ana, "/review")
    assert "Agua y resiliencia" in await say(hub, mod, "/review 1")
    assert "Changes asked: proposal #1" in await say(hub, mod, "/changes #1 Añade el resultado.")
    assert "is already changes requested" in await say(hub, mod, "/changes 1 Otra vez")
    assert "Approved: proposal #1" in await say(hub, mod, "/approve 1 hub-oct-7")
    assert "There is no proposal #9." in await say(hub, mod, "/approve 9")
    status = await say(hub, mod, "/proposals")
    assert "The proposal form is open." in status and "[hub-oct-7]: 1 of 4" in status
    assert "/proposals open, close, or auto" in status
    assert "I don't know “frobnicate” here" in await say(hub, mod, "/proposals frobnicate")
    assert "1 proposal, in one row (UTF-8 CSV:" in await say(hub, mod, "/proposals export")


async def test_propose_again_says_it_resumes_the_draft_where_it_stopped(hub: Hub) -> None:
    ana = host()
    first = await say(hub, ana, "/propose")
    assert "I'll ask 10 short questions" in first
    for answer in ANSWERS[:4]:
        await say(hub, ana, answer)
    resumed = await say(hub, ana, "/propose")
    assert "I'll ask 10 short questions" not in resumed
    assert "Your draft is kept: let's carry on at question 5." in resumed
    assert "(5/10) Preferred slot" in resumed
