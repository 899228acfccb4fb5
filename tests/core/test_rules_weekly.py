"""rules/rituals.toml: the shipped file is valid, and a bad edit names the key and is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.features import shipped_rule_files
from bot.rules.loader import RulesError
from bot.rules.store import RulesStore
from cogs.ama.rules import AmaRules
from cogs.digest.rules import DigestRules
from cogs.heroes.rules import HeroRules
from tests.auxil.app import RULES, load_shipped
from tests.auxil.rituals_weekly import rules_copy


def test_the_shipped_file_loads_with_its_documented_defaults() -> None:
    rules = load_shipped(RULES)
    # The file documents the defaults, it does not change them.
    assert rules.get(AmaRules) == AmaRules()
    assert rules.get(HeroRules) == HeroRules()
    assert rules.get(DigestRules) == DigestRules()


@pytest.mark.parametrize(
    ("edit", "key"),
    [
        (('time = "18:00" }', 'time = "25:00" }'), "ama.schedule.time"),
        (("duplicate_threshold = 0.7", "duplicate_threshold = 1.5"), "ama.duplicate_threshold"),
        (("thanks_per_day = 5", "thanks_per_day = 0"), "heroes.thanks_per_day"),
        (
            ('weekday = "sunday", time = "19:00"', 'weekday = "sundae", time = "19:00"'),
            "digest.schedule.weekday",
        ),
        (("top_questions = 3", "top_questions = 3\ncolour = 'red'"), "digest.colour"),
    ],
)
async def test_a_bad_edit_names_the_key_and_keeps_the_last_good_rules(
    tmp_path: Path, edit: tuple[str, str], key: str
) -> None:
    folder = rules_copy(tmp_path, lambda text: text)
    store = RulesStore(folder)
    for spec in shipped_rule_files():
        if spec not in store.files:
            store.add_file(spec)
    good = store.load()
    path = folder / "rituals.toml"
    original = path.read_text("utf-8")
    assert edit[0] in original
    path.write_text(original.replace(edit[0], edit[1], 1), "utf-8")
    problems = await store.reload()
    assert [p.key for p in problems] == [key]
    assert store.current is good
    with pytest.raises(RulesError):
        load_shipped(folder)
