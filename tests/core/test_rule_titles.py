"""Titles in rule files read in the community's language; one plain string still works."""

from __future__ import annotations

import tomllib

from bot.rules.models import in_locale
from cogs.heroes.rules import HeroRules
from cogs.onboarding.rules import OnboardingRules
from tests.auxil.app import ROOT


def test_the_hero_title_is_given_per_language() -> None:
    shipped = tomllib.loads((ROOT / "rules" / "rituals.toml").read_text("utf-8"))["heroes"]
    rules = HeroRules.model_validate(shipped)
    assert in_locale(rules.role, "kk") == "Апта батыры"
    assert in_locale(rules.role, "ru") == "Герой недели"
    assert in_locale(rules.role, "en") == "Hero of the week"
    assert in_locale(HeroRules().role, "kk") == "Апта батыры"


def test_a_plain_title_is_still_accepted() -> None:
    rules = HeroRules.model_validate({"role": "Champion"})
    assert in_locale(rules.role, "kk") == "Champion"


def test_platform_roles_are_named_per_language() -> None:
    shipped = tomllib.loads((ROOT / "rules" / "onboarding.toml").read_text("utf-8"))
    rules = OnboardingRules.model_validate(shipped)
    named = {r.id: r.platform_role for r in rules.roles if r.platform_role}
    assert in_locale(named["activist"], "kk") == "Белсенді"
    assert in_locale(named["expert"], "ru") == "Эксперт"
    assert in_locale(named["expert"], "en") == "Expert"
