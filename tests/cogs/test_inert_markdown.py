"""Whatever someone typed is shown as typed on every Discord surface: no live masked link,
spoiler, bold, strike-through, underline, code, heading, subtext, quote or list, through real
discord.py dispatch (tests/support/discord_harness/) and the checks of tests/support/markup.py."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.clock import FrozenClock
from bot.config import BUNDLED_SCHEDULE, Config
from bot.hub import Hub
from bot.polls.service import Polls
from bot.proposals.sessions import rebuild_programme
from fronts.discord_client import HubBot
from tests.conftest import FORUM_GUILD_ID
from tests.support.discord_harness import DEFAULT_CHANNEL_ID, DiscordHarness, FakeUser, Sent
from tests.support.markup import HOSTILE, discord_problems, shown

REVIEW_CHANNEL = 1_150_000_000_000_000_777


@pytest.fixture
def config() -> Config:
    return Config.model_validate(
        {
            "announcements": {
                "channels": {"discord": {"default": DEFAULT_CHANNEL_ID}},
                "retry_seconds": 0.05,
                "dm_per_second": 0,
            },
            "proposals": {"review_channel_id": REVIEW_CHANNEL},
            "discord": {"forum_guild_ids": [FORUM_GUILD_ID]},
        }
    )


@pytest.fixture
async def h(hub: Hub, polls: Polls) -> AsyncIterator[DiscordHarness]:
    await rebuild_programme(hub)
    async with DiscordHarness(HubBot(hub, sync_commands=False)) as harness:
        harness.add_channel("review", channel_id=REVIEW_CHANNEL)
        yield harness


def _reply(sent: list[Sent]) -> str:
    texts = [s.text for s in sent if s.kind in ("interaction_response", "followup") and s.text]
    assert texts, [(s.kind, s.text) for s in sent]
    return "\n".join(texts)


async def _propose(h: DiscordHarness, user: FakeUser, typed: str) -> str:
    """/propose with ``typed`` in every free-text field; the receipt."""
    page_1 = {
        "field:host_name": typed,
        "field:organisation": typed,
        "field:title": typed,
        "field:description": f"{typed} — a workshop on what cities learn.",
        "field:slot": ["hub-oct-6"],
    }
    page_2 = {
        "field:language": "en",
        "field:capitals": ["social"],
        "field:format": "workshop",
        "field:cohosts": typed,
        "field:email": "",
    }
    [modal] = await h.slash("propose", user=user)
    [step] = await h.submit_modal(modal, page_1, user=user)
    (continue_id,) = [c for c in step.custom_ids() if c.startswith("l4a:prop:form:")]
    [modal_2] = await h.click(continue_id, message=step, user=user)
    return _reply(await h.submit_modal(modal_2, page_2, user=user))


def _moved_slot(tmp_path: Path) -> Path:
    """The bundled schedule with the 6 Oct open-space slot (and so its session) 15 min later."""
    text = BUNDLED_SCHEDULE.read_text(encoding="utf-8")
    head, sep, rest = text.partition("  - id: hub-oct-6\n")
    rest = rest.replace('start: "12:00"', 'start: "12:15"', 1).replace(
        'end: "12:45"', 'end: "13:00"', 1
    )
    path = tmp_path / "schedule.yaml"
    path.write_text(head + sep + rest, encoding="utf-8")
    return path


async def _every_surface(
    h: DiscordHarness, hub: Hub, clock: FrozenClock, typed: str, tmp_path: Path
) -> dict[str, str]:
    """Each Discord surface's Markdown after a host typed ``typed`` everywhere they could."""
    ana = h.user(name="ana", global_name="Ana", locale="en-US")
    mod = h.user(name="mod", roles=["Moderators"], locale="en-US")
    bea = h.user(name="bea", locale="en-US")
    out: dict[str, str] = {"receipt": await _propose(h, ana, typed)}
    cards = [s for s in h.sent if s.kind == "channel_message" and s.channel_id == REVIEW_CHANNEL]
    out["review card"] = "\n".join(s.text for s in cards)
    out["/myproposals"] = _reply(await h.slash("myproposals", user=ana))
    out["review decision"] = _reply(await h.click("l4a:prop:review:approve:1", user=mod))
    out["host's notice"] = "\n".join(h.dm_texts(ana))
    out["/next"] = _reply(await h.slash("next", user=bea))
    out["/schedule"] = _reply(await h.slash("schedule", {"day": "2021-10-06"}, user=bea))
    out["/session"] = _reply(await h.slash("session", {"query": "proposal-1"}, user=bea))
    out["/remind"] = _reply(await h.slash("remind", {"what": "proposal-1", "lead": 5}, user=bea))
    out["/agenda"] = _reply(await h.slash("agenda", user=bea))
    h.clear()
    clock.set(datetime(2021, 10, 6, 9, 55, tzinfo=UTC))  # 11:55 CEST, 5 min before the slot
    await hub.announcer.drain()  # type: ignore[union-attr]
    await hub.announcer.deliver_due()  # type: ignore[union-attr]
    out["channel announcement"] = "\n".join(h.channel_texts())
    out["reminder"] = "\n".join(h.dm_texts(bea))
    h.clear()
    hub.schedule_path = _moved_slot(tmp_path)
    out["/reload"] = _reply(await h.slash("reload", user=mod))
    await hub.announcer.drain()  # type: ignore[union-attr]
    out["change announcement"] = "\n".join(h.channel_texts())
    out["change notice"] = "\n".join(h.dm_texts(bea))
    await h.slash("events sync", user=mod)
    out["scheduled event"] = "\n".join(e["description"] for e in h.scheduled_events.values())
    options = f"{typed} | the other answer"
    poll = await h.slash("poll start", {"question": typed, "options": options}, user=mod)
    out["poll card"] = _reply(poll)
    return out


SURFACES = (
    "receipt",
    "review card",
    "/myproposals",
    "review decision",
    "host's notice",
    "/next",
    "/schedule",
    "/session",
    "/remind",
    "/agenda",
    "channel announcement",
    "reminder",
    "/reload",
    "change announcement",
    "change notice",
    "scheduled event",
    "poll card",
)


@pytest.mark.parametrize("typed", HOSTILE)
async def test_typed_markup_is_shown_as_typed_on_every_discord_surface(
    h: DiscordHarness, hub: Hub, clock: FrozenClock, typed: str, tmp_path: Path
) -> None:
    out = await _every_surface(h, hub, clock, typed, tmp_path)
    assert set(out) == set(SURFACES)
    problems = {where: discord_problems(text, typed) for where, text in out.items()}
    assert {where: p for where, p in problems.items() if p} == {}
    assert all(" ".join(typed.split()) in shown(text) for text in out.values())
