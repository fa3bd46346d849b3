"""Checks that text someone typed stays inert once rendered for a front: written independently
of the renderers (they must not grade their own homework).

Discord: :func:`discord_problems` finds, in a message's raw Markdown, the typed text with any
of its markup characters left without a backslash, and live masked links, spoilers,
strike-through, underline, bold or code made of the typed text. Matrix: :func:`html_problems`
parses the HTML and finds tags or links that came from the typed text. Terminal:
:func:`terminal_problems` finds the control characters a terminal would obey.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

# The text each surface is tested with: a disguised link behind a decoy (discord.py's escape
# rule is greedy and only escaped the first ``[``), inline formatting, and line-start markup.
HOSTILE = (
    "[.](x) [Join the Hub on Zoom](https://evil.example/zoom) )",
    "[.](x) ||x|| **x** ~~x~~ [Join](https://evil.example/zoom) )",
    "||x|| **x** ~~x~~ __x__ `x`",
    "# x heading",
    "-# x subtext",
    "> x quoted",
    "1. x listed",
)
EVIL = "evil.example"
# Characters with a meaning anywhere in a Discord line, and those with one at a line's start.
_INLINE = set("\\*_~|`[]<")
_NUMBERED = re.compile(r"\d+\.")
# What may come before a text on its line while the text still starts the line for Discord:
# block markers (heading, subtext, quote, list item) and emphasis openers.
_LINE_HEAD = re.compile(r"(?:#{1,3} |-# |>>> |> |[-*+] |\d+\. |\s)*(?:\*\*|\*|__|_)*")
_ESCAPED_PAIR = re.compile(r"\\[^0-9A-Za-z\s]")
_MASKED_LINK = re.compile(r"\[([^\]\n]*)\]\(\s*<?([^)>\s]*)")


def shown(markdown: str) -> str:
    """What Discord shows of ``markdown``'s escapes (a backslash before punctuation vanishes)."""
    return _ESCAPED_PAIR.sub(lambda m: m.group(0)[1], markdown)


def _neutral(markdown: str) -> str:
    """``markdown`` with every escaped character (and its backslash) blanked out: what is left
    is what Discord would parse as markup."""
    return _ESCAPED_PAIR.sub("\x00\x00", markdown)


def discord_problems(markdown: str, typed: str) -> list[str]:
    """Why ``typed`` is not inert in ``markdown`` (a message, or an event description); []
    when it is shown as typed with every markup character of it escaped (line-start markers
    wherever it starts a line)."""
    typed = " ".join(typed.split())
    loose = "".join(r"(\\?)" + re.escape(c) for c in typed)
    found = list(re.finditer(loose, markdown))
    problems: list[str] = []
    if not found:
        problems.append(f"{typed!r} is not shown as typed")
    for m in found:
        line_head = markdown[markdown.rfind("\n", 0, m.start()) + 1 : m.start()]
        starts_line = _LINE_HEAD.fullmatch(line_head) is not None
        for i, c in enumerate(typed):
            leading = starts_line and i == 0 and c in "#>+-"
            numbered = starts_line and c == "." and _NUMBERED.fullmatch(typed[: i + 1]) is not None
            if (c in _INLINE or leading or numbered) and m.group(i + 1) != "\\":
                problems.append(f"{c!r} at {i} of {typed!r} is not escaped")
    neutral = _neutral(markdown)
    for label, url in _MASKED_LINK.findall(neutral):
        if EVIL in url:
            problems.append(f"a live masked link [{label}]({url})")
    for token in ("||", "~~", "__", "**x**", "`x`"):
        if token in neutral:
            problems.append(f"live {token!r}")
    return problems


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text += data


def html_problems(html: str, typed: str, *, bot_tags: set[str]) -> list[str]:
    """Why ``typed`` is not inert in a Matrix ``formatted_body``: tags other than the bot's own,
    links to the typed URL, or the typed text not found as text."""
    parser = _Tags()
    parser.feed(html)
    problems = [f"tag <{tag}> from the text" for tag, _ in parser.tags if tag not in bot_tags]
    problems += [
        f"a link to {attrs.get('href')}"
        for tag, attrs in parser.tags
        if tag == "a" and EVIL in (attrs.get("href") or "")
    ]
    if " ".join(typed.split()) not in parser.text:
        problems.append(f"{typed!r} is not shown as typed")
    return problems


_TERMINAL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def terminal_problems(output: str) -> list[str]:
    """Control characters a terminal would obey (ESC sequences, BEL, NUL, CSI…) or bidi
    overrides that would reorder the screen."""
    return [f"{c!r} at {m.start()}" for m in _TERMINAL.finditer(output) for c in [m.group(0)]]
