"""Discord slash commands generated from the command registry (``bot.commands``).

Every spec offered on Discord that no cog claims (``discord_ui=False``) becomes a plain slash
command: one optional (or required) text option per param, named ``slash.<name>.<param>`` and
described ``cmd.<name>.<param>`` in every language; its callback joins the options as a text
front's arguments, calls the same core handler as the console and Matrix, and answers with
:func:`cogs.render.send_reply`. Commands that need more (modals, buttons, autocomplete, typed
options) have a cog in ``cogs/`` instead, and declare ``discord_ui=True``.
"""

from __future__ import annotations

import inspect

import discord
from discord import app_commands

from bot.commands import Command, Invocation, commands_for
from bot.doc import Reply
from bot.hub import Hub
from cogs.common import FRONT, caller_from, text
from cogs.render import send_reply


def generated(hub: Hub, spec: Command) -> app_commands.Command:
    """The slash command for ``spec``."""

    async def callback(interaction: discord.Interaction, **options: str | None) -> None:
        args = " ".join(v.strip() for p in spec.params if (v := options.get(p.name)))
        invocation = Invocation(hub, caller_from(interaction, hub), args, "/")
        result = spec.handler(invocation)
        reply = result if isinstance(result, Reply) else await result
        if spec.confidential:
            reply.private = True
        await send_reply(interaction, reply)

    parameters = [inspect.Parameter("interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    parameters += [
        inspect.Parameter(
            p.name,
            inspect.Parameter.KEYWORD_ONLY,
            annotation=str if p.required else str | None,
            default=inspect.Parameter.empty if p.required else None,
        )
        for p in spec.params
    ]
    callback.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    callback.__qualname__ = callback.__name__ = f"slash_{spec.name}"
    if spec.params:
        names = {p.name: text(f"slash.{spec.name}.{p.name}") for p in spec.params}
        descriptions = {p.name: text(f"cmd.{spec.name}.{p.name}") for p in spec.params}
        app_commands.rename(**names)(callback)
        app_commands.describe(**descriptions)(callback)
    return app_commands.Command(
        name=text(f"slash.{spec.name}.name"),
        description=text(f"cmd.{spec.name}.description"),
        callback=callback,
    )


def add_generated_commands(tree: app_commands.CommandTree, hub: Hub) -> None:
    """Add a generated command for every Discord command no cog declares."""
    for spec in commands_for(FRONT):
        if not spec.discord_ui:
            tree.add_command(generated(hub, spec))
