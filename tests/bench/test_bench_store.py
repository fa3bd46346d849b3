"""``make bench-store`` stays runnable: each measurement, small, on both backends."""

from __future__ import annotations

from pathlib import Path

from bench.bench_store import (
    Backend,
    announcement_lateness,
    failover,
    raw_pg_copy,
    votes_end_to_end,
    votes_ingest,
)
from tests.support.postgres import PostgresServer


async def test_each_store_measurement_runs_on_both_backends(
    tmp_path: Path, postgres_server: PostgresServer
) -> None:
    backends = [
        Backend("SQLite", lambda: None),
        Backend("PostgreSQL", postgres_server.new_database),
    ]
    for backend in backends:
        e2e = await votes_end_to_end(tmp_path, backend, 200, 1)
        assert len(e2e.lines) == 1 and "votes/s" in e2e.lines[0]  # every vote counted (asserted)

        async def copy(url: str | None) -> float:
            return await raw_pg_copy(url or postgres_server.new_database(), 200)

        ingest = await votes_ingest(tmp_path, backend, 200, 1, {"COPY": copy}, {})
        assert len(ingest.checks) == 1 and "÷ raw" in ingest.checks[0][1]


async def test_announcement_lateness_runs_on_both_backends_with_nothing_sent_twice_or_lost(
    tmp_path: Path, postgres_server: PostgresServer
) -> None:
    backends = [
        Backend("SQLite", lambda: None),
        Backend("PostgreSQL", postgres_server.new_database),
    ]
    for backend, processes in zip(backends, (1, 2), strict=True):
        figures = await announcement_lateness(tmp_path, backend, 20, 0.5, 1200)
        assert figures.extra["due"] > 0
        assert (figures.extra["duplicates"], figures.extra["missing"]) == (0, 0)
        assert figures.extra["unsettled"] == 0
        assert f"{processes} process(es)" in figures.lines[0]
        assert len(figures.checks) == 2


async def test_failover_is_measured_from_the_kill_to_the_standbys_first_announcement(
    postgres_server: PostgresServer,
) -> None:
    figures = await failover(postgres_server, 1, 3.0)
    assert "kill -9 → standby leads" in figures.lines[0]
    assert "first announcement" in figures.lines[-1]
    assert "failover_seconds 3" in figures.checks[0][1]


async def test_two_processes_delivering_the_same_fronts_send_each_delivery_once(
    tmp_path: Path, postgres_server: PostgresServer
) -> None:
    backend = Backend("PostgreSQL", postgres_server.new_database)
    figures = await announcement_lateness(tmp_path, backend, 20, 0.5, 1200, contended=True)
    assert figures.extra["due"] > 0
    assert (figures.extra["duplicates"], figures.extra["missing"]) == (0, 0)
    assert figures.extra["unsettled"] == 0
    assert "both delivering both fronts" in figures.lines[0]
