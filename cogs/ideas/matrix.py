"""The Impact/Cost matrix: scores from the team's words, quadrants, and the text chart."""

from __future__ import annotations

# S/M/L as scores on the 1-5 scale.
SIZES = {"s": 1, "m": 3, "l": 5}
QUADRANTS = ("quick_win", "big_bet", "fill_in", "money_pit")


def parse_score(word: str) -> int | None:
    """`1`-`5` or `S`/`M`/`L` (any case); None for anything else."""
    folded = word.strip().casefold()
    if folded in SIZES:
        return SIZES[folded]
    if len(folded) == 1 and folded in "12345":
        return int(folded)
    return None


def quadrant(impact: int | None, cost: int | None, high_from: int, low_up_to: int) -> str:
    """`quick_win` (high impact, low cost), `big_bet`, `fill_in`, `money_pit`; "" unscored."""
    if impact is None or cost is None:
        return ""
    high, low = impact >= high_from, cost <= low_up_to
    if high:
        return "quick_win" if low else "big_bet"
    return "fill_in" if low else "money_pit"
