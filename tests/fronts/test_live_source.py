"""A live programme source over HTTP (an aiohttp server on 127.0.0.1 started by the test):
ETag / 304, a server error, a broken body and the last good copy on disk; a changed session's
time is announced to its followers as after /reload; moderators are told once."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp import web

from bot.announce import follows
from bot.clock import FrozenClock
from bot.commands import dispatch
from bot.config import Config, load_config
from bot.interchange.export import export_bytes
from bot.interchange.fetch import FetchError, redact
from bot.interchange.live import LiveSource
from bot.programme import Programme, ProgrammeError, load_programme
from fronts.cli import main
from fronts.http_fetch import fetch
from tests.conftest import text_of
from tests.support.announce import FakeOutbox, person, running_bot

T = datetime(2021, 10, 6, 9, 40, tzinfo=UTC)  # 11:40 CEST, day 2 of the forum


@dataclass
class Source:
    """What the test server answers: ``body`` with an ETag, or ``status``."""

    body: bytes = b""
    status: int = 200
    requests: list[dict[str, str]] = field(default_factory=list)

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.body).hexdigest()[:16] + '"'

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(dict(request.headers))
        if self.status != 200:
            return web.Response(status=self.status, text="down")
        if request.headers.get("If-None-Match") == self.etag:
            return web.Response(status=304)
        return web.Response(body=self.body, headers={"ETag": self.etag})


@pytest.fixture
async def server() -> AsyncIterator[tuple[Source, str]]:
    source = Source()
    app = web.Application()
    app.router.add_get("/schedule.json", source.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield source, f"http://127.0.0.1:{port}/schedule.json"
    finally:
        await runner.cleanup()


def _frab(programme: Programme) -> bytes:
    return export_bytes(programme, "frab-json", "en", now=T)


def _moved(programme: Programme) -> bytes:
    """The bundled programme as frab JSON with the opening plenary 30 minutes later."""
    doc = json.loads(_frab(programme))
    for day in doc["schedule"]["conference"]["days"]:
        for events in day["rooms"].values():
            for e in events:
                if e["slug"] == "opening-plenary":
                    assert e["start"] == "13:30"
                    e["start"], e["date"] = "14:00", e["date"].replace("13:30", "14:00")
    return json.dumps(doc).encode()


async def test_first_fetch_writes_the_last_good_copy_then_304_costs_nothing(
    server: tuple[Source, str], tmp_path: Path, programme: Programme
) -> None:
    source, url = server
    source.body = _frab(programme)
    live = LiveSource(url, tmp_path / "schedule-live.yaml", fetch)
    path = await live.prime()
    assert load_programme(path).by_id.keys() == {s.id for s in programme.sessions if s.timed}
    again = await live.refresh()
    assert again.changed is False and again.problem is None
    assert source.requests[1]["If-None-Match"] == source.etag


async def test_a_server_error_or_a_broken_body_keeps_the_last_good_copy_and_logs_once(
    server: tuple[Source, str],
    tmp_path: Path,
    programme: Programme,
    caplog: pytest.LogCaptureFixture,
) -> None:
    source, url = server
    source.body = _frab(programme)
    live = LiveSource(url, tmp_path / "schedule-live.yaml", fetch)
    path = await live.prime()
    good = path.read_text(encoding="utf-8")
    source.status = 500
    with caplog.at_level(logging.WARNING, logger="bot.interchange.live"):
        first = await live.refresh()
        second = await live.refresh()
    assert first.problem == f"{url} answered HTTP 500" == second.problem
    assert len([r for r in caplog.records if "HTTP 500" in r.getMessage()]) == 1  # once
    source.status = 200
    source.body = source.body.replace(b'"duration": "02:00"', b'"duration": "two hours"', 1)
    broken = await live.refresh()
    assert broken.problem is not None and "duration 'two hours' is not HH:MM" in broken.problem
    assert broken.problem.startswith(f"{url} has problems: {url}:")
    assert path.read_text(encoding="utf-8") == good
    source.body = b'{"schedule": '  # cut short
    cut = await live.refresh()
    assert cut.problem == f"{url} has problems: {url}:1: not valid JSON (Expecting value)"
    assert path.read_text(encoding="utf-8") == good


async def test_a_source_down_at_start_uses_the_last_good_copy_or_refuses_to_start(
    server: tuple[Source, str], tmp_path: Path, programme: Programme
) -> None:
    source, url = server
    source.status = 503
    cache = tmp_path / "schedule-live.yaml"
    with pytest.raises(ProgrammeError, match="answered HTTP 503; no last good copy"):
        await LiveSource(url, cache, fetch).prime()
    source.status, source.body = 200, _frab(programme)
    await LiveSource(url, cache, fetch).prime()
    source.status = 503
    assert await LiveSource(url, cache, fetch).prime() == cache  # down: the copy on disk


async def test_a_moved_session_is_announced_to_its_followers_and_moderators_hear_once(
    server: tuple[Source, str], tmp_path: Path, programme: Programme
) -> None:
    source, url = server
    source.body = _frab(programme)
    live = LiveSource(url, tmp_path / "schedule-live.yaml", fetch)
    path = await live.prime()
    config = Config.model_validate(
        {"announcements": {"moderator_channels": {"console": "moderators"}}}
    )
    outbox, clock = FakeOutbox(), FrozenClock(T)
    base = load_programme(path)
    async with running_bot(
        config, base, tmp_path / "db.sqlite3", clock, outbox, schedule=path
    ) as hub:
        hub.live_source = live
        await follows.remind(hub.context(person("ana")), "opening-plenary")
        source.body = _moved(programme)
        outcome = await live.update(hub)
        await hub.announcer.drain()  # type: ignore[union-attr]
        assert outcome.changed
        (told,) = outbox.to("ana")
        assert "moved" in told and "2:00 PM" in told
        assert any("moved" in post for post in outbox.to("announcements"))
        opening = hub.programme.by_id["opening-plenary"]
        assert opening.starts_at == datetime(2021, 10, 6, 12, 0, tzinfo=UTC)
        source.status = 500
        await live.update(hub)
        await live.update(hub)
        (alert,) = outbox.to("moderators")
        assert "last good copy stays in use" in alert and "HTTP 500" in alert
        assert outbox.to("ana") == [told]  # participants hear nothing of it


async def test_fetch_refuses_a_body_over_the_cap_and_other_schemes(
    server: tuple[Source, str],
) -> None:
    source, url = server
    source.body = b"x" * 10_000
    with pytest.raises(FetchError, match="larger than 1,000 bytes"):
        await fetch(url, max_bytes=1_000)
    with pytest.raises(ValueError, match="not an http"):
        await fetch("file:///etc/passwd")


def test_credentials_in_a_source_url_are_never_shown(tmp_path: Path) -> None:
    url = "https://user:s3cret@example.org/s.json?token=abc"
    assert redact(url) == "https://***@example.org/s.json?…"
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[bot]\nschedule = "{url}"\nrefresh_minutes = 1\n', encoding="utf-8")
    config = load_config(cfg)
    assert config.bot.schedule_url == url and config.bot.refresh_minutes == 1
    live = LiveSource.from_config(config, fetch)
    assert live is not None and "s3cret" not in live.shown and "abc" not in live.shown
    cfg.write_text('[bot]\nschedule = "ftp://user:pw@example.org/s.json"\n', encoding="utf-8")
    with pytest.raises(Exception, match="not an http") as info:
        load_config(cfg)
    assert "pw" not in str(info.value)


async def test_reload_refetches_and_tells_the_moderator_when_the_source_is_down(
    server: tuple[Source, str], tmp_path: Path, programme: Programme
) -> None:
    source, url = server
    source.body = _frab(programme)
    live = LiveSource(url, tmp_path / "schedule-live.yaml", fetch)
    path = await live.prime()
    outbox, clock = FakeOutbox(), FrozenClock(T)
    base = load_programme(path)
    async with running_bot(
        Config(), base, tmp_path / "db.sqlite3", clock, outbox, schedule=path
    ) as hub:
        hub.live_source = live
        source.body = _moved(programme)
        moved = text_of(await dispatch(hub, person("mod", moderator=True), "/", "reload", ""))
        assert "1 change" in moved and "moved" in moved
        source.status = 500
        down = text_of(await dispatch(hub, person("mod", moderator=True), "/", "reload", ""))
        assert "nothing changed" in down
        assert "last good copy stays in use" in down and f"{url} answered HTTP 500" in down


async def test_cli_imports_from_a_url(
    server: tuple[Source, str],
    programme: Programme,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    source, url = server
    source.body = _frab(programme)
    out = tmp_path / "schedule.yaml"
    # The command runs its own event loop: in a thread, while this loop serves the source.
    assert await asyncio.to_thread(main, ["import", url, "--out", str(out)]) == 0
    assert load_programme(out).by_id.keys() == {s.id for s in programme.sessions if s.timed}
    source.status = 404
    assert await asyncio.to_thread(main, ["import", url + "?token=abc"]) == 2
    err = capsys.readouterr().err
    assert f"cannot read {url}?…: {url}?… answered HTTP 404" in err and "abc" not in err


async def test_the_copy_of_another_source_is_not_used_when_the_new_one_is_down(
    server: tuple[Source, str], tmp_path: Path, programme: Programme
) -> None:
    source, url = server
    source.body = _frab(programme)
    cache = tmp_path / "schedule-live.yaml"
    await LiveSource(url, cache, fetch).prime()
    other = url.replace("schedule.json", "other.json")  # 404 on this server
    with pytest.raises(ProgrammeError, match="answered HTTP 404; no last good copy"):
        await LiveSource(other, cache, fetch).prime()


def test_commands_without_the_bot_read_the_live_sources_last_copy(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text(
        '[bot]\nschedule = "https://example.org/s.json"\ndatabase = "state/bot.db"\n',
        encoding="utf-8",
    )
    assert load_config(cfg).bot.schedule == tmp_path / "state" / "schedule-live.yaml"


async def test_a_source_already_down_at_start_is_told_to_the_moderators_at_the_next_refresh(
    server: tuple[Source, str], tmp_path: Path, programme: Programme
) -> None:
    source, url = server
    source.body = _frab(programme)
    cache = tmp_path / "schedule-live.yaml"
    await LiveSource(url, cache, fetch).prime()
    source.status = 502
    live = LiveSource(url, cache, fetch)
    path = await live.prime()  # the bot starts on the last good copy; no front is up yet
    config = Config.model_validate(
        {"announcements": {"moderator_channels": {"console": "moderators"}}}
    )
    outbox = FakeOutbox()
    async with running_bot(
        config, load_programme(path), tmp_path / "db.sqlite3", FrozenClock(T), outbox,
        schedule=path,
    ) as hub:  # fmt: skip
        await live.update(hub)
        await live.update(hub)
        (alert,) = outbox.to("moderators")
        assert "HTTP 502" in alert
