"""`make demo` installs only what the bot needs; `make test` adds the test extra (issue 9)."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TEST_ONLY = {
    "pytest",
    "pytest-asyncio",
    "ruff",
    "matrix-synapse",
    "playwright",
    "axe-playwright-python",
}
TEST_ONLY_MODULES = {
    "pytest",
    "pytest_asyncio",
    "ruff",
    "synapse",
    "twisted",
    "playwright",
    "axe_playwright_python",
}


def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _name(requirement: str) -> str:
    return re.split(r"[\s<>=!~\[;]", requirement, maxsplit=1)[0].lower()


def test_runtime_dependencies_hold_no_test_tool_and_the_test_extra_holds_them_all() -> None:
    project = _project()
    runtime = {_name(r) for r in project["dependencies"]}
    assert runtime & TEST_ONLY == set()
    assert {_name(r) for r in project["optional-dependencies"]["test"]} >= TEST_ONLY


def test_no_runtime_module_imports_a_test_only_package() -> None:
    offenders = {}
    for package in ("bot", "cogs", "fronts"):
        for path in (ROOT / package).rglob("*.py"):
            roots = set()
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    roots.update(alias.name.split(".")[0] for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    roots.add(node.module.split(".")[0])
            if roots & TEST_ONLY_MODULES:
                offenders[str(path.relative_to(ROOT))] = sorted(roots & TEST_ONLY_MODULES)
    assert offenders == {}


def _dry_run(target: str, venv: Path) -> str:
    """The commands ``make TARGET`` would run with ``venv`` as the virtual environment."""
    out = subprocess.run(
        ["make", "-n", target, f"VENV={venv}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout


def _installs(commands: str) -> list[str]:
    return [line for line in commands.splitlines() if "pip install" in line and "-e" in line]


needs_make = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


@needs_make
def test_make_demo_installs_the_project_without_extras(tmp_path: Path) -> None:
    installs = _installs(_dry_run("demo", tmp_path / "venv"))
    assert len(installs) == 1
    assert installs[0].rstrip().endswith("-e .") and "[test]" not in installs[0]


@needs_make
def test_make_test_installs_the_test_extra(tmp_path: Path) -> None:
    installs = _installs(_dry_run("test", tmp_path / "venv"))
    assert len(installs) == 1 and "'.[test]'" in installs[0]


@needs_make
def test_make_test_after_make_demo_still_installs_the_test_extra(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").touch()
    (venv / ".installed-demo").touch()  # as `make demo` leaves it
    assert any("[test]" in line for line in _installs(_dry_run("test", venv)))
    (venv / ".installed-test").touch()  # as `make test` leaves it
    assert _installs(_dry_run("test", venv)) == []
    assert _installs(_dry_run("demo", venv)) == []


@needs_make
def test_make_test_installs_debians_chromium_only_when_it_is_missing(tmp_path: Path) -> None:
    """The browser tests use the system Chromium: `make test` installs Debian's package (as root,
    apt-get update first) when `chromium` is absent, and never downloads a browser build."""
    commands = _dry_run("test", tmp_path / "venv")
    step = commands[commands.index("command -v chromium") :]
    assert step.startswith("command -v chromium >/dev/null 2>&1 || {")
    assert (
        "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium"
        in step
    )
    assert commands.index("command -v chromium") < commands.index("-m pytest")
    assert "playwright install" not in commands
