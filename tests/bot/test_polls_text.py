"""The text command ``/poll …`` (console ``/``, Matrix ``!``): what it answers when it is short."""

from __future__ import annotations

import pytest

from bot.commands import dispatch
from bot.context import Caller
from bot.hub import Hub
from bot.polls.service import Polls
from tests.conftest import text_of


def mod(lang: str | None = None) -> Caller:
    return Caller("console", "mod", "mod", lang, is_moderator=True)


@pytest.mark.parametrize("action", ["results", "close", "export"])
async def test_a_poll_action_without_a_number_asks_for_the_number_with_the_usage(
    hub: Hub, polls: Polls, action: str
) -> None:
    reply = await dispatch(hub, mod(), "/", "poll", action)
    assert not reply.ok
    assert text_of(reply) == (
        f"Which poll? Give its number: /poll {action} 3 (or #3). /poll list shows the open polls."
    )


async def test_the_question_for_the_number_is_in_the_readers_language(
    hub: Hub, polls: Polls
) -> None:
    es = text_of(await dispatch(hub, mod("es"), "/", "poll", "resultados"))
    fr = text_of(await dispatch(hub, mod("fr"), "/", "poll", "résultats   "))
    assert es == (
        "¿Qué encuesta? Indica su número: /poll results 3 (o #3). "
        "/poll list muestra las encuestas abiertas."
    )
    assert fr == (
        "Quel sondage ? Donnez son numéro : /poll results 3 (ou #3). "
        "/poll list affiche les sondages ouverts."
    )


@pytest.mark.parametrize(
    ("lang", "more"),
    [
        ("en", "…and 7 more. A reference is a session id then s1, s2…"),
        ("es", "…y 7 más. Una referencia es el identificador de una sesión y s1, s2…"),
        ("fr", "…et 7 autres. Une référence est l'identifiant d'une session suivi de s1, s2…"),
    ],
)
async def test_poll_start_alone_lists_what_is_next_first_and_says_how_many_more(
    hub: Hub, polls: Polls, lang: str, more: str
) -> None:
    reply = await dispatch(hub, mod(lang), "/", "poll", "start")
    items = [line for line in text_of(reply).splitlines() if "•" in line]
    # 11:50 on 6 October: nothing with statements is on, the opening plenary (13:30) is next;
    # the day-1 climate dialogue, over, comes last and is left out of the twelve shown.
    assert items[0].split()[1] == "opening-plenary/m1"
    assert len(items) == 12 and "climate-dialogue" not in "".join(items)
    assert more in text_of(reply) and "human-dimension/m3" in text_of(reply)
