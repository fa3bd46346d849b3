"""Programme sources at a URL: what a fetch returns, and URLs made safe to show.

The HTTP client itself lives with the fronts (``fronts/http_fetch.py``, aiohttp): the core
only sees a :data:`Fetcher`."""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit, urlunsplit


class FetchError(Exception):
    """The source could not be read; the message never holds credentials of the URL."""


@dataclass(frozen=True, slots=True)
class Fetched:
    """``data`` is ``None`` when the source answered 304 Not Modified."""

    data: bytes | None
    etag: str | None = None
    last_modified: str | None = None


def is_url(text: str) -> bool:
    return urlsplit(text.strip()).scheme.lower() in ("http", "https")


def check_url(url: str) -> str:
    """``url`` if it is http(s) with a host; raise :class:`ValueError` (without secrets)."""
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{redact(url)!r} is not an http(s) URL")
    return url.strip()


def redact(url: str) -> str:
    """The URL without a user name or password (``https://***@host/…``) and without its query
    (tokens often travel there), for logs and messages."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unreadable URL>"
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    if parts.username or parts.password:
        host = f"***@{host}"
    query = "…" if parts.query else ""
    return urlunsplit((parts.scheme, host, parts.path, query, ""))


class Fetcher(Protocol):
    """GET a URL (http(s) only) with the last copy's validators; :class:`FetchError` if it
    cannot be read; ``Fetched(None, …)`` for 304 Not Modified."""

    def __call__(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> Awaitable[Fetched]: ...
