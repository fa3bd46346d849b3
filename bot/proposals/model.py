"""What a proposal is: its fields, its statuses, and the fixed choices the form offers."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from bot.programme import fold

Status = Literal["pending", "changes_requested", "approved", "rejected", "withdrawn"]
STATUSES: tuple[Status, ...] = ("pending", "changes_requested", "approved", "rejected", "withdrawn")
#: Statuses in which the host may still edit or withdraw, and which count toward their limit.
OPEN_STATUSES: tuple[Status, ...] = ("pending", "changes_requested")
Decision = Literal["approved", "rejected", "changes_requested"]
DECISIONS: tuple[Decision, ...] = ("approved", "rejected", "changes_requested")

#: The five capitals of resilience of the forum's method.
CAPITALS: tuple[str, ...] = ("human", "social", "economic", "cultural", "environmental")
SESSION_FORMATS: tuple[str, ...] = ("talk", "workshop", "discussion", "panel", "networking")
SESSION_LANGUAGES: tuple[str, ...] = ("es", "en", "fr")

#: Every answer of the form, in the order the form asks for them.
FIELD_KEYS: tuple[str, ...] = (
    "host_name",
    "organisation",
    "title",
    "description",
    "slot",
    "language",
    "capitals",
    "format",
    "cohosts",
    "email",
)

Answers = dict[str, str]


@dataclass(frozen=True, slots=True)
class Proposal:
    id: int
    front: str
    user_id: str
    lang: str
    host_name: str
    organisation: str
    title: str
    description: str
    slot: str
    language: str
    capitals: tuple[str, ...]
    format: str
    cohosts: str
    email: str
    status: Status
    approved_slot: str | None
    reason: str | None
    decided_by: str | None
    created_at: datetime
    updated_at: datetime
    decided_at: datetime | None

    @property
    def ref(self) -> str:
        return f"#{self.id}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def answers(self) -> Answers:
        """The proposal as form answers (to prefill a form for editing)."""
        return {
            "host_name": self.host_name,
            "organisation": self.organisation,
            "title": self.title,
            "description": self.description,
            "slot": self.slot,
            "language": self.language,
            "capitals": ",".join(self.capitals),
            "format": self.format,
            "cohosts": self.cohosts,
            "email": self.email,
        }


# Characters that can reorder or hide text around them (bidirectional overrides and isolates),
# C0/C1 controls, and invisible characters that never carry meaning (zero-width space, word
# joiner and invisible operators, byte-order mark, soft hyphen, Mongolian vowel separator):
# never kept in what hosts type. Zero-width (non-)joiners are kept (emoji, Persian, Indic scripts).
_UNSAFE = re.compile(
    r"[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u00ad\u180e\u200b\u202a-\u202e"
    r"\u2060-\u2064\u2066-\u2069\ufeff]"
)
# Spaces, and blank characters that show as one (Hangul fillers, the blank Braille pattern).
_SPACES = re.compile(
    r"[ \t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\u115f\u1160\u2800\u3164\uffa0]+"
)


def clean_text(text: str, *, multiline: bool = False) -> str:
    """What a host typed, made safe to store and show: NFC, no control or bidi-override
    characters, spaces collapsed; newlines kept (at most one blank line) only if ``multiline``."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = _UNSAFE.sub("", text.replace("\t", " "))
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


def title_key(title: str) -> str:
    """The form of a title used to refuse duplicates: case, accents and spacing ignored."""
    return " ".join(fold(clean_text(title)).split())


def parse_ref(text: str) -> int | None:
    """A proposal id as people type it: ``12``, ``#12``."""
    m = re.fullmatch(r"\s*#?\s*(\d{1,9})\s*", text)
    return int(m.group(1)) if m else None
