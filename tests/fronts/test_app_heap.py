"""Start-up settles the heap so that a burst of clicks does not spend Discord's 3 s in the
garbage collector (see ``fronts.app.GC_THRESHOLDS`` and bench/RESULTS.md, polls)."""

from __future__ import annotations

import gc

from fronts.app import GC_THRESHOLDS, settle_heap


def test_settling_the_heap_makes_young_collections_rare() -> None:
    before = gc.get_threshold()
    try:
        settle_heap()
        assert gc.get_threshold() == GC_THRESHOLDS
        assert GC_THRESHOLDS[0] >= 10_000  # a burst's thousands of clicks in flight at once
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
