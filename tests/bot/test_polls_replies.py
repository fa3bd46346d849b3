"""The poll commands as every front sees them: permissions, cards, votes, results, exports."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import timedelta

from bot.clock import FrozenClock
from bot.context import Caller
from bot.hub import Hub
from bot.polls import replies
from bot.polls.model import make_spec
from bot.polls.service import TIMER, Polls
from tests.conftest import text_of


def mod(lang: str | None = None) -> Caller:
    return Caller("console", "mod", "mod", lang, is_moderator=True)


def person(name: str, lang: str | None = None) -> Caller:
    return Caller("console", name, name, lang)


async def start(hub: Hub, question: str = "climate-dialogue/s1", **kw: object) -> int:
    reply, poll = await replies.start(hub.context(mod()), question, **kw)  # type: ignore[arg-type]
    assert poll is not None, text_of(reply)
    return poll.id


async def test_only_moderators_start_close_and_export(hub: Hub, polls: Polls) -> None:
    ana = hub.context(person("ana"))
    reply, poll = await replies.start(ana, "Lunch?")
    assert poll is None and not reply.ok and "Only moderators can start a poll." in text_of(reply)
    poll_id = await start(hub)
    assert "Only moderators can close a poll." in text_of(await replies.close(ana, str(poll_id)))
    assert "Only moderators can export a poll." in text_of(replies.export(ana, str(poll_id)))
    assert polls.get(poll_id).is_open  # type: ignore[union-attr]
    es = hub.context(person("eva", "es"))
    assert "Solo los moderadores pueden cerrar una encuesta." in text_of(
        await replies.close(es, str(poll_id))
    )


async def test_the_card_shows_the_statement_the_options_and_the_live_tally(
    hub: Hub, polls: Polls
) -> None:
    poll_id = await start(hub, duration="5m")
    for name, choice in (("ana", 0), ("bob", 0), ("cy", 1), ("di", 4)):
        await replies.cast(hub.context(person(name)), poll_id, choice)
    poll = polls.get(poll_id)
    assert poll is not None
    text = text_of(replies.card(hub.context(mod()), poll, polls.tally(poll_id)))
    assert "Poll #1 · Intermediary Cities and the Planet for Climate Justice" in text
    assert "The financial and economic resilience" in text
    assert "1. Strongly agree — 2 · 50 %" in text and "5. Strongly disagree — 1 · 25 %" in text
    assert "4 votes · closes at 11:55 AM CEST" in text
    assert "ana" not in text and "bob" not in text


async def test_agreement_options_are_in_the_readers_language(hub: Hub, polls: Polls) -> None:
    poll_id = await start(hub)
    poll = polls.get(poll_id)
    assert poll is not None
    assert poll.labels("es")[0] == "Muy de acuerdo" and poll.labels("fr")[4] == (
        "Pas du tout d'accord"
    )
    reply = await replies.cast(hub.context(person("eva", "fr")), poll_id, 1)
    assert "Votre vote au sondage n° 1 est enregistré : D'accord." in text_of(reply)


async def test_hidden_results_stay_hidden_until_the_close(hub: Hub, polls: Polls) -> None:
    poll_id = await start(hub, "Lunch?", scale="yesno", hide_results=True)
    await replies.cast(hub.context(person("ana")), poll_id, 0)
    poll = polls.get(poll_id)
    assert poll is not None
    card = text_of(replies.card(hub.context(mod()), poll, polls.tally(poll_id)))
    assert "(1 vote ·" in card and "results hidden until it closes" in card and "100 %" not in card
    refused = await replies.results(hub.context(person("bob")), str(poll_id))
    assert not refused.ok and "hidden until it closes" in text_of(refused)
    assert (await replies.results(hub.context(mod()), str(poll_id))).ok  # moderators may look
    await replies.close(hub.context(mod()), str(poll_id))
    assert "Yes — 1 · 100 %" in text_of(
        await replies.results(hub.context(person("bob")), str(poll_id))
    )


async def test_closing_gives_the_final_result_with_a_chart(hub: Hub, polls: Polls) -> None:
    poll_id = await start(hub, "Best capital?", options="human | social | cultural")
    for i in range(7):
        await replies.cast(hub.context(person(f"p{i}")), poll_id, i % 3)
    reply = await replies.close(hub.context(mod()), f"#{poll_id}")
    text = text_of(reply)
    assert not reply.private and "Poll #1: final result" in text and "Best capital?" in text
    assert "human — 3 · 43 %" in text and "7 voters" in text
    (png,) = reply.attachments
    assert png.mime == "image/png" and png.data.startswith(b"\x89PNG")
    again = await replies.close(hub.context(mod()), str(poll_id))
    assert not again.ok and "already closed" in text_of(again)
    late = await replies.cast(hub.context(person("late")), poll_id, 0)
    assert not late.ok and "Poll #1 is closed: this vote was not counted." in text_of(late)


async def test_export_is_counts_only_never_voter_ids(hub: Hub, polls: Polls) -> None:
    poll_id = await start(hub)
    for name, choice in (("ana-secret", 1), ("bob-secret", 1), ("cy-secret", 3)):
        await replies.cast(hub.context(person(name)), poll_id, choice)
    reply = replies.export(hub.context(mod()), str(poll_id))
    (attachment,) = reply.attachments
    data = attachment.data.decode("utf-8-sig")
    assert "secret" not in data
    rows = list(csv.reader(io.StringIO(data)))
    assert rows[0] == [
        "poll",
        "option_number",
        "option_en",
        "option_es",
        "option_fr",
        "option_tr",
        "votes",
        "percent",
    ]
    assert rows[2][2:] == ["Agree", "De acuerdo", "D'accord", "Katılıyorum", "2", "67"]
    assert ["voters", "3"] in rows


async def test_export_gives_times_in_the_forums_zone_to_the_second_and_names_the_zone(
    hub: Hub, polls: Polls, clock: FrozenClock
) -> None:
    poll_id = await start(hub)  # 11:50 CEST
    clock.advance(timedelta(minutes=1, seconds=30, microseconds=305460))
    await replies.close(hub.context(mod()), str(poll_id))
    reply = replies.export(hub.context(mod()), str(poll_id))
    rows = list(csv.reader(io.StringIO(reply.attachments[0].data.decode("utf-8-sig"))))
    assert ["started_at (Europe/Madrid)", "2021-10-06 11:50:00"] in rows
    assert ["closed_at (Europe/Madrid)", "2021-10-06 11:51:30"] in rows


async def test_an_open_polls_export_leaves_the_closing_time_empty(hub: Hub, polls: Polls) -> None:
    reply = replies.export(hub.context(mod()), str(await start(hub)))
    rows = list(csv.reader(io.StringIO(reply.attachments[0].data.decode("utf-8-sig"))))
    assert ["closed_at (Europe/Madrid)", ""] in rows and ["status", "open"] in rows


async def test_export_quotes_options_a_spreadsheet_would_run_as_formulas(
    hub: Hub, polls: Polls
) -> None:
    poll_id = await start(hub, '=HYPERLINK("http://x")?', options="=1+1 | -5 % | @SUM(A1) | ok")
    reply = replies.export(hub.context(mod()), str(poll_id))
    rows = list(csv.reader(io.StringIO(reply.attachments[0].data.decode("utf-8-sig"))))
    assert [r[2] for r in rows[1:5]] == ["'=1+1", "'-5 %", "'@SUM(A1)", "ok"]
    assert ["question_en", '\'=HYPERLINK("http://x")?'] in rows


async def test_bad_poll_numbers_get_a_clear_answer(hub: Hub, polls: Polls) -> None:
    ctx = hub.context(mod())
    assert "“abc” is not a poll number" in text_of(await replies.results(ctx, "abc"))
    assert "There is no poll #42." in text_of(await replies.results(ctx, "42"))


async def test_a_timer_closes_the_poll_when_the_clock_gets_there(
    hub: Hub, polls: Polls, clock: FrozenClock
) -> None:
    poll_id = await start(hub, duration="2m")
    closed: list[int] = []
    polls.on_close(lambda poll: closed.append(poll.id))
    clock.advance(timedelta(seconds=119))
    assert await polls.close_due() == []
    clock.advance(timedelta(seconds=1))
    assert [p.id for p in await polls.close_due()] == [poll_id]
    poll = polls.get(poll_id)
    assert poll is not None and poll.closed_by == TIMER and closed == [poll_id]
    assert await polls.close_due() == []  # closed once only


async def test_timers_run_by_themselves_on_a_running_clock(hub: Hub, polls: Polls) -> None:
    from bot.clock import RehearsalClock

    polls.clock = RehearsalClock(hub.clock.now(), speed=600.0)  # 10 s of forum time per 1/60 s
    poll = await polls.start(
        make_spec(hub.programme, "Q?", duration="10s"), front="console", by="m", lang="en"
    )
    done = asyncio.Event()
    polls.on_close(lambda p: done.set())
    polls.start_timers()
    await asyncio.wait_for(done.wait(), timeout=5)
    assert not poll.is_open and poll.closed_by == TIMER


async def test_a_french_answer_typed_with_a_typographic_apostrophe_or_none_is_understood(
    hub: Hub, polls: Polls
) -> None:
    poll_id = await start(hub)
    luc = hub.context(person("luc", "fr"))
    for typed, label in [
        ("pas d’accord", "Pas d'accord"),  # iOS / macOS autocorrect
        ("Tout à fait d’accord", "Tout à fait d'accord"),
        ("d accord", "D'accord"),
    ]:
        answer = text_of(await replies.vote_text(luc, f"{poll_id} {typed}"))
        assert label in answer and "Quelle réponse" not in answer, answer


async def test_own_options_that_differ_only_by_punctuation_stay_apart(
    hub: Hub, polls: Polls
) -> None:
    poll_id = await start(hub, "Language?", options="C++ | C#")
    ana = hub.context(person("ana"))
    assert "recorded: C#" in text_of(await replies.vote_text(ana, f"{poll_id} c#"))
    assert "Which answer" in text_of(await replies.vote_text(ana, f"{poll_id} c"))


async def test_closing_a_closed_poll_names_the_command_that_shows_its_result(
    hub: Hub, polls: Polls
) -> None:
    poll_id = await start(hub)
    await replies.close(hub.context(mod()), str(poll_id))
    again = text_of(await replies.close(hub.context(mod()), str(poll_id)))
    assert f"see its result with /poll results {poll_id}." in again
    es = text_of(await replies.close(hub.context(mod("es")), str(poll_id)))
    assert f"/poll results {poll_id}" in es


async def test_a_statement_reference_to_a_session_with_only_key_messages_names_them(
    hub: Hub, polls: Polls
) -> None:
    reply, poll = await replies.start(hub.context(mod()), "opening-plenary/s1")
    text = text_of(reply)
    assert poll is None and "has 0 of that kind" not in text
    assert "opening-plenary/m1" in text and "opening-plenary/m5" in text
