"""Schedule changes: /reload and the file watcher keep a bad file out and announce a good one."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.announce import follows
from bot.announce.changes import diff
from bot.clock import FrozenClock
from bot.commands import dispatch
from bot.config import BUNDLED_SCHEDULE, Config
from bot.programme import Programme, load_programme
from tests.conftest import text_of
from tests.support.announce import FakeOutbox, person, running_bot

pytestmark = pytest.mark.both_backends

T = datetime(2021, 10, 6, 9, 40, tzinfo=UTC)


def _edit(text: str, session: str, old: str, new: str) -> str:
    head, _, rest = text.partition(f"  - id: {session}\n")
    block, sep, tail = rest.partition("\n  - id: ")
    assert old in block
    return head + f"  - id: {session}\n" + block.replace(old, new, 1) + sep + tail


def _drop(text: str, session: str) -> str:
    return re.sub(rf"  - id: {session}\n.*?(?=\n  - id: )", "", text, count=1, flags=re.S)


def _schedule(tmp_path: Path) -> Path:
    path = tmp_path / "schedule.yaml"
    path.write_text(BUNDLED_SCHEDULE.read_text(encoding="utf-8"), encoding="utf-8")
    return path


def _moved_and_cancelled(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    text = _edit(text, "opening-plenary", 'start: "13:30"', 'start: "14:00"')
    path.write_text(_drop(text, "water-justice"), encoding="utf-8")


async def test_a_good_file_replans_and_tells_the_channel_and_the_followers(
    programme: Programme, db: Path | str, tmp_path: Path
) -> None:
    path, clock, outbox = _schedule(tmp_path), FrozenClock(T), FakeOutbox()
    async with running_bot(Config(), programme, db, clock, outbox, schedule=path) as hub:
        await follows.remind(hub.context(person("ana")), "opening-plenary")
        await follows.remind(hub.context(person("bea")), "hub-oct-6")
        _moved_and_cancelled(path)
        answer = await dispatch(hub, person("mod", moderator=True), "/", "reload", "")
        await hub.announcer.drain()  # type: ignore[union-attr]
        assert (
            "Programme reloaded (11 sessions): 2 changes, announced in the channel and to the "
            "followers of the sessions concerned." in text_of(answer)
        )
        (post,) = outbox.to("announcements")
        assert "Intermediary Cities for Equal Territories — moved" in post
        assert "moved (was 1:30 PM–" in post and "cancelled (was 4:00 PM–" in post
        (told,) = outbox.to("ana")
        assert "moved" in told and "2:00 PM" in told and "cancelled" not in told
        assert outbox.to("bea") == []  # her session did not change
        keys = {d.key for d in hub.announcer.pending()}  # type: ignore[union-attr]
        assert "ann:console:opening-plenary:15:20211006T1200Z" in keys
        assert not any("water-justice" in k or "plenary:15:20211006T1130Z" in k for k in keys)
        again = await dispatch(hub, person("mod", moderator=True), "/", "reload", "")
        assert "nothing changed" in text_of(again)


async def test_the_moderators_reload_answer_does_not_say_they_follow_the_changed_sessions(
    programme: Programme, db: Path | str, tmp_path: Path
) -> None:
    path, clock, outbox = _schedule(tmp_path), FrozenClock(T), FakeOutbox()
    async with running_bot(Config(), programme, db, clock, outbox, schedule=path) as hub:
        _moved_and_cancelled(path)
        answer = text_of(await dispatch(hub, person("mod", moderator=True), "/", "reload", ""))
        await hub.announcer.drain()  # type: ignore[union-attr]
        assert "moved (was 1:30 PM–" in answer
        assert "You follow these sessions" not in answer
        assert "/schedule" in answer


async def test_a_broken_file_keeps_the_running_programme_and_lists_its_problems(
    programme: Programme, db: Path | str, tmp_path: Path
) -> None:
    path, clock, outbox = _schedule(tmp_path), FrozenClock(T), FakeOutbox()
    async with running_bot(Config(), programme, db, clock, outbox, schedule=path) as hub:
        before = hub.programme
        text = _edit(path.read_text(encoding="utf-8"), "hub-oct-6", 'end: "12:45"', 'end: "11:00"')
        path.write_text(text, encoding="utf-8")
        answer = await dispatch(hub, person("mod", moderator=True), "/", "reload", "")
        assert not answer.ok
        assert re.search(rf"{re.escape(str(path))}:\d+: session 'hub-oct-6'", text_of(answer))
        assert text_of(answer).startswith(
            "The schedule file has 1 problem; the running programme is unchanged:"
        )
        assert hub.programme is before and outbox.sent == []


async def test_only_moderators_may_reload(
    programme: Programme, db: Path | str, tmp_path: Path
) -> None:
    async with running_bot(Config(), programme, db, FrozenClock(T), FakeOutbox()) as hub:
        answer = await dispatch(hub, person("ana"), "/", "reload", "")
        assert not answer.ok and "Only moderators" in text_of(answer)


async def test_the_file_watcher_reloads_a_changed_file_and_ignores_a_broken_one(
    programme: Programme, db: Path | str, tmp_path: Path
) -> None:
    path, clock, outbox = _schedule(tmp_path), FrozenClock(T), FakeOutbox()
    async with running_bot(Config(), programme, db, clock, outbox, schedule=path) as hub:
        announcer = hub.announcer
        assert announcer is not None
        from bot.announce.jobs import FileWatch

        watch = FileWatch(path, 1.0, hub.programmes.file_changed)
        assert not await watch.check()  # unchanged
        path.write_text("forum: [", encoding="utf-8")
        assert await watch.check()
        assert hub.programme.by_id["opening-plenary"].starts_at == datetime(
            2021, 10, 6, 11, 30, tzinfo=UTC
        )
        _schedule(tmp_path)
        _moved_and_cancelled(path)
        os.utime(path, ns=(1, 10**18))  # a new modification time, whatever the file system
        assert await watch.check()
        await announcer.drain()
        assert hub.programme.by_id["opening-plenary"].starts_at == datetime(
            2021, 10, 6, 12, 0, tzinfo=UTC
        )
        assert len(outbox.to("announcements")) == 1


def test_diff_names_moved_cancelled_and_added_sessions_still_to_come(
    programme: Programme, tmp_path: Path
) -> None:
    path = _schedule(tmp_path)
    _moved_and_cancelled(path)
    new = load_programme(path)
    changes = diff(programme, new, T)
    assert [(c.what, c.session_id) for c in changes] == [
        ("moved", "opening-plenary"),
        ("cancelled", "water-justice"),
    ]
    assert [(c.what, c.session_id) for c in diff(new, programme, T)] == [
        ("moved", "opening-plenary"),
        ("added", "water-justice"),
    ]
    # Day 1 is over at T: changing it is not news.
    later = diff(programme, new, T + timedelta(days=2))
    assert later == []


async def test_a_follow_of_a_cancelled_session_is_shown_as_cancelled_and_can_be_stopped(
    programme: Programme, db: Path | str, tmp_path: Path
) -> None:
    path, clock, outbox = _schedule(tmp_path), FrozenClock(T), FakeOutbox()
    async with running_bot(Config(), programme, db, clock, outbox, schedule=path) as hub:
        await follows.remind(hub.context(person("ana")), "water-justice")
        _moved_and_cancelled(path)  # water-justice is dropped from the file
        await dispatch(hub, person("mod", moderator=True), "/", "reload", "")
        await hub.announcer.drain()  # type: ignore[union-attr]
        listing = text_of(await dispatch(hub, person("ana"), "/", "reminders", ""))
        assert "water-justice (cancelled)" in listing
        stopped = await dispatch(hub, person("ana"), "/", "unremind", "water-justice")
        assert stopped.ok and "no more reminders of water-justice" in text_of(stopped)
        assert "You follow nothing yet" in text_of(
            await dispatch(hub, person("ana"), "/", "reminders", "")
        )
