"""The monthly slot in a community's timezone, and the month a post covers."""

from __future__ import annotations

from datetime import date, datetime

from bot.weekly import zone
from cogs.ideas.rules import MonthlySlot


def _month_after(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def next_monthly(after: datetime, slot: MonthlySlot, timezone: str) -> datetime:
    """The first moment strictly after `after` on `slot` in `timezone` (UTC-aware, same tz)."""
    tz = zone(timezone)
    local = after.astimezone(tz)
    first = local.date().replace(day=1)
    for month in (first, _month_after(first)):
        moment = datetime.combine(month.replace(day=slot.day), slot.clock, tzinfo=tz)
        if moment > local:
            return moment.astimezone(after.tzinfo)
    raise AssertionError("a monthly slot always recurs within two months")  # pragma: no cover


def label(moment: datetime, timezone: str) -> str:
    """`YYYY-MM` of the month a post at `moment` covers: the calendar month before it."""
    local = moment.astimezone(zone(timezone)).date().replace(day=1)
    previous = date(local.year - (local.month == 1), (local.month - 2) % 12 + 1, 1)
    return f"{previous.year:04d}-{previous.month:02d}"


def month_of(moment: datetime, timezone: str) -> str:
    """`YYYY-MM` of the month `moment` falls in, in the community's timezone."""
    local = moment.astimezone(zone(timezone))
    return f"{local.year:04d}-{local.month:02d}"


def bounds(month: str, timezone: str) -> tuple[datetime, datetime]:
    """[start, end) of the `YYYY-MM` month in the community's timezone."""
    year, number = (int(part) for part in month.split("-"))
    first = date(year, number, 1)
    tz = zone(timezone)
    start = datetime.combine(first, datetime.min.time(), tzinfo=tz)
    end = datetime.combine(_month_after(first), datetime.min.time(), tzinfo=tz)
    return start, end
