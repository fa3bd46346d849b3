"""What a proposal is: its fields, its statuses, and the fixed choices the form offers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from bot.programme import fold
from bot.text import clean_text as clean_text  # re-exported for the proposal modules

Status = Literal["pending", "changes_requested", "approved", "rejected", "withdrawn"]
STATUSES: tuple[Status, ...] = ("pending", "changes_requested", "approved", "rejected", "withdrawn")
#: Statuses in which the host may still edit or withdraw, and which count toward their limit.
OPEN_STATUSES: tuple[Status, ...] = ("pending", "changes_requested")
Decision = Literal["approved", "rejected", "changes_requested"]
DECISIONS: tuple[Decision, ...] = ("approved", "rejected", "changes_requested")

#: The five capitals of resilience of the forum's method.
CAPITALS: tuple[str, ...] = ("human", "social", "economic", "cultural", "environmental")
SESSION_FORMATS: tuple[str, ...] = ("talk", "workshop", "discussion", "panel", "networking")

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


def title_key(title: str) -> str:
    """The form of a title used to refuse duplicates: case, accents and spacing ignored."""
    return " ".join(fold(clean_text(title)).split())


def parse_ref(text: str) -> int | None:
    """A proposal id as people type it: ``12``, ``#12``."""
    m = re.fullmatch(r"\s*#?\s*(\d{1,9})\s*", text)
    return int(m.group(1)) if m else None
