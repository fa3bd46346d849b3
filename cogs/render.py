"""Core replies written as Discord Markdown: user text escaped, times with ``<t:…>`` stamps."""

from __future__ import annotations

import discord
from discord.utils import escape_markdown, escape_mentions

from bot.doc import Block, Code, Emph, Inline, Link, Reply, Stamp, Strong

MESSAGE_LIMIT = 2000
NO_PINGS = discord.AllowedMentions.none()


def _safe(text: str) -> str:
    """User text as literal Markdown: no formatting, no heading, no mentions (``@everyone`` gets
    a zero-width space; ``<@id>``, ``<@&id>``, ``<#id>``, ``<t:…>`` are shown as typed)."""
    return escape_mentions(escape_markdown(text)).replace("<", "\\<")


def _inline(part: Inline, stamps: tuple[str, ...] = ("R",)) -> str:
    if isinstance(part, Strong):
        return f"**{_safe(part.text)}**"
    if isinstance(part, Emph):
        return f"*{_safe(part.text)}*"
    if isinstance(part, Code):
        return f"`{part.text.replace('`', 'ˋ')}`"
    if isinstance(part, Link):
        label = _safe(part.label).replace("]", "\\]")
        return f"[{label}](<{part.url}>)"
    if isinstance(part, Stamp):
        at = int(part.at.timestamp())
        return " · ".join([_safe(part.text), *(f"<t:{at}:{style}>" for style in stamps)])
    return _safe(part.text)


def block_markdown(block: Block, stamps: tuple[str, ...] = ("R",)) -> str:
    """One block as Markdown; each time gets a ``<t:…>`` stamp per style in ``stamps``."""
    body = "".join(_inline(p, stamps) for p in block.parts).replace("\n", " ")
    if block.kind == "heading":
        return f"### {body}"
    if block.kind == "item":
        return f"- {body}"
    if block.kind == "quote":
        return f"> {body}"
    if block.kind == "note":
        return f"-# {body}"
    return body


def to_messages(
    reply: Reply, limit: int = MESSAGE_LIMIT, stamps: tuple[str, ...] = ("R",)
) -> list[str]:
    """The reply as one or more messages of at most ``limit`` characters, split between blocks."""
    messages: list[str] = []
    current = ""
    for block in reply.blocks:
        line = block_markdown(block, stamps)
        if len(line) > limit:
            line = line[: limit - 1] + "…"
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            messages.append(current)
            current = line
        else:
            current = candidate
    if current or not messages:
        messages.append(current or "…")
    return messages


def to_files(reply: Reply) -> list[discord.File]:
    import io

    return [discord.File(io.BytesIO(a.data), filename=a.filename) for a in reply.attachments]


async def send_reply(interaction: discord.Interaction, reply: Reply) -> None:
    """Answer the interaction (or follow up if it was already answered or deferred)."""
    messages = to_messages(reply)
    files = to_files(reply)
    ephemeral = reply.private
    for i, content in enumerate(messages):
        last = i == len(messages) - 1
        extra = {"files": files} if last and files else {}
        if not interaction.response.is_done():
            await interaction.response.send_message(
                content, ephemeral=ephemeral, allowed_mentions=NO_PINGS, **extra
            )
        else:
            await interaction.followup.send(
                content, ephemeral=ephemeral, allowed_mentions=NO_PINGS, **extra
            )
