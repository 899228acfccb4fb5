"""Periods of the metrics: a local day, ISO week (Monday first) or calendar month of a
community, as a range of local days and as the UTC instants that bound it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

Kind = Literal["day", "week", "month"]
KINDS: tuple[Kind, ...] = ("day", "week", "month")


@dataclass(frozen=True, order=True)
class Span:
    """Local days `first` .. `end` (exclusive) of one period of `kind`."""

    first: date
    end: date
    kind: Kind

    def bounds(self, timezone: str) -> tuple[datetime, datetime]:
        """The UTC-aware instants the period starts and ends at, in `timezone`."""
        zone = ZoneInfo(timezone)
        return (
            datetime.combine(self.first, time(), tzinfo=zone),
            datetime.combine(self.end, time(), tzinfo=zone),
        )


def span_of(kind: Kind, day: date) -> Span:
    """The period of `kind` that local day `day` falls in."""
    if kind == "day":
        return Span(day, day + timedelta(days=1), kind)
    if kind == "week":
        first = day - timedelta(days=day.weekday())
        return Span(first, first + timedelta(days=7), kind)
    first = day.replace(day=1)
    after = (first + timedelta(days=32)).replace(day=1)
    return Span(first, after, kind)


def previous(span: Span) -> Span:
    return span_of(span.kind, span.first - timedelta(days=1))


def spans_back(kind: Kind, day: date, count: int) -> list[Span]:
    """The `count` periods of `kind` up to and including the one `day` is in, oldest first."""
    found = [span_of(kind, day)]
    while len(found) < count:
        found.append(previous(found[-1]))
    return found[::-1]


def spans_between(kind: Kind, first: date, last: date) -> list[Span]:
    """Every period of `kind` that touches local days `first` .. `last` (inclusive)."""
    found: list[Span] = []
    span = span_of(kind, first)
    while span.first <= last:
        found.append(span)
        span = span_of(kind, span.end)
    return found
