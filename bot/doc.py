"""A tiny front-neutral document model for replies.

The core says *what* to show (headings, paragraphs, list items, times, links); each front decides
*how*: plain text on the console (``render_plain`` here), Markdown with ``<t:…>`` stamps on Discord
(``cogs/render.py``), HTML on Matrix (``fronts/matrix/render.py``).
User-supplied text is always a plain :class:`Text` span, so each renderer escapes it for its own
markup and it can never break the bot's formatting or ping anyone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal


@dataclass(frozen=True, slots=True)
class Text:
    text: str


@dataclass(frozen=True, slots=True)
class Strong:
    text: str


@dataclass(frozen=True, slots=True)
class Emph:
    text: str


@dataclass(frozen=True, slots=True)
class Code:
    text: str


@dataclass(frozen=True, slots=True)
class Stamp:
    """An instant, already written out in the reader's zone and language (``text``).

    Fronts that can show a self-localizing timestamp (Discord's ``<t:…>``) add it beside the text.
    """

    at: datetime
    text: str


@dataclass(frozen=True, slots=True)
class Link:
    url: str
    label: str


Inline = Text | Strong | Emph | Code | Stamp | Link
BlockKind = Literal["heading", "para", "item", "quote", "note"]


@dataclass(frozen=True, slots=True)
class Block:
    kind: BlockKind
    parts: tuple[Inline, ...]


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    data: bytes
    mime: str


@dataclass(slots=True)
class Reply:
    """What a command answers. ``private`` replies go only to the asker (ephemeral on Discord)."""

    blocks: list[Block] = field(default_factory=list)
    private: bool = True
    attachments: list[Attachment] = field(default_factory=list)
    ok: bool = True

    def add(self, kind: BlockKind, *parts: Inline | str) -> Reply:
        self.blocks.append(Block(kind, tuple(Text(p) if isinstance(p, str) else p for p in parts)))
        return self

    def heading(self, *parts: Inline | str) -> Reply:
        return self.add("heading", *parts)

    def para(self, *parts: Inline | str) -> Reply:
        return self.add("para", *parts)

    def item(self, *parts: Inline | str) -> Reply:
        return self.add("item", *parts)

    def quote(self, *parts: Inline | str) -> Reply:
        return self.add("quote", *parts)

    def note(self, *parts: Inline | str) -> Reply:
        return self.add("note", *parts)

    def extend(self, other: Reply) -> Reply:
        self.blocks.extend(other.blocks)
        self.attachments.extend(other.attachments)
        return self

    def plain(self) -> str:
        return render_plain(self)


def error(*parts: Inline | str) -> Reply:
    """A refusal or problem report (always private)."""
    reply = Reply(private=True, ok=False)
    return reply.para(*parts)


def inline_plain(part: Inline) -> str:
    if isinstance(part, Link):
        return f"{part.label} <{part.url}>" if part.label != part.url else part.url
    if isinstance(part, Stamp):
        return part.text
    return part.text


def render_plain(reply: Reply) -> str:
    lines: list[str] = []
    for block in reply.blocks:
        text = "".join(inline_plain(p) for p in block.parts)
        if block.kind == "heading":
            if lines:
                lines.append("")
            lines.append(text)
            lines.append("─" * min(len(text), 60))
        elif block.kind == "item":
            lines.append(f"  • {text}")
        elif block.kind == "quote":
            lines.append(f"    “{text}”")
        elif block.kind == "note":
            lines.append(f"  ({text})")
        else:
            lines.append(text)
    return "\n".join(lines)
