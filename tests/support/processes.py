"""Bot processes for the tests that kill them: ``python -m bot …`` with its standard input kept
open and its output lines collected as they come, each with the real time it arrived."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import pytest

REPO = Path(__file__).resolve().parents[2]


@dataclass
class Proc:
    """A running bot process, its output lines read as they come (with the real time)."""

    popen: subprocess.Popen[str]
    out: list[tuple[float, str]] = field(default_factory=list)
    err: list[tuple[float, str]] = field(default_factory=list)
    readers: list[threading.Thread] = field(default_factory=list)

    def read(self) -> None:
        assert self.popen.stdout is not None and self.popen.stderr is not None
        for stream, into in ((self.popen.stdout, self.out), (self.popen.stderr, self.err)):
            reader = threading.Thread(target=_collect, args=(stream, into), daemon=True)
            reader.start()
            self.readers.append(reader)

    def stdout(self) -> str:
        return "".join(line for _, line in self.out)

    def stderr(self) -> str:
        return "".join(line for _, line in self.err)

    def first(self, lines: list[tuple[float, str]], text: str, after: float = 0.0) -> float | None:
        """When the first line holding ``text`` (arrived at or after ``after``) came."""
        return next((at for at, line in lines if text in line and at >= after), None)

    def say(self, line: str) -> None:
        assert self.popen.stdin is not None
        self.popen.stdin.write(line + "\n")
        self.popen.stdin.flush()

    def close(self) -> None:
        """Kill it if it still runs, read its last lines, close its pipes."""
        if self.popen.poll() is None:
            self.popen.kill()
        self.popen.wait(10)
        for reader in self.readers:
            reader.join(5)
        for stream in (self.popen.stdin, self.popen.stdout, self.popen.stderr):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()


def _collect(stream: IO[str], into: list[tuple[float, str]]) -> None:
    for line in stream:
        into.append((time.monotonic(), line))


def start_bot(args: Sequence[str]) -> Proc:
    """``python -m bot ARGS`` from the repository, standard input a pipe kept open."""
    popen = subprocess.Popen(
        [sys.executable, "-m", "bot", *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env={**os.environ, "LANG": "C.UTF-8", "PYTHONUNBUFFERED": "1"},
    )
    proc = Proc(popen)
    proc.read()
    return proc


def wait_until(check: Callable[[], object], within: float, what: str) -> None:
    end = time.monotonic() + within
    while not check():
        if time.monotonic() > end:
            pytest.fail(f"{what}: not within {within} s")
        time.sleep(0.05)
