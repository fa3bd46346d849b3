"""``make bench-store`` stays runnable: each measurement, small, on both backends."""

from __future__ import annotations

from pathlib import Path

from bench.bench_store import Backend, raw_pg_copy, votes_end_to_end, votes_ingest
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
