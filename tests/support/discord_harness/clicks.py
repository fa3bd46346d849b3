"""Component interactions: button clicks and select choices on a message."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .constants import new_snowflake
from .records import ErrorSpec, FakeUser, Sent, _custom_ids, _find_component

if TYPE_CHECKING:
    from .pending import PendingInteraction


class ClickMixin:
    """Click/select interactions of :class:`DiscordHarness` (mixed into it)."""

    async def click(
        self,
        custom_id: str,
        *,
        message: Sent | Mapping[str, Any] | None = None,
        user: FakeUser | None = None,
        locale: str | None = None,
        component_type: int | None = None,
        values: Sequence[str | int] | None = None,
        expect_error: ErrorSpec | None = None,
        channel_id: int | None = None,
    ) -> list[Sent]:
        """Click a button / choose select ``values`` on a message.

        ``message`` may be a recorded :class:`Sent` (its current payload, with components, is
        used), a raw message dict, or None: then the most recent recorded message carrying that
        ``custom_id`` is used, or, if none, a synthetic bot message holding just that component
        (right for persistent views / dynamic items after a restart). ``component_type`` is
        inferred from the message component (2 button, 3 string select, 5 user, 6 role,
        7 mentionable, 8 channel select). Disabled components and select values outside the
        options raise ``ValueError`` (Discord would not allow them).
        """
        pending = await self.begin_click(
            custom_id,
            message=message,
            user=user,
            locale=locale,
            component_type=component_type,
            values=values,
            channel_id=channel_id,
        )
        return await pending.result(expect_error=expect_error)

    async def begin_click(
        self,
        custom_id: str,
        *,
        message: Sent | Mapping[str, Any] | None = None,
        user: FakeUser | None = None,
        locale: str | None = None,
        component_type: int | None = None,
        values: Sequence[str | int] | None = None,
        channel_id: int | None = None,
    ) -> PendingInteraction:
        """Like :meth:`click` but return once the interaction was answered. ``channel_id``
        places a synthetic message (``message=None`` with no recorded carrier) in that channel,
        e.g. one of another guild (:meth:`add_guild`)."""
        await self.start()
        msg = self._message_for_click(custom_id, message, component_type, values, channel_id)
        if user is None:
            dm_owner = next(
                (u for u, c in self._dm_channels.items() if c == int(msg["channel_id"])), None
            )
            user = self._user_for(dm_owner) if dm_owner is not None else self.default_user
        component = _find_component(msg.get("components") or [], custom_id)
        if component is None:
            raise ValueError(
                f"message {msg['id']} has no component with custom_id {custom_id!r}; "
                f"it has {_custom_ids(msg.get('components') or [])}"
            )
        if component.get("disabled"):
            raise ValueError(
                f"component {custom_id!r} is disabled; Discord would not send this click"
            )
        ctype = int(component_type or component.get("type") or 2)
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": ctype}
        if "id" in component:
            data["id"] = component["id"]
        channel_id = int(msg["channel_id"])
        guild = channel_id in self._channels
        if ctype in (3, 5, 6, 7, 8):
            resolved: dict[str, dict[str, Any]] = {}
            data["values"] = self._select_values(
                component, ctype, values or [], resolved, guild=guild
            )
            if resolved:
                data["resolved"] = resolved
        elif values:
            raise ValueError(f"values given but {custom_id!r} is not a select (type {ctype})")
        self._messages.setdefault(int(msg["id"]), msg)
        payload = self._interaction_payload(
            3, data, user=user, locale=locale, guild=guild, channel_id=channel_id, message=msg
        )
        return await self._begin(payload, f"click {custom_id!r}")

    def _message_for_click(
        self,
        custom_id: str,
        message: Sent | Mapping[str, Any] | None,
        component_type: int | None,
        values: Sequence[str | int] | None,
        channel_id: int | None = None,
    ) -> dict[str, Any]:
        if isinstance(message, Sent):
            if message.message_id is not None and message.message_id in self._messages:
                return copy.deepcopy(self._messages[message.message_id])
            return self._message_payload(
                message_id=message.message_id or new_snowflake(),
                channel_id=message.channel_id or self.channel_id,
                data=message.data,
            )
        if isinstance(message, Mapping):
            if "id" in message and "channel_id" in message:
                base = self._message_payload(
                    message_id=int(message["id"]), channel_id=int(message["channel_id"]), data={}
                )
                base.update(copy.deepcopy(dict(message)))
                return base
            return self._message_payload(
                message_id=new_snowflake(), channel_id=self.channel_id, data=dict(message)
            )
        for mid in reversed(list(self._messages) if channel_id is None else []):
            if _find_component(self._messages[mid].get("components") or [], custom_id) is not None:
                return copy.deepcopy(self._messages[mid])
        ctype = component_type or (3 if values else 2)
        if ctype == 2:
            component: dict[str, Any] = {
                "type": 2,
                "style": 1,
                "label": custom_id,
                "custom_id": custom_id,
            }
        elif ctype == 3:
            opts = [{"label": str(v), "value": str(v)} for v in values or []]
            component = {
                "type": 3,
                "custom_id": custom_id,
                "options": opts,
                "min_values": 1,
                "max_values": max(1, len(opts)),
            }
        else:
            component = {"type": ctype, "custom_id": custom_id, "min_values": 1, "max_values": 25}
        return self._message_payload(
            message_id=new_snowflake(),
            channel_id=channel_id or self.channel_id,
            data={"content": "", "components": [{"type": 1, "components": [component]}]},
        )

    def _select_values(
        self,
        component: Mapping[str, Any],
        ctype: int,
        values: Sequence[str | int],
        resolved: dict[str, dict[str, Any]],
        *,
        guild: bool,
    ) -> list[str]:
        custom_id = component.get("custom_id")
        result = [str(getattr(v, "id", v)) for v in values]
        low, high = int(component.get("min_values", 1)), int(component.get("max_values", 1))
        if not low <= len(result) <= high:
            raise ValueError(f"select {custom_id!r} takes {low}..{high} values, got {result}")
        if ctype == 3:
            allowed = [str(o.get("value")) for o in component.get("options") or []]
            bad = [v for v in result if v not in allowed]
            if bad:
                raise ValueError(f"select {custom_id!r} has no options {bad}; options: {allowed}")
        else:
            for v in result:
                sid = int(v)
                if ctype == 5:
                    kind = 6
                elif ctype == 6:
                    kind = 8
                elif ctype == 8:
                    kind = 7
                else:
                    kind = 8 if sid in self._role_data else 6
                self._resolve(kind, sid, resolved, guild=guild)
        return result
