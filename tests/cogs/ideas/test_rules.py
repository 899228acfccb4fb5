"""`rules/ideas.toml`: the shipped file loads; an impossible monthly day is a clear error."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.rules.loader import RulesError
from cogs.ideas.matrix import Dot, cells, parse_score, quadrant
from cogs.ideas.rules import IdeaRules
from tests.auxil.app import RULES, load_shipped


def problems(tmp_path: Path, text: str) -> list[str]:
    target = tmp_path / "rules"
    shutil.copytree(RULES, target)
    (target / "ideas.toml").write_text(text, "utf-8")
    with pytest.raises(RulesError) as caught:
        load_shipped(target)
    return [str(p) for p in caught.value.problems]


def test_the_shipped_file_reads_as_documented() -> None:
    rules = load_shipped(RULES).get(IdeaRules)
    assert (rules.monthly.day, rules.monthly.time) == (1, "10:00")
    assert (rules.high_impact_from, rules.low_cost_up_to) == (4, 2)
    assert rules.capture_emoji == "💡"
    assert (rules.min_title_length, rules.max_title_length) == (8, 200)


@pytest.mark.parametrize("day", [0, 29, 31, -1])
def test_an_impossible_monthly_day_names_the_file_the_key_and_the_fix(
    tmp_path: Path, day: int
) -> None:
    (shown,) = problems(tmp_path, f'monthly = {{ day = {day}, time = "10:00" }}\n')
    assert "ideas.toml" in shown
    assert "monthly.day" in shown
    assert "write 1 to 28" in shown


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("min_title_length = 50\nmax_title_length = 40\n", "(50) is above max_title_length (40)"),
        ("min_title_length = 0\n", "min_title_length"),
        ("min_title_length = 101\n", "min_title_length"),
    ],
)
def test_a_minimum_title_out_of_range_is_refused(tmp_path: Path, text: str, expected: str) -> None:
    (shown,) = problems(tmp_path, text)
    assert expected in shown


def test_every_bad_number_and_time_is_reported_at_once(tmp_path: Path) -> None:
    shown = problems(
        tmp_path,
        'page_size = 0\nhigh_impact_from = 9\nmonthly = { day = 5, time = "25:00" }\n',
    )
    assert len(shown) == 3
    assert any("page_size" in line for line in shown)
    assert any("high_impact_from" in line for line in shown)
    assert any("monthly.time" in line and "HH:MM" in line for line in shown)


@pytest.mark.parametrize(
    ("word", "score"), [("1", 1), ("5", 5), ("s", 1), ("M", 3), (" l ", 5), ("6", None),
                        ("0", None), ("XL", None), ("", None), ("٣", None)]
)  # fmt: skip
def test_scores_are_1_to_5_or_s_m_l(word: str, score: int | None) -> None:
    assert parse_score(word) == score


def test_quadrants() -> None:
    assert quadrant(5, 1, 4, 2) == "quick_win"
    assert quadrant(4, 3, 4, 2) == "big_bet"
    assert quadrant(3, 2, 4, 2) == "fill_in"
    assert quadrant(1, 5, 4, 2) == "money_pit"
    assert quadrant(None, 1, 4, 2) == ""


def test_the_picture_labels_ideas_by_number_and_groups_equal_scores() -> None:
    dots = [Dot(n, 5, 1, True) for n in (9, 2, 4, 8, 7, 6, 5, 3)] + [Dot(11, 2, 4, False)]
    found = cells(dots)
    assert [(c.cost, c.impact, c.label, c.count, c.quick) for c in found] == [
        (1, 5, "#2 #3 #4 #5 #6 #7 +2", 8, True),
        (4, 2, "#11", 1, False),
    ]
