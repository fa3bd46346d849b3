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
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from bot.announce.fanout import DELIVERY_KEY
from bot.announce.told import told_of
from bot.commands import dispatch, intercept, parse_line
from bot.context import Caller
from bot.doc import Reply, render_plain
from bot.failures import failure_text
from bot.files import write_atomic
from bot.hub import Hub
from bot.i18n import t
from bot.text import strip_controls

log = logging.getLogger(__name__)
FRONT = "console"
PREFIXES = ("/",)
NAME_MAX = 32
_SPEAKER = re.compile(rf"^@([\w.-]{{1,{NAME_MAX}}})(?:\s+|$)(.*)$", re.UNICODE | re.DOTALL)
_LONG_SPEAKER = re.compile(rf"^@([\w.-]{{{NAME_MAX + 1},}})(?:\s|$)", re.UNICODE)
QUIT_WORDS = frozenset({"/quit", "/exit", "quit", "exit"})


def saved_name(speaker: str | None, filename: str) -> str:
    """The file name an attachment is saved under on the console: prefixed with the speaker's
    name, as one console plays many people whose files would otherwise overwrite each other.
    The prefix is the case-folded name with letters and digits kept and every other character
    written ``_<hex code>_`` (``a.b`` → ``a_2e_b``, ``a-b`` → ``a_2d_b``): one name, one prefix
    (two names never share one), never a ``-`` (so the prefix ends at the first ``-``), never a
    ``/`` or a leading dot (it stays in the folder). ``None``: the room's own file (a chart of a
    poll closed by its timer)."""
    if speaker is None:
        return filename
    slug = "".join(c if c.isalnum() else f"_{ord(c):x}_" for c in speaker.casefold()) or "_"
    return f"{slug}-{filename}"


def terminal_safe(text: str) -> str:
    """``text`` as printed on the terminal: control characters (ESC sequences, BEL, NUL, CSI…)
    and bidi overrides shown as U+FFFD instead of obeyed (whatever someone typed, echoed)."""
    return strip_controls(text, "\ufffd")


class ConsoleOutbox:
    """Announcements and reminders on the console: printed as they fall due, each stamped with
    the (rehearsal) clock's time in the programme's zone."""

    front = FRONT

    def __init__(self, console: Console) -> None:
        self.console = console
        #: While a command runs: the decisions told to hosts, shown after its answer.
        self.capture: list[str] | None = None

    def _stamp(self) -> str:
        hub = self.console.hub
        return f"{hub.clock.now().astimezone(hub.programme.zone):%Y-%m-%d %H:%M %Z}"

    async def _first_time(self) -> bool:
        """False when the delivery being sent (its ledger key) was printed before: a resend
        after a crash, which the console drops as Discord drops a repeated nonce. The key is
        committed before the message is printed."""
        key = DELIVERY_KEY.get()
        if key is None:
            return True  # not a delivery of the ledger
        added = await self.console.hub.store.database.execute(
            "INSERT INTO console_printed (key, printed_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
            (key, self.console.hub.clock.now().isoformat(timespec="seconds")),
        )
        if added == 0:
            log.info("delivery %s was printed before: not printed again", key)
            return False
        return True

    def stamped(self, head: str, text: str) -> None:
        """Print ``text`` nobody typed a command for under ``[time zone] head``."""
        self.console._announce(f"[{self._stamp()}] {head}\n{text}")

    async def post(self, channel: str, reply: Reply) -> None:
        """A channel post; ``channel`` ``""``: the console itself (a timed poll's result, with
        its chart saved like any attachment)."""
        if await self._first_time():
            self.stamped(f"📣 #{channel}:" if channel else "📣", self.console._render(reply))

    async def direct(self, user_id: str, reply: Reply) -> None:
        if not await self._first_time():
            return
        key = DELIVERY_KEY.get() or ""
        if self.capture is not None and key.startswith("dec:"):
            self.capture.append(f"✉ @{user_id}:\n{render_plain(reply)}")
        else:
            self.stamped(f"✉ @{user_id}:", render_plain(reply))


class Console:
    def __init__(
        self, hub: Hub, *, locale: str | None = None, files_dir: Path | None = None
    ) -> None:
        self.hub = hub
        self.locale = locale
        self.default_user = hub.config.console.default_user
        self.moderators = {m.casefold() for m in hub.config.console.moderators}
        #: Where attachments (poll charts, CSV exports) are saved; None: not saved.
        self.files_dir = files_dir
        #: Messages nobody typed a command for (a poll closed by its timer), oldest first.
        self.announcements: list[str] = []
        self._out: TextIO | None = None
        self.outbox = ConsoleOutbox(self)
        told_of(hub).register(self.outbox)
        hub.announcer.register(self.outbox)

    async def results_printed(self) -> None:
        """Wait until every timer-closed poll's result is printed (tests, shutdown)."""
        await told_of(self.hub).drain()

    def _announce(self, text: str) -> None:
        text = terminal_safe(text)
        if self._out is not None:
            self._out.write(text + "\n\n")
            self._out.flush()
        else:
            self.announcements.append(text)

    def _render(self, reply: Reply, speaker: str | None = None) -> str:
        text = render_plain(reply)
        if self.files_dir is None or not reply.attachments:
            return text
        saved = []
        for a in reply.attachments:
            path = self.files_dir / saved_name(speaker, a.filename)
            try:  # a full disk costs the file, never the answer
                self.files_dir.mkdir(parents=True, exist_ok=True)
                write_atomic(path, a.data)
            except OSError as exc:
                log.warning("cannot save %s: %s", path, exc.strerror or exc)
                lang = self.hub.prefs(self.caller(speaker or self.default_user)).lang
                reason = exc.strerror or str(exc)
                saved.append(
                    "  " + t(lang, "console.file_not_saved", name=a.filename, reason=reason)
                )
                continue
            saved.append(f"  [{a.filename}: {path}]")
        return "\n".join([text, *saved])

    def caller(self, name: str) -> Caller:
        key = name.casefold()
        return Caller(FRONT, key, name, self.locale, key in self.moderators)

    async def handle(self, line: str) -> str | None:
        """The reply to one input line (``None`` for a blank line), safe for a terminal."""
        out = await self._handle(line)
        return None if out is None else terminal_safe(out)

    async def _handle(self, line: str) -> str | None:
        text = line.strip()
        if not text:
            return None
        name = self.default_user
        m = _SPEAKER.match(text)
        if m:
            name, text = m.group(1), m.group(2).strip()
            if not text:
                return None
        elif long_name := _LONG_SPEAKER.match(text):  # not chat: say why it is not a speaker
            lang = self.hub.prefs(self.caller(name)).lang
            return t(lang, "console.name_too_long", name=long_name.group(1), max=NAME_MAX)
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
            out = [self._render(reply, name)]
            out.extend(await self._notices())
        except Exception as exc:
            lang = self.hub.prefs(caller).lang
            return failure_text(lang, exc, f"console command {text[:100]!r}")
        return "\n\n".join(o for o in out if o)

    async def _notices(self) -> list[str]:
        """Private messages for console users (decisions on their proposals), shown addressed."""
        captured: list[str] = []
        self.outbox.capture = captured
        try:
            await told_of(self.hub).tell_decisions(FRONT)
        finally:
            self.outbox.capture = None
        return captured

    async def run(self, stdin: TextIO, stdout: TextIO, *, echo: bool) -> None:
        """Read lines until end of input or ``/quit``; ``echo`` repeats piped input lines."""
        read = _prompt if stdin.isatty() and stdin is sys.stdin else stdin.readline
        reader = _reader(stdin, read)
        self._out = stdout
        for text in self.announcements:
            self._announce(text)
        self.announcements.clear()
        while True:
            line = await reader.readline()
            if not line:
                break
            if line.strip().casefold() in QUIT_WORDS:
                break
            if echo and line.strip():
                stdout.write(f"> {terminal_safe(line.strip())}\n")
            out = await self.handle(line)
            if out:
                stdout.write(out + "\n\n")
                stdout.flush()


class _LineReader:
    """Reads one input's lines in a worker thread, one at a time. A read in progress outlives a
    cancelled ``run`` (the console front fenced on PostgreSQL: its lease lost): the line it
    gets waits for the next ``run`` on the same input instead of being thrown away."""

    def __init__(self, read: Callable[[], str]) -> None:
        self.read = read
        self.pending: asyncio.Future[str] | None = None

    async def readline(self) -> str:
        if self.pending is None or self.pending.get_loop() is not asyncio.get_running_loop():
            self.pending = asyncio.get_running_loop().run_in_executor(None, self.read)
        pending = self.pending
        try:
            line = await asyncio.shield(pending)
        except asyncio.CancelledError:
            raise  # the read goes on (or is done): its line is for the next call
        except BaseException:
            self.pending = None
            raise
        self.pending = None
        return line


_READERS: dict[int, tuple[TextIO, _LineReader]] = {}


def _reader(stdin: TextIO, read: Callable[[], str]) -> _LineReader:
    """The one reader of ``stdin`` in this process."""
    held = _READERS.get(id(stdin))
    if held is None or held[0] is not stdin:
        held = _READERS[id(stdin)] = (stdin, _LineReader(read))
    return held[1]


def _prompt() -> str:
    """One line from a terminal, with line editing and history; "" at end of input."""
    with contextlib.suppress(ImportError):  # not on every platform
        import readline  # noqa: F401 - importing it gives input() editing and history
    try:
        return input("› ") + "\n"
    except EOFError:
        return ""


async def run_console(hub: Hub, locale: str | None = None, files_dir: Path | None = None) -> None:
    console = Console(hub, locale=locale, files_dir=files_dir)
    hub.polls.start_timers()
    await told_of(hub).catch_up(FRONT)  # decisions and timed poll results not yet shown
    await hub.announcer.start()  # the clock's speed drives it (--speed N)
    if sys.stdin.isatty():
        forum = hub.programme.forum.name.get(hub.prefs(console.caller(console.default_user)).lang)
        now = hub.clock.now().astimezone(hub.programme.zone)
        sys.stdout.write(
            f"{forum} — console. Clock: {now:%Y-%m-%d %H:%M %Z}. "
            "Type /help; '@name /next' speaks as another participant; /quit leaves.\n"
        )
    hub.health.up(FRONT)
    try:
        await console.run(sys.stdin, sys.stdout, echo=not sys.stdin.isatty())
    finally:
        hub.health.down(FRONT, "stopped")
        # the console stops: only its outbox goes; the announcer is shared (build_app stops it)
        hub.announcer.unregister(console.outbox.front)
