"""Attachments on the console: saved as files, one name per speaker so nobody's is overwritten."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from icalendar import Calendar

from bot.clock import FrozenClock
from bot.config import Config
from bot.hub import Hub
from bot.programme import Programme
from fronts.console import Console, saved_name
from tests.support.announce import FakeOutbox, running_bot

pytestmark = pytest.mark.both_backends


@pytest.fixture
async def bot(programme: Programme, db: Path | str, clock: FrozenClock) -> AsyncIterator[Hub]:
    async with running_bot(Config(), programme, db, clock, FakeOutbox(), start=False) as hub:
        yield hub


def _summaries(path: Path) -> list[str]:
    cal = Calendar.from_ical(path.read_bytes())
    return [str(e["SUMMARY"]) for e in cal.walk("VEVENT")]


async def test_two_speakers_ics_files_are_saved_apart_and_neither_overwrites_the_other(
    bot: Hub, tmp_path: Path
) -> None:
    console = Console(bot, files_dir=tmp_path / "files")
    await console.handle("@ana /remind hub-oct-6")
    await console.handle("@bo /remind opening-plenary")
    ana = await console.handle("@ana /ics") or ""
    bo = await console.handle("@bo /ics") or ""
    ana_file = tmp_path / "files" / "ana-my-agenda-local4action.ics"
    bo_file = tmp_path / "files" / "bo-my-agenda-local4action.ics"
    assert f"[my-agenda-local4action.ics: {ana_file}]" in ana
    assert f"[my-agenda-local4action.ics: {bo_file}]" in bo
    assert len(_summaries(ana_file)) == 1 and "Hub" in _summaries(ana_file)[0]
    assert len(_summaries(bo_file)) == 1 and "Hub" not in _summaries(bo_file)[0]


async def test_the_same_speaker_in_other_capitals_keeps_one_file(hub: Hub, tmp_path: Path) -> None:
    console = Console(hub, files_dir=tmp_path / "files")
    await console.handle("@Ana /ics all")
    await console.handle("@ana /ics all")
    assert [p.name for p in (tmp_path / "files").iterdir()] == ["ana-local4action-programme.ics"]


def test_a_saved_name_is_encoded_so_no_speaker_name_can_leave_the_folder() -> None:
    assert saved_name("Ana", "poll-1.csv") == "ana-poll-1.csv"
    assert saved_name("José", "poll-1.png") == "josé-poll-1.png"
    assert saved_name("../../etc", "x.ics") == "_2e__2e__2f__2e__2e__2f_etc-x.ics"
    assert saved_name("a b/c\\d", "x.ics") == "a_20_b_2f_c_5c_d-x.ics"
    assert saved_name("..", "x.ics") == "_2e__2e_-x.ics"
    assert saved_name(None, "poll-1.png") == "poll-1.png"  # the room's (a timer's chart)


def test_speaker_names_differing_only_in_dots_dashes_or_underscores_never_share_a_file() -> None:
    names = ["ab", "a.b", "a-b", "a_b", ".ab", "ab.", "-ab", "ab-", "a..b", "a-.b", "a.-b", "a__b"]
    files = {saved_name(n, "x.ics") for n in names}
    assert len(files) == len(names)
    # and no name's prefix runs into the file name: ``a`` + ``b-x.ics`` is not ``a-b`` + ``x.ics``
    assert saved_name("a", "b-x.ics") != saved_name("a-b", "x.ics")


async def test_speakers_whose_names_differ_in_dots_and_dashes_keep_their_own_files(
    hub: Hub, tmp_path: Path
) -> None:
    console = Console(hub, files_dir=tmp_path / "files")
    names = ("ab", ".ab", "ab-", "a.b", "a-b")
    for name in names:
        await console.handle(f"@{name} /ics all")
    assert len(list((tmp_path / "files").iterdir())) == len(names)
    assert (tmp_path / "files" / "_2e_ab-local4action-programme.ics").exists()
    assert (tmp_path / "files" / "a_2d_b-local4action-programme.ics").exists()
