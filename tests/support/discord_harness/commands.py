"""Slash command and autocomplete interactions, typed from the registered command tree."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ._discord import AppCommandOptionType, app_commands, discord
from .constants import DEFAULT_APP_PERMISSIONS, new_snowflake
from .records import ErrorSpec, FakeUser, Sent

if TYPE_CHECKING:
    from .pending import PendingInteraction


class CommandMixin:
    """Slash/autocomplete interactions of :class:`DiscordHarness` (mixed into it)."""

    async def slash(
        self,
        command: str,
        options: Mapping[str, object] | None = None,
        *,
        user: FakeUser | None = None,
        locale: str | None = None,
        guild: bool = True,
        channel_id: int | None = None,
        expect_error: ErrorSpec | None = None,
    ) -> list[Sent]:
        """Invoke a slash command (``"next"``, ``"poll start"``, ``"admin poll close"``).

        ``options`` are keyed by option name (Discord name or Python parameter name) and typed
        from the *registered* command; unknown/missing/ill-typed options raise before dispatch.
        ``locale`` defaults to the user's locale. Returns the calls recorded for the interaction.
        """
        pending = await self.begin_slash(
            command, options, user=user, locale=locale, guild=guild, channel_id=channel_id
        )
        return await pending.result(expect_error=expect_error)

    async def begin_slash(
        self,
        command: str,
        options: Mapping[str, object] | None = None,
        *,
        user: FakeUser | None = None,
        locale: str | None = None,
        guild: bool = True,
        channel_id: int | None = None,
    ) -> PendingInteraction:
        """Like :meth:`slash` but return once the interaction was answered (or handlers ended)."""
        await self.start()
        user = user or self.default_user
        data = self._command_data(
            command, dict(options or {}), guild=guild, user=user, focused=None
        )
        payload = self._interaction_payload(
            2, data, user=user, locale=locale, guild=guild, channel_id=channel_id
        )
        return await self._begin(payload, f"/{command}")

    async def autocomplete(
        self,
        command: str,
        options: Mapping[str, object],
        focused: str,
        *,
        user: FakeUser | None = None,
        locale: str | None = None,
        guild: bool = True,
        channel_id: int | None = None,
        expect_error: ErrorSpec | None = None,
    ) -> list[dict[str, Any]]:
        """Send an autocomplete interaction; return the ``choices`` of the type-8 response.

        The focused option's value is sent as the typed text (a string, as Discord does).
        """
        await self.start()
        user = user or self.default_user
        data = self._command_data(command, dict(options), guild=guild, user=user, focused=focused)
        payload = self._interaction_payload(
            4, data, user=user, locale=locale, guild=guild, channel_id=channel_id
        )
        pending = await self._begin(payload, f"autocomplete /{command} [{focused}]")
        sent = await pending.result(expect_error=expect_error)
        result = next((s for s in sent if s.kind == "interaction_response" and s.type == 8), None)
        return result.choices if result is not None else []

    def _find_command(
        self, path: str, *, guild: bool
    ) -> tuple[list[str], app_commands.Command[Any, ..., Any], bool]:
        tree = self.bot._connection._command_tree
        if tree is None:
            raise RuntimeError("the bot has no CommandTree")
        parts = path.split()
        if not parts:
            raise ValueError("empty command path")
        root: Any = None
        guild_scoped = False
        if guild:
            root = tree.get_command(parts[0], guild=discord.Object(self.guild_id))
            guild_scoped = root is not None
        if root is None:
            root = tree.get_command(parts[0])
        if root is None:
            known = sorted(c.name for c in tree.get_commands())
            if guild:
                known += sorted(
                    c.name for c in tree.get_commands(guild=discord.Object(self.guild_id))
                )
            raise LookupError(
                f"no slash command {parts[0]!r} registered in bot.tree; registered: {known}"
            )
        if not guild:
            if guild_scoped:
                raise ValueError(
                    f"/{parts[0]} is a guild command; Discord does not offer it in DMs"
                )
            contexts = root.to_dict(tree).get("contexts")
            if root.guild_only or (contexts is not None and 1 not in contexts):
                raise ValueError(f"/{parts[0]} is guild-only; Discord does not offer it in DMs")
        node: Any = root
        for part in parts[1:]:
            if not isinstance(node, app_commands.Group):
                raise LookupError(f"/{node.qualified_name} is not a group; cannot find {part!r}")
            child = node.get_command(part)
            if child is None:
                raise LookupError(
                    f"/{node.qualified_name} has no subcommand {part!r}; "
                    f"it has {[c.name for c in node.commands]}"
                )
            node = child
        if isinstance(node, app_commands.Group):
            raise LookupError(
                f"/{node.qualified_name} is a group; name a subcommand: "
                f"{[c.name for c in node.commands]}"
            )
        return parts, node, guild_scoped

    def _command_data(
        self,
        path: str,
        options: dict[str, object],
        *,
        guild: bool,
        user: FakeUser,
        focused: str | None,
    ) -> dict[str, Any]:
        parts, command, guild_scoped = self._find_command(path, guild=guild)
        params = {p.display_name: p for p in command.parameters}
        by_python = {p.name: p for p in command.parameters}
        resolved: dict[str, dict[str, Any]] = {}
        leaf_options: list[dict[str, Any]] = []
        seen: set[str] = set()
        if focused is not None:
            fparam = params.get(focused) or by_python.get(focused)
            if fparam is None:
                raise KeyError(
                    f"/{command.qualified_name} has no option {focused!r}; "
                    f"options: {sorted(params)}"
                )
            if not fparam.autocomplete:
                raise ValueError(
                    f"option {focused!r} of /{command.qualified_name} has no autocomplete"
                )
            focused = fparam.display_name
            options.setdefault(focused, "")
        for key, value in options.items():
            param = params.get(key) or by_python.get(key)
            if param is None:
                raise KeyError(
                    f"/{command.qualified_name} has no option {key!r}; options: {sorted(params)}"
                )
            if value is None:
                continue  # Discord never sends null options: None means "not given"
            if param.display_name in seen:
                raise KeyError(f"option {key!r} given twice")
            seen.add(param.display_name)
            is_focused = param.display_name == focused
            option: dict[str, Any] = {
                "name": param.display_name,
                "type": param.type.value,
                "value": self._option_value(
                    param,
                    value,
                    resolved,
                    guild=guild,
                    focused=is_focused,
                    partial=focused is not None,
                ),
            }
            if is_focused:
                option["focused"] = True
            leaf_options.append(option)
        if focused is None:
            missing = [
                p.display_name
                for p in command.parameters
                if p.required and p.display_name not in seen
            ]
            if missing:
                raise ValueError(f"/{command.qualified_name} is missing required options {missing}")
        # Discord orders options as declared.
        order = {p.display_name: i for i, p in enumerate(command.parameters)}
        leaf_options.sort(key=lambda o: order[o["name"]])

        opts: list[dict[str, Any]] = leaf_options
        depth = len(parts) - 1
        for index in range(depth, 0, -1):
            opts = [{"type": 1 if index == depth else 2, "name": parts[index], "options": opts}]
        data: dict[str, Any] = {
            "id": str(self._command_id(parts[0], guild_scoped)),
            "name": parts[0],
            "type": 1,
        }
        if opts:
            data["options"] = opts
        if resolved:
            data["resolved"] = resolved
        if guild_scoped:
            data["guild_id"] = str(self.guild_id)
        return data

    def _command_id(self, name: str, guild_scoped: bool) -> int:
        key = f"{name}:{guild_scoped}"
        if key not in self._command_ids:
            self._command_ids[key] = new_snowflake()
        return self._command_ids[key]

    def _option_value(
        self,
        param: app_commands.Parameter,
        value: object,
        resolved: dict[str, dict[str, Any]],
        *,
        guild: bool,
        focused: bool,
        partial: bool,
    ) -> Any:
        where = f"option {param.display_name!r}"
        if focused:
            return value if isinstance(value, str) else str(value)
        if isinstance(value, app_commands.Choice):
            value = value.value
        elif isinstance(value, enum.Enum) and param.choices:
            choice = next((c for c in param.choices if c.name == value.name), None)
            value = choice.value if choice is not None else value.value
        kind = param.type
        if kind is AppCommandOptionType.string:
            if not isinstance(value, str):
                raise TypeError(f"{where} is a string option, got {value!r}")
        elif kind is AppCommandOptionType.integer:
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"{where} is an integer option, got {value!r}")
        elif kind is AppCommandOptionType.number:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise TypeError(f"{where} is a number option, got {value!r}")
        elif kind is AppCommandOptionType.boolean:
            if not isinstance(value, bool):
                raise TypeError(f"{where} is a boolean option, got {value!r}")
        else:
            return self._snowflake_option(kind, value, resolved, guild=guild, where=where)
        if param.choices and value not in [c.value for c in param.choices]:
            raise ValueError(
                f"{where} must be one of {[c.value for c in param.choices]}, got {value!r}"
            )
        if not partial:
            low, high = param.min_value, param.max_value
            measured = len(value) if isinstance(value, str) else value
            if (low is not None and measured < low) or (high is not None and measured > high):  # type: ignore[operator]
                raise ValueError(
                    f"{where}={value!r} is outside [{low}, {high}]; Discord would refuse it"
                )
        return value

    def _snowflake_option(
        self,
        kind: AppCommandOptionType,
        value: object,
        resolved: dict[str, dict[str, Any]],
        *,
        guild: bool,
        where: str,
    ) -> str:
        if kind is AppCommandOptionType.attachment:
            if isinstance(value, tuple) and len(value) == 2:
                filename, blob = value
                attachment = self._attachment_payload(str(filename), bytes(blob), self.channel_id)
            elif isinstance(value, Mapping):
                attachment = {
                    "id": str(new_snowflake()),
                    "size": 0,
                    "url": "",
                    "proxy_url": "",
                    **value,
                }
            else:
                raise TypeError(
                    f"{where} is an attachment: pass (filename, bytes) or an attachment dict"
                )
            resolved.setdefault("attachments", {})[attachment["id"]] = attachment
            return attachment["id"]
        if kind is AppCommandOptionType.role and isinstance(value, str) and value in self.roles:
            value = self.roles[value]
        if isinstance(value, FakeUser | discord.abc.Snowflake):
            sid = value.id
        elif isinstance(value, int) and not isinstance(value, bool):
            sid = value
        elif isinstance(value, str) and value.isdigit():
            sid = int(value)
        else:
            raise TypeError(f"{where} needs an id / FakeUser / snowflake, got {value!r}")
        if kind is AppCommandOptionType.mentionable:
            kind = (
                AppCommandOptionType.role if sid in self._role_data else AppCommandOptionType.user
            )
        self._resolve(kind.value, sid, resolved, guild=guild)
        return str(sid)

    def _resolve(
        self, kind: int, sid: int, resolved: dict[str, dict[str, Any]], *, guild: bool
    ) -> None:
        """Add resolved data; kind = option type (6 user, 7 channel, 8 role)."""
        key = str(sid)
        if kind == 6:
            fake = self._user_for(sid)
            resolved.setdefault("users", {})[key] = fake.payload()
            if guild:
                resolved.setdefault("members", {})[key] = self._member_payload(
                    fake, with_user=False
                )
        elif kind == 8:
            if sid not in self._role_data:
                raise ValueError(f"unknown role id {sid}")
            resolved.setdefault("roles", {})[key] = self._role_data[sid]
        elif kind == 7:
            if sid not in self._channels:
                raise ValueError(f"unknown channel id {sid}; use add_channel()")
            channel = self._channels[sid]
            resolved.setdefault("channels", {})[key] = {
                "id": key,
                "name": channel["name"],
                "type": channel["type"],
                "parent_id": channel["parent_id"],
                "permissions": str(DEFAULT_APP_PERMISSIONS),
                "flags": 0,
            }
