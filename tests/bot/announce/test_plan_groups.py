"""One post for many in the planner (issue 14): a session whose followers are reached by a group
post gets ONE delivery per lead instead of one per follower; followers who asked for ``dm`` keep
their private message; in ``thread`` mode each follower is added to the group ahead of time."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from bot.announce.model import Follow
from bot.announce.plan import plan
from bot.config import AnnouncementsSection, ReminderDelivery
from bot.programme import Programme

pytestmark = pytest.mark.both_backends

DAY_2 = datetime(2021, 10, 6, 0, 0, tzinfo=UTC)
DAY_3 = datetime(2021, 10, 7, 0, 0, tzinfo=UTC)
EARLY = datetime(2021, 10, 1, tzinfo=UTC)
FOLLOWED = datetime(2021, 10, 2, 8, 0, tzinfo=UTC)


def _settings(**reminders: object) -> AnnouncementsSection:
    return AnnouncementsSection.model_validate(
        {"channels": {"discord": {"default": "100"}}, "reminders": reminders}
    )


def _follows(count: int, *, dm: set[int] = frozenset(), lead: int = 10) -> list[Follow]:  # type: ignore[assignment]
    return [
        Follow("discord", str(i), "session", "opening-plenary", lead, FOLLOWED, None, i in dm)
        for i in range(count)
    ]


def _reminders(out: list, kind: str) -> list:  # type: ignore[type-arg]
    return [d for d in out if d.kind == kind]


def test_thread_mode_plans_one_post_and_adds_each_follower_as_they_follow(
    programme: Programme,
) -> None:
    follows = _follows(5, dm={3})
    out = plan(programme, follows, _settings(mode="thread"), {"discord"}, EARLY, DAY_3,
               group_fronts={"discord"})  # fmt: skip
    (post,) = _reminders(out, "group")
    assert post.key == "grp:discord:opening-plenary:10:20211006T1130Z"
    assert post.members == ("0", "1", "2", "4") and post.target == "100"
    assert post.due == datetime(2021, 10, 6, 11, 20, tzinfo=UTC)
    members = _reminders(out, "member")
    assert sorted(d.target for d in members) == ["0", "1", "2", "4"]
    assert {d.due for d in members} == {FOLLOWED}  # added when they followed, not at the post
    (dm,) = _reminders(out, "remind")
    assert dm.target == "3"


def test_followers_with_different_leads_get_one_post_per_lead(programme: Programme) -> None:
    follows = _follows(2) + _follows(4, lead=30)[2:]
    out = plan(programme, follows, _settings(mode="mentions"), {"discord"}, EARLY, DAY_3,
               group_fronts={"discord"})  # fmt: skip
    posts = sorted((d.lead_minutes, d.members) for d in _reminders(out, "group"))
    assert posts == [(10, ("0", "1")), (30, ("2", "3"))]
    assert _reminders(out, "member") == [] and _reminders(out, "remind") == []


def test_auto_mode_sends_private_messages_up_to_the_threshold_then_one_post(
    programme: Programme,
) -> None:
    settings = _settings(mode="auto", dm_max_followers=3)
    small = plan(programme, _follows(3), settings, {"discord"}, EARLY, DAY_3,
                 group_fronts={"discord"})  # fmt: skip
    assert len(_reminders(small, "remind")) == 3 and _reminders(small, "group") == []
    big = plan(programme, _follows(4), settings, {"discord"}, EARLY, DAY_3,
               group_fronts={"discord"})  # fmt: skip
    assert _reminders(big, "remind") == [] and len(_reminders(big, "group")) == 1


def test_the_mode_is_chosen_per_kind_of_session(programme: Programme) -> None:
    settings = _settings(mode="thread", kind_modes={"plenary": "dm"})
    out = plan(programme, _follows(4), settings, {"discord"}, EARLY, DAY_3,
               group_fronts={"discord"})  # fmt: skip
    assert len(_reminders(out, "remind")) == 4 and _reminders(out, "group") == []


def test_a_front_that_cannot_post_for_many_keeps_private_messages(programme: Programme) -> None:
    out = plan(programme, _follows(4), _settings(mode="thread"), {"discord"}, EARLY, DAY_3)
    assert len(_reminders(out, "remind")) == 4 and _reminders(out, "group") == []


def test_without_a_channel_for_the_session_followers_get_private_messages(
    programme: Programme,
) -> None:
    settings = AnnouncementsSection.model_validate({"reminders": {"mode": "thread"}})
    out = plan(programme, _follows(4), settings, {"discord"}, EARLY, DAY_3,
               group_fronts={"discord"})  # fmt: skip
    assert len(_reminders(out, "remind")) == 4 and _reminders(out, "group") == []


def test_a_follower_whose_reminder_time_had_passed_when_they_followed_is_not_mentioned(
    programme: Programme,
) -> None:
    late = Follow("discord", "9", "session", "opening-plenary", 10,
                  datetime(2021, 10, 6, 11, 25, tzinfo=UTC))  # fmt: skip
    out = plan(programme, [*_follows(2), late], _settings(mode="thread"), {"discord"},
               EARLY, DAY_3, group_fronts={"discord"})  # fmt: skip
    (post,) = _reminders(out, "group")
    assert post.members == ("0", "1")
    assert "9" not in {d.target for d in out}


def test_closed_private_messages_do_not_keep_a_follower_out_of_the_post(
    programme: Programme,
) -> None:
    out = plan(programme, _follows(2), _settings(mode="thread"), {"discord"}, EARLY, DAY_3,
               closed={("discord", "1")}, group_fronts={"discord"})  # fmt: skip
    (post,) = _reminders(out, "group")
    assert post.members == ("0", "1")


def test_bad_delivery_settings_are_refused_with_what_is_allowed() -> None:
    with pytest.raises(ValidationError, match="auto"):
        ReminderDelivery.model_validate({"mode": "carrier-pigeon"})
    with pytest.raises(ValidationError, match="unknown kind"):
        ReminderDelivery.model_validate({"kind_modes": {"banquet": "dm"}})
    with pytest.raises(ValidationError):
        ReminderDelivery.model_validate({"dm_max_followers": -1})


def test_auto_mode_stays_a_thread_past_a_threads_member_limit(
    programme: Programme,
) -> None:
    """Past ``thread_max_members`` the followers are spread over several threads at send time
    (bot/announce/shards.py); the plan is still one group post and a member addition each,
    never the channel-wide mentions that one channel's rate limit makes slow."""
    settings = _settings(mode="auto", dm_max_followers=1, thread_max_members=3)
    out = plan(programme, _follows(4), settings, {"discord"}, EARLY, DAY_3,
               group_fronts={"discord"})  # fmt: skip
    (post,) = _reminders(out, "group")
    assert post.mode == "thread" and len(_reminders(out, "member")) == 4
    assert ReminderDelivery().mode_for("plenary", 50) == "dm"
    assert ReminderDelivery().mode_for("plenary", 51) == "thread"
    assert ReminderDelivery().mode_for("plenary", 1001) == "thread"
    assert ReminderDelivery().mode_for("plenary", 50_000) == "thread"
    assert ReminderDelivery(mode="mentions").mode_for("plenary", 50_000) == "mentions"
