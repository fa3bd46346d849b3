"""A poll's result as a bar chart (PNG) fit for the big screen: 1600×900, large type.

Fonts: DejaVu Sans from Debian's ``fonts-dejavu`` when it is installed; otherwise Pillow's own
built-in scalable font (``ImageFont.load_default(size=…)``, Pillow ≥ 10.1). Nothing is downloaded.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 1600, 900
MARGIN = 60
BACKGROUND = (255, 255, 255)
INK = (25, 32, 45)
MUTED = (95, 105, 120)
TRACK = (232, 236, 242)
BAR = (0, 114, 178)  # one colour for every bar (colour-blind safe); tests measure it
BAR_LEADER = (213, 94, 0)  # the option with most votes

FONT_CANDIDATES: list[Path] = [
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/TTF/DejaVuSans.ttf"),
    Path("/usr/share/fonts/dejavu/DejaVuSans.ttf"),
]
BOLD_CANDIDATES: list[Path] = [
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    Path("/usr/share/fonts/TTF/DejaVuSans-Bold.ttf"),
    Path("/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf"),
]

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@cache
def font(size: int, *, bold: bool = False) -> Font:
    for path in BOLD_CANDIDATES if bold else FONT_CANDIDATES:
        if path.is_file():
            try:
                return ImageFont.truetype(str(path), size)
            except OSError:
                continue
    return ImageFont.load_default(size=size)


def _width(draw: ImageDraw.ImageDraw, text: str, f: Font) -> float:
    return draw.textlength(text, font=f)


def _wrap(draw: ImageDraw.ImageDraw, text: str, f: Font, width: float) -> list[str]:
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if _width(draw, candidate, f) <= width or not line:
            line = candidate
        else:
            lines.append(line)
            line = word
    if line:
        lines.append(line)
    return lines


def _fit(draw: ImageDraw.ImageDraw, text: str, f: Font, width: float) -> str:
    if _width(draw, text, f) <= width:
        return text
    while text and _width(draw, text + "…", f) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def bar_chart(
    title: str,
    labels: list[str],
    counts: list[int],
    percents: list[int],
    *,
    header: str = "",
    footer: str = "",
) -> bytes:
    """The chart as PNG bytes. Bar lengths are proportional to the counts (the longest bar is
    the full track when it holds every vote, so 50 % fills half the track)."""
    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    inner = WIDTH - 2 * MARGIN
    y = MARGIN - 10
    if header:
        draw.text((MARGIN, y), _fit(draw, header, font(30), inner), font=font(30), fill=MUTED)
        y += 48
    for size in (46, 40, 34, 30, 26):  # the largest type that keeps the question in 4 lines
        lines = _wrap(draw, title, font(size, bold=True), inner)
        if len(lines) <= 4:
            break
    lines = lines[:4]
    for line in lines:
        draw.text((MARGIN, y), line, font=font(size, bold=True), fill=INK)
        y += int(size * 1.25)
    y += 24

    n = max(len(labels), 1)
    bottom = HEIGHT - MARGIN - (50 if footer else 0)
    row = min(110, (bottom - y) // n)
    label_size = max(20, min(34, int(row * 0.42)))
    label_font, value_font = font(label_size), font(label_size, bold=True)
    label_w = min(
        inner * 0.34, max((_width(draw, lb, label_font) for lb in labels), default=0) + 24
    )
    value_w = _width(draw, "00000 (100 %)", value_font) + 20
    track_x0 = MARGIN + label_w
    track_w = inner - label_w - value_w
    bar_h = max(12, int(row * 0.6))
    total = sum(counts)
    leader = max(counts) if counts and max(counts) > 0 else -1
    for i, (label, count, pct) in enumerate(zip(labels, counts, percents, strict=True)):
        top = y + i * row + (row - bar_h) // 2
        mid = top + bar_h // 2
        text = _fit(draw, label, label_font, label_w - 24)
        draw.text((MARGIN, mid), text, font=label_font, fill=INK, anchor="lm")
        draw.rectangle((track_x0, top, track_x0 + track_w - 1, top + bar_h - 1), fill=TRACK)
        length = round(track_w * count / total) if total else 0
        if length > 0:
            colour = BAR_LEADER if count == leader else BAR
            draw.rectangle((track_x0, top, track_x0 + length - 1, top + bar_h - 1), fill=colour)
        value = f"{count} ({pct} %)"
        draw.text((track_x0 + track_w + 16, mid), value, font=value_font, fill=INK, anchor="lm")
    if footer:
        draw.text(
            (MARGIN, HEIGHT - MARGIN),
            _fit(draw, footer, font(28), inner),
            font=font(28),
            fill=MUTED,
            anchor="ls",
        )
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
