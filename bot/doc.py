"""A tiny front-neutral document model for replies.

The core says *what* to show (headings, paragraphs, list items, times, links); each front decides
*how*: plain text on the console, Markdown with ``<t:…>`` stamps on Discord, HTML on Matrix.
User-supplied text is always a plain :class:`Text` span, so each renderer escapes it for its own
markup and it can never break the bot's formatting or ping anyone.
"""

from __future__ import annotations

import html
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


def _inline_html(part: Inline) -> str:
    esc = html.escape
    if isinstance(part, Strong):
        return f"<strong>{esc(part.text)}</strong>"
    if isinstance(part, Emph):
        return f"<em>{esc(part.text)}</em>"
    if isinstance(part, Code):
        return f"<code>{esc(part.text)}</code>"
    if isinstance(part, Link):
        return f'<a href="{esc(part.url, quote=True)}">{esc(part.label)}</a>'
    if isinstance(part, Stamp):
        return f'<time datetime="{part.at.isoformat()}">{esc(part.text)}</time>'
    return esc(part.text)


def render_html(reply: Reply) -> str:
    """HTML for Matrix ``formatted_body`` (every text span escaped)."""
    out: list[str] = []
    items: list[str] = []

    def flush_items() -> None:
        if items:
            out.append("<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>")
            items.clear()

    for block in reply.blocks:
        body = "".join(_inline_html(p) for p in block.parts)
        if block.kind == "item":
            items.append(body)
            continue
        flush_items()
        if block.kind == "heading":
            out.append(f"<h4>{body}</h4>")
        elif block.kind == "quote":
            out.append(f"<blockquote>{body}</blockquote>")
        elif block.kind == "note":
            out.append(f"<p><em>{body}</em></p>")
        else:
            out.append(f"<p>{body}</p>")
    flush_items()
    return "".join(out)
