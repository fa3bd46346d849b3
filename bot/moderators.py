"""The one way a moderator command refuses someone who is not a moderator: the command's own
line, and, when the front knows why this caller is not a moderator *here* (Discord: a server that
is not the forum's, a direct message from someone who is not a moderator of the forum's server),
a second line saying so."""

from __future__ import annotations

from bot.context import Ctx
from bot.doc import Reply, error
from bot.i18n import t


def moderators_only(ctx: Ctx, text: str) -> Reply:
    reply = error(text)
    if ctx.caller.moderator_note:
        reply.para(t(ctx.lang, ctx.caller.moderator_note))
    return reply
