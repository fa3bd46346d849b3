"""The proposal form, front-neutral: its fields, their texts in each language, their choices and
their validators.

Discord shows it as two modals (at most five fields each: ``Field.step``); the console and
Matrix ask the same questions one by one (``bot.proposals.conversation``). Every front validates
with :func:`check` / :func:`validate`, so a rule is written once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from bot.context import Ctx
from bot.i18n import (
    LANGUAGES,
    fmt_day_short,
    fmt_time,
    join_list,
    language_name,
    own_name,
    t,
)
from bot.programme import Session, fold
from bot.proposals.model import (
    CAPITALS,
    FIELD_KEYS,
    SESSION_FORMATS,
    Answers,
    clean_text,
)

FieldKind = Literal["line", "text", "choice", "multi", "email"]
STEPS: tuple[int, ...] = (1, 2)


@dataclass(frozen=True, slots=True)
class Field:
    key: str
    kind: FieldKind
    step: int  # the page of the form on fronts whose forms are paged (Discord: ≤5 per modal)
    required: bool = True
    min_len: int = 0
    max_len: int = 100

    def label(self, lang: str) -> str:
        """Short name (≤45 characters: a Discord modal label)."""
        return t(lang, f"proposals.field.{self.key}.label")

    def hint(self, lang: str) -> str:
        """One line of help (≤100 characters: a Discord label description)."""
        return t(lang, f"proposals.field.{self.key}.hint")

    def question(self, lang: str) -> str:
        """The question a conversation asks."""
        return t(lang, f"proposals.field.{self.key}.question")

    @property
    def is_choice(self) -> bool:
        return self.kind in ("choice", "multi")


FIELDS: tuple[Field, ...] = (
    Field("host_name", "line", 1, min_len=2, max_len=80),
    Field("organisation", "line", 1, min_len=2, max_len=150),
    Field("title", "line", 1, min_len=5, max_len=100),
    Field("description", "text", 1, min_len=30, max_len=1000),
    Field("slot", "choice", 1),
    Field("language", "choice", 2),
    Field("capitals", "multi", 2),
    Field("format", "choice", 2),
    Field("cohosts", "text", 2, required=False, max_len=300),
    Field("email", "email", 2, required=False, max_len=254),
)
BY_KEY: dict[str, Field] = {f.key: f for f in FIELDS}
assert tuple(BY_KEY) == FIELD_KEYS


def step_fields(step: int) -> tuple[Field, ...]:
    return tuple(f for f in FIELDS if f.step == step)


@dataclass(frozen=True, slots=True)
class SlotInfo:
    """A Hub slot and how many approved sessions it holds."""

    session: Session
    approved: int
    capacity: int

    @property
    def id(self) -> str:
        return self.session.id

    @property
    def full(self) -> bool:
        return self.approved >= self.capacity

    def started(self, now: datetime) -> bool:
        return self.session.starts_at is None or self.session.starts_at <= now

    def open(self, now: datetime) -> bool:
        return not self.full and not self.started(now)


@dataclass(frozen=True, slots=True)
class FormEnv:
    """What validating a form needs besides the answers: who asks, and the slots' state."""

    ctx: Ctx
    slots: tuple[SlotInfo, ...]

    def slot(self, slot_id: str) -> SlotInfo | None:
        return next((s for s in self.slots if s.id == slot_id), None)

    def open_slots(self) -> list[SlotInfo]:
        return [s for s in self.slots if s.open(self.ctx.now)]


@dataclass(frozen=True, slots=True)
class Choice:
    value: str
    label: str


def slot_label(ctx: Ctx, slot: Session) -> str:
    """``Wed, Oct 6 · 12:00 PM–12:45 PM CEST``: always with its date, in the reader's zone."""
    assert slot.starts_at is not None and slot.ends_at is not None
    zone = ctx.prefs.zone
    start = slot.starts_at.astimezone(zone.tzinfo)
    end = slot.ends_at.astimezone(zone.tzinfo)
    day = fmt_day_short(start.date(), ctx.lang)
    end_text = fmt_time(end, ctx.lang)
    if end.date() != start.date():
        end_text = f"{fmt_day_short(end.date(), ctx.lang)}, {end_text}"
    return f"{day} · {fmt_time(start, ctx.lang)}–{end_text} {zone.label(slot.starts_at)}"


def choices(env: FormEnv, field: Field, current: str = "") -> list[Choice]:
    """The choices offered for ``field`` (slots: the open ones, plus the current answer)."""
    lang = env.ctx.lang
    if field.key == "slot":
        return [
            Choice(s.id, slot_label(env.ctx, s.session))
            for s in env.slots
            if s.open(env.ctx.now) or s.id == current
        ]
    if field.key == "language":
        # The languages the forum runs in (schedule.yaml's forum.languages), by their own names.
        return [Choice(code, own_name(code)) for code in env.ctx.programme.forum.languages]
    if field.key == "capitals":
        return [Choice(c, t(lang, f"proposals.capital.{c}")) for c in CAPITALS]
    if field.key == "format":
        return [Choice(f, t(lang, f"proposals.format.{f}")) for f in SESSION_FORMATS]
    return []


def choice_label(env: FormEnv, field: Field, value: str) -> str:
    """How an answer reads: labels for choices (several joined), the text itself otherwise."""
    if not field.is_choice:
        return value
    if field.key == "slot":
        info = env.slot(value)
        return slot_label(env.ctx, info.session) if info else value
    labels = {c.value: c.label for c in choices(env, field)}
    values = value.split(",") if field.kind == "multi" else [value]
    return join_list([labels.get(v, v) for v in values if v], env.ctx.lang)


# -- validation ------------------------------------------------------------------------------
_EMAIL = re.compile(
    r"^(?!\.)(?!.*\.\.)[\w.!#$%&'*+/=?^`{|}~-]{1,64}(?<!\.)"
    r"@(?:[^\W_](?:(?:[^\W_]|-){0,61}[^\W_])?\.)+[^\W\d_]{2,63}$"
)


def normalize(field: Field, raw: str | Iterable[str]) -> str:
    """What a front received, in the form the core stores (a multi-choice: ``a,b``)."""
    if not isinstance(raw, str):
        return ",".join(dict.fromkeys(clean_text(v) for v in raw if v.strip()))
    if field.kind == "multi":
        return ",".join(dict.fromkeys(v for v in (clean_text(x) for x in raw.split(",")) if v))
    return clean_text(raw, multiline=field.kind == "text")


def check(env: FormEnv, field: Field, value: str) -> str | None:
    """What is wrong with one (normalized) answer, in the reader's language; ``None``: fine."""
    lang = env.ctx.lang
    if not value:
        return t(lang, "proposals.error.required") if field.required else None
    if field.is_choice:
        return _check_choice(env, field, value)
    count = len(value)
    if count < field.min_len:
        return t(lang, "proposals.error.too_short", min=field.min_len, count=count)
    if count > field.max_len:
        return t(lang, "proposals.error.too_long", max=field.max_len, count=count)
    if field.kind == "email" and not _EMAIL.match(value):
        return t(lang, "proposals.error.email", value=value[:60])
    return None


def _check_choice(env: FormEnv, field: Field, value: str) -> str | None:
    lang = env.ctx.lang
    if field.key == "slot":
        info = env.slot(value)
        if info is None:
            return t(lang, "proposals.error.slot_unknown", value=value[:60])
        label = slot_label(env.ctx, info.session)
        if info.started(env.ctx.now):
            return t(lang, "proposals.error.slot_started", slot=label)
        if info.full:
            return t(lang, "proposals.error.slot_full", slot=label, rooms=info.capacity)
        return None
    allowed = [c.value for c in choices(env, field)]
    values = value.split(",") if field.kind == "multi" else [value]
    for v in values:
        if v not in allowed:
            shown = ", ".join(c.label for c in choices(env, field))
            return t(lang, "proposals.error.choice", value=v[:60], choices=shown)
    return None


def validate(env: FormEnv, answers: Answers, fields: Iterable[Field] = FIELDS) -> dict[str, str]:
    """Every problem of ``answers``, by field key (empty: all fine)."""
    errors: dict[str, str] = {}
    for field in fields:
        problem = check(env, field, answers.get(field.key, ""))
        if problem:
            errors[field.key] = problem
    return errors


def parse_answer(
    env: FormEnv, field: Field, text: str, current: str = ""
) -> tuple[str, str | None]:
    """A typed answer (a conversation) as a stored value, and what is wrong with it, if anything.

    Choices are given by their number, their code or their name (any case or accents); several
    choices are separated by commas or spaces.
    """
    if not field.is_choice:
        value = normalize(field, text)
        return value, check(env, field, value)
    options = choices(env, field, current)
    tokens = [x for x in re.split(r"[,;/\s]+", text.strip()) if x]
    if field.kind == "choice":
        tokens = [text.strip()] if text.strip() else []
    picked: list[str] = []
    for token in tokens:
        match = _match_choice(field, options, token)
        if match is None:
            if field.key == "slot" and env.slot(token.casefold()):
                match = token.casefold()  # a real slot, not offered: check() says why
            else:
                shown = ", ".join(f"{i}. {c.label}" for i, c in enumerate(options, 1))
                lang = env.ctx.lang
                return "", t(lang, "proposals.error.choice", value=token[:60], choices=shown)
        if match not in picked:
            picked.append(match)
    value = ",".join(picked)
    return value, check(env, field, value)


def _names(field: Field, choice: Choice) -> set[str]:
    """Every name a choice answers to: its code, and its label in each of the forum's languages."""
    names = {fold(choice.value), fold(choice.label)}
    for lang in LANGUAGES:
        if field.key == "capitals":
            names.add(fold(t(lang, f"proposals.capital.{choice.value}")))
        elif field.key == "format":
            names.add(fold(t(lang, f"proposals.format.{choice.value}")))
        elif field.key == "language":
            names.add(fold(language_name(choice.value, in_lang=lang)))
    return names


def _match_choice(field: Field, options: list[Choice], token: str) -> str | None:
    if token.isdigit() and 1 <= int(token) <= len(options):
        return options[int(token) - 1].value
    folded = fold(token)
    named = {c.value: _names(field, c) for c in options}
    for c in options:
        if folded in named[c.value]:
            return c.value
    if len(folded) < 3:
        return None
    prefix = [c for c in options if any(n.startswith(folded) for n in named[c.value])]
    return prefix[0].value if len(prefix) == 1 else None
