"""Several processes on one PostgreSQL database: what each must hear of the others' changes.

User settings (``bot.store``), follows and unreachable users (``bot.announce.repo``) carry their
own change notices. Here: the programme (a ``/reload`` of the schedule file or a refresh of the
live source in one process makes the others read it again; an approved open-space proposal makes
them rebuild the programme) and proposals sent or changed (the review queues of the fronts led
elsewhere). Each notice is ``origin\\twhat``: a process ignores its own. ``*`` (a lost
listening connection): reload everything. On SQLite (one process) nothing is sent.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.db import Database

if TYPE_CHECKING:
    from bot.hub import Hub

log = logging.getLogger(__name__)
PROGRAMME_CHANNEL = "l4a_programme"
PROPOSALS_CHANNEL = "l4a_proposals"
RESYNC = "*"
RELOADED = "reload"  # the schedule file (or live source) was read again
REBUILT = "rebuild"  # approved proposals changed


async def tell(db: Database, channel: str, payload: str) -> None:
    """Send a change notice to the other processes (nothing on SQLite)."""
    if db.shared:
        async with db.transaction() as tx:
            tx.notify(channel, payload)


async def programme_changed(hub: Hub, what: str) -> None:
    """This process reloaded (``RELOADED``) or rebuilt (``REBUILT``) its programme."""
    await tell(hub.store.database, PROGRAMME_CHANNEL, f"{hub.origin}\t{what}")


async def proposal_changed(hub: Hub, proposal_id: int) -> None:
    """A proposal was sent, edited or withdrawn: every process's review queues learn of it
    (this one's at once, the others' through a notice)."""
    for listener in list(hub.proposal_listeners):
        await listener(proposal_id)
    await tell(hub.store.database, PROPOSALS_CHANNEL, f"{hub.origin}\t{proposal_id}")


async def listen(hub: Hub) -> None:
    """Keep ``hub`` in line with the other processes' changes (``bot.app.build_app``)."""
    db = hub.store.database
    if not db.shared:
        return
    await hub.announcer.listen()

    async def on_programme(payload: str) -> None:
        origin, _, what = payload.partition("\t")
        if origin == hub.origin:
            return
        if payload == RESYNC or what == RELOADED:
            await reload_programme(hub)
        elif what == REBUILT:
            await hub.programmes.rebuild()

    async def on_proposal(payload: str) -> None:
        origin, _, text = payload.partition("\t")
        if origin == hub.origin or not text.isdigit():
            return
        for listener in list(hub.proposal_listeners):
            await listener(int(text))

    await db.listen(PROGRAMME_CHANNEL, on_programme)
    await db.listen(PROPOSALS_CHANNEL, on_proposal)


async def reload_programme(hub: Hub) -> None:
    """Another process read the programme again: this one does too (from the live source when
    there is one, else its schedule file)."""
    live = hub.live_source
    if live is not None:
        await live.update(hub)  # fetched again; reloaded if it changed
        return
    outcome = await hub.programmes.reload()
    if not outcome.ok:
        log.warning(
            "another process reloaded the programme, but %s has problems here; kept: %s",
            hub.schedule_path,
            "; ".join(outcome.problems[:3]),
        )
    else:
        log.info("programme reloaded after another process did: %d change(s)", len(outcome.changes))
