"""Nothing anyone types makes the terminal obey it: control characters (ESC sequences, BEL, NUL,
CSI) and bidi overrides never reach the console's output, whether they come back in a poll
others see, in an error that quotes the input, or in the echo of piped input."""

from __future__ import annotations

import io

import pytest

from bot.clock import FrozenClock
from bot.hub import Hub
from bot.polls.service import Polls
from fronts.console import Console, terminal_safe
from tests.support.markup import terminal_problems

HOSTILE = "\x1b]0;pwned\x07\x1b[2J\x00\x9b31m\u202eevil"


@pytest.fixture
def console(hub: Hub, polls: Polls, clock: FrozenClock) -> Console:
    return Console(hub)


async def test_a_poll_typed_with_control_characters_reaches_others_without_them(
    console: Console,
) -> None:
    started = await console.handle(f"@moderator /poll start Best{HOSTILE}? | a{HOSTILE} | b")
    assert started and terminal_problems(started) == [] and "Best]0;pwned[2J31mevil?" in started
    listing = await console.handle("@ana /poll list")
    assert listing and terminal_problems(listing) == [] and "Best]0;pwned" in listing
    results = await console.handle("@ana /poll results 1")
    assert results and terminal_problems(results) == []


async def test_an_error_quoting_what_was_typed_is_printed_without_its_controls(
    console: Console,
) -> None:
    for line in (f"/timezone {HOSTILE}", f"/session {HOSTILE}", f"/{HOSTILE}", HOSTILE):
        answer = await console.handle(line) or ""
        assert terminal_problems(answer) == [], (line, answer)


async def test_piped_input_is_echoed_without_its_controls(console: Console) -> None:
    out = io.StringIO()
    await console.run(io.StringIO(f"/timezone {HOSTILE}\n/quit\n"), out, echo=True)
    assert terminal_problems(out.getvalue()) == [] and "\ufffd" in out.getvalue()


def test_terminal_text_keeps_lines_tabs_and_every_script() -> None:
    assert terminal_safe("a\tb\nc\r\nd — ñ 中文 🙂") == "a\tb\nc\nd — ñ 中文 🙂"
    assert terminal_safe("\x1b[31m") == "\ufffd[31m"
