"""``[announcements]`` and ``[events]``: channels, leads, reminder delivery, scheduled events."""

from __future__ import annotations

from typing import Annotated, Literal, TypeVar

from pydantic import BeforeValidator, Field, field_validator

from bot.config_base import Language, _Section

_T = TypeVar("_T")


def _as_text(value: object) -> object:
    """Discord channel ids may be written as TOML integers; they are kept as text."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


ChannelId = Annotated[str, BeforeValidator(_as_text), Field(min_length=1, max_length=255)]
Minutes = Annotated[int, Field(ge=0, le=7 * 24 * 60)]


class ChannelMap(_Section):
    """Where one front posts announcements: by kind of session, else by place, else default."""

    default: ChannelId | None = None
    kind: dict[str, ChannelId] = Field(default_factory=dict)
    place: dict[str, ChannelId] = Field(default_factory=dict)

    @field_validator("kind")
    @classmethod
    def _known_kinds(cls, value: dict[str, str]) -> dict[str, str]:
        return _check_kinds(value)


def _check_kinds(value: dict[str, _T]) -> dict[str, _T]:
    from bot.programme import KINDS

    unknown = sorted(set(value) - set(KINDS))
    if unknown:
        raise ValueError(f"unknown kind(s) {unknown}; known: {', '.join(KINDS)}")
    return value


#: The slowest pacing of private messages accepted (channel posts never wait for it).
MIN_DM_PER_SECOND = 0.5


DeliveryMode = Literal["auto", "dm", "thread", "mentions"]


class ReminderDelivery(_Section):
    """How a session's followers are reminded (``[announcements.reminders]``): ``dm`` one
    private message each; ``thread`` one post in the session's own thread (Discord: a private
    thread whose members are the followers, added as they follow; Matrix: a thread in the
    session's channel), mentioning them; ``mentions`` one post in the session's channel,
    mentioning them in batches; ``auto``: ``dm`` up to ``dm_max_followers`` followers, else
    ``thread``. A thread holds at most ``thread_max_members`` followers: past it (and past the
    platform's own limit, Discord: 1,000 participants a thread, the bot one of them) a session's
    followers are spread over several threads (see ``bot/announce/shards.py``). A follow made
    with ``dm`` (``/remind SESSION dm``) is always a private message."""

    mode: DeliveryMode = "auto"
    kind_modes: dict[str, DeliveryMode] = Field(default_factory=dict)
    dm_max_followers: int = Field(default=50, ge=0, le=1_000_000)
    thread_max_members: int = Field(default=1000, ge=1, le=1_000_000)
    members_per_second: float = Field(default=5.0, gt=0, le=50, allow_inf_nan=False)

    @field_validator("kind_modes")
    @classmethod
    def _known_mode_kinds(cls, value: dict[str, str]) -> dict[str, str]:
        return _check_kinds(value)

    def mode_for(self, kind: str, followers: int) -> DeliveryMode:
        """``dm``, ``thread`` or ``mentions`` for a session of ``kind`` with that many
        followers (not counting those who asked for private messages)."""
        mode = self.kind_modes.get(kind, self.mode)
        if mode == "auto":
            return "dm" if followers <= self.dm_max_followers else "thread"
        return mode


#: The fronts a config section may name (announcement and moderator channels).
FrontName = Literal["console", "discord", "matrix"]


def _default_channels() -> dict[FrontName, ChannelMap]:
    return {"console": ChannelMap(default="announcements")}


class AnnouncementsSection(_Section):
    """Channel announcements and personal reminders (see ``bot/announce``)."""

    enabled: bool = True
    leads: list[Minutes] = Field(default_factory=lambda: [15, 0], max_length=10)
    kind_leads: dict[str, list[Minutes]] = Field(default_factory=dict)
    language: Language | None = None
    channels: dict[FrontName, ChannelMap] = Field(default_factory=_default_channels)
    reminder_lead: Minutes = 10
    grace_minutes: float = Field(default=30.0, ge=0, le=24 * 60)
    watch_schedule: bool = True
    watch_seconds: float = Field(default=3.0, ge=0.2, le=3600)
    workers: int = Field(default=2, ge=1, le=32)
    batch: int = Field(default=10, ge=1, le=500)
    queue_size: int = Field(default=1000, ge=1, le=1_000_000)
    dm_per_second: float = Field(default=20.0, ge=0, le=1000, allow_inf_nan=False)
    retries: int = Field(default=3, ge=0, le=10)
    retry_seconds: float = Field(default=2.0, ge=0, le=600)
    #: Where moderators are told (once) that a live programme source is down or broken.
    moderator_channels: dict[Literal["console", "discord", "matrix"], ChannelId] = Field(
        default_factory=dict
    )
    #: A person's reminders due within this many minutes of each other go as one message.
    digest_minutes: float = Field(default=2.0, ge=0, le=60, allow_inf_nan=False)
    reminders: ReminderDelivery = Field(default_factory=ReminderDelivery)

    @field_validator("dm_per_second")
    @classmethod
    def _dm_pace(cls, value: float) -> float:
        if 0 < value < MIN_DM_PER_SECOND:
            raise ValueError(
                f"{value:g} private messages per second would hold reminders back for minutes; "
                f"use 0 (no pacing of our own) or at least {MIN_DM_PER_SECOND:g}"
            )
        return value

    @field_validator("kind_leads")
    @classmethod
    def _known_lead_kinds(cls, value: dict[str, list[int]]) -> dict[str, list[int]]:
        return _check_kinds(value)

    def leads_for(self, kind: str) -> list[int]:
        return sorted(set(self.kind_leads.get(kind, self.leads)), reverse=True)


class EventsSection(_Section):
    """Discord scheduled events: one external event per upcoming session (``bot/events.py``)."""

    sync: bool = False
    language: Language | None = None
    resync_minutes: int = Field(default=60, ge=0, le=1440)
    follow_interested: bool = False
