"""Which homeserver failures are worth retrying."""

from __future__ import annotations

import aiohttp
from mautrix.errors import MatrixConnectionError, MatrixRequestError

#: The homeserver is away, overloaded or slow: retry later.
TRANSIENT = (MatrixConnectionError, aiohttp.ClientError, TimeoutError, ConnectionError)


class VotesNotSaved(Exception):
    """Poll responses of a sync batch could not be committed (the database was busy): the
    batch is handled again from the same sync token, so none is lost."""


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, (*TRANSIENT, VotesNotSaved)):
        return True
    if isinstance(exc, MatrixRequestError):
        return exc.http_status == 429 or exc.http_status >= 500 or exc.http_status == 0
    return False


def describe(exc: BaseException) -> str:
    if isinstance(exc, MatrixRequestError):
        return f"{exc.errcode or exc.http_status}: {exc.message or ''}".strip()
    return f"{type(exc).__name__}: {exc}"


def retry_after(exc: BaseException) -> float | None:
    """Seconds a 429 asks to wait (``retry_after_ms``, kept by :mod:`fronts.matrix.ratelimit`)."""
    ms = getattr(exc, "retry_after_ms", None)
    if isinstance(ms, (int, float)) and not isinstance(ms, bool) and ms >= 0:
        return ms / 1000
    return None


def is_rate_limited(exc: BaseException) -> bool:
    return isinstance(exc, MatrixRequestError) and exc.http_status == 429
