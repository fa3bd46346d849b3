"""Shared fixtures: the bundled programme, a frozen clock inside the forum, a real store.

The store is SQLite unless the test module says ``pytestmark = pytest.mark.both_backends``: its
tests then run twice, ``[sqlite]`` and ``[postgresql]`` (a fresh database on the session's
throwaway PostgreSQL; skipped, saying why, where PostgreSQL cannot run). ``db`` is the store's
database (a path or a URL), ``new_db()`` another one on the same backend.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from bot.app import build_app
from bot.clock import Clock, FrozenClock
from bot.config import BUNDLED_SCHEDULE, Config
from bot.context import Caller
from bot.hub import Hub
from bot.polls.service import Polls
from bot.programme import Programme, load_programme
from bot.store import Store

if TYPE_CHECKING:
    from tests.support.matrix_env import MatrixEnv
    from tests.support.synapse import Synapse

# Day 2 of the forum, 11:50 CEST: ten minutes before the LOCAL4ACTION Hub open space.
FORUM_MORNING = datetime(2021, 10, 6, 9, 50, tzinfo=UTC)


@pytest.fixture(scope="session")
def programme() -> Programme:
    return load_programme(BUNDLED_SCHEDULE)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(FORUM_MORNING)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "bot.sqlite3"


#: The store backends of a ``both_backends`` module, in the test ids (``[postgresql]``).
BACKENDS = ("sqlite", "postgresql")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run every test of a ``both_backends`` module that uses the store on each backend; one
    marked ``sqlite_only(reason)`` shows its PostgreSQL variant skipped with that reason."""
    node = metafunc.definition
    if "backend" not in metafunc.fixturenames or not node.get_closest_marker("both_backends"):
        return
    only = node.get_closest_marker("sqlite_only")
    if only is None:
        metafunc.parametrize("backend", BACKENDS, indirect=True)
        return
    reason = only.args[0] if only.args else only.kwargs["reason"]
    skip = pytest.mark.skip(reason=f"SQLite only: {reason}")
    metafunc.parametrize(
        "backend", ["sqlite", pytest.param("postgresql", marks=skip)], indirect=True
    )


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """The store's backend: "sqlite", or "postgresql" in ``both_backends`` modules."""
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture
def db(request: pytest.FixtureRequest, backend: str, db_path: Path) -> Path | str:
    """The store's database: the SQLite file, or the URL of a fresh PostgreSQL database (already
    migrated: a copy of the session's template)."""
    if backend == "postgresql":
        return str(request.getfixturevalue("pg_store_url"))
    return db_path


#: The type of the ``new_db`` fixture: ``new_db("other")`` → another database, never used yet.
NewDb = Callable[[str], "Path | str"]


@pytest.fixture
def new_db(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> NewDb:
    """Another database on the test's backend, as a first start leaves it (``name`` names the
    SQLite file)."""

    def make(name: str) -> Path | str:
        if backend != "postgresql":
            return tmp_path / f"{name}.sqlite3"
        from tests.support.postgres import PostgresServer

        server: PostgresServer = request.getfixturevalue("postgres_server")
        url = server.new_database(template=request.getfixturevalue("pg_template"))
        request.addfinalizer(lambda: server.drop_database(url.rsplit("/", 1)[1]))
        return url

    return make


@pytest.fixture
async def store(db: Path | str, clock: FrozenClock) -> AsyncIterator[Store]:
    s = await Store.open(db, clock)
    yield s
    await s.close()


# The Discord harness's fake guild (tests.support.discord_harness.DEFAULT_GUILD_ID): the forum's
# server in every test, so its "Moderators" role makes moderators there.
FORUM_GUILD_ID = 1_150_000_000_000_000_100


def forum_config() -> Config:
    """The defaults, with the harness's guild as the forum's Discord server."""
    return Config.model_validate({"discord": {"forum_guild_ids": [FORUM_GUILD_ID]}})


@pytest.fixture
def config() -> Config:
    return forum_config()


@pytest.fixture
async def hub(
    config: Config, programme: Programme, store: Store, clock: FrozenClock
) -> AsyncIterator[Hub]:
    """The application as production builds it (``bot.app.build_app``), on the test store."""
    async with build_app(config, programme, store, clock) as app:
        yield app


def caller(user: str = "ana", *, front: str = "console", locale: str | None = None) -> Caller:
    return Caller(front, user, user, locale)


def text_of(reply: object) -> str:
    """A reply's plain text with Babel's narrow no-break spaces (before AM/PM) made plain."""
    from bot.doc import Reply

    assert isinstance(reply, Reply)
    return reply.plain().replace("\u202f", " ").replace("\xa0", " ")


#: The type of the ``app_of`` fixture.
AppOf = Callable[..., Awaitable[Hub]]


@pytest.fixture
async def app_of(store: Store) -> AsyncIterator[AppOf]:
    """``await app_of(config, programme, store, clock)``: one more application built by
    ``bot.app.build_app`` (another config, a restart), closed at the end of the test, before
    the test's ``store`` closes (asking for it orders the teardowns: an announcer finishing a
    batch never meets a closed database)."""
    async with AsyncExitStack() as stack:

        async def make(config: Config, programme: Programme, store: Store, clock: Clock) -> Hub:
            return await stack.enter_async_context(build_app(config, programme, store, clock))

        yield make


@pytest.fixture
def polls(hub: Hub) -> Polls:
    """The hub's polls service on the test database (``build_app`` opens and closes it)."""
    return hub.polls


# -- Matrix and PostgreSQL: one real server each per session, started when a test asks for it -
pytest_plugins = [
    "tests.support.synapse",  # the session fixture ``synapse``
    "tests.support.postgres",  # ``postgres_server`` (session) and ``pg_url`` (a fresh database)
]


@pytest.fixture(scope="session")
def matrix_env(synapse: Synapse) -> MatrixEnv:
    from tests.support.matrix_env import make_env

    return make_env(synapse)


# -- A command whose core raises fails the test, on every front ---------------------------------
# The fronts catch an exception in a command, log it and answer "something went wrong", so a test
# that only looks for *an* answer would pass over a broken command. Every logged traceback from the
# product fails the test instead, unless the test says it expects one (``expect_logged_errors``).

_PRODUCT_LOGGERS = ("bot", "cogs", "fronts", "l4a")


class _TracebackCollector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.name.split(".")[0] in _PRODUCT_LOGGERS:
            self.records.append(record)


@pytest.fixture(autouse=True)
def _fail_on_product_tracebacks(request: pytest.FixtureRequest) -> Iterator[None]:
    collector = _TracebackCollector()
    root = logging.getLogger()
    root.addHandler(collector)
    try:
        yield
    finally:
        root.removeHandler(collector)
    if collector.records and request.node.get_closest_marker("expect_logged_errors") is None:
        first = collector.records[0]
        pytest.fail(
            f"{len(collector.records)} traceback(s) logged by the product, first from "
            f"{first.name}: {first.getMessage()}\n"
            + logging.Formatter().formatException(first.exc_info)  # type: ignore[arg-type]
            + "\n(mark the test expect_logged_errors if this is what it tests)",
            pytrace=False,
        )


# -- Scale: a programme of 1,000 sessions in 16 rooms, about 20 of them at once -----------------
BIG_SESSIONS, BIG_ROOMS = 1000, 16


@pytest.fixture(scope="session")
def big_programme(programme: Programme) -> Programme:
    from bench.programme_gen import generate_programme_yaml
    from bot.programme import parse_programme

    text = generate_programme_yaml(programme, BIG_SESSIONS, rooms=BIG_ROOMS)
    return parse_programme(text, "<1,000 sessions in 16 rooms>")


@pytest.fixture
def big_hub(hub: Hub, big_programme: Programme) -> Hub:
    """The test hub serving the big programme (fronts opened on ``hub`` serve it too)."""
    hub.base_programme = hub.programme = big_programme
    return hub
