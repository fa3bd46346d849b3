"""The console front-end: chat lines on standard input, replies on standard output.

A line may start with ``@name`` to speak as that participant, so one terminal (or one piped
script) can play several people; other lines come from the configured default user.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import sys
from pathlib import Path
from typing import TextIO

from bot.commands import dispatch, intercept, parse_line
from bot.doc import Reply, render_plain
from bot.hub import Caller, Hub
from bot.i18n import t
from bot.proposals.moderation import due_notices, notice_sent

log = logging.getLogger(__name__)
FRONT = "console"
PREFIXES = ("/",)
_SPEAKER = re.compile(r"^@([\w.-]{1,32})(?:\s+|$)(.*)$", re.UNICODE | re.DOTALL)
QUIT_WORDS = frozenset({"/quit", "/exit", "quit", "exit"})


class Console:
    def __init__(
        self, hub: Hub, *, locale: str | None = None, files_dir: Path = Path("exports")
    ) -> None:
        self.hub = hub
        self.locale = locale
        self.files_dir = files_dir  # where attachments (CSV exports) are written
        self.default_user = hub.config.console.default_user
        self.moderators = {m.casefold() for m in hub.config.console.moderators}

    def caller(self, name: str) -> Caller:
        key = name.casefold()
        return Caller(FRONT, key, name, self.locale, key in self.moderators)

    async def handle(self, line: str) -> str | None:
        """The reply to one input line (``None`` for a blank line)."""
        text = line.strip()
        if not text:
            return None
        name = self.default_user
        m = _SPEAKER.match(text)
        if m:
            name, text = m.group(1), m.group(2).strip()
            if not text:
                return None
        caller = self.caller(name)
        try:
            reply = await intercept(self.hub, caller, text)  # a form being filled in
            if reply is None:
                parsed = parse_line(text, PREFIXES)
                if parsed is None:
                    lang = self.hub.prefs(caller).lang
                    return t(lang, "errors.see_help", help="/help")
                prefix, command, args = parsed
                reply = await dispatch(self.hub, caller, prefix, command, args)
            out = [render_plain(reply), *self._save_files(reply)]
            out.extend(await self._notices())
        except Exception:
            log.exception("console command %r failed", text[:100])
            return t(self.hub.prefs(caller).lang, "errors.internal")
        return "\n\n".join(o for o in out if o)

    def _save_files(self, reply: Reply) -> list[str]:
        saved = []
        for a in reply.attachments:
            self.files_dir.mkdir(parents=True, exist_ok=True)
            path = self.files_dir / Path(a.filename).name
            path.write_bytes(a.data)
            saved.append(f"→ {path}")
        return saved

    async def _notices(self) -> list[str]:
        """Private messages for console users (decisions on their proposals), shown addressed."""
        out = []
        for notice, reply in await due_notices(self.hub, FRONT):
            out.append(f"✉ @{notice.user_id}:\n{render_plain(reply)}")
            await notice_sent(self.hub, notice.id, delivered=True)
        return out

    async def run(self, stdin: TextIO, stdout: TextIO, *, echo: bool) -> None:
        """Read lines until end of input or ``/quit``; ``echo`` repeats piped input lines."""
        loop = asyncio.get_running_loop()
        read = _prompt if stdin.isatty() and stdin is sys.stdin else stdin.readline
        while True:
            line = await loop.run_in_executor(None, read)
            if not line:
                break
            if line.strip().casefold() in QUIT_WORDS:
                break
            if echo and line.strip():
                stdout.write(f"> {line.strip()}\n")
            out = await self.handle(line)
            if out:
                stdout.write(out + "\n\n")
                stdout.flush()


def _prompt() -> str:
    """One line from a terminal, with line editing and history; "" at end of input."""
    with contextlib.suppress(ImportError):  # not on every platform
        import readline  # noqa: F401 - importing it gives input() editing and history
    try:
        return input("› ") + "\n"
    except EOFError:
        return ""


async def run_console(hub: Hub, locale: str | None = None) -> None:
    console = Console(hub, locale=locale)
    if sys.stdin.isatty():
        forum = hub.programme.forum.name.get(hub.prefs(console.caller(console.default_user)).lang)
        now = hub.clock.now().astimezone(hub.programme.zone)
        sys.stdout.write(
            f"{forum} — console. Clock: {now:%Y-%m-%d %H:%M %Z}. "
            "Type /help; '@name /next' speaks as another participant; /quit leaves.\n"
        )
    await console.run(sys.stdin, sys.stdout, echo=not sys.stdin.isatty())
