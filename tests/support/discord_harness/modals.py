"""Modal submissions mirroring the recorded (or live) modal's structure."""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .records import ErrorSpec, FakeUser, Sent, walk_components

if TYPE_CHECKING:
    from .pending import PendingInteraction


class ModalMixin:
    """Modal submit interactions of :class:`DiscordHarness` (mixed into it)."""

    async def submit_modal(
        self,
        custom_id: str | Sent | None,
        values: Mapping[str, str | Sequence[str] | bool | None],
        *,
        modal: Sent | None = None,
        user: FakeUser | None = None,
        locale: str | None = None,
        expect_error: ErrorSpec | None = None,
    ) -> list[Sent]:
        """Submit a modal with ``values`` keyed by each component's ``custom_id``.

        The MODAL_SUBMIT payload mirrors the modal's structure as discord.py 2.7 parses it:
        ``Label`` (type 18) → ``{"type": 18, "id", "component": {...}}`` wrapping a text input
        (type 4, ``value``) or a select (types 3/5-8, ``values``); legacy action rows
        (type 1, ``components``) are kept; text displays become ``{"type": 10, "id"}``.
        The structure comes from ``modal`` (the recorded type-9 :class:`Sent`, may also be given
        as ``custom_id``), else the latest recorded modal with that custom_id, else the live
        ``Modal`` in the view store, else it is inferred (str → text input, list → select).
        Unknown custom_ids, missing required inputs and invalid select values raise.
        """
        pending = await self.begin_submit_modal(
            custom_id, values, modal=modal, user=user, locale=locale
        )
        return await pending.result(expect_error=expect_error)

    async def begin_submit_modal(
        self,
        custom_id: str | Sent | None,
        values: Mapping[str, str | Sequence[str] | bool | None],
        *,
        modal: Sent | None = None,
        user: FakeUser | None = None,
        locale: str | None = None,
    ) -> PendingInteraction:
        """Like :meth:`submit_modal` but return once the interaction was answered."""
        await self.start()
        user = user or self.default_user
        if isinstance(custom_id, Sent):
            modal, custom_id = custom_id, None
        if modal is not None:
            if modal.type != 9:
                raise ValueError(f"modal= must be a recorded type-9 response, got {modal!r}")
            if custom_id is not None and modal.custom_id != custom_id:
                raise ValueError(f"modal has custom_id {modal.custom_id!r}, not {custom_id!r}")
            custom_id = modal.custom_id
        if custom_id is None:
            modal = next(
                (
                    s
                    for s in reversed(self.sent)
                    if s.kind == "interaction_response" and s.type == 9
                ),
                None,
            )
            if modal is None:
                raise ValueError("no modal was recorded; pass custom_id")
            custom_id = modal.custom_id
        assert custom_id is not None
        if modal is None:
            modal = next(
                (
                    s
                    for s in reversed(self.sent)
                    if s.kind == "interaction_response" and s.type == 9 and s.custom_id == custom_id
                ),
                None,
            )
        structure: list[dict[str, Any]] | None = None
        origin: PendingInteraction | None = None
        if modal is not None:
            structure = modal.components
            origin = next((p for p in self.interactions if p.id == modal.interaction_id), None)
        else:
            live = self.bot._connection._view_store._modals.get(custom_id)
            if live is not None:
                structure = live.to_dict()["components"]
        remaining = dict(values)
        resolved: dict[str, dict[str, Any]] = {}
        guild = origin.guild_id is not None if origin else True
        if structure is None:
            components = [
                self._inferred_modal_component(k, v, i + 1)
                for i, (k, v) in enumerate(values.items())
            ]
            remaining.clear()
        else:
            counter = iter(range(1, 10_000))
            components = [
                self._mirror_modal_component(c, remaining, counter, resolved, guild=guild)
                for c in structure
            ]
        if remaining:
            known = [
                c.get("custom_id") for c in walk_components(structure or []) if c.get("custom_id")
            ]
            raise KeyError(f"modal {custom_id!r} has no inputs {sorted(remaining)}; it has {known}")
        data: dict[str, Any] = {"custom_id": custom_id, "components": components}
        if resolved:
            data["resolved"] = resolved
        message = None
        if origin is not None and origin.component_message is not None:
            origin_id = int(origin.component_message["id"])
            message = copy.deepcopy(self._messages.get(origin_id, origin.component_message))
        payload = self._interaction_payload(
            5,
            data,
            user=user,
            locale=locale,
            guild=guild,
            channel_id=origin.channel_id if origin is not None else None,
            message=message,
        )
        return await self._begin(payload, f"modal submit {custom_id!r}")

    def _mirror_modal_component(
        self,
        comp: Mapping[str, Any],
        values: dict[str, Any],
        counter: Iterator[int],
        resolved: dict[str, dict[str, Any]],
        *,
        guild: bool,
    ) -> dict[str, Any]:
        ctype = int(comp["type"])
        cid = comp.get("id") or next(counter)
        if ctype == 1:
            return {
                "type": 1,
                "id": cid,
                "components": [
                    self._mirror_modal_component(c, values, counter, resolved, guild=guild)
                    for c in comp.get("components") or []
                ],
            }
        if ctype == 18:
            return {
                "type": 18,
                "id": cid,
                "component": self._mirror_modal_component(
                    comp["component"], values, counter, resolved, guild=guild
                ),
            }
        custom_id = comp.get("custom_id")
        if custom_id is None:
            return {"type": ctype, "id": cid}
        required = bool(comp.get("required", True))
        given = custom_id in values
        value = values.pop(custom_id, None)
        out: dict[str, Any] = {"type": ctype, "id": cid, "custom_id": custom_id}
        if ctype == 4:
            if value is None:
                if required:
                    raise ValueError(f"text input {custom_id!r} is required")
                value = ""
            if not isinstance(value, str):
                raise TypeError(f"text input {custom_id!r} takes a str, got {value!r}")
            low, high = comp.get("min_length"), comp.get("max_length")
            if value and (
                (low is not None and len(value) < low) or (high is not None and len(value) > high)
            ):
                raise ValueError(
                    f"text input {custom_id!r}: length {len(value)} outside [{low}, {high}]"
                )
            out["value"] = value
        elif ctype in (3, 5, 6, 7, 8, 19, 22):
            items = [] if value is None else [value] if isinstance(value, str) else list(value)
            if not items and required and int(comp.get("min_values", 1)) > 0:
                raise ValueError(f"select {custom_id!r} is required")
            if items or given:
                if ctype in (3, 5, 6, 7, 8):
                    out["values"] = self._select_values(comp, ctype, items, resolved, guild=guild)
                else:
                    out["values"] = [str(v) for v in items]
            else:
                out["values"] = []
        elif ctype == 21:
            out["value"] = value
        elif ctype == 23:
            out["value"] = bool(value)
        else:
            out["value"] = value
        return out

    @staticmethod
    def _inferred_modal_component(custom_id: str, value: Any, cid: int) -> dict[str, Any]:
        if isinstance(value, str):
            inner: dict[str, Any] = {
                "type": 4,
                "id": cid * 2,
                "custom_id": custom_id,
                "value": value,
            }
        elif isinstance(value, bool):
            inner = {"type": 23, "id": cid * 2, "custom_id": custom_id, "value": value}
        else:
            inner = {
                "type": 3,
                "id": cid * 2,
                "custom_id": custom_id,
                "values": [str(v) for v in value or []],
            }
        return {"type": 18, "id": cid * 2 - 1, "component": inner}
