"""What every proposal operation starts from: the repository and the slots' state."""

from __future__ import annotations

from bot.context import Ctx
from bot.hub import Hub
from bot.proposals.form import FormEnv, SlotInfo
from bot.proposals.repo import ProposalRepo


def repo_of(hub: Hub) -> ProposalRepo:
    return ProposalRepo(hub.store.database)


async def form_env(ctx: Ctx) -> FormEnv:
    counts = await repo_of(ctx.hub).approved_per_slot()
    rooms = ctx.hub.config.proposals.rooms_per_slot
    slots = tuple(
        SlotInfo(s, counts.get(s.id, 0), rooms)
        for s in ctx.hub.base_programme.hub_slots()
        if s.timed
    )
    return FormEnv(ctx, slots)
