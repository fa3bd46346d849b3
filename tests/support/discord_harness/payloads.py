"""Gateway/REST payloads of the fake world: bot user, guild, roles, members, interactions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._discord import discord
from .constants import (
    ATTACHMENT_SIZE_LIMIT,
    _check_locale,
    _interaction_token,
    _now_iso,
    new_snowflake,
)
from .records import FakeUser


class PayloadMixin:
    """Payload builders of :class:`DiscordHarness` (mixed into it)."""

    def _bot_user_payload(self) -> dict[str, Any]:
        return {
            "id": str(self.application_id),
            "username": self.bot_name,
            "discriminator": "0",
            "global_name": None,
            "avatar": None,
            "bot": True,
            "verified": True,
            "mfa_enabled": False,
            "flags": 0,
            "public_flags": 0,
        }

    def _add_role_data(
        self,
        role_id: int,
        name: str,
        permissions: int,
        *,
        position: int,
        guild_id: int | None = None,
    ) -> dict[str, Any]:
        data = {
            "id": str(role_id),
            "name": name,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "position": position,
            "permissions": str(permissions),
            "managed": False,
            "mentionable": False,
            "flags": 0,
        }
        gid = self.guild_id if guild_id is None else guild_id
        if gid == self.guild_id:
            self.roles[name] = role_id
        self.guild_roles.setdefault(gid, {})[name] = role_id
        self._role_guild[role_id] = gid
        self._role_data[role_id] = data
        return data

    def _guild_payload(self, guild_id: int | None = None) -> dict[str, Any]:
        gid = self.guild_id if guild_id is None else guild_id
        guild = self._guilds[gid]
        bot_member = {
            "user": self._bot_user_payload(),
            "roles": [],
            "joined_at": _now_iso(),
            "deaf": False,
            "mute": False,
            "flags": 0,
        }
        return {
            "id": str(gid),
            "name": guild["name"],
            "icon": None,
            "owner_id": str(guild["owner_id"]),
            "roles": [r for rid, r in self._role_data.items() if self._role_guild[rid] == gid],
            "channels": [
                {k: v for k, v in c.items() if k != "guild_id"}
                for c in self._channels.values()
                if int(c["guild_id"]) == gid
            ],
            "members": [bot_member],
            "member_count": 2,
            "features": [],
            "emojis": [],
            "stickers": [],
            "preferred_locale": guild["locale"],
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "afk_timeout": 300,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "large": False,
            "unavailable": False,
            "joined_at": _now_iso(),
            "voice_states": [],
            "presences": [],
            "threads": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }

    def _permissions_for(self, user: FakeUser, guild_id: int | None = None) -> int:
        gid = self.guild_id if guild_id is None else guild_id
        if user.id == self._guilds[gid]["owner_id"]:
            return discord.Permissions.all().value
        value = int(self._role_data[gid]["permissions"])
        for role_id in user.roles:
            if self._role_guild.get(role_id) == gid:
                value |= int(self._role_data[role_id]["permissions"])
        if value & discord.Permissions(administrator=True).value:
            return discord.Permissions.all().value
        return value

    def _member_payload(
        self, user: FakeUser, *, with_user: bool = True, guild_id: int | None = None
    ) -> dict[str, Any]:
        gid = self.guild_id if guild_id is None else guild_id
        data: dict[str, Any] = {
            "roles": [str(r) for r in user.roles if self._role_guild.get(r) == gid],
            "nick": user.nick,
            "avatar": None,
            "banner": None,
            "joined_at": "2024-01-01T00:00:00+00:00",
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
            "permissions": str(self._permissions_for(user, gid)),
        }
        if with_user:
            data["user"] = user.payload()
        return data

    def _user_for(self, user_id: int) -> FakeUser:
        return self.users.get(user_id) or FakeUser(id=user_id, name=f"user{user_id}")

    def _dm_channel_payload(self, user: FakeUser) -> dict[str, Any]:
        return {
            "id": str(self.dm_channel_id(user.id)),
            "type": 1,
            "last_message_id": None,
            "recipients": [user.payload()],
            "flags": 0,
        }

    def _interaction_payload(
        self,
        itype: int,
        data: dict[str, Any],
        *,
        user: FakeUser,
        locale: str | None,
        guild: bool,
        channel_id: int | None,
        message: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        iid = new_snowflake()
        payload: dict[str, Any] = {
            "id": str(iid),
            "application_id": str(self.application_id),
            "type": itype,
            "token": _interaction_token(iid),
            "version": 1,
            "data": data,
            "locale": _check_locale(locale or user.locale),
            "app_permissions": str(self.app_permissions),
            "entitlements": [],
            "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
        }
        if guild:
            cid = channel_id or self.channel_id
            if cid not in self._channels:
                raise ValueError(f"unknown guild channel {cid}; use add_channel()")
            channel = {k: v for k, v in self._channels[cid].items() if k != "permission_overwrites"}
            gid = int(channel["guild_id"])  # the guild of the channel: the main one or another
            locale = self._guilds[gid]["locale"]
            channel["permissions"] = str(self._permissions_for(user, gid))
            payload.update(
                guild_id=str(gid),
                guild={"id": str(gid), "locale": locale, "features": []},
                guild_locale=locale,
                channel_id=str(cid),
                channel=channel,
                member=self._member_payload(user, guild_id=gid),
                authorizing_integration_owners={"0": str(gid)},
                context=0,
            )
        else:
            dm = self._dm_channel_payload(user)
            payload.update(
                channel_id=dm["id"],
                channel=dm,
                user=user.payload(),
                authorizing_integration_owners={"0": "0"},
                context=1,
            )
        if message is not None:
            payload["message"] = message
        return payload

    def _scheduled_event_payload(
        self, body: Mapping[str, Any], guild_id: str, event_id: str | None
    ) -> dict[str, Any]:
        data: dict[str, Any] = {
            "channel_id": None,
            "description": None,
            "scheduled_end_time": None,
            "entity_id": None,
            "entity_metadata": None,
            "image": None,
            "user_count": 0,
            "privacy_level": 2,
            "status": 1,
            "recurrence_rule": None,
        }
        data.update(body)
        data["id"] = event_id or str(new_snowflake())
        data["guild_id"] = guild_id
        data["creator_id"] = str(self.application_id)
        data["creator"] = self._bot_user_payload()
        return data

    def _app_command_payload(
        self, command: Mapping[str, Any], params: Mapping[str, str]
    ) -> dict[str, Any]:
        data = dict(command)
        data.setdefault("type", 1)
        data.setdefault("description", "")
        data.setdefault("nsfw", False)
        data.setdefault("default_member_permissions", None)
        data["id"] = str(self._command_id(str(data["name"]), "guild_id" in params))
        data["application_id"] = str(self.application_id)
        data["version"] = str(new_snowflake())
        if "guild_id" in params:
            data["guild_id"] = params["guild_id"]
        return data
