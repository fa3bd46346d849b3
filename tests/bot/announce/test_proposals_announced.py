"""An approved open-space proposal is announced and reminded like any session (issue 4 item 6)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.clock import FrozenClock
from bot.commands import dispatch
from bot.config import Config
from bot.programme import Programme
from bot.proposals import moderation, service
from tests.conftest import text_of
from tests.support.announce import FakeOutbox, person, running_bot
from tests.support.proposals import answers, ctx_for, host, moderator

pytestmark = pytest.mark.both_backends

EARLY = datetime(2021, 10, 6, 8, 0, tzinfo=UTC)  # 10:00 CEST, two hours before the Hub slot


async def test_an_approved_proposal_is_announced_and_its_followers_reminded(
    programme: Programme, db: Path | str
) -> None:
    clock = FrozenClock(EARLY)
    outbox = FakeOutbox()
    async with running_bot(Config(), programme, db, clock, outbox) as hub:
        result = await service.submit(ctx_for(hub, host("ana")), 0, answers())
        assert result.proposal is not None, text_of(result.reply)
        await moderation.decide(ctx_for(hub, moderator()), result.proposal.id, "approved")
        follow = await dispatch(hub, person("bea"), "/", "remind", "proposal-1 5")
        assert "Agua y resiliencia" in text_of(follow)

        clock.set(datetime(2021, 10, 6, 10, 0, tzinfo=UTC))  # 12:00 CEST
        await hub.announcer.deliver_due()  # type: ignore[union-attr]

    posts = [s.text for s in outbox.sent if s.kind == "post" and "Agua y resiliencia" in s.text]
    (post,) = posts  # the one at the start (the one 15 minutes before fell due with it)
    assert "Starting now" in post and "Open space · hosted by Ana Pérez" in post
    (reminder,) = outbox.to("bea")
    assert "Agua y resiliencia" in reminder and "hosted by Ana Pérez" in reminder
    assert all(s.key and "proposal-1" in s.key for s in outbox.sent if "Agua" in s.text)
