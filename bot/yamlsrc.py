"""Read YAML as plain strings, lists and dicts, remembering the line of every node.

Scalars are kept as strings (so ``13:30`` is never read as a sexagesimal integer, nor ``no`` as
``False``); the models decide what each value means. Duplicate keys, which PyYAML would silently
merge, are reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

_Loader: type[yaml.CSafeLoader] | type[yaml.SafeLoader]
try:  # libyaml's parser when available: several times faster on large programmes
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - wheels ship libyaml
    from yaml import SafeLoader as _Loader

Path = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class SourceProblem:
    line: int
    message: str


class YamlSourceError(Exception):
    def __init__(self, problems: list[SourceProblem]) -> None:
        super().__init__("; ".join(f"line {p.line}: {p.message}" for p in problems))
        self.problems = problems


def load_with_lines(text: str) -> tuple[Any, dict[Path, int]]:
    """Parse ``text``; return the data and a map from each node's path to its 1-based line."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        what = exc.problem or exc.context or "invalid YAML"
        raise YamlSourceError([SourceProblem(line, f"YAML syntax error: {what}")]) from None
    except yaml.YAMLError as exc:
        raise YamlSourceError([SourceProblem(1, f"YAML syntax error: {exc}")]) from None
    except RecursionError:  # the parser itself gave up on a very deep file
        raise YamlSourceError([SourceProblem(1, str(_TooDeep(1)))]) from None
    walk = _Walk()
    if node is None:
        return None, walk.lines
    try:
        data = _convert(node, (), walk)
    except (_TooBig, _TooDeep) as exc:
        raise YamlSourceError([SourceProblem(exc.line, str(exc))]) from None
    except _Recursive as exc:
        raise YamlSourceError([SourceProblem(exc.line, "an alias refers to itself")]) from None
    if walk.problems:
        raise YamlSourceError(walk.problems)
    return data, walk.lines


MAX_NODES = 250_000  # values repeated by aliases: bound the work a small hostile file can cause
MAX_DEPTH = 50  # a programme nests about 6 deep; a deeper file is refused, never a RecursionError


class _TooDeep(Exception):
    def __init__(self, line: int) -> None:
        super().__init__(f"nested too deep (more than {MAX_DEPTH} levels)")
        self.line = line


class _TooBig(Exception):
    def __init__(self, line: int) -> None:
        super().__init__(f"more than {MAX_NODES:,} values once aliases are expanded")
        self.line = line


class _Recursive(Exception):
    def __init__(self, line: int) -> None:
        self.line = line


@dataclass(slots=True)
class _Walk:
    """State of one conversion: the lines found, the problems, and guards against hostile
    aliases (how many values so far, which collections are being expanded)."""

    lines: dict[Path, int] = field(default_factory=dict)
    problems: list[SourceProblem] = field(default_factory=list)
    count: int = 0  # values walked again through an alias
    open: set[int] = field(default_factory=set)
    seen: set[int] = field(default_factory=set)


def _convert(node: yaml.Node, path: Path, walk: _Walk) -> Any:
    if id(node) in walk.seen:  # reached again through an alias: the file is small, its data not
        walk.count += 1
        if walk.count > MAX_NODES:
            raise _TooBig(node.start_mark.line + 1)
    else:
        walk.seen.add(id(node))
    walk.lines.setdefault(path, node.start_mark.line + 1)
    if len(path) > MAX_DEPTH:
        raise _TooDeep(node.start_mark.line + 1)
    if isinstance(node, yaml.ScalarNode):
        if node.tag == "tag:yaml.org,2002:null" and node.value in ("", "~", "null", "Null", "NULL"):
            return None
        return node.value
    if id(node) in walk.open:
        raise _Recursive(node.start_mark.line + 1)
    walk.open.add(id(node))
    try:
        return _convert_collection(node, path, walk)
    finally:
        walk.open.discard(id(node))


def _convert_collection(node: yaml.Node, path: Path, walk: _Walk) -> Any:
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, (*path, i), walk) for i, item in enumerate(node.value)]
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                walk.problems.append(
                    SourceProblem(key_node.start_mark.line + 1, "keys must be text")
                )
                continue
            key = key_node.value
            key_line = key_node.start_mark.line + 1
            if key in out:
                walk.problems.append(SourceProblem(key_line, f"duplicate key {key!r}"))
                continue
            walk.lines[(*path, key)] = key_line
            out[key] = _convert(value_node, (*path, key), walk)
        return out
    walk.problems.append(SourceProblem(node.start_mark.line + 1, "unsupported YAML node"))
    return None


def line_of(lines: dict[Path, int], path: Path) -> int:
    """The line of ``path``, or of its nearest ancestor that exists (for missing keys)."""
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return lines.get((), 1)
