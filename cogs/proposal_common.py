"""What the proposal cogs share: the hub and context of an interaction, and answers with
buttons."""

from __future__ import annotations

import logging
from typing import Any

import discord

from bot.context import Ctx
from bot.doc import Reply, error
from bot.failures import failure_text
from bot.hub import Hub
from cogs.common import caller_from, caller_of
from cogs.render import NO_PINGS, send_reply, to_messages

log = logging.getLogger(__name__)
SELECT_MAX = 25
LABEL_MAX, HINT_MAX, OPTION_MAX = 45, 100, 100


def hub_of(interaction: discord.Interaction) -> Hub:
    hub = getattr(interaction.client, "hub", None)
    assert isinstance(hub, Hub), "the client must carry the hub (fronts.discord_client.HubBot)"
    return hub


async def ctx_of(interaction: discord.Interaction) -> Ctx:
    hub = hub_of(interaction)
    return hub.context(await caller_of(interaction, hub))


def cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


async def send_with_view(
    interaction: discord.Interaction, reply: Reply, view: discord.ui.View | None = None
) -> None:
    """Answer with ``reply`` (split as needed); the buttons go on the last message."""
    if view is None or not view.children:
        await send_reply(interaction, reply)
        return
    messages = to_messages(reply)
    for i, content in enumerate(messages):
        extra: dict[str, Any] = {"view": view} if i == len(messages) - 1 else {}
        if not interaction.response.is_done():
            await interaction.response.send_message(
                content, ephemeral=reply.private, allowed_mentions=NO_PINGS, **extra
            )
        else:
            await interaction.followup.send(
                content, ephemeral=reply.private, allowed_mentions=NO_PINGS, **extra
            )


async def report_error(interaction: discord.Interaction, exc: Exception) -> None:
    lang = hub_of(interaction).prefs(caller_from(interaction, hub_of(interaction))).lang
    try:
        await send_reply(interaction, error(failure_text(lang, exc, "proposal interaction")))
    except discord.HTTPException:
        log.warning("could not tell the user about the error", exc_info=True)


def view_of(*items: discord.ui.Item[Any]) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for item in items:
        view.add_item(item)
    return view


def submitted_values(data: Any) -> dict[str, str | list[str]]:
    """What a MODAL_SUBMIT carries, by component ``custom_id``: a text or radio value, or the
    values of a select (through labels and rows)."""
    out: dict[str, str | list[str]] = {}

    def walk(components: Any) -> None:
        for component in components or ():
            if not isinstance(component, dict):
                continue
            walk(component.get("components"))
            if isinstance(component.get("component"), dict):
                walk([component["component"]])
            custom_id = component.get("custom_id")
            if custom_id is None:
                continue
            if "values" in component:
                out[str(custom_id)] = [str(v) for v in component["values"] or ()]
            elif "value" in component:
                value = component["value"]
                out[str(custom_id)] = "" if value is None else str(value)

    walk((data or {}).get("components"))
    return out
