"""What the harness records and raises: ``Sent``, ``HttpCall``, ``FakeUser``, errors, helpers."""

from __future__ import annotations

import copy
import json
import types
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ._discord import discord
from .constants import EPHEMERAL

_STATUS_REASONS = {400: "Bad Request", 403: "Forbidden", 404: "Not Found", 429: "Too Many Requests"}


def http_error(status: int, code: int = 0, message: str = "") -> discord.HTTPException:
    """Build the exception discord.py raises for an HTTP error response.

    ``http_error(403, 50007, "Cannot send messages to this user")`` is a closed-DMs ``Forbidden``.
    """
    response = types.SimpleNamespace(status=status, reason=_STATUS_REASONS.get(status, "Error"))
    body = {"code": code, "message": message}
    if status == 403:
        return discord.Forbidden(response, body)  # type: ignore[arg-type]
    if status == 404:
        return discord.NotFound(response, body)  # type: ignore[arg-type]
    if status >= 500:
        return discord.DiscordServerError(response, body)  # type: ignore[arg-type]
    return discord.HTTPException(response, body)  # type: ignore[arg-type]


def walk_components(components: Iterable[Mapping[str, Any]]) -> Iterator[dict[str, Any]]:
    """Yield every component dict, recursing into rows, labels, sections and containers."""
    for component in components:
        yield component  # type: ignore[misc]
        yield from walk_components(component.get("components") or ())
        for key in ("component", "accessory"):
            child = component.get(key)
            if isinstance(child, Mapping):
                yield from walk_components([child])


def _custom_ids(components: Iterable[Mapping[str, Any]]) -> list[str]:
    return [str(c["custom_id"]) for c in walk_components(components) if c.get("custom_id")]


def _find_component(
    components: Iterable[Mapping[str, Any]], custom_id: str
) -> dict[str, Any] | None:
    return next((c for c in walk_components(components) if c.get("custom_id") == custom_id), None)


def _decode_body(
    payload: Any,
    multipart: Sequence[Mapping[str, Any]] | None,
    files: Sequence[discord.File] | None,
) -> tuple[Any, list[tuple[str, bytes]]]:
    body: Any = copy.deepcopy(payload) if payload is not None else {}
    for part in multipart or ():
        if part.get("name") == "payload_json":
            body = json.loads(part["value"])
    blobs: list[tuple[str, bytes]] = []
    for file in files or ():
        file.reset(seek=True)
        blobs.append((file.filename or "file", file.fp.read()))
        file.reset(seek=True)
    return body, blobs


@dataclass
class Sent:
    """One recorded outgoing call.

    ``kind`` is one of ``interaction_response``, ``followup`` (POST to the interaction webhook),
    ``edit_original`` (PATCH ``@original``), ``channel_message`` (POST to a guild channel),
    ``dm`` (POST to a DM channel), ``edit_message`` (PATCH of a channel message or of a follow-up),
    ``delete`` (DELETE of a message, ``@original`` included), ``webhook`` (other webhook calls)
    or ``http`` (any other REST call). GET requests are not in ``DiscordHarness.sent`` but in
    ``DiscordHarness.requests``.
    """

    kind: str
    type: int | None
    data: dict[str, Any]
    route: str | None = None
    files: list[tuple[str, bytes]] = field(default_factory=list)
    channel_id: int | None = None
    message_id: int | None = None
    user_id: int | None = None
    interaction_id: int | None = None
    error: BaseException | None = None
    inherited_ephemeral: bool = field(default=False, repr=False)

    @property
    def ok(self) -> bool:
        """False when the harness made this call fail (see ``DiscordHarness.http_fail``)."""
        return self.error is None

    @property
    def flags(self) -> int:
        return int(self.data.get("flags") or 0)

    @property
    def ephemeral(self) -> bool:
        """``flags & 64``, or an edit/follow-up of an ephemeral (or ephemerally deferred) reply."""
        return bool(self.flags & EPHEMERAL) or self.inherited_ephemeral

    @property
    def content(self) -> str:
        return str(self.data.get("content") or "")

    @property
    def embeds(self) -> list[dict[str, Any]]:
        return list(self.data.get("embeds") or [])

    @property
    def components(self) -> list[dict[str, Any]]:
        return list(self.data.get("components") or [])

    @property
    def custom_id(self) -> str | None:
        """The modal's custom_id for a type-9 response."""
        value = self.data.get("custom_id")
        return str(value) if value is not None else None

    @property
    def choices(self) -> list[dict[str, Any]]:
        """The choices of an autocomplete result (type 8)."""
        return list(self.data.get("choices") or [])

    def custom_ids(self) -> list[str]:
        """Every ``custom_id`` found in the components, recursively, in order."""
        return [str(c["custom_id"]) for c in walk_components(self.components) if "custom_id" in c]

    def find_component(self, custom_id: str) -> dict[str, Any] | None:
        return next(
            (c for c in walk_components(self.components) if c.get("custom_id") == custom_id), None
        )

    @property
    def text(self) -> str:
        """Content, every embed's author/title/description/fields/footer and v2 text displays.

        For a modal (type 9) it is the title and the labels of its components.
        """
        parts: list[str] = []
        if self.type == 9:
            parts.append(str(self.data.get("title") or ""))
            for comp in walk_components(self.components):
                for key in ("label", "description", "content"):
                    if comp.get(key):
                        parts.append(str(comp[key]))
            return "\n".join(p for p in parts if p)
        parts.append(self.content)
        for embed in self.embeds:
            author = embed.get("author") or {}
            parts.extend([author.get("name") or "", embed.get("title") or ""])
            parts.append(embed.get("description") or "")
            for fld in embed.get("fields") or []:
                parts.extend([fld.get("name") or "", fld.get("value") or ""])
            parts.append((embed.get("footer") or {}).get("text") or "")
        for comp in walk_components(self.components):
            if comp.get("type") == 10 and comp.get("content"):
                parts.append(str(comp["content"]))
        return "\n".join(str(p) for p in parts if p)


@dataclass(frozen=True)
class FakeUser:
    """Description of a Discord user, turned into ``user``/``member`` payloads by the harness."""

    id: int
    name: str = "ana"
    roles: tuple[int, ...] = ()
    locale: str = "en-US"
    global_name: str | None = None
    nick: str | None = None
    bot: bool = False

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"

    def payload(self) -> dict[str, Any]:
        """The Discord ``user`` object."""
        data: dict[str, Any] = {
            "id": str(self.id),
            "username": self.name,
            "discriminator": "0",
            "global_name": self.global_name,
            "avatar": None,
            "public_flags": 0,
        }
        if self.bot:
            data["bot"] = True
        return data


@dataclass
class HttpCall:
    """A REST request seen by the recorder; passed to callables in ``http_responses``."""

    method: str
    path: str  # template, e.g. "/channels/{channel_id}/messages"
    url_path: str  # concrete, e.g. "/channels/123/messages"
    params: dict[str, str]  # values of the template's {placeholders}
    json: Any
    query: dict[str, Any]
    reason: str | None
    files: list[tuple[str, bytes]]

    @property
    def route(self) -> str:
        return f"{self.method} {self.path}"


class InteractionFailed(AssertionError):
    """A handler raised (after the app's error handlers ran). ``errors`` holds the exceptions."""

    def __init__(self, description: str, errors: list[BaseException], sent: list[Sent]) -> None:
        self.description = description
        self.errors = errors
        self.sent = sent
        first = errors[0]
        self.original: BaseException = getattr(first, "original", None) or first
        summary = "; ".join(f"{type(e).__name__}: {e}" for e in errors)
        super().__init__(f"{description} raised inside discord.py dispatch: {summary}")


class InteractionTimeout(AssertionError):
    """The dispatched handlers did not finish within ``DiscordHarness.timeout`` seconds."""


class NoResponse(AssertionError):
    """The interaction finished without any interaction callback (Discord: "interaction failed")."""


ErrorSpec = type[BaseException] | tuple[type[BaseException], ...]


def _matches(error: BaseException, spec: ErrorSpec) -> bool:
    return isinstance(error, spec) or isinstance(getattr(error, "original", None), spec)
