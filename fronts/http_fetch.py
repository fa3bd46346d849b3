"""Fetching a programme source over HTTP (aiohttp): http(s) only, with a timeout, a size cap,
and the validators of the last copy (ETag / Last-Modified), so an unchanged source costs a 304.
The core's :class:`bot.interchange.live.LiveSource` is given :func:`fetch`."""

from __future__ import annotations

import asyncio

import aiohttp

from bot.interchange.draft import MAX_SOURCE_BYTES
from bot.interchange.fetch import Fetched, FetchError, check_url, redact

TIMEOUT_SECONDS = 30.0
MAX_REDIRECTS = 5


async def fetch(
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    timeout_seconds: float = TIMEOUT_SECONDS,
    max_bytes: int = MAX_SOURCE_BYTES,
) -> Fetched:
    """GET ``url``; :class:`FetchError` on a network error, a status other than 200/304, a
    body over ``max_bytes`` or a timeout."""
    check_url(url)
    headers = {"User-Agent": "l4a-bot (programme import)"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    shown = redact(url)
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout_seconds)) as session,
            session.get(url, headers=headers, max_redirects=MAX_REDIRECTS) as resp,
        ):
            if resp.status == 304:
                return Fetched(None, etag, last_modified)
            if resp.status != 200:
                raise FetchError(f"{shown} answered HTTP {resp.status}")
            if resp.content_length is not None and resp.content_length > max_bytes:
                raise FetchError(f"{shown} is larger than {max_bytes:,} bytes")
            body = bytearray()
            async for chunk in resp.content.iter_chunked(65536):
                body += chunk
                if len(body) > max_bytes:
                    raise FetchError(f"{shown} is larger than {max_bytes:,} bytes")
            return Fetched(bytes(body), resp.headers.get("ETag"), resp.headers.get("Last-Modified"))
    except TimeoutError:
        raise FetchError(f"{shown} did not answer within {timeout_seconds:g} s") from None
    except asyncio.CancelledError:
        raise
    except aiohttp.ClientError as exc:
        raise FetchError(f"{shown} cannot be read ({type(exc).__name__})") from None
