"""Whatever someone typed is text in Matrix events: no tag, link or pill in ``formatted_body``,
no control or bidi character in either body; on the core's real replies for each surface
(receipt, review, own proposals, decision, host's notice, /next, /schedule, /session, polls)."""

from __future__ import annotations

import pytest

from bot.commands import dispatch
from bot.context import Caller
from bot.doc import Reply, Text
from bot.hub import Hub
from bot.polls import replies as poll_replies
from bot.polls.service import Polls
from bot.proposals import moderation, service
from bot.proposals.sessions import rebuild_programme
from fronts.matrix.polls import start_content
from fronts.matrix.render import notice
from tests.support.markup import HOSTILE, html_problems, terminal_problems
from tests.support.proposals import answers

HTML_HOSTILE = (
    '<a href="https://evil.example/z">Join</a> <b>x</b> <img src=x onerror=y>',
    "[Join](https://evil.example/zoom) <https://evil.example> &lt;b&gt; &amp;",
)
BOT_TAGS = {"p", "h4", "ul", "li", "strong", "em", "code", "a", "time", "blockquote"}


def _caller(user: str, *, moderator: bool = False) -> Caller:
    return Caller("matrix", f"@{user}:l4a.test", user.capitalize(), "en", moderator)


async def _surfaces(hub: Hub, typed: str) -> dict[str, Reply]:
    ana, mod, bea = _caller("ana"), _caller("mod", moderator=True), _caller("bea")
    typed_answers = answers(
        host_name=typed,
        organisation=typed,
        title=typed,
        description=f"{typed} — a workshop on what cities learn.",
        cohosts=typed,
    )
    submitted = await service.submit(hub.context(ana), 0, typed_answers)
    assert submitted.proposal is not None, submitted.errors
    out = {"receipt": submitted.reply}
    out["own proposals"] = (await service.mine(hub.context(ana)))[0]
    out["review"] = await moderation.review(hub.context(mod), 1)
    out["decision"] = (await moderation.decide(hub.context(mod), 1, "approved")).reply
    await rebuild_programme(hub)
    [(_, out["host's notice"])] = await moderation.due_notices(hub, "matrix")
    out["!next"] = await dispatch(hub, bea, "!", "next", "")
    out["!schedule"] = await dispatch(hub, bea, "!", "schedule", "2021-10-06")
    out["!session"] = await dispatch(hub, bea, "!", "session", "proposal-1")
    poll_reply, _ = await poll_replies.start(
        hub.context(mod), typed, options=f"{typed} | the other answer"
    )
    out["poll card"] = poll_reply
    return out


@pytest.mark.parametrize("typed", HOSTILE + HTML_HOSTILE)
async def test_typed_text_is_only_text_in_every_matrix_reply(
    hub: Hub, polls: Polls, typed: str
) -> None:
    out = await _surfaces(hub, typed)
    problems = {}
    for where, reply in out.items():
        content = notice(reply)
        found = html_problems(content["formatted_body"], typed, bot_tags=BOT_TAGS)
        found += terminal_problems(content["body"])
        if " ".join(typed.split()) not in content["body"]:
            found.append("not in the plain body as typed")
        if found:
            problems[where] = found
    assert problems == {}


async def test_a_poll_start_event_carries_the_typed_question_as_plain_text(
    hub: Hub, polls: Polls
) -> None:
    typed = HTML_HOSTILE[0]
    _, poll = await poll_replies.start(
        hub.context(_caller("mod", moderator=True)), typed, options=f"{typed} | other"
    )
    assert poll is not None
    content = start_content(poll)
    start = content["org.matrix.msc3381.poll.start"]
    assert start["question"]["body"] == typed and "format" not in start["question"]
    assert "formatted_body" not in content and content["m.mentions"] == {}


def test_control_and_bidi_characters_never_leave_in_either_body() -> None:
    content = notice(Reply().para(Text("a\x1b[2Jb\x07c\x00d\u202ee\x9bf @room")))
    for body in (content["body"], content["formatted_body"]):
        assert terminal_problems(body) == [] and "a[2Jbcdef" in body
