"""The result chart: a big-screen PNG whose bars are as long as the counts say."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from bot.polls import chart


def bar_lengths(png: bytes) -> list[int]:
    """Length of each bar (runs of a bar colour), top to bottom."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    width, height = image.size
    pixels = image.load()
    assert pixels is not None
    lengths: list[int] = []
    in_bar = False
    for y in range(height):
        row = sum(1 for x in range(width) if pixels[x, y] in (chart.BAR, chart.BAR_LEADER))
        if row and not in_bar:
            lengths.append(row)
        in_bar = bool(row)
    return lengths


def test_bars_are_proportional_to_the_counts() -> None:
    png = chart.bar_chart(
        "Q?", ["a", "b", "c", "d"], [30, 60, 0, 10], [30, 60, 0, 10], header="Poll #1"
    )
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size == (chart.WIDTH, chart.HEIGHT)
    a, b, d = bar_lengths(png)  # no bar at all for 0 votes
    assert b == pytest.approx(2 * a, abs=2) and a == pytest.approx(3 * d, abs=2)


def test_a_long_statement_and_long_labels_still_fit() -> None:
    title = "Vulnerability to climate change is growing in intermediary cities. " * 6
    png = chart.bar_chart(title, ["x" * 80] * 10, list(range(10)), [2] * 10, footer="45 voters")
    assert len(bar_lengths(png)) == 9


def test_without_dejavu_pillows_own_font_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(chart, "FONT_CANDIDATES", [])
    monkeypatch.setattr(chart, "BOLD_CANDIDATES", [])
    chart.font.cache_clear()
    try:
        png = chart.bar_chart("Sí o no", ["Sí", "No"], [3, 1], [75, 25])
        assert len(bar_lengths(png)) == 2
    finally:
        chart.font.cache_clear()
