"""Benchmark of ``l4a-bot import`` + ``l4a-bot check`` on a large congress (core, no front).

Run from the repository root::

    .venv/bin/python -m bench.bench_import

A frab XML and its frab JSON twin of 1,000 sessions (10 rooms, 4 days, talks past midnight, two
speakers and a track each; built by ``tests/support/frab.py``'s ``congress``) are imported
(``read_draft`` + ``finish``: parse, map, write ``schedule.yaml``, check it) and the written file
checked again as ``l4a-bot check`` does (``load_programme``), 9 runs each; the median is compared
with the limit: **import + check ≤ 1 s**. The exit status stays 0.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for `python bench/...py`

from bench.report import machine_info, verdict
from bot.interchange import finish, read_draft
from bot.interchange.export import export_bytes
from bot.programme import load_programme
from tests.support.frab import congress

RUNS = 9
LIMIT_S = 1.0


def _time(data: bytes, name: str, out: Path) -> tuple[float, float, float]:
    import_s, check_s = [], []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        result = finish(read_draft(data, name), str(out))
        out.write_text(result.yaml_text, encoding="utf-8")
        t1 = time.perf_counter()
        load_programme(out)
        t2 = time.perf_counter()
        import_s.append(t1 - t0)
        check_s.append(t2 - t1)
    total = [a + b for a, b in zip(import_s, check_s, strict=True)]
    return statistics.median(import_s), statistics.median(check_s), statistics.median(total)


def main() -> None:
    for line in machine_info():
        print(line)
    xml = congress(1_000)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "schedule.yaml"
        programme = finish(read_draft(xml, "congress.xml"), str(out)).programme
        as_json = export_bytes(programme, "frab-json", "en", now=programme.sessions[0].starts_at)  # type: ignore[arg-type]
        n = len(json.loads(as_json)["schedule"]["conference"]["days"])
        print(
            f"congress: {len(programme.sessions)} sessions, {n} days, XML {len(xml):,} B, "
            f"JSON {len(as_json):,} B"
        )
        for name, data in (("congress.xml", xml), ("congress.json", as_json)):
            imp, chk, total = _time(data, name, out)
            print(
                f"{name:14} import {imp * 1000:7.1f} ms + check {chk * 1000:6.1f} ms = "
                f"{total * 1000:7.1f} ms (median of {RUNS})  limit ≤ {LIMIT_S * 1000:.0f} ms  "
                f"{verdict(total <= LIMIT_S)}"
            )


if __name__ == "__main__":
    main()
