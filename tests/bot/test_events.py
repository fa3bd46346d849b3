"""The scheduled-events planner: Discord's limits, nearest first, idempotent, changes, deletions."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from bot.events import (
    ACTIVE_MAX,
    DESCRIPTION_MAX,
    LOCATION_MAX,
    NAME_MAX,
    LiveEvent,
    Mapped,
    Plan,
    event_spec,
    plan,
)
from bot.programme import LocalText, Programme, Session

BEFORE_FORUM = datetime(2021, 10, 1, 8, 0, tzinfo=UTC)


def many(programme: Programme, count: int) -> Programme:
    """A programme of ``count`` timed sessions, one every 30 minutes from 5 Oct 08:00 UTC."""
    template = programme.by_id["hub-oct-6"]
    start = datetime(2021, 10, 5, 8, 0, tzinfo=UTC)
    sessions = [
        dataclasses.replace(
            template,
            id=f"s{i:03d}",
            starts_at=start + timedelta(minutes=30 * i),
            ends_at=start + timedelta(minutes=30 * i + 25),
        )
        for i in range(count)
    ]
    return Programme(programme.forum, programme.places, programme.days, sessions)


def applied(result: Plan, before: list[Mapped] = ()) -> list[Mapped]:  # type: ignore[assignment]
    """The mapping after carrying out ``result`` (event ids made up from the session ids)."""
    rows = {m.session_id: m for m in before}
    for op in result.ops:
        if op.action in ("delete", "forget"):
            rows = {k: m for k, m in rows.items() if m.event_id != op.event_id}
        else:
            assert op.spec is not None
            event_id = op.event_id or f"ev-{op.session_id}"
            rows[op.session_id] = Mapped(op.session_id, event_id, op.spec.fingerprint)
    return list(rows.values())


def live_of(mapping: list[Mapped]) -> list[LiveEvent]:
    return [LiveEvent(m.event_id, active=True, mine=True) for m in mapping]


def test_every_upcoming_timed_session_gets_one_create_and_untimed_ones_none(
    programme: Programme,
) -> None:
    result = plan(programme, BEFORE_FORUM, [], "en")
    timed = [s.id for s in programme.sessions if s.timed]
    assert [op.action for op in result.ops] == ["create"] * len(timed)
    assert [op.session_id for op in result.ops] == timed  # nearest first
    assert "field-visits" not in {op.session_id for op in result.ops}


def test_a_second_plan_after_the_first_sends_nothing(programme: Programme) -> None:
    mapping = applied(plan(programme, BEFORE_FORUM, [], "en"))
    again = plan(programme, BEFORE_FORUM, mapping, "en", live=live_of(mapping))
    assert again.ops == [] and again.unchanged == len(mapping)


def test_sessions_already_started_get_no_new_event(programme: Programme) -> None:
    now = datetime(2021, 10, 6, 10, 5, tzinfo=UTC)  # the hub open space of 6 Oct is on
    result = plan(programme, now, [], "en")
    assert "hub-oct-6" not in {op.session_id for op in result.ops}
    assert all(programme.by_id[op.session_id].starts_at > now for op in result.ops)  # type: ignore[operator]


def test_long_texts_are_cut_within_discords_limits_with_an_ellipsis(
    programme: Programme,
) -> None:
    session = programme.by_id["hub-oct-6"]
    long = LocalText(es="x" * 400, en="Title " * 80, fr="y" * 400)
    huge = LocalText(es="d" * 5000, en="word " * 1000)
    spec = event_spec(
        dataclasses.replace(session, title=long, summary=huge, host="h" * 300), programme, "en"
    )
    assert spec is not None
    assert len(spec.name) == NAME_MAX and spec.name.endswith("…")
    assert len(spec.description) <= DESCRIPTION_MAX and spec.description.endswith("[hub-oct-6]")
    assert "…" in spec.description
    assert 1 <= len(spec.location) <= LOCATION_MAX
    assert spec.end > spec.start


def test_a_session_with_no_end_still_gets_one_for_discord(programme: Programme) -> None:
    session = dataclasses.replace(programme.by_id["hub-oct-6"], ends_at=None)
    spec = event_spec(session, programme, "en")
    assert spec is not None and spec.end == session.starts_at + timedelta(hours=1)  # type: ignore[operator]


def test_more_than_100_upcoming_sessions_get_the_100_nearest(programme: Programme) -> None:
    big = many(programme, 150)
    result = plan(big, BEFORE_FORUM, [], "en")
    assert result.count("create") == ACTIVE_MAX and result.capped == 50
    assert [op.session_id for op in result.ops] == [f"s{i:03d}" for i in range(100)]


def test_other_active_events_in_the_server_reduce_the_room(programme: Programme) -> None:
    big = many(programme, 150)
    foreign = [LiveEvent(f"x{i}", active=True) for i in range(30)]
    ended = [LiveEvent(f"old{i}", active=False) for i in range(30)]
    result = plan(big, BEFORE_FORUM, [], "en", live=foreign + ended)
    assert result.count("create") == 70 and result.capped == 80


def test_as_sessions_end_the_next_ones_get_their_events(programme: Programme) -> None:
    big = many(programme, 150)
    mapping = applied(plan(big, BEFORE_FORUM, [], "en"))
    later = datetime(2021, 10, 5, 8, 0, tzinfo=UTC) + timedelta(minutes=30 * 10 + 1)
    # Discord ended the ten past events (no longer SCHEDULED or ACTIVE).
    live = [LiveEvent(m.event_id, active=m.session_id >= "s010", mine=True) for m in mapping]
    result = plan(big, later, mapping, "en", live=live)
    # s000–s009 ended (their rows are forgotten); s010 is under way and its event still counts
    # against the limit; s011–s099 keep theirs; s100–s109 get one.
    assert {op.session_id for op in result.ops if op.action == "forget"} == {
        f"s{i:03d}" for i in range(10)
    }
    created = [op.session_id for op in result.ops if op.action == "create"]
    assert created == [f"s{i:03d}" for i in range(100, 110)]
    assert result.unchanged == 89 and result.count("delete") == 0


def test_a_changed_session_is_edited_and_nothing_else(programme: Programme) -> None:
    mapping = applied(plan(programme, BEFORE_FORUM, [], "en"))
    hub = programme.by_id["hub-oct-6"]
    moved = dataclasses.replace(hub, starts_at=hub.starts_at + timedelta(minutes=15))  # type: ignore[operator]
    changed = Programme(
        programme.forum,
        programme.places,
        programme.days,
        [moved if s.id == hub.id else s for s in programme.sessions],
    )
    result = plan(changed, BEFORE_FORUM, mapping, "en", live=live_of(mapping))
    [op] = result.ops
    assert (op.action, op.session_id, op.event_id) == ("update", hub.id, f"ev-{hub.id}")
    assert op.spec is not None and op.spec.start == moved.starts_at


def test_a_cancelled_session_has_its_event_deleted(programme: Programme) -> None:
    mapping = applied(plan(programme, BEFORE_FORUM, [], "en"))
    fewer = Programme(
        programme.forum,
        programme.places,
        programme.days,
        [s for s in programme.sessions if s.id != "water-justice"],
    )
    result = plan(fewer, BEFORE_FORUM, mapping, "en", live=live_of(mapping))
    assert [(op.action, op.event_id) for op in result.ops] == [("delete", "ev-water-justice")]


def test_an_event_deleted_by_hand_is_created_again(programme: Programme) -> None:
    mapping = applied(plan(programme, BEFORE_FORUM, [], "en"))
    live = [e for e in live_of(mapping) if e.event_id != "ev-closing"]
    result = plan(programme, BEFORE_FORUM, mapping, "en", live=live)
    assert [(op.action, op.session_id) for op in result.ops] == [("create", "closing")]
    assert result.recreated == 1


def test_an_event_made_by_the_bot_whose_row_was_lost_is_adopted_not_duplicated(
    programme: Programme,
) -> None:
    first = plan(programme, BEFORE_FORUM, [], "en")
    live = [
        LiveEvent(f"ev-{op.session_id}", True, True, op.spec.name, op.spec.start)  # type: ignore[union-attr]
        for op in first.ops
    ]
    again = plan(programme, BEFORE_FORUM, [], "en", live=live)  # the database was lost
    assert again.count("create") == 0
    assert {op.event_id for op in again.ops} == {e.event_id for e in live}


def test_the_bots_stale_upcoming_event_matching_no_session_is_deleted(
    programme: Programme,
) -> None:
    stray = LiveEvent("stray", True, True, "Gone session", datetime(2021, 10, 6, 9, tzinfo=UTC))
    people = LiveEvent("party", True, False, "Party", datetime(2021, 10, 6, 9, tzinfo=UTC))
    result = plan(programme, BEFORE_FORUM, [], "en", live=[stray, people])
    deletes = [op.event_id for op in result.ops if op.action == "delete"]
    assert deletes == ["stray"]  # never someone else's event


def test_texts_follow_the_chosen_language(programme: Programme) -> None:
    spec = event_spec(programme.by_id["climate-dialogue"], programme, "es")
    assert spec is not None
    assert spec.name == programme.by_id["climate-dialogue"].title.es[:NAME_MAX]
    assert spec.description.startswith("Diálogo de alto nivel · Virtual")
    assert spec.location == "Zoom"


def test_session_text_cannot_break_out_of_one_line_names(programme: Programme) -> None:
    session: Session = dataclasses.replace(
        programme.by_id["hub-oct-6"], title=LocalText(es="a\n\nb", en="a\n\n  b\t c")
    )
    spec = event_spec(session, programme, "en")
    assert spec is not None and spec.name == "a b c"
