"""The harness' message store: message payloads, attachments and edits."""

from __future__ import annotations

import copy
import mimetypes
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .constants import EPHEMERAL, LOADING, _now_iso, new_snowflake

if TYPE_CHECKING:
    from .pending import PendingInteraction


class MessageStoreMixin:
    """Message store of :class:`DiscordHarness` (mixed into it)."""

    def _attachment_payload(self, filename: str, blob: bytes, channel_id: int) -> dict[str, Any]:
        aid = new_snowflake()
        return {
            "id": str(aid),
            "filename": filename,
            "size": len(blob),
            "url": f"https://cdn.discordapp.com/attachments/{channel_id}/{aid}/{filename}",
            "proxy_url": f"https://media.discordapp.net/attachments/{channel_id}/{aid}/{filename}",
            "content_type": mimetypes.guess_type(filename)[0] or "application/octet-stream",
        }

    def _message_payload(
        self,
        *,
        message_id: int,
        channel_id: int,
        data: Mapping[str, Any],
        files: Sequence[tuple[str, bytes]] = (),
        msg_type: int = 0,
        interaction: PendingInteraction | None = None,
    ) -> dict[str, Any]:
        message: dict[str, Any] = {
            "id": str(message_id),
            "channel_id": str(channel_id),
            "type": msg_type,
            "author": self._bot_user_payload(),
            "content": data.get("content") or "",
            "timestamp": _now_iso(),
            "edited_timestamp": None,
            "tts": bool(data.get("tts", False)),
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [self._attachment_payload(n, b, channel_id) for n, b in files],
            "embeds": copy.deepcopy(list(data.get("embeds") or [])),
            "pinned": False,
            "flags": int(data.get("flags") or 0),
            "components": copy.deepcopy(list(data.get("components") or [])),
        }
        if channel_id in self._channels:
            message["guild_id"] = str(self._channels[channel_id]["guild_id"])
        if data.get("poll"):
            message["poll"] = copy.deepcopy(data["poll"])
        if interaction is not None:
            message["webhook_id"] = str(self.application_id)
            message["application_id"] = str(self.application_id)
            user = interaction.payload.get("member", {}).get("user") or interaction.payload.get(
                "user"
            )
            metadata: dict[str, Any] = {
                "id": str(interaction.id),
                "type": interaction.type,
                "user": user,
                "authorizing_integration_owners": interaction.payload.get(
                    "authorizing_integration_owners", {}
                ),
            }
            if interaction.component_message is not None:
                metadata["interacted_message_id"] = interaction.component_message["id"]
            message["interaction_metadata"] = metadata
        return message

    def _store_message(self, message: dict[str, Any]) -> dict[str, Any]:
        self._messages[int(message["id"])] = message
        return copy.deepcopy(message)

    def _edit_message(
        self,
        message_id: int,
        channel_id: int,
        data: Mapping[str, Any],
        files: Sequence[tuple[str, bytes]],
    ) -> dict[str, Any]:
        old = self._messages.get(message_id)
        if old is None:
            old = self._message_payload(message_id=message_id, channel_id=channel_id, data={})
        new = copy.deepcopy(old)
        for key in ("content", "embeds", "components", "poll"):
            if key in data:
                new[key] = (
                    copy.deepcopy(data[key])
                    if data[key] is not None
                    else ([] if key != "content" else "")
                )
        if "flags" in data and data["flags"] is not None:
            new["flags"] = (int(data["flags"]) & ~LOADING) | (
                int(new.get("flags") or 0) & EPHEMERAL
            )
        else:
            new["flags"] = int(new.get("flags") or 0) & ~LOADING
        if "attachments" in data or files:
            keep = {str(a.get("id")) for a in data.get("attachments") or []}
            new["attachments"] = [a for a in new.get("attachments") or [] if str(a["id"]) in keep]
            new["attachments"] += [self._attachment_payload(n, b, channel_id) for n, b in files]
        new["edited_timestamp"] = _now_iso()
        return self._store_message(new)
