"""The planner is a pure function: programme + follows + settings + window → due deliveries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.announce.model import Follow
from bot.announce.plan import plan
from bot.config import AnnouncementsSection, ChannelMap
from bot.programme import Programme

pytestmark = pytest.mark.both_backends

DAY_2 = datetime(2021, 10, 6, 0, 0, tzinfo=UTC)
DAY_3 = datetime(2021, 10, 7, 0, 0, tzinfo=UTC)
EARLY = datetime(2021, 10, 1, tzinfo=UTC)


def _settings(**changes: object) -> AnnouncementsSection:
    return AnnouncementsSection.model_validate(changes)


def _follow(user: str, kind: str, target: str = "", lead: int = 10, since=EARLY) -> Follow:
    return Follow("console", user, kind, target, lead, since)  # type: ignore[arg-type]


def test_each_session_is_announced_at_every_lead_in_its_channel(programme: Programme) -> None:
    out = plan(programme, [], _settings(), {"console"}, DAY_2, DAY_3)
    hub = [d for d in out if d.session_id == "hub-oct-6"]
    assert [(d.due.strftime("%H:%M"), d.target, d.lead_minutes) for d in hub] == [
        ("09:45", "announcements", 15),
        ("10:00", "announcements", 0),
    ]
    assert {d.session_id for d in out} == {"hub-oct-6", "opening-plenary", "water-justice"}


def test_leads_can_differ_by_kind_and_channels_by_kind_then_place(programme: Programme) -> None:
    settings = _settings(
        kind_leads={"open_space": [30, 5]},
        channels={
            "discord": {"default": "1", "kind": {"plenary": "2"}, "place": {"wonder": "3"}},
        },
    )
    out = plan(programme, [], settings, {"discord"}, DAY_2, DAY_3)
    got = {(d.session_id, d.lead_minutes): d.target for d in out}
    assert got == {
        ("hub-oct-6", 30): "3",
        ("hub-oct-6", 5): "3",
        ("opening-plenary", 15): "2",
        ("opening-plenary", 0): "2",
        ("water-justice", 15): "1",
        ("water-justice", 0): "1",
    }


def test_a_front_without_a_channel_gets_reminders_but_no_announcements(
    programme: Programme,
) -> None:
    follows = [Follow("discord", "42", "session", "hub-oct-6", 10, EARLY)]
    out = plan(programme, follows, _settings(), {"discord"}, DAY_2, DAY_3)
    assert [(d.kind, d.target) for d in out] == [("remind", "42")]


def test_the_most_specific_follow_sets_the_lead_and_each_user_gets_one_reminder(
    programme: Programme,
) -> None:
    follows = [
        _follow("ana", "all", "", 60),
        _follow("ana", "kind", "open_space", 30),
        _follow("ana", "session", "hub-oct-6", 5),
    ]
    out = [d for d in plan(programme, follows, _settings(), {"console"}, DAY_2, DAY_3)]
    reminders = {d.session_id: d for d in out if d.kind == "remind"}
    assert reminders["hub-oct-6"].lead_minutes == 5
    assert reminders["hub-oct-6"].due == datetime(2021, 10, 6, 9, 55, tzinfo=UTC)
    assert reminders["opening-plenary"].lead_minutes == 60
    assert len([d for d in out if d.kind == "remind"]) == 3  # one per session of the day


def test_untimed_sessions_and_users_with_closed_messages_get_nothing(
    programme: Programme,
) -> None:
    follows = [_follow("ana", "all"), _follow("bea", "all")]
    out = plan(
        programme, follows, _settings(), {"console"}, EARLY, EARLY + timedelta(days=30),
        closed={("console", "bea")},
    )  # fmt: skip
    assert "field-visits" not in {d.session_id for d in out}
    assert {d.target for d in out if d.kind == "remind"} == {"ana"}


def test_a_follow_made_after_a_reminder_was_due_does_not_bring_it(programme: Programme) -> None:
    late = datetime(2021, 10, 6, 9, 55, tzinfo=UTC)  # after 11:50 CEST, the 10-minute mark
    follows = [_follow("ana", "session", "hub-oct-6", 10, since=late)]
    assert [d for d in plan(programme, follows, _settings(), {"console"}, DAY_2, DAY_3)
            if d.kind == "remind"] == []  # fmt: skip


def test_the_window_is_half_open_and_disabled_plans_nothing(programme: Programme) -> None:
    at = datetime(2021, 10, 6, 9, 45, tzinfo=UTC)
    out = plan(programme, [], _settings(), {"console"}, at, at + timedelta(minutes=15))
    assert [d.due for d in out] == [at]
    assert plan(programme, [], _settings(enabled=False), {"console"}, DAY_2, DAY_3) == []


def test_keys_are_stable_and_name_the_start_so_a_moved_session_is_a_new_delivery(
    programme: Programme,
) -> None:
    follows = [_follow("ana", "session", "hub-oct-6")]
    first = plan(programme, follows, _settings(), {"console"}, DAY_2, DAY_3)
    again = plan(programme, follows, _settings(), {"console"}, DAY_2, DAY_3)
    assert [d.key for d in first] == [d.key for d in again]
    assert "rem:console:ana:hub-oct-6:20211006T1000Z" in {d.key for d in first}
    assert "ann:console:hub-oct-6:15:20211006T1000Z" in {d.key for d in first}


def test_channel_ids_may_be_written_as_numbers_in_the_config() -> None:
    settings = _settings(channels={"discord": {"default": 123456789012345678}})
    assert settings.channels["discord"] == ChannelMap(default="123456789012345678")
