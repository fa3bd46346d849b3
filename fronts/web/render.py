"""Core replies as HTML: every text span escaped (``markupsafe``), so nothing anyone typed can
become a tag, an attribute or a script."""

from __future__ import annotations

from markupsafe import Markup, escape

from bot.doc import Code, Emph, Inline, Link, Reply, Stamp, Strong


def _inline(part: Inline) -> Markup:
    if isinstance(part, Strong):
        return Markup("<strong>%s</strong>") % part.text
    if isinstance(part, Emph):
        return Markup("<em>%s</em>") % part.text
    if isinstance(part, Code):
        return Markup("<code>%s</code>") % part.text
    if isinstance(part, Link):
        if not part.url.startswith(("https://", "http://", "/")):
            return escape(part.label)
        return Markup('<a href="%s">%s</a>') % (part.url, part.label)
    if isinstance(part, Stamp):
        return Markup('<time datetime="%s">%s</time>') % (part.at.isoformat(), part.text)
    return escape(part.text)


def reply_html(reply: Reply, heading: str = "h2") -> Markup:
    """The reply's blocks as HTML: headings, paragraphs, lists, quotes, notes."""
    out: list[Markup] = []
    items: list[Markup] = []

    def flush() -> None:
        if items:
            out.append(
                Markup("<ul>%s</ul>") % Markup("").join(Markup("<li>%s</li>") % i for i in items)
            )
            items.clear()

    for block in reply.blocks:
        body = Markup("").join(_inline(p) for p in block.parts)
        if block.kind == "item":
            items.append(body)
            continue
        flush()
        if block.kind == "heading":
            out.append(Markup(f"<{heading}>%s</{heading}>") % body)
        elif block.kind == "quote":
            out.append(Markup("<blockquote>%s</blockquote>") % body)
        elif block.kind == "note":
            out.append(Markup('<p class="note">%s</p>') % body)
        else:
            out.append(Markup("<p>%s</p>") % body)
    flush()
    return Markup("\n").join(out)
