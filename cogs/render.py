"""Core replies written as Discord Markdown: every text span escaped character by character
(:func:`escape_text`, the one escaping function for Discord), times with ``<t:…>`` stamps."""

from __future__ import annotations

import re
from urllib.parse import quote

import discord
from discord.utils import MISSING, escape_mentions

from bot.doc import Block, Code, Emph, Inline, Link, Reply, Stamp, Strong
from bot.text import strip_controls

MESSAGE_LIMIT = 2000
NO_PINGS = discord.AllowedMentions.none()

# Characters Discord's Markdown gives a meaning to anywhere in a line: escapes, emphasis, bold,
# underline, strike-through, spoilers, code, masked links ``[t](u)`` (no link starts without an
# unescaped ``[``), and ``<…>`` forms (mentions, channels, custom emoji, timestamps,
# ``</command:id>``, autolinks). Each gets a backslash, which Discord shows as the character.
_MARKUP = re.compile(r"([\\*_~|`\[\]<])")
# What means something only at the start of a line: headings (``#``), subtext (``-#``), block
# quotes (``>``, ``>>>``), list items (``-``, ``+``, ``*``, ``1.``).
_LEADING = re.compile(r"^([ \t]*)(?:([#>+-])|(\d+)\.)", re.MULTILINE)


def escape_text(text: str) -> str:
    """User (or any) text as literal Discord Markdown, character by character: every markup
    character gets a backslash, and so does a heading, quote or list marker at the start of the
    text or of any line in it (the text may start a line); control and bidi characters are
    dropped, and ``@everyone``/``@here``/raw ids get a zero-width space so they
    are not even shown as mentions (``allowed_mentions`` is "none" on every send besides)."""
    text = strip_controls(text)
    text = _MARKUP.sub(r"\\\1", text)
    text = _LEADING.sub(_leading, text)
    return escape_mentions(text)


def _leading(m: re.Match[str]) -> str:
    space, sign, number = m.groups()
    return f"{space}\\{sign}" if sign else f"{space}{number}\\."


def cut_escaped(text: str, limit: int) -> str:
    """Markdown from :func:`escape_text` in at most ``limit`` characters, cut with an ellipsis
    and never between a backslash and the character it escapes."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    backslashes = len(head) - len(head.rstrip("\\"))
    if backslashes % 2:
        head = head[:-1]
    return head + "…"


def _url(url: str) -> str:
    """A link's address inside ``(<…>)``: nothing in it can close the brackets."""
    return "".join(c if c.isprintable() and c not in " <>" else quote(c) for c in url)


def _inline(part: Inline, stamps: tuple[str, ...] = ("R",)) -> str:
    if isinstance(part, Strong):
        return f"**{escape_text(part.text)}**"
    if isinstance(part, Emph):
        return f"*{escape_text(part.text)}*"
    if isinstance(part, Code):
        return f"`{strip_controls(part.text).replace('`', 'ˋ')}`"
    if isinstance(part, Link):
        return f"[{escape_text(part.label)}](<{_url(part.url)}>)"
    if isinstance(part, Stamp):
        at = int(part.at.timestamp())
        return " · ".join([escape_text(part.text), *(f"<t:{at}:{style}>" for style in stamps)])
    return escape_text(part.text)


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
        line = cut_escaped(line, limit)
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
        extra = files if last and files else MISSING  # MISSING: discord.py's "no files"
        if not interaction.response.is_done():
            await interaction.response.send_message(
                content, ephemeral=ephemeral, allowed_mentions=NO_PINGS, files=extra
            )
        else:
            await interaction.followup.send(
                content, ephemeral=ephemeral, allowed_mentions=NO_PINGS, files=extra
            )
