"""The core stays platform-free: nothing in ``bot/`` imports Discord or Matrix libraries."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

BOT = Path(__file__).resolve().parents[2] / "bot"
PLATFORM_LIBRARIES = {"discord", "mautrix", "nio", "aiohttp"}


def _imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_no_core_module_imports_a_platform_library() -> None:
    offenders = {
        str(path.relative_to(BOT.parent)): sorted(_imported_roots(path) & PLATFORM_LIBRARIES)
        for path in BOT.rglob("*.py")
        if path.name != "__main__.py" and _imported_roots(path) & PLATFORM_LIBRARIES
    }
    assert offenders == {}


def test_importing_every_core_module_loads_no_platform_library() -> None:
    modules = sorted(
        "bot." + ".".join(p.relative_to(BOT).with_suffix("").parts)
        for p in BOT.rglob("*.py")
        if p.name not in ("__init__.py", "__main__.py")
    )
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        f"print(sorted(set(k.split('.')[0] for k in sys.modules) & {PLATFORM_LIBRARIES!r}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=BOT.parent
    )
    assert out.stdout.strip() == "[]"


def test_the_request_context_is_a_leaf_that_loads_no_service() -> None:
    """``bot.context`` (Caller, Prefs, Ctx) imports no service, so any feature can use it
    without import loops; the application object is named for type checking only."""
    code = (
        "import sys, bot.context\n"
        "print(sorted(m for m in sys.modules if m.split('.')[:2] in ("
        "['bot', 'hub'], ['bot', 'store'], ['bot', 'polls'], ['bot', 'announce'], "
        "['bot', 'proposals'], ['bot', 'programme'], ['bot', 'app'])))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=BOT.parent
    )
    assert out.stdout.strip() == "[]"


def test_no_front_or_feature_checks_whether_a_hub_service_exists() -> None:
    """``bot.app.build_app`` builds the hub with every service present (polls, announcer,
    programme service, supervisor): nothing asks whether one is missing."""
    import re

    service = re.compile(
        r"(hub\.(polls|announcer|programmes|supervisor)|\bannouncer\b"
        r"|getattr\(\w*hub, \"(polls|announcer)\")( is (not )?None|, None\))"
    )
    offenders = [
        f"{path.relative_to(BOT.parent)}:{n}"
        for root in ("bot", "cogs", "fronts")
        for path in (BOT.parent / root).rglob("*.py")
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if service.search(line)
    ]
    assert offenders == []


async def test_the_app_is_built_with_every_service_present(hub: object) -> None:
    from bot.announce.announcer import Announcer
    from bot.hub import Hub
    from bot.polls.service import Polls
    from bot.programme.service import ProgrammeService
    from bot.supervisor import Supervisor

    assert isinstance(hub, Hub)  # the tests' hub comes from bot.app.build_app, as production's
    assert isinstance(hub.polls, Polls) and isinstance(hub.announcer, Announcer)
    assert isinstance(hub.programmes, ProgrammeService)
    assert isinstance(hub.supervisor, Supervisor)
    assert hub.announcer in [getattr(f, "__self__", None) for f in hub.programmes.listeners]
