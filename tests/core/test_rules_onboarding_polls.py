"""The shipped onboarding and polls rule files load; bad edits are reported key by key."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.rules.loader import RulesError
from cogs.onboarding.rules import OnboardingRules
from cogs.polls.rules import PollRules
from tests.auxil.app import RULES, load_shipped
from tests.auxil.rituals import rules_copy


def test_shipped_files_load() -> None:
    rules = load_shipped(RULES)
    onboarding = rules.get(OnboardingRules)
    assert [r.id for r in onboarding.roles] == ["newcomer", "member", "activist", "expert"]
    assert onboarding.gate.time_limit.total_seconds() == 600
    assert rules.get(PollRules).min_duration.total_seconds() == 15


@pytest.mark.parametrize(
    ("file", "old", "new", "problem"),
    [
        ("onboarding.toml", 'time_limit = "10m"', 'time_limit = "soon"', "gate.time_limit"),
        ("onboarding.toml", 'time_limit = "10m"', 'time_limit = "10s"', "between 30s and 7d"),
        ("onboarding.toml", 'on_fail = "kick"', 'on_fail = "ban"', "gate.on_fail"),
        ("onboarding.toml", "answers = [", "answers = [] # ", "needs gate.question"),
        ("onboarding.toml", 'id = "member"', 'id = "newcomer"', "must be unique"),
        ("onboarding.toml", "joins = 10", "joins = 1", "raid.joins"),
        ("onboarding.toml", 'id = "expert"', 'id = "Top Expert"', "lowercase"),
        ("polls.toml", 'default_duration = "1d"', 'default_duration = "90d"', "between"),
        ("polls.toml", "bar_width = 10", "bar_width = 100", "bar_width"),
    ],
)
def test_bad_edits_are_reported_with_the_key(
    tmp_path: Path, file: str, old: str, new: str, problem: str
) -> None:
    folder = rules_copy(tmp_path, {file: [(old, new)]})
    with pytest.raises(RulesError) as caught:
        load_shipped(folder)
    assert problem in str(caught.value)
    assert file in str(caught.value)


def test_the_first_role_must_be_free(tmp_path: Path) -> None:
    edit = ('id = "newcomer"\n', 'id = "newcomer"\nmin_messages = 3\n')
    folder = rules_copy(tmp_path, {"onboarding.toml": [edit]})
    with pytest.raises(RulesError, match="where newcomers start"):
        load_shipped(folder)
