"""The Impact/Cost matrix: scores from the team's words, quadrants, the text and the picture."""

from __future__ import annotations

from dataclasses import dataclass

from bot import charts

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


# -- the picture ---------------------------------------------------------------------------

SIZE_PX = 600  # a square that a phone shows whole
NUMBERS_PER_DOT = 6  # more ideas on one score pair show as "+N"
QUICK, OTHER = "#2ca02c", "#7f7f7f"


@dataclass(frozen=True)
class Dot:
    """A scored idea on the chart: only its number is drawn, never member text."""

    number: int
    impact: int
    cost: int
    quick: bool


@dataclass(frozen=True)
class ChartLabels:
    title: str
    impact: str
    cost: str
    quick: str


@dataclass(frozen=True)
class Cell:
    cost: int
    impact: int
    label: str
    count: int
    quick: bool


def cells(dots: list[Dot]) -> list[Cell]:
    """Ideas with the same scores share one dot, labelled with their numbers (`#3 #7 +2`)."""
    grouped: dict[tuple[int, int], list[Dot]] = {}
    for dot in sorted(dots, key=lambda d: d.number):
        grouped.setdefault((dot.cost, dot.impact), []).append(dot)
    found = []
    for (cost, impact), same in sorted(grouped.items()):
        shown = " ".join(f"#{d.number}" for d in same[:NUMBERS_PER_DOT])
        if len(same) > NUMBERS_PER_DOT:
            shown += f" +{len(same) - NUMBERS_PER_DOT}"
        found.append(Cell(cost, impact, shown, len(same), any(d.quick for d in same)))
    return found


def render(dots: list[Dot], labels: ChartLabels, high_from: int, low_up_to: int) -> bytes:
    """The matrix as a PNG: cost across, impact up, the quick-win corner shaded and its ideas
    in green and bold. Texts are drawn as plain text (no mathtext), so nothing is markup."""
    from matplotlib.patches import Rectangle

    figure = charts.figure(SIZE_PX, SIZE_PX)
    axes = figure.subplots()
    low, high = 0.5, 5.5
    axes.set_xlim(low, high)
    axes.set_ylim(low, high)
    axes.set_xticks(range(1, 6))
    axes.set_yticks(range(1, 6))
    corner_top = high - (high_from - 0.5)
    axes.add_patch(
        Rectangle((low, high_from - 0.5), low_up_to, corner_top, color=QUICK, alpha=0.12, lw=0)
    )
    axes.text(low + 0.08, high_from - 0.42, labels.quick, va="bottom", ha="left", color=QUICK,
              fontweight="bold", parse_math=False)  # fmt: skip
    axes.axvline(low_up_to + 0.5, color=OTHER, lw=0.8, ls="--")
    axes.axhline(high_from - 0.5, color=OTHER, lw=0.8, ls="--")
    for cell in cells(dots):
        colour = QUICK if cell.quick else OTHER
        axes.scatter([cell.cost], [cell.impact], s=60 + 30 * min(cell.count, 10), color=colour)
        axes.annotate(
            cell.label, (cell.cost, cell.impact), xytext=(0, 9), textcoords="offset points",
            ha="center", fontsize=9, color=colour,
            fontweight="bold" if cell.quick else "normal", parse_math=False,
        )  # fmt: skip
    axes.set_xlabel(labels.cost, parse_math=False)
    axes.set_ylabel(labels.impact, parse_math=False)
    axes.set_title(labels.title, parse_math=False)
    axes.grid(alpha=0.2)
    return charts.png(figure)
