"""Keep the homeserver's ``retry_after_ms`` of a 429 (mautrix 0.21 drops it).

:func:`install` makes a :class:`~mautrix.client.ClientAPI` raise its usual
:class:`~mautrix.errors.MatrixRequestError` subclasses with one more attribute,
``retry_after_ms`` (from the JSON body, else the ``Retry-After`` header, else ``None``), which
:func:`fronts.matrix.errors.retry_after` reads. The rest of mautrix's request handling (logging,
metrics, retries of 502–504) is unchanged: only its innermost ``_send`` is replaced.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import ClientResponse
from mautrix.api import HTTPAPI
from mautrix.client import ClientAPI
from mautrix.errors import make_request_error

MARK = "_l4a_keeps_retry_after"


def _retry_after_ms(data: dict[str, Any], response: ClientResponse) -> int | None:
    value = data.get("retry_after_ms")
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
        return int(value)
    header = response.headers.get("Retry-After", "")
    return int(header) * 1000 if header.isdigit() else None


async def _send(
    http: HTTPAPI,
    method: Any,
    url: Any,
    content: Any,
    query_params: dict[str, str],
    headers: dict[str, str],
) -> tuple[Any, ClientResponse]:
    request = http.session.request(
        str(method), url, data=content, params=query_params, headers=headers
    )
    async with request as response:
        if 200 <= response.status < 300:
            return await response.json(), response
        text = await response.text()
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if not isinstance(data, dict):
            data = {}
        errcode, message = data.get("errcode"), data.get("error")
        unstable = data.get("org.matrix.msc3848.unstable.errcode")
        exc = make_request_error(
            http_status=response.status,
            text=text,
            errcode=errcode if isinstance(errcode, str) else None,
            message=message if isinstance(message, str) else None,
            unstable_errcode=unstable if isinstance(unstable, str) else None,
        )
        exc.retry_after_ms = _retry_after_ms(data, response)  # type: ignore[attr-defined]
        raise exc


def install(api: ClientAPI) -> None:
    http = api.api
    if getattr(http, MARK, False):
        return

    async def send(*args: Any, **kwargs: Any) -> tuple[Any, ClientResponse]:
        return await _send(http, *args, **kwargs)

    http._send = send  # type: ignore[method-assign]
    setattr(http, MARK, True)
