"""Interaction webhook recorder: the class-level ``AsyncWebhookAdapter`` patch and its routes."""

from __future__ import annotations

import copy
import types
from collections.abc import Awaitable, Callable
from typing import Any

from ._discord import Route, _webhook_async
from .constants import EPHEMERAL, LOADING, new_snowflake
from .pending import PendingInteraction
from .records import Sent, _decode_body, http_error, walk_components

_PATCH_ATTR = "_discord_harness_patch_state"


WebhookHandler = Callable[[Route, dict[str, Any]], Awaitable[Any]]


def _webhook_patch_state() -> Any:
    # Stored on the discord module (not here) so that this file imported under two names
    # (``support.discord_harness`` and ``tests.support.discord_harness``) shares one patch.
    state = getattr(_webhook_async, _PATCH_ATTR, None)
    if state is None:
        state = types.SimpleNamespace(refcount=0, original=None, tokens={})
        setattr(_webhook_async, _PATCH_ATTR, state)
    return state


def _acquire_webhook_patch() -> Any:
    state = _webhook_patch_state()
    if state.refcount == 0:
        adapter_cls = _webhook_async.AsyncWebhookAdapter
        state.original = adapter_cls.__dict__["request"]
        tokens: dict[str, WebhookHandler] = state.tokens

        async def request(adapter: Any, route: Route, session: Any = None, **kwargs: Any) -> Any:
            handler = tokens.get(route.webhook_token)  # type: ignore[arg-type]
            if handler is None:
                raise RuntimeError(
                    f"DiscordHarness blocked {route.method} {route.path}: the webhook token is not "
                    "one of a live harness' interactions (tests must never reach Discord)"
                )
            return await handler(route, kwargs)

        request.__discord_harness__ = True  # type: ignore[attr-defined]
        adapter_cls.request = request  # type: ignore[method-assign]
    state.refcount += 1
    return state


def _release_webhook_patch(state: Any) -> None:
    state.refcount -= 1
    if state.refcount == 0:
        _webhook_async.AsyncWebhookAdapter.request = state.original  # type: ignore[method-assign]
        state.original = None


TEXT_INPUT_MAX = 4000
MODAL_TITLE_MAX, LABEL_MAX, LABEL_DESCRIPTION_MAX = 45, 45, 100


def _invalid_modal(data: dict[str, Any]) -> BaseException | None:
    """Discord's 400 "Invalid Form Body" (code 50035) for a modal it would refuse: a title,
    label or description too long, or a text input prefilled beyond its ``max_length``."""
    problems = []
    if len(str(data.get("title") or "")) > MODAL_TITLE_MAX:
        problems.append(f"title longer than {MODAL_TITLE_MAX}")
    for comp in walk_components(data.get("components") or []):
        ctype = comp.get("type")
        if ctype == 18:  # a label
            if len(str(comp.get("label") or "")) > LABEL_MAX:
                problems.append(f"label {comp.get('label')!r} longer than {LABEL_MAX}")
            if len(str(comp.get("description") or "")) > LABEL_DESCRIPTION_MAX:
                problems.append(f"description longer than {LABEL_DESCRIPTION_MAX}")
        if ctype == 4:
            high = min(int(comp.get("max_length") or TEXT_INPUT_MAX), TEXT_INPUT_MAX)
            value = comp.get("value")
            if value is not None and len(str(value)) > high:
                problems.append(
                    f"text input {comp.get('custom_id')!r}: value of {len(str(value))} "
                    f"characters, max_length {high}"
                )
    if not problems:
        return None
    return http_error(400, 50035, "Invalid Form Body: " + "; ".join(problems))


class WebhookMixin:
    """Interaction webhook recorder of :class:`DiscordHarness` (mixed into it)."""

    async def _on_webhook_request(self, route: Route, kwargs: dict[str, Any]) -> Any:
        """Answer an AsyncWebhookAdapter request for one of our interaction tokens."""
        pending = next(p for p in self.interactions if p.token == route.webhook_token)
        method, template = route.method, route.path
        url_path = route.url[len(Route.BASE) :]
        key = f"{method} {template}"
        body, files = _decode_body(
            kwargs.get("payload"), kwargs.get("multipart"), kwargs.get("files")
        )
        query = kwargs.get("params") or {}
        failure = self._failure_for(method, template, url_path)
        is_original = template.endswith("/messages/@original")
        has_message_id = template.endswith("/messages/{message_id}")

        if template == "/interactions/{webhook_id}/{webhook_token}/callback":
            rtype = int(body.get("type", 0))
            data = dict(body.get("data") or {})
            sent = self._record(
                Sent(
                    kind="interaction_response",
                    type=rtype,
                    data=data,
                    route=key,
                    files=files,
                    channel_id=pending.channel_id,
                    interaction_id=pending.id,
                    error=failure,
                ),
                method,
            )
            if failure is None and rtype == 9:
                failure = _invalid_modal(data)
                sent.error = failure
            if failure is not None:
                raise failure.with_traceback(None)
            return self._interaction_callback(pending, rtype, data, files, sent)

        kind = "webhook"
        if method == "POST" and template == "/webhooks/{webhook_id}/{webhook_token}":
            kind = "followup"
        elif method == "PATCH" and is_original:
            kind = "edit_original"
        elif method == "PATCH" and has_message_id:
            kind = "edit_message"
        elif method == "DELETE" and (is_original or has_message_id):
            kind = "delete"
        message_id: int | None = None
        if is_original:
            message_id = pending.original_message_id
        elif has_message_id:
            message_id = int(url_path.rsplit("/", 1)[1])
        replaces_original = (
            kind == "followup"
            and pending.followup_replaces_original
            and pending.original_message_id is not None
        )
        sent = self._record(
            Sent(
                kind=kind,
                type=None,
                data=body,
                route=key,
                files=files,
                channel_id=pending.channel_id,
                message_id=message_id,
                interaction_id=pending.id,
                error=failure,
                inherited_ephemeral=pending.original_ephemeral
                and (is_original or replaces_original),
            ),
            method,
        )
        if failure is not None:
            raise failure.with_traceback(None)

        if kind == "followup":
            if replaces_original and pending.original_message_id is not None:
                # The first follow-up after a deferred "thinking" response replaces it.
                pending.followup_replaces_original = False
                sent.message_id = pending.original_message_id
                message = self._edit_message(
                    pending.original_message_id, pending.channel_id, body, files
                )
            else:
                sent.message_id = new_snowflake()
                message = self._store_message(
                    self._message_payload(
                        message_id=sent.message_id,
                        channel_id=pending.channel_id,
                        data=body,
                        files=files,
                        msg_type=20 if pending.type == 2 else 0,
                        interaction=pending,
                    )
                )
            return message if int(query.get("wait", 1)) else None
        if message_id is None or (message_id not in self._messages and method != "DELETE"):
            error = http_error(404, 10008, "Unknown Message")
            sent.error = error
            raise error
        if method == "GET":
            return copy.deepcopy(self._messages[message_id])
        if method == "PATCH":
            if is_original:
                pending.followup_replaces_original = False
            return self._edit_message(message_id, pending.channel_id, body, files)
        if method == "DELETE":
            self._messages.pop(message_id, None)
            return None
        raise RuntimeError(f"DiscordHarness: unsupported webhook call {key}")

    def _interaction_callback(
        self,
        pending: PendingInteraction,
        rtype: int,
        data: dict[str, Any],
        files: list[tuple[str, bytes]],
        sent: Sent,
    ) -> dict[str, Any]:
        interaction_info: dict[str, Any] = {"id": str(pending.id), "type": pending.type}
        response: dict[str, Any] = {"interaction": interaction_info}
        message: dict[str, Any] | None = None
        if rtype in (4, 5):
            message_id = new_snowflake()
            flags = int(data.get("flags") or 0)
            msg_data = data if rtype == 4 else {"flags": flags | LOADING}
            message = self._store_message(
                self._message_payload(
                    message_id=message_id,
                    channel_id=pending.channel_id,
                    data=msg_data,
                    files=files,
                    msg_type=20 if pending.type == 2 else 0,
                    interaction=pending,
                )
            )
            pending.original_message_id = message_id
            pending.original_ephemeral = bool(flags & EPHEMERAL)
            pending.followup_replaces_original = rtype == 5
            sent.message_id = message_id
            interaction_info.update(
                response_message_id=str(message_id),
                response_message_loading=rtype == 5,
                response_message_ephemeral=bool(flags & EPHEMERAL),
            )
        elif rtype in (6, 7) and pending.component_message is not None:
            message_id = int(pending.component_message["id"])
            self._messages.setdefault(message_id, copy.deepcopy(pending.component_message))
            pending.original_message_id = message_id
            pending.original_ephemeral = bool(
                int(pending.component_message.get("flags") or 0) & EPHEMERAL
            )
            sent.message_id = message_id
            sent.inherited_ephemeral = pending.original_ephemeral
            if rtype == 7:
                message = self._edit_message(message_id, pending.channel_id, data, files)
            interaction_info["response_message_id"] = str(message_id)
        if message is not None:
            response["resource"] = {"type": rtype, "message": message}
        pending._mark_responded(rtype)
        return response
