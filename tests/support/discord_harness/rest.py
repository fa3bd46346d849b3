"""REST recorder replacing ``bot.http.request``: record, maybe fail, answer plausibly."""

from __future__ import annotations

import asyncio
import copy
import re
from collections.abc import Iterable, Sequence
from typing import Any

from ._discord import Route, discord
from .constants import new_snowflake
from .pending import _CURRENT
from .records import HttpCall, Sent, _decode_body, http_error


def _route_params(template: str, url_path: str) -> dict[str, str]:
    names = re.findall(r"{(\w+)}", template)
    pattern = "^" + re.sub(r"\\{\w+\\}", "([^/]+)", re.escape(template)) + "$"
    match = re.match(pattern, url_path)
    return dict(zip(names, match.groups(), strict=True)) if match else {}


class RestMixin:
    """REST recorder of :class:`DiscordHarness` (mixed into it)."""

    def _record(self, sent: Sent, method: str) -> Sent:
        self.requests.append(sent)
        if method != "GET":
            self.sent.append(sent)
        return sent

    def _failure_for(self, method: str, template: str, url_path: str) -> BaseException | None:
        return self.http_fail.get(f"{method} {url_path}") or self.http_fail.get(
            f"{method} {template}"
        )

    async def _on_http_request(
        self,
        route: Route,
        *,
        files: Sequence[discord.File] | None = None,
        form: Iterable[dict[str, Any]] | None = None,
        **kwargs: Any,
    ) -> Any:
        """Replacement for ``bot.http.request``: record, maybe fail, answer plausibly."""
        method, template = route.method, route.path
        url_path = route.url[len(Route.BASE) :]
        key = f"{method} {template}"
        params = _route_params(template, url_path)
        body, blobs = _decode_body(kwargs.get("json"), list(form) if form else None, files)
        call = HttpCall(
            method=method,
            path=template,
            url_path=url_path,
            params=params,
            json=kwargs.get("json") if form is None else body,
            query=dict(kwargs.get("params") or {}),
            reason=kwargs.get("reason"),
            files=blobs,
        )
        pending = _CURRENT.get()
        interaction_id = pending.id if pending is not None and pending.harness is self else None
        channel_id = int(params["channel_id"]) if "channel_id" in params else None
        dm_user = next((u for u, c in self._dm_channels.items() if c == channel_id), None)
        kind = "http"
        if template == "/channels/{channel_id}/messages" and method == "POST":
            kind = "dm" if dm_user is not None else "channel_message"
        elif template == "/channels/{channel_id}/messages/{message_id}":
            kind = {"PATCH": "edit_message", "DELETE": "delete"}.get(method, "http")
        message_id = int(params["message_id"]) if "message_id" in params else None
        failure = self._failure_for(method, template, url_path)
        sent = self._record(
            Sent(
                kind=kind,
                type=None,
                data=body if isinstance(body, dict) else {"json": body},
                route=key,
                files=blobs,
                channel_id=channel_id,
                message_id=message_id,
                user_id=dm_user,
                interaction_id=interaction_id,
                error=failure,
            ),
            method,
        )
        if failure is not None:
            raise failure.with_traceback(None)
        for custom_key in (f"{method} {url_path}", key):
            if custom_key in self.http_responses:
                answer = self.http_responses[custom_key]
                result = answer(call) if callable(answer) else copy.deepcopy(answer)
                if asyncio.iscoroutine(result):
                    result = await result
                return result
        try:
            result = self._default_http_response(call, body, blobs)
        except discord.HTTPException as error:
            sent.error = error
            raise
        if kind in ("channel_message", "dm") and isinstance(result, dict):
            sent.message_id = int(result["id"])
        return result

    def _default_http_response(
        self, call: HttpCall, body: Any, blobs: list[tuple[str, bytes]]
    ) -> Any:
        method, template, params = call.method, call.path, call.params
        if template == "/users/@me/channels" and method == "POST":
            return self._dm_channel_payload(self._user_for(int(body["recipient_id"])))
        if template == "/channels/{channel_id}/messages":
            if method == "POST":
                channel_id = int(params["channel_id"])
                return self._store_message(
                    self._message_payload(
                        message_id=new_snowflake(), channel_id=channel_id, data=body, files=blobs
                    )
                )
            return []
        if template == "/channels/{channel_id}/messages/{message_id}":
            message_id = int(params["message_id"])
            if method == "PATCH":
                return self._edit_message(message_id, int(params["channel_id"]), body, blobs)
            if method == "GET":
                if message_id not in self._messages:
                    raise http_error(404, 10008, "Unknown Message")
                return copy.deepcopy(self._messages[message_id])
            if method == "DELETE":
                self._messages.pop(message_id, None)
                return None
        if template == "/channels/{channel_id}" and method == "GET":
            channel_id = int(params["channel_id"])
            if channel_id in self._channels:
                return copy.deepcopy(self._channels[channel_id])
            user_id = next((u for u, c in self._dm_channels.items() if c == channel_id), None)
            if user_id is None:
                raise http_error(404, 10003, "Unknown Channel")
            return self._dm_channel_payload(self._user_for(user_id))
        if template == "/users/{user_id}" and method == "GET":
            return self._user_for(int(params["user_id"])).payload()
        if template == "/users/@me" and method == "GET":
            return self._bot_user_payload()
        if template == "/guilds/{guild_id}/members/{member_id}" and method == "GET":
            uid, gid = int(params["member_id"]), int(params["guild_id"])
            if uid not in self.users or gid not in self._guilds or (gid, uid) in self._non_members:
                raise http_error(404, 10007, "Unknown Member")
            return self._member_payload(self.users[uid], guild_id=gid)
        if template == "/guilds/{guild_id}" and method == "GET":
            gid = int(params["guild_id"])
            if gid not in self._guilds:
                raise http_error(404, 10004, "Unknown Guild")
            return self._guild_payload(gid)
        if template.endswith("/commands") and method == "PUT":
            return [self._app_command_payload(c, params) for c in body or []]
        if template.endswith("/commands") and method == "POST":
            return self._app_command_payload(body, params)
        if template == "/guilds/{guild_id}/scheduled-events":
            if method == "POST":
                event = self._scheduled_event_payload(body, params["guild_id"], None)
                self.scheduled_events[int(event["id"])] = event
                return copy.deepcopy(event)
            if method == "GET":
                return [copy.deepcopy(e) for e in self.scheduled_events.values()]
        if template == "/guilds/{guild_id}/scheduled-events/{guild_scheduled_event_id}":
            event_id = int(params["guild_scheduled_event_id"])
            if event_id not in self.scheduled_events:
                raise http_error(404, 10070, "Unknown Guild Scheduled Event")
            if method == "PATCH":
                stored = self.scheduled_events[event_id]
                stored.update(copy.deepcopy(body))
                return copy.deepcopy(stored)
            if method == "GET":
                return copy.deepcopy(self.scheduled_events[event_id])
            if method == "DELETE":
                del self.scheduled_events[event_id]
                return None
        if method == "GET":
            # Collections answer an empty list; single objects at least carry their id.
            return {"id": call.url_path.rsplit("/", 1)[1]} if template.endswith("}") else []
        if method == "DELETE" or not isinstance(body, dict) or not body:
            return None
        echo = dict(body)
        echo.setdefault("id", str(new_snowflake()))
        for name, value in params.items():
            if name.endswith("_id"):
                echo.setdefault(name, value)
        return echo
