"""What the benchmarks print besides their figures: percentiles, verdicts, the machine and its
load, and cProfile hot spots."""

from __future__ import annotations

import cProfile
import io
import math
import os
import platform
import pstats
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import yaml


def percentile(sorted_values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def verdict(ok: bool) -> str:
    return "OK" if ok else "MISSED  <<<<<<"


def machine_info() -> list[str]:
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        usable = os.cpu_count() or 0
    import pydantic

    return [
        f"python {platform.python_version()} ({platform.python_implementation()}) "
        f"· {os.cpu_count()} CPUs ({usable} usable) · {platform.platform()}",
        f"machine {platform.machine()} · {platform.processor() or 'unknown processor'} "
        f"· pydantic {pydantic.VERSION} · PyYAML {yaml.__version__} "
        f"(libyaml {'yes' if yaml.__with_libyaml__ else 'NO'})",
        f"run at {datetime.now(UTC).isoformat(timespec='seconds')} · {load_average()}",
    ]


def load_average() -> str:
    try:
        one, five, _ = os.getloadavg()
    except OSError:
        return "load average unknown"
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min)"


def profile_top(fn: Callable[[], object], title: str, limit: int = 18) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    fn()
    profiler.disable()
    for sort in ("tottime", "cumulative"):
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(sort)
        stats.print_stats(limit)
        body = out.getvalue()
        start = body.find("   ncalls")
        print(f"\n--- profile: {title} (by {sort}) ---")
        print(body[start:].rstrip() if start >= 0 else body.rstrip())
