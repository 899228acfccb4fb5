"""FAQ ranking on the shipped test questions; help routes and the ad-label rule."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from bot.core.features import shipped_rule_files
from bot.rules.loader import load_rules
from cogs.support.faq import FaqIndex, FaqRules
from cogs.support.safety import SafetyMatcher, SafetyRules, needs_ad_label
from tests.auxil.app import ROOT, RULES
from tests.cogs.support.console import Desk

QUESTIONS = tomllib.loads((ROOT / "cogs/support/faq_questions.toml").read_text("utf-8"))


@pytest.fixture(scope="module")
def faq() -> tuple[FaqIndex, float]:
    rules = load_rules(RULES, files=shipped_rule_files()).get(FaqRules)
    return FaqIndex(rules.entries), rules.threshold


@pytest.mark.parametrize("lang", ["en", "ru", "kk"])
def test_top1_accuracy_per_language_is_at_least_90_percent(
    faq: tuple[FaqIndex, float], lang: str
) -> None:
    index, threshold = faq
    wrong = []
    for question, expected in QUESTIONS[lang]:
        hit = index.answer(question, threshold)
        if (hit.entry.id if hit else "") != expected:
            wrong.append(question)
    assert len(wrong) / len(QUESTIONS[lang]) <= 0.1, wrong


def test_inflected_kazakh_and_russian_find_the_stem(faq: tuple[FaqIndex, float]) -> None:
    index, threshold = faq
    for question in ("құпиясөзімнен айырылдым", "пароля не помню"):
        hit = index.answer(question, threshold)
        assert hit is not None
        assert hit.entry.id == "password"


@pytest.mark.parametrize(
    "text",
    ["", " ", "???", "a", "@everyone", "<b>x</b>", "\u200b" * 50, "ж" * 4000, "how " * 500],
)
def test_hostile_text_gives_no_error_and_a_score_within_zero_and_one(
    faq: tuple[FaqIndex, float], text: str
) -> None:
    index, _ = faq
    for hit in index.search(text):
        assert 0.0 < hit.score <= 1.0 + 1e-9


def test_safety_triggers_meet_inflection_and_evasion() -> None:
    matcher = SafetyMatcher.build(load_rules(RULES, files=shipped_rule_files()).get(SafetyRules))
    assert matcher.topics("Казиноға тағы ақша салдым") == ["gambling"]
    assert matcher.topics("вчера опять ставки на футбол") == ["gambling"]
    assert matcher.topics("I have so much DEBT") == ["debt"]
    assert matcher.topics("not a topic at all") == []


def test_shipped_placeholders_are_listed_by_rules_check(tmp_path: Path) -> None:
    from bot.cli import main

    notices = load_rules(RULES, files=shipped_rule_files()).get(SafetyRules).notices()
    assert any(key == "topics.self_harm.links.0.url" for key, _ in notices)
    assert main(["--config", str(ROOT / "config.example.toml"), "rules", "check", str(RULES)]) == 0


def test_ad_label_rule() -> None:
    rules = load_rules(RULES, files=shipped_rule_files()).get(SafetyRules)
    assert needs_ad_label(rules, "Use promo code KENES for 10% off")
    assert not needs_ad_label(rules, "#ad Use promo code KENES for 10% off")
    assert needs_ad_label(rules, "Жарнама: жаңа курс ашылды")
    assert not needs_ad_label(rules, "#жарнама Жаңа курс ашылды")
    assert not needs_ad_label(rules, "Meetup on Friday at 18:00")


async def test_help_route_replies_once_per_period_and_tells_staff_when_urgent(desk: Desk) -> None:
    out = await desk(
        """
        alice: lost everything at the casino again
        alice: the casino took my salary too
        bob: sometimes I want to die
        +8d
        alice: casino night was a mistake
        """,
    )
    assert out.count("Betting can pull people into losses") == 2
    assert "• Self-exclusion and limits: https://example.org/self-exclusion" in out
    assert "It sounds like things are really hard right now." in out
    assert 'Heads-up: Bob wrote about "self_harm"' in out
    assert "deleted" not in out
