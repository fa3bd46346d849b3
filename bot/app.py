"""The one place the application is built: every service present, loaded, and closed again.

Production (``fronts.app.open_hub``) and the tests (``tests/conftest.py``) both build their
:class:`~bot.hub.Hub` here::

    async with build_app(config, programme, store, clock) as hub:
        ...   # hub.programmes, hub.polls, hub.announcer, hub.supervisor are all there

On exit the announcer stops, the supervisor cancels every task and job left, and the polls'
writer writes what is still queued (the store is the caller's: it opened and closes it).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from bot import shared
from bot.announce.told import stop_told
from bot.clock import Clock
from bot.config import Config
from bot.health import proposals_refresher
from bot.hub import Hub
from bot.polls.service import Polls
from bot.programme import Programme
from bot.proposals.repo import ProposalRepo
from bot.proposals.sessions import approved_source
from bot.store import Store, bundled_migrations

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from bot.interchange.live import LiveSource


@asynccontextmanager
async def build_app(
    config: Config,
    programme: Programme,
    store: Store,
    clock: Clock,
    *,
    schedule: Path | None = None,
    live: LiveSource | None = None,
) -> AsyncIterator[Hub]:
    """The hub on ``store`` (polls included, on ``store.database``), serving
    ``programme`` (read from ``schedule``, else ``config.bot.schedule``) plus approved
    open-space proposals. ``live``: the programme's
    live source, refreshed by a periodic job while the app is open."""
    polls = await Polls.open(store.database, clock, synchronous=config.polls.synchronous)
    try:
        hub = Hub(config, programme, store, clock, polls)
        known = max((m.version for m in bundled_migrations(store.database.dialect)), default=0)
        version = await store.database.fetchval("SELECT MAX(version) FROM schema_version")
        hub.health.store_opened(store.database.target, int(version or 0), known)
        proposals_refresher(hub.health, ProposalRepo(store.database).all)
        hub.programmes.add_sessions(approved_source(store))  # approved open-space proposals
        if schedule is not None:
            hub.schedule_path = schedule
        hub.live_source = live
        await hub.announcer.load()
        await shared.listen(hub)  # other processes' changes (PostgreSQL)
        await hub.programmes.rebuild()  # the base programme plus approved open-space proposals
        if live is not None:
            live.start(hub)
        try:
            yield hub
        finally:
            await hub.announcer.stop()
            await stop_told(hub)
            await hub.supervisor.stop()  # every task and job left (the live source's, fronts')
            hub.health.store_closed()
    finally:
        await polls.close()
