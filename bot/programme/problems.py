"""What is wrong with a programme file, said per line: :class:`Problem`, :class:`ProgrammeError`,
and pydantic's validation errors turned into ``session 'x' › end: …`` messages with their line."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from bot.programme.schema import (
    Day,
    ForumIn,
    HubIn,
    LocalText,
    Place,
    ProgrammeIn,
    SessionIn,
)
from bot.yamlsrc import Path as NodePath
from bot.yamlsrc import line_of


@dataclass(frozen=True, slots=True)
class Problem:
    line: int
    message: str


class ProgrammeError(Exception):
    """The file cannot be used; ``problems`` holds every problem found, each with its line."""

    def __init__(self, path: str, problems: list[Problem]) -> None:
        self.path = path
        self.problems = sorted(problems, key=lambda p: p.line)
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        return [f"{self.path}:{p.line}: {p.message}" for p in self.problems]


def _dedupe(problems: list[Problem]) -> list[Problem]:
    seen: set[tuple[int, str]] = set()
    out = []
    for p in problems:
        if (p.line, p.message) not in seen:
            seen.add((p.line, p.message))
            out.append(p)
    return out


_SCHEMA_KEYS: dict[str, tuple[str, ...]] = {
    "ProgrammeIn": tuple(ProgrammeIn.model_fields),
    "ForumIn": tuple(ForumIn.model_fields),
    "SessionIn": tuple(SessionIn.model_fields),
    "Place": tuple(Place.model_fields),
    "Day": tuple(Day.model_fields),
    "HubIn": tuple(HubIn.model_fields),
    "LocalText": tuple(LocalText.model_fields),
}


def _where(loc: NodePath, data: Any) -> str:
    """A human name for a location: ``session 'climate-dialogue' › end``."""
    parts: list[str] = []
    node: Any = data
    i = 0
    while i < len(loc):
        key = loc[i]
        if key == "sessions" and i + 1 < len(loc) and isinstance(idx := loc[i + 1], int):
            sessions = node.get("sessions") if isinstance(node, dict) else None
            sid = None
            if isinstance(sessions, list) and idx < len(sessions):
                item = sessions[idx]
                sid = item.get("id") if isinstance(item, dict) else None
                node = item
            else:
                node = None
            parts.append(f"session {sid!r}" if sid else f"session #{idx + 1}")
            i += 2
            continue
        if isinstance(key, int):
            parts.append(f"item #{key + 1}")
        else:
            parts.append(str(key))
        node = _child(node, key)
        i += 1
    return " › ".join(parts)


def _child(node: Any, key: str | int) -> Any:
    """``node[key]``, or ``None`` when ``node`` has no such key or item."""
    if isinstance(node, dict):
        return node.get(key)
    if isinstance(node, list) and isinstance(key, int) and key < len(node):
        return node[key]
    return None


def _known_keys(loc: NodePath) -> tuple[str, ...]:
    """Keys allowed at the mapping that holds ``loc``'s last key (for typo suggestions)."""
    parent = [k for k in loc[:-1] if not isinstance(k, int)]
    if not parent:
        return _SCHEMA_KEYS["ProgrammeIn"]
    last = parent[-1]
    if last == "forum":
        return _SCHEMA_KEYS["ForumIn"]
    if last == "hub":
        return _SCHEMA_KEYS["HubIn"]
    if last == "sessions":
        return _SCHEMA_KEYS["SessionIn"]
    if last == "days":
        return _SCHEMA_KEYS["Day"]
    if len(parent) == 2 and parent[0] == "places":
        return _SCHEMA_KEYS["Place"]
    return _SCHEMA_KEYS["LocalText"]


def _problem_from_pydantic(err: Any, data: Any, lines: dict[NodePath, int]) -> Problem:
    loc: NodePath = tuple(
        k for k in err["loc"] if not (isinstance(k, str) and k.startswith("function-"))
    )
    line = line_of(lines, loc)
    where = _where(loc, data)
    kind = err["type"]
    value = err.get("input")
    if kind == "extra_forbidden":
        key = str(loc[-1])
        close = difflib.get_close_matches(key, _known_keys(loc), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return Problem(line, f"{where}: unknown key {key!r}{hint}")
    if kind == "missing":
        return Problem(line, f"{where}: missing required key")
    if kind == "literal_error":
        allowed = err.get("ctx", {}).get("expected", "")
        return Problem(line, f"{where}: {value!r} is not one of {allowed}")
    if kind.startswith("date") or (kind == "value_error" and "YYYY-MM-DD" in err["msg"]):
        return Problem(line, f"{where}: {value!r} is not a date (use YYYY-MM-DD)")
    if kind == "value_error":
        return Problem(line, f"{where}: {err['msg'].removeprefix('Value error, ')}")
    if kind == "string_type":
        return Problem(line, f"{where}: must be text")
    if kind == "string_pattern_mismatch" and loc and loc[-1] == "id":
        return Problem(
            line, f"{where}: id {value!r} must be lower-case letters, digits and '-' (≤ 63)"
        )
    if kind == "string_too_short":
        return Problem(line, f"{where}: must not be empty")
    if kind in ("too_short",):
        return Problem(line, f"{where}: must have at least one entry")
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return Problem(line, f"{where}: expected a mapping (key: value), got {_shape(value)}")
    if kind == "list_type":
        return Problem(line, f"{where}: expected a list, got {_shape(value)}")
    if kind in ("bool_parsing", "bool_type"):
        return Problem(line, f"{where}: {value!r} is not true/false")
    return Problem(line, f"{where}: {err['msg']}")


def _shape(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    return f"{value!r}"
