"""The trend chart of `/stats`: active share and median first response per week, as a PNG.

Drawn with `bot.charts` (matplotlib imported lazily, off the event loop).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot import charts

WIDTH_PX, HEIGHT_PX = 800, 400  # readable in a chat on a phone


@dataclass(frozen=True)
class Point:
    week: date
    active_share: float | None  # 0..1
    frt_hours: float | None  # median first response, working hours


@dataclass(frozen=True)
class Labels:
    title: str
    active: str
    frt: str


def render(points: list[Point], labels: Labels) -> bytes:
    """A PNG of the trend; weeks without a figure are gaps, not zeros."""
    figure = charts.figure(WIDTH_PX, HEIGHT_PX)
    left = figure.subplots()
    x = list(range(len(points)))
    ticks = [p.week.strftime("%d.%m") for p in points]
    share = [100 * p.active_share if p.active_share is not None else float("nan") for p in points]
    frt = [p.frt_hours if p.frt_hours is not None else float("nan") for p in points]
    left.plot(x, share, marker="o", color="#1f77b4", label=labels.active)
    left.set_ylabel(labels.active, color="#1f77b4")
    left.set_ylim(bottom=0)
    left.set_xticks(x, ticks)
    right = left.twinx()
    right.plot(x, frt, marker="s", color="#d62728", label=labels.frt)
    right.set_ylabel(labels.frt, color="#d62728")
    right.set_ylim(bottom=0)
    left.set_title(labels.title)
    left.grid(alpha=0.3)
    return charts.png(figure)
