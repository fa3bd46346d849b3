"""Ids, permissions and small pure helpers shared by the harness modules."""

from __future__ import annotations

import base64
import secrets
import time
from datetime import UTC, datetime

from ._discord import discord

DEFAULT_APPLICATION_ID = 1_150_000_000_000_000_001
DEFAULT_GUILD_ID = 1_150_000_000_000_000_100
DEFAULT_CHANNEL_ID = 1_150_000_000_000_000_200
DEFAULT_OWNER_ID = 1_150_000_000_000_000_300
DISCORD_EPOCH_MS = 1_420_070_400_000
EPHEMERAL = 64
LOADING = 128
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024


#: Permissions of ``@everyone`` in the fake guild (what a fresh Discord server grants).
DEFAULT_EVERYONE_PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    send_messages_in_threads=True,
    create_public_threads=True,
    read_message_history=True,
    add_reactions=True,
    embed_links=True,
    attach_files=True,
    use_external_emojis=True,
    use_application_commands=True,
    create_instant_invite=True,
    change_nickname=True,
    connect=True,
    speak=True,
    stream=True,
    use_voice_activation=True,
).value


#: Extra permissions of the default "Moderators" role.
DEFAULT_MODERATOR_PERMISSIONS = discord.Permissions(
    manage_messages=True,
    kick_members=True,
    moderate_members=True,
    manage_events=True,
    manage_threads=True,
).value


#: ``app_permissions`` sent with interactions: everything except administrator.
DEFAULT_APP_PERMISSIONS = (
    discord.Permissions.all().value & ~discord.Permissions(administrator=True).value
)


_last_snowflake = 0


def new_snowflake() -> int:
    """Return a fresh, strictly increasing, time-based Discord snowflake."""
    global _last_snowflake
    candidate = (int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22
    _last_snowflake = max(candidate, _last_snowflake + 1)
    return _last_snowflake


def _now_iso() -> str:
    return datetime.now(UTC).isoformat()


def _interaction_token(interaction_id: int) -> str:
    """A fresh token shaped like Discord's (base64 of ``interaction:<id>:<secret>``)."""
    raw = f"interaction:{interaction_id}:{secrets.token_hex(48)}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _check_locale(locale: str) -> str:
    try:
        return discord.Locale(locale).value
    except ValueError:
        raise ValueError(
            f"{locale!r} is not a Discord locale; Discord sends one of "
            f"{[loc.value for loc in discord.Locale]} (e.g. 'fr', not 'fr-FR'; 'es-ES' / 'es-419')"
        ) from None
