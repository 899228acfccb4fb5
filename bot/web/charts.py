"""Bar charts as data for an inline SVG, drawn by the server: no script, nothing fetched.

Hand-written rather than a chart library: the dashboard needs only bars with labels, which is
a few rectangles; the Python chart packages (pygal) load their tooltips' JavaScript from the
internet by default, and a page must render with nothing fetched and no script at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 600
HEIGHT = 220
TOP = 24  # room for the value above the tallest bar
BOTTOM = 36  # room for the labels under the bars
SIDE = 8


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: str
    # Where the label sits: under the middle of the bar.
    middle: float


@dataclass(frozen=True)
class Chart:
    title: str
    bars: tuple[Bar, ...]
    width: int
    height: int
    baseline: float
    # A chart whose every value is 0 still draws its axis, and says so in words beside it.
    empty: bool


def bar_chart(
    title: str,
    points: Sequence[tuple[str, float]],
    shown: Sequence[str] | None = None,
    width: int = WIDTH,
    height: int = HEIGHT,
) -> Chart:
    """A chart of `points` (label, value); `shown` gives each value's printed form."""
    values = [max(float(v), 0.0) for _, v in points]
    peak = max(values, default=0.0)
    room = height - TOP - BOTTOM
    slot = (width - 2 * SIDE) / max(len(points), 1)
    gap = min(slot * 0.2, 12.0)
    bars = []
    for index, ((label, _), value) in enumerate(zip(points, values, strict=True)):
        tall = room * value / peak if peak else 0.0
        x = SIDE + index * slot + gap / 2
        printed = shown[index] if shown is not None else f"{value:g}"
        bars.append(
            Bar(
                x=round(x, 1),
                y=round(TOP + room - tall, 1),
                width=round(slot - gap, 1),
                height=round(tall, 1),
                label=label,
                value=printed,
                middle=round(x + (slot - gap) / 2, 1),
            )
        )
    return Chart(title, tuple(bars), width, height, float(TOP + room), empty=peak == 0)
