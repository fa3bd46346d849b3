"""Offline test harness for discord.py 2.7 bots: real dispatch in, recorded HTTP out.

Cogs are exercised through the *real* discord.py machinery: the harness builds
gateway-shaped ``INTERACTION_CREATE`` payloads and feeds them to
``bot._connection.parse_interaction_create``, so the real ``app_commands.CommandTree``
(option parsing, transformers, checks, autocomplete, error handlers),
``discord.ui.View`` / ``DynamicItem`` dispatch and ``discord.ui.Modal`` submission all run.
Nothing leaves the process:

* every call made through :class:`discord.webhook.async_.AsyncWebhookAdapter` (interaction
  callbacks, follow-ups, ``@original`` edits/fetches/deletes) is answered by the harness. The
  adapter is patched at *class* level (reference counted, shared by all live harnesses, and
  restored when the last one closes); requests are routed back to the harness that owns the
  interaction token, any other token raises instead of reaching Discord;
* ``bot.http.request`` (all ordinary REST calls: ``channel.send``, DMs, message edits,
  scheduled events, command sync, ...) is replaced on the bot's ``HTTPClient`` instance by a
  recorder returning plausible JSON (scheduled events are kept in ``scheduled_events``, so a
  listing shows what was created and an edit of a deleted event gets Discord's 404). Single
  routes can be made to fail (``http_fail``), e.g. :meth:`DiscordHarness.fail_dms_for`
  simulates a user with closed DMs (403, code 50007).

Completion: ``parse_interaction_create`` is synchronous and only *schedules* the handlers as tasks
(``CommandTree-invoker``, ``discord-ui-view-dispatch-*``, ``discord-ui-dynamic-item-*``,
``discord-ui-modal-dispatch-*`` and the ``on_interaction`` event tasks). From ``start()`` to
``close()`` the harness chains a task factory on the running loop; every task created while the
payload is parsed is collected for that interaction and awaited (``asyncio.wait`` with a timeout,
never sleeping). A context variable set around the parse is inherited by those tasks, so calls
and errors are attributed to their interaction. Tasks the handlers spawn themselves (view timeout
watchers, ``delete_after``, fire-and-forget ``create_task``) are tracked separately:
``await harness.drain()`` waits for them, ``close()`` cancels the leftovers.

Errors: exceptions raised inside handlers are captured *after* the app's own handlers ran:
``CommandTree.on_error``, ``View.on_error``/``Modal.on_error`` and ``Client.on_error`` are wrapped
(the wrapper records the exception, then calls the app's handler), and ERROR records with
``exc_info`` logged under the ``discord`` logger (dynamic item callbacks, autocomplete
callbacks, default handlers) are captured too. Each exception is attributed to the interaction
that caused it through a context variable inherited by the dispatch tasks. When the interaction
completes, unexpected errors raise :class:`InteractionFailed` (an ``AssertionError``) in the
test. Pass ``expect_error=SomeError`` to assert a failure instead (``CommandInvokeError`` is
matched through its ``.original``), or ``ignored_errors=(...)`` to the harness for errors the app
handles on purpose. With ``strict_responses=True`` (default) an interaction that finishes
without any interaction callback (Discord's "This interaction failed") raises
:class:`NoResponse`.

Typical use::

    async with DiscordHarness(bot) as h:          # runs bot.setup_hook() offline
        sent = await h.slash("poll start", {"question": "Lunch?"})
        assert "Lunch?" in sent[0].text
        votes = await h.click("vote:1:2", message=sent[0])
        assert votes[0].ephemeral
"""

from __future__ import annotations

from .constants import (
    ATTACHMENT_SIZE_LIMIT as ATTACHMENT_SIZE_LIMIT,
)
from .constants import (
    DEFAULT_APP_PERMISSIONS as DEFAULT_APP_PERMISSIONS,
)
from .constants import (
    DEFAULT_APPLICATION_ID,
    DEFAULT_CHANNEL_ID,
    DEFAULT_GUILD_ID,
    new_snowflake,
)
from .constants import (
    DEFAULT_EVERYONE_PERMISSIONS as DEFAULT_EVERYONE_PERMISSIONS,
)
from .constants import (
    DEFAULT_MODERATOR_PERMISSIONS as DEFAULT_MODERATOR_PERMISSIONS,
)
from .constants import (
    DEFAULT_OWNER_ID as DEFAULT_OWNER_ID,
)
from .constants import (
    DISCORD_EPOCH_MS as DISCORD_EPOCH_MS,
)
from .constants import (
    EPHEMERAL as EPHEMERAL,
)
from .constants import (
    LOADING as LOADING,
)
from .harness import DiscordHarness
from .pending import PendingInteraction
from .records import (
    ErrorSpec as ErrorSpec,
)
from .records import (
    FakeUser,
    HttpCall,
    InteractionFailed,
    InteractionTimeout,
    NoResponse,
    Sent,
    http_error,
    walk_components,
)
from .webhook import WebhookHandler as WebhookHandler

__all__ = [
    "DEFAULT_APPLICATION_ID",
    "DEFAULT_CHANNEL_ID",
    "DEFAULT_GUILD_ID",
    "DiscordHarness",
    "FakeUser",
    "HttpCall",
    "InteractionFailed",
    "InteractionTimeout",
    "NoResponse",
    "PendingInteraction",
    "Sent",
    "http_error",
    "new_snowflake",
    "walk_components",
]
