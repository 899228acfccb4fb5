"""The weekly score: weighted signals, minus moderation penalties, staff and bots left out.

`score()` is pure so it can be tested and reused. Moderation penalties come in as an iterable
of user ids, one item per case: when the moderation cog's `cases` table exists, pass
`(case.user_id for case in cases_of_the_week)` and each case subtracts `weights.moderation_case`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from bot.i18n import t
from cogs.heroes.rules import HeroWeights
from cogs.heroes.signals import (
    AMA_ANSWER,
    HELPFUL,
    IDEA_SHIPPED,
    REACTIONS,
    THANKS,
    UGC_FEATURED,
)

# The signals that earn points, in the order the announcement names them.
POINTS: tuple[str, ...] = (HELPFUL, THANKS, AMA_ANSWER, IDEA_SHIPPED, UGC_FEATURED, REACTIONS)


@dataclass(frozen=True)
class Candidate:
    """A member's week: the points and the counts behind them."""

    user_id: str
    score: float
    counts: Mapping[str, int] = field(default_factory=dict)
    cases: int = 0


def score(
    counts: Mapping[str, Mapping[str, int]],
    weights: HeroWeights,
    penalties: Iterable[str] = (),
    excluded: Iterable[str] = (),
) -> list[Candidate]:
    """Rank members by weighted signals, best first (ties: more helpful answers, then id).

    Args:
        counts: user id -> signal -> count for the week.
        weights: points per signal from the rule file.
        penalties: one user id per moderation case of the week.
        excluded: members who cannot win (moderators, bots, last week's hero).
    """
    cases = Counter(penalties)
    skip = set(excluded)
    ranked = []
    for user_id in set(counts) | set(cases):
        if user_id in skip:
            continue
        mine = {s: max(0, counts.get(user_id, {}).get(s, 0)) for s in POINTS}
        points = sum(getattr(weights, s) * n for s, n in mine.items())
        points += weights.moderation_case * cases[user_id]
        ranked.append(
            Candidate(
                user_id, round(points, 2), {s: n for s, n in mine.items() if n}, cases[user_id]
            )
        )
    ranked.sort(key=lambda c: (-c.score, -c.counts.get(HELPFUL, 0), c.user_id))
    return ranked


def reasons_text(locale: str, counts: Mapping[str, int]) -> str:
    """`helpful answers: 3, thanks: 12` in the community's language."""
    parts = [
        t(locale, f"heroes.reasons.{signal}", count=counts[signal])
        for signal in POINTS
        if counts.get(signal)
    ]
    return ", ".join(parts) if parts else t(locale, "heroes.reasons.none")
