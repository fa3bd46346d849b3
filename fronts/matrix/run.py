"""Starting the Matrix front: credentials from the environment, login, the sync loop.

Secrets never leave the process: every start-up error that quotes the homeserver's text is
redacted (the access token, the password, and the token a password login obtained), and that
obtained token joins the log filters as soon as the login returns.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass

import aiohttp
from mautrix.client import ClientAPI
from mautrix.errors import MatrixInvalidToken, MatrixRequestError
from mautrix.types import DeviceID, UserID

from bot.config import MatrixSection
from bot.hub import Hub
from fronts.discord_client import RedactToken
from fronts.matrix.client import MatrixBot, TokenRejected
from fronts.matrix.errors import describe, is_transient

TOKEN_ENV, PASSWORD_ENV = "MATRIX_ACCESS_TOKEN", "MATRIX_PASSWORD"


REDACTED = "[redacted]"


def redact(text: str, secrets: tuple[str, ...] | list[str]) -> str:
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


def redact_in_logs(secret: str) -> None:
    """From now on no log record carries ``secret`` (a token obtained at run time)."""
    for handler in logging.getLogger().handlers:
        handler.addFilter(RedactToken(secret))


class MatrixStartError(Exception):
    """One line for the operator; ``usage`` errors (credentials) exit with status 2."""

    def __init__(self, message: str, *, usage: bool, secrets: tuple[str, ...] = ()) -> None:
        super().__init__(redact(message, secrets))
        self.usage = usage


@dataclass(frozen=True)
class Credentials:
    token: str | None
    password: str | None

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(s for s in (self.token, self.password) if s)


def credentials() -> Credentials:
    token = os.environ.get(TOKEN_ENV, "").strip() or None
    password = os.environ.get(PASSWORD_ENV, "") or None
    if not token and not password:
        raise MatrixStartError(
            f"l4a-bot: [matrix] is configured but neither {TOKEN_ENV} nor {PASSWORD_ENV} is set: "
            "export the bot account's access token (or password) in the environment; it is "
            "never read from a file.",
            usage=True,
        )
    return Credentials(token, password)


def session(section: MatrixSection) -> aiohttp.ClientSession:
    # A sync waits up to sync_timeout_seconds; past that plus a margin, the homeserver is hung.
    timeout = aiohttp.ClientTimeout(total=section.sync_timeout_seconds + 30, connect=10)
    return aiohttp.ClientSession(timeout=timeout)


async def connect(
    section: MatrixSection, creds: Credentials, http: aiohttp.ClientSession
) -> ClientAPI:
    """A logged-in client: the token checked with ``whoami``, or a password login."""
    assert section.homeserver and section.user_id
    hide = creds.secrets
    api = ClientAPI(
        UserID(section.user_id),
        base_url=section.homeserver.rstrip("/"),
        token=creds.token or "",
        client_session=http,
    )
    try:
        if creds.token:
            who = await api.whoami()
            if who.user_id != section.user_id:
                raise MatrixStartError(
                    f"l4a-bot: {TOKEN_ENV} belongs to {who.user_id}, not to matrix.user_id "
                    f"{section.user_id}.",
                    usage=True,
                    secrets=hide,
                )
            api.device_id = who.device_id or DeviceID("")  # "": mautrix's "unknown"
        else:
            await api.login(
                identifier=UserID(section.user_id),
                password=creds.password,
                device_id=section.device_id,
                device_name="LOCAL4ACTION Hub bot",
            )
            if api.api.token:
                redact_in_logs(api.api.token)
    except (MatrixInvalidToken, TokenRejected) as exc:
        raise MatrixStartError(
            f"l4a-bot: the homeserver rejected the access token in {TOKEN_ENV} "
            f"({describe(exc)}): create a fresh one for {section.user_id}.",
            usage=True,
            secrets=hide,
        ) from None
    except MatrixRequestError as exc:
        if is_transient(exc):
            raise _unreachable(section, exc, hide) from None
        what = "password in " + PASSWORD_ENV if not creds.token else "token in " + TOKEN_ENV
        raise MatrixStartError(
            f"l4a-bot: the homeserver refused the {what} for {section.user_id} ({describe(exc)}).",
            usage=True,
            secrets=hide,
        ) from None
    except MatrixStartError:
        raise
    except Exception as exc:
        if is_transient(exc):
            raise _unreachable(section, exc, hide) from None
        raise MatrixStartError(  # e.g. a body that is not JSON: quoted, never with a secret
            f"l4a-bot: unexpected answer from the homeserver {section.homeserver} at start-up: "
            f"{describe(exc)}",
            usage=False,
            secrets=hide,
        ) from None
    return api


def _unreachable(
    section: MatrixSection, exc: BaseException, secrets: tuple[str, ...]
) -> MatrixStartError:
    return MatrixStartError(
        f"l4a-bot: cannot reach the homeserver {section.homeserver}: {describe(exc)}",
        usage=False,
        secrets=secrets,
    )


async def run_matrix(
    hub: Hub, creds: Credentials, on_ready: Callable[[MatrixBot], None] | None = None
) -> None:
    """Log in and serve until cancelled. ``on_ready(bot)`` is called once the first sync is
    done: ``bot.outbox`` (a :class:`~fronts.matrix.outbox.MatrixOutbox`) is then usable."""
    section = hub.config.matrix
    async with session(section) as http:
        api = await connect(section, creds, http)
        bot = MatrixBot(hub, api)
        if on_ready is not None:
            bot.on_ready.append(on_ready)
        try:
            await bot.run()
        except TokenRejected as exc:
            raise MatrixStartError(
                f"l4a-bot: the homeserver no longer accepts the bot's access token ({exc}).",
                usage=True,
                secrets=(*creds.secrets, api.api.token),
            ) from None
