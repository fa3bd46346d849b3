"""The text command ``/poll …`` (console ``/``, Matrix ``!``): what it answers when it is short."""

from __future__ import annotations

import pytest

from bot.commands import dispatch
from bot.hub import Caller, Hub
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
