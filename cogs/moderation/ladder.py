"""The escalation ladder: points decay with a half-life; crossing a step escalates."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from cogs.moderation.rules import ActionSpec, Ladder, parse_action


def decayed(points: int, created_at: datetime, now: datetime, half_life_hours: float) -> float:
    """What `points` earned at `created_at` still weigh at `now`."""
    age_hours = max(0.0, (now - created_at).total_seconds() / 3600)
    return float(points * 0.5 ** (age_hours / half_life_hours))


def strikes(cases: Iterable[tuple[int, datetime]], now: datetime, ladder: Ladder) -> float:
    """A member's current total from their (points, created_at) cases, to one decimal.

    Rounding keeps seconds of decay from turning 6 points into 5.9999 (below a step of 6).
    """
    return round(sum(decayed(p, at, now, ladder.half_life_hours) for p, at in cases), 1)


def crossed(before: float, after: float, ladder: Ladder) -> ActionSpec | None:
    """The action of the highest step the total just reached, if any."""
    found = None
    for step in ladder.steps:
        if before < step.points <= after:
            found = parse_action(step.action)
    return found


def stronger(a: ActionSpec, b: ActionSpec | None) -> ActionSpec:
    """The more severe of two actions (ban > kick > mute > warn > delete > log)."""
    if b is None or a.severity > b.severity:
        return a
    if b.severity > a.severity:
        return b
    # Same kind: the longer mute or ban wins; None means for good.
    if a.duration is None or b.duration is None:
        return a if a.duration is None else b
    return a if a.duration >= b.duration else b
