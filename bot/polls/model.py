"""What a poll is: its question, its scale and options, its timer; and parsing what moderators
type (question references, options, durations). Front-neutral, no I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from bot.i18n import t
from bot.programme import LocalText, Programme, Session, fold
from bot.text import clean_text

Scale = Literal["agree", "yesno", "custom"]
SCALES: tuple[Scale, ...] = ("agree", "yesno", "custom")
AGREE_KEYS = ("strongly_agree", "agree", "neutral", "disagree", "strongly_disagree")
YESNO_KEYS = ("yes", "no")
Source = Literal["statement", "message", "custom"]

MIN_OPTIONS, MAX_OPTIONS = 2, 10
OPTION_MAX = 80  # a Discord button label holds 80 characters
QUESTION_MAX = 300
MIN_TIMER, MAX_TIMER = 10, 24 * 3600  # seconds
CUSTOM = "*"  # the language key of a question typed by a moderator (one text for everyone)

_REF = re.compile(r"^([a-z0-9][a-z0-9-]{0,62})/([sm])(\d{1,3})$")
_DURATION = re.compile(
    r"(?:(\d{1,3})\s*(?:h|hrs?|hours?|horas?|heures?))?\s*"
    r"(?:(\d{1,4})\s*(?:minutes?|minutos?|mins?|mn|m|(?=\s*$)))?\s*"
    r"(?:(\d{1,5})\s*(?:s|secs?|seg|seconds?|segundos?|secondes?))?"
)
_SPLIT = re.compile(r"\s*[|;\n]\s*")


@dataclass(frozen=True, slots=True)
class Question:
    """The text put to the room: a key statement/message in every language, or custom text."""

    texts: dict[str, str]
    source: Source = "custom"
    session_id: str | None = None
    index: int | None = None

    def get(self, lang: str) -> str:
        if CUSTOM in self.texts:
            return self.texts[CUSTOM]
        return self.texts.get(lang) or self.texts.get("en") or next(iter(self.texts.values()))

    @property
    def ref(self) -> str | None:
        if self.source == "custom" or self.session_id is None or self.index is None:
            return None
        return f"{self.session_id}/{self.source[0]}{self.index + 1}"


@dataclass(slots=True)
class Poll:
    id: int
    front: str
    created_by: str
    question: Question
    scale: Scale
    options: tuple[str, ...]
    hide_results: bool
    lang: str
    created_at: datetime
    closes_at: datetime | None = None
    closed_at: datetime | None = None
    closed_by: str | None = None
    channel_id: str | None = None
    message_id: str | None = None
    #: How many options (set from the scale and options; read on every vote).
    size: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        self.size = len(option_keys(self.scale)) if self.scale != "custom" else len(self.options)

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    def labels(self, lang: str) -> list[str]:
        """The options as the reader of ``lang`` sees them (custom options as typed)."""
        if self.scale == "custom":
            return list(self.options)
        return [t(lang, f"polls.scale.{k}") for k in option_keys(self.scale)]


def option_keys(scale: str) -> tuple[str, ...]:
    return AGREE_KEYS if scale == "agree" else YESNO_KEYS if scale == "yesno" else ()


@dataclass(frozen=True, slots=True)
class PollSpec:
    question: Question
    scale: Scale
    options: tuple[str, ...] = ()
    timer: int | None = None  # seconds
    hide_results: bool = False


class SpecError(ValueError):
    """A moderator's input that cannot make a poll; ``key`` and ``values`` name the message."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values

    def text(self, lang: str) -> str:
        return t(lang, self.key, **self.values)


@dataclass(frozen=True, slots=True)
class Candidate:
    """A key statement or key message a moderator can put to the room."""

    ref: str
    session: Session
    source: Source
    index: int
    text: LocalText


def candidates(programme: Programme, now: datetime) -> list[Candidate]:
    """Key statements then key messages: of the sessions on now first, then of those still to
    come (soonest first), then of the others (over, or without a time)."""
    ongoing = programme.ongoing(now)
    upcoming = [s for s in programme.sessions if s.starts_at is not None and s.starts_at > now]
    upcoming.sort(key=lambda s: s.starts_at or now)
    shown = set(ongoing) | set(upcoming)
    rest = [s for s in programme.sessions if s not in shown]
    out: list[Candidate] = []
    for sessions in (ongoing, upcoming, rest):
        for s in sessions:
            kinds: tuple[tuple[Source, tuple[LocalText, ...]], ...] = (
                ("statement", s.key_statements),
                ("message", s.key_messages),
            )
            for source, texts in kinds:
                for i, text in enumerate(texts):
                    out.append(Candidate(f"{s.id}/{source[0]}{i + 1}", s, source, i, text))
    return out


def search_candidates(programme: Programme, now: datetime, query: str) -> list[Candidate]:
    words = fold(query).split()
    found = candidates(programme, now)
    if not words:
        return found
    return [
        c
        for c in found
        if all(
            any(
                w in fold(x)
                for x in (c.ref, c.session.title.en, *c.text.all(), *c.session.title.all())
            )
            for w in words
        )
    ]


def parse_question(programme: Programme, text: str) -> Question:
    """A reference such as ``climate-dialogue/s2`` (2nd key statement) or ``…/m1`` (1st key
    message), or custom text (control, bidi-override and invisible characters dropped, spaces
    collapsed: the room sees it)."""
    q = clean_text(text)
    if not q:
        raise SpecError("polls.err.no_question")
    m = _REF.match(q)
    if m:
        session = programme.by_id.get(m.group(1))
        if session is None:
            raise SpecError("polls.err.no_session", ref=q)
        source: Source = "statement" if m.group(2) == "s" else "message"
        texts = session.key_statements if source == "statement" else session.key_messages
        index = int(m.group(3)) - 1
        if not 0 <= index < len(texts):
            refs = [f"{session.id}/s{i}" for i in range(1, len(session.key_statements) + 1)]
            refs += [f"{session.id}/m{i}" for i in range(1, len(session.key_messages) + 1)]
            raise SpecError("polls.err.no_statement", ref=q, refs=", ".join(refs) or "—")
        chosen = texts[index]
        return Question(chosen.texts(), source, session.id, index)
    if len(q) > QUESTION_MAX:
        raise SpecError("polls.err.question_too_long", max=QUESTION_MAX, length=len(q))
    return Question({CUSTOM: q})


def parse_options(text: str | None) -> tuple[str, ...]:
    """Custom options separated by ``|``, ``;`` or new lines: 2–10, each ≤ 80 characters
    (cleaned like questions)."""
    parts = [p for p in (clean_text(p) for p in _SPLIT.split(text or "")) if p]
    if not MIN_OPTIONS <= len(parts) <= MAX_OPTIONS:
        raise SpecError(
            "polls.err.option_count", count=len(parts), min=MIN_OPTIONS, max=MAX_OPTIONS
        )
    seen: set[str] = set()
    for p in parts:
        if len(p) > OPTION_MAX:
            raise SpecError("polls.err.option_too_long", option=p[:40] + "…", max=OPTION_MAX)
        if fold(p) in seen:
            raise SpecError("polls.err.option_twice", option=p)
        seen.add(fold(p))
    return tuple(parts)


def parse_duration(text: str) -> int:
    """Seconds from ``90s``, ``5m``, ``5`` (minutes), ``1h30``, ``1 h 30 min``…; 10 s to 24 h."""
    m = _DURATION.fullmatch(text.strip().casefold())
    if not m or not any(m.groups()):
        raise SpecError("polls.err.bad_duration", value=text.strip()[:20])
    hours, minutes, seconds = (int(g) if g else 0 for g in m.groups())
    total = hours * 3600 + minutes * 60 + seconds
    if not MIN_TIMER <= total <= MAX_TIMER:
        raise SpecError("polls.err.duration_range", value=text.strip()[:20])
    return total


def make_spec(
    programme: Programme,
    question: str,
    *,
    scale: str | None = None,
    options: str | None = None,
    duration: str | None = None,
    hide_results: bool = False,
) -> PollSpec:
    """Validate everything a moderator gave; the first problem raises :class:`SpecError`."""
    q = parse_question(programme, question)
    chosen = (scale or "").strip().casefold() or (
        "custom" if options and options.strip() else "agree"
    )
    if chosen not in SCALES:
        raise SpecError("polls.err.bad_scale", value=chosen[:20], choices=", ".join(SCALES))
    opts: tuple[str, ...] = ()
    if chosen == "custom":
        opts = parse_options(options)
    elif options and options.strip():
        raise SpecError("polls.err.options_need_custom")
    timer = parse_duration(duration) if duration and duration.strip() else None
    return PollSpec(q, chosen, opts, timer, hide_results)


@dataclass(slots=True)
class Tally:
    """Counts per option; ``voters`` is the number of people with a vote."""

    counts: list[int] = field(default_factory=list)

    @property
    def voters(self) -> int:
        return sum(self.counts)

    def percents(self) -> list[int]:
        """Whole percentages that add up to 100 (largest remainder), or zeros with no votes."""
        total = self.voters
        if total == 0:
            return [0] * len(self.counts)
        exact = [c * 100 / total for c in self.counts]
        floors = [int(x) for x in exact]
        left = 100 - sum(floors)
        order = sorted(range(len(exact)), key=lambda i: exact[i] - floors[i], reverse=True)
        for i in order[:left]:
            floors[i] += 1
        return floors
