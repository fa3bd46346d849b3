"""The digest on Discord: two reminders due together arrive as one DM (real dispatch)."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.announce import digest
from bot.announce.fanout import nonce_for
from bot.announce.model import Delivery
from bot.clock import FrozenClock
from bot.hub import Hub
from tests.cogs.test_announce_cog import announcing  # noqa: F401 (the fixture)
from tests.support.discord_harness import DiscordHarness


async def test_two_reminders_due_together_arrive_as_one_dm_listing_both(
    announcing: tuple[Hub, DiscordHarness],  # noqa: F811
    clock: FrozenClock,
) -> None:
    hub, h = announcing
    eva = h.user(name="eva", locale="es-ES")
    await h.slash("remind", {"what": "opening-plenary", "lead": 20}, user=eva)  # 13:10 CEST
    await h.slash("remind", {"what": "water-justice", "lead": 170}, user=eva)  # 13:10 CEST too
    clock.set(datetime(2021, 10, 6, 11, 10, tzinfo=UTC))
    await hub.announcer.deliver_due()  # type: ignore[union-attr]
    clock.set(datetime(2021, 10, 6, 11, 11, tzinfo=UTC))
    await hub.announcer.deliver_due()  # type: ignore[union-attr]
    (dm,) = h.dm_texts(eva)
    assert "Recordatorio: empiezan 2 sesiones que sigues" in dm
    assert "dentro de 20 minutos" in dm and "dentro de 3 horas" in dm and "<t:" in dm
    (message,) = [s for s in h.sent if s.kind == "dm" and s.ok]
    # its nonce comes from both reminders' ledger keys: a resend after a crash is dropped
    parts = [
        Delivery(
            f"rem:discord:{eva.id}:{sid}:{at}",
            clock.now(),
            "remind",
            "discord",
            str(eva.id),
            sid,
            None,
        )
        for sid, at in (("opening-plenary", "20211006T1130Z"), ("water-justice", "20211006T1400Z"))
    ]
    key = digest.combined(parts).key
    assert message.data["nonce"] == str(nonce_for(f"{key}:0"))
    assert message.data["enforce_nonce"] is True
