"""Approved proposals as programme sessions.

:func:`approved_source` is what the programme service (:mod:`bot.programme.service`) adds to the
base programme; :func:`rebuild_programme` asks the service to recompute the shown programme (at
start-up and after every decision), which tells its subscribers (for example the announcements,
to re-plan).
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import TYPE_CHECKING

from bot.i18n import join_list, language_name, t
from bot.programme import LANGS, LocalText, Programme, Session
from bot.programme.model import kind_names, search_words
from bot.proposals.model import Proposal
from bot.proposals.repo import ProposalRepo

if TYPE_CHECKING:
    from bot.hub import Hub
    from bot.programme.service import SessionSource
    from bot.store import Store

log = logging.getLogger(__name__)
SESSION_PREFIX = "proposal-"


def session_id(proposal_id: int) -> str:
    return f"{SESSION_PREFIX}{proposal_id}"


def _same(text: str) -> LocalText:
    return LocalText(**dict.fromkeys(LANGS, text))


def _about(p: Proposal, lang: str) -> str:
    capitals = join_list([t(lang, f"proposals.capital.{c}") for c in p.capitals], lang)
    about = t(
        lang,
        "proposals.session.about",
        format=t(lang, f"proposals.format.{p.format}"),
        language=language_name(p.language, in_lang=lang),
        capitals=capitals,
    )
    if p.cohosts:
        about += " · " + t(lang, "proposals.session.cohosts", cohosts=p.cohosts.replace("\n", ", "))
    return about


@lru_cache(maxsize=4096)
def proposal_session(p: Proposal, slot: Session) -> Session:
    """An approved proposal as an open-space session in ``slot``, with its host. Cached on the
    proposal's and the slot's whole content: a rebuild only builds what changed."""
    about = {lang: _about(p, lang) for lang in LANGS}
    return Session(
        id=session_id(p.id),
        kind="open_space",
        date=slot.date,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        format=slot.format,
        places=slot.places,
        title=_same(p.title),
        summary=_same(p.description),
        subtitle=LocalText(**about),
        host=f"{p.host_name} ({p.organisation})",
        search_text=search_words(
            session_id(p.id), p.title, p.host_name, p.organisation, *kind_names("open_space")
        ),
    )


def approved_sessions(base: Programme, approved: list[Proposal]) -> list[Session]:
    out = []
    for p in approved:
        slot = base.by_id.get(p.approved_slot or "")
        if slot is None or not slot.timed:
            log.warning("proposal #%s is approved into unknown slot %r", p.id, p.approved_slot)
            continue
        out.append(proposal_session(p, slot))
    return out


def approved_source(store: Store) -> SessionSource:
    """The approved proposals in ``store``, as sessions of a base programme."""

    async def approved(base: Programme) -> list[Session]:
        return approved_sessions(base, await ProposalRepo(store.database).with_status(["approved"]))

    return approved


async def rebuild_programme(hub: Hub) -> Programme:
    """Make the hub's programme the base programme plus every approved proposal."""
    from bot.shared import REBUILT, programme_changed

    programme = await hub.programmes.rebuild()
    await programme_changed(hub, REBUILT)  # the other processes on the database rebuild too
    return programme
