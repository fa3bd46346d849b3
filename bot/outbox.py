"""How the core sends messages nobody asked for (announcements, reminders, notices) on a front.

Each front (console, Discord, Matrix) implements :class:`Outbox`; the announcer and other
schedulers in ``bot/`` talk only to this protocol, never to a platform library.
"""

from __future__ import annotations

from typing import Protocol

from bot.doc import Reply


class DeliveryError(Exception):
    """A message could not be delivered.

    ``permanent`` failures (a user whose direct messages are closed, a channel the bot may not
    post in, an unknown room) are noted once and never retried; other failures (rate limits,
    a homeserver or gateway that is away) may be retried later: not before ``retry_after``
    seconds when the platform said so (a 429's ``retry_after``).
    """

    def __init__(self, reason: str, *, permanent: bool, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.retry_after = retry_after


class GroupFull(DeliveryError):
    """A follower could not be added to a group (a thread) because it holds as many members as
    the platform allows (Discord: error 30033): another group must take them."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, permanent=False)


class Outbox(Protocol):
    #: The front's name, as in :class:`bot.context.Caller` ("console", "discord", "matrix").
    front: str

    async def post(self, channel: str, reply: Reply) -> None:
        """Post ``reply`` publicly in a channel (Discord channel id, Matrix room id or alias,
        a console channel name). Raises :class:`DeliveryError` when it cannot."""
        ...

    async def direct(self, user_id: str, reply: Reply) -> None:
        """Send ``reply`` privately to one user of this front (a Discord DM, a Matrix
        direct-message room). Raises :class:`DeliveryError` when it cannot."""
        ...
