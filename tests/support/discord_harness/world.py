"""The fake guild the bot sees: users, roles, channels, DM channels, scheduled events."""

from __future__ import annotations

import copy
import zlib
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from ._discord import discord
from .constants import DEFAULT_EVERYONE_PERMISSIONS, _check_locale, new_snowflake
from .records import FakeUser, http_error


class WorldMixin:
    """Public world-building API of :class:`DiscordHarness` (mixed into it)."""

    @property
    def guild(self) -> discord.Guild:
        guild = self.bot._connection._get_guild(self.guild_id)
        if guild is None:
            raise RuntimeError("harness not started")
        return guild

    def user(
        self,
        user_id: int | None = None,
        name: str = "ana",
        *,
        roles: Iterable[int | str] = (),
        locale: str = "en-US",
        global_name: str | None = None,
        nick: str | None = None,
        bot: bool = False,
    ) -> FakeUser:
        """Describe (and register) a user. ``roles`` are role ids or role names of the guild.

        The id defaults to a stable value derived from ``name``.
        """
        role_ids: list[int] = []
        for role in roles:
            role_id = self.roles.get(role) if isinstance(role, str) else int(role)
            if role_id is None or role_id not in self._role_data:
                raise ValueError(f"unknown role {role!r}; guild roles: {sorted(self.roles)}")
            if role_id not in self._guilds:  # @everyone roles are implicit
                role_ids.append(role_id)
        uid = (
            user_id if user_id is not None else 400_000_000_000_000_000 + zlib.crc32(name.encode())
        )
        fake = FakeUser(
            id=uid,
            name=name,
            roles=tuple(role_ids),
            locale=_check_locale(locale),
            global_name=global_name,
            nick=nick,
            bot=bot,
        )
        self.users[uid] = fake
        return fake

    def add_role(
        self,
        name: str,
        *,
        permissions: int = 0,
        role_id: int | None = None,
        guild_id: int | None = None,
    ) -> int:
        """Add a guild role (also to the cached guild if already started) and return its id.
        ``guild_id``: a guild of :meth:`add_guild` (default: the main guild)."""
        gid = self.guild_id if guild_id is None else guild_id
        rid = role_id or new_snowflake()
        data = self._add_role_data(
            rid, name, permissions, position=len(self.guild_roles.get(gid, {})), guild_id=gid
        )
        guild = self.bot._connection._get_guild(gid)
        if guild is not None:
            guild._add_role(discord.Role(guild=guild, state=self.bot._connection, data=data))  # type: ignore[arg-type]
        return rid

    def role_id(self, name: str) -> int:
        return self.roles[name]

    def add_guild(
        self,
        name: str,
        *,
        guild_id: int | None = None,
        owner_id: int | None = None,
        roles: dict[str, int] | None = None,
        everyone_permissions: int | None = None,
        locale: str = "en-US",
    ) -> tuple[int, int]:
        """Another guild the bot was added to (by someone else: its owner holds every
        permission there), with ``roles`` ``{name: permissions}`` and a ``#general`` channel.
        Interactions in its channels (``slash(..., channel_id=)``, ``click(..., channel_id=)``)
        come from that guild. Returns ``(guild_id, channel_id)``."""
        gid = guild_id or new_snowflake()
        owner = owner_id if owner_id is not None else new_snowflake()
        self._guilds[gid] = {"name": name, "owner_id": owner, "locale": _check_locale(locale)}
        self.guild_roles.setdefault(gid, {})
        perms = (
            DEFAULT_EVERYONE_PERMISSIONS if everyone_permissions is None else everyone_permissions
        )
        self._add_role_data(gid, "@everyone", perms, position=0, guild_id=gid)
        for role_name, role_perms in (roles or {}).items():
            self._add_role_data(
                new_snowflake(),
                role_name,
                role_perms,
                position=len(self.guild_roles[gid]),
                guild_id=gid,
            )
        channel = self.add_channel("general", guild_id=gid)
        state = self.bot._connection
        if self._started and self.cache_guild and state._get_guild(gid) is None:
            state._add_guild_from_data(self._guild_payload(gid))  # type: ignore[arg-type]
        return gid, channel

    def remove_member(self, user: int | FakeUser, guild_id: int | None = None) -> None:
        """Make a user not a member of a guild (default: the main one): member look-ups 404."""
        uid = user.id if isinstance(user, FakeUser) else int(user)
        self._non_members.add((self.guild_id if guild_id is None else guild_id, uid))

    def add_channel(
        self,
        name: str,
        *,
        channel_id: int | None = None,
        channel_type: int = 0,
        guild_id: int | None = None,
    ) -> int:
        """Add a guild channel (text by default) and return its id."""
        gid = self.guild_id if guild_id is None else guild_id
        cid = channel_id or new_snowflake()
        data = {
            "id": str(cid),
            "type": channel_type,
            "guild_id": str(gid),
            "name": name,
            "position": len(self._channels),
            "permission_overwrites": [],
            "parent_id": None,
            "nsfw": False,
            "topic": None,
            "rate_limit_per_user": 0,
            "last_message_id": None,
            "flags": 0,
        }
        self._channels[cid] = data
        guild = self.bot._connection._get_guild(gid)
        if guild is not None:
            factory, _ = discord.channel._guild_channel_factory(channel_type)
            if factory is not None:
                guild._add_channel(factory(guild=guild, state=self.bot._connection, data=data))  # type: ignore[arg-type]
        return cid

    def add_scheduled_event(
        self,
        name: str,
        start: datetime,
        *,
        creator_id: int | None = None,
        status: int = 1,
        location: str = "Somewhere",
    ) -> int:
        """Put an external event in the guild as if someone (default: the owner) made it.
        ``status``: 1 scheduled, 2 active, 3 completed, 4 canceled."""
        data = self._scheduled_event_payload(
            {
                "name": name,
                "scheduled_start_time": start.isoformat(),
                "scheduled_end_time": start.isoformat(),
                "entity_type": 3,
                "entity_metadata": {"location": location},
                "status": status,
            },
            str(self.guild_id),
            None,
        )
        creator = self._user_for(creator_id if creator_id is not None else self.owner_id)
        data["creator_id"], data["creator"] = str(creator.id), creator.payload()
        self.scheduled_events[int(data["id"])] = data
        return int(data["id"])

    def dm_channel_id(self, user_id: int) -> int:
        """The (stable) id of the DM channel between the bot and ``user_id``."""
        if user_id not in self._dm_channels:
            self._dm_channels[user_id] = new_snowflake()
        return self._dm_channels[user_id]

    def fail_dms_for(self, user_id: int | FakeUser, *, code: int = 50007) -> None:
        """Make DMs to that user fail like closed DMs: 403 Forbidden, error code 50007."""
        uid = user_id.id if isinstance(user_id, FakeUser) else int(user_id)
        key = f"POST /channels/{self.dm_channel_id(uid)}/messages"
        self.http_fail[key] = http_error(403, code, "Cannot send messages to this user")

    def message_payload(self, message_id: int) -> dict[str, Any]:
        """Current (edits applied) message object the harness returned for ``message_id``."""
        return copy.deepcopy(self._messages[message_id])
