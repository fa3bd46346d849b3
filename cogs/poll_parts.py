"""The poll buttons (``poll:<id>:<choice>``, one persistent view per poll) and what the vote
click's hot path needs: when to answer "thinking…", freeing an answered click, the permissions
a poll needs in its channel."""

from __future__ import annotations

import contextlib
import re
from typing import Any

import discord

from bot.polls.model import Poll

ACK_SECONDS = 2.0  # past this, defer the answer (Discord wants one within 3 s)
BUTTON_LABEL_MAX = 80


POLL_CUSTOM_ID = re.compile(r"poll:(?P<poll>\d{1,18}):(?P<choice>\d{1,18})")


def missing_permissions(interaction: discord.Interaction) -> list[str]:
    """What the bot lacks in this channel to run a poll: its message is the interaction's answer,
    but the tally is kept up to date by editing it, and a timer's result is posted with its
    chart as an ordinary message. ``app_permissions``: the bot's permissions in the channel."""
    if interaction.guild_id is None:
        return []
    perms = interaction.app_permissions
    in_thread = isinstance(interaction.channel, discord.Thread)
    send = perms.send_messages_in_threads if in_thread else perms.send_messages
    needed = {"view_channel": perms.view_channel, "send_messages": send}
    needed["attach_files"] = perms.attach_files
    return [name for name, granted in needed.items() if not granted]


def ack_delay(interaction: discord.Interaction) -> float:
    """Seconds left before the click must be answered "thinking…" if its vote is not committed
    by then: Discord's 3 s run from the click (the interaction id carries Discord's time), not
    from when a busy bot got round to it. Never later than ``ACK_SECONDS`` from now, whatever
    this machine's clock says."""
    age = (discord.utils.utcnow() - interaction.created_at).total_seconds()
    return min(ACK_SECONDS, max(0.0, ACK_SECONDS - age))


def release(interaction: discord.Interaction) -> None:
    """Let an answered click be freed at once. discord.py's interaction and its response object
    point at each other, so each click (with its message, member and buttons: ~28 objects) is
    garbage only the cycle collector can free; a click waits for its commit long enough to
    survive young collections, and a burst then fills the old generation with dead clicks whose
    full collections cost more CPU than the votes themselves (measured: ~60 µs a click).
    Dropping the cached response breaks the cycle; nothing reads it once the answer left."""
    with contextlib.suppress(AttributeError):
        del interaction._cs_response  # type: ignore[attr-defined]


def short(label: str, limit: int) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


class PollButton(discord.ui.Button[discord.ui.View]):
    """One answer of one poll. Clicking it votes (or changes the vote) for that answer."""

    def __init__(
        self, poll_id: int, choice: int, label: str | None = None, *, disabled: bool = False
    ) -> None:
        super().__init__(
            label=short(label or str(choice + 1), BUTTON_LABEL_MAX),
            style=discord.ButtonStyle.primary,
            custom_id=f"poll:{poll_id}:{choice}",
            disabled=disabled,
        )
        self.poll_id = poll_id
        self.choice = choice

    async def callback(self, interaction: discord.Interaction) -> None:
        # the client is HubBot (a commands.Bot); the cog is PollsCog (which imports this module)
        cog: Any = interaction.client.get_cog("PollsCog")  # type: ignore[attr-defined]
        if cog is not None:
            await cog.vote_button(interaction, self.poll_id, self.choice)


def poll_view(poll: Poll) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for i, label in enumerate(poll.labels(poll.lang)):
        view.add_item(PollButton(poll.id, i, f"{i + 1}. {label}", disabled=not poll.is_open))
    return view
