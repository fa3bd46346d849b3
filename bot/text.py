"""What people type, made safe to keep and show on every front (no markup here: each front
escapes for its own). ``strip_controls`` for any text shown; ``clean_text`` for what a host or a
moderator types once, at input (proposals, poll questions and options, reasons)."""

from __future__ import annotations

import re
import unicodedata

# Line breaks other than ``\n`` (CR, CR LF, vertical tab, form feed, NEL, line and paragraph
# separators): each made ``\n``, so fronts see one kind of line break.
_LINE_BREAKS = re.compile(r"\r\n?|[\x0b\x0c\x85\u2028\u2029]")
# C0 controls but tab and newline (NUL, BEL, ESC…), DEL, C1 controls (CSI…), and the
# bidirectional overrides and isolates that reorder the text around them.
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# Invisible characters that never carry meaning (zero-width space, word joiner and invisible
# operators, byte-order mark, soft hyphen, Mongolian vowel separator). Zero-width (non-)joiners
# are kept (emoji, Persian, Indic scripts).
_INVISIBLE = re.compile(r"[\u00ad\u180e\u200b\u2060-\u2064\ufeff]")
# Spaces, and blank characters that show as one (Hangul fillers, the blank Braille pattern).
_SPACES = re.compile(
    r"[ \t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\u115f\u1160\u2800\u3164\uffa0]+"
)


def strip_controls(text: str, replacement: str = "") -> str:
    """``text`` with every line break made ``\\n`` and every control or bidi-override character
    (see ``_CONTROLS``) replaced by ``replacement``: nothing left that a terminal would obey
    (ESC sequences, BEL, NUL) or that would reorder what others read."""
    return _CONTROLS.sub(replacement, _LINE_BREAKS.sub("\n", text))


def clean_text(text: str, *, multiline: bool = False) -> str:
    """What someone typed, made safe to store and show: NFC, no control, bidi-override or
    invisible characters, spaces collapsed; newlines kept (at most one blank line) only if
    ``multiline``; "" when nothing in it shows."""
    text = strip_controls(unicodedata.normalize("NFC", text)).replace("\t", " ")
    text = _INVISIBLE.sub("", text)
    if not any(_visible(ch) for ch in text):
        return ""  # nothing anyone could read: the same as no answer
    if not multiline:
        return _SPACES.sub(" ", text.replace("\n", " ")).strip()
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


def _visible(ch: str) -> bool:
    """A character that shows: not a control, format character, separator or blank filler."""
    return unicodedata.category(ch)[0] not in "CZ" and not _SPACES.match(ch)
