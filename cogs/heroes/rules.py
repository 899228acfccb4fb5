"""`[heroes]` in `rules/rituals.toml`: the weekly score, its announcement and /thanks."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from bot.rules.models import Channels, LocalisedText, RuleFile, WeeklySlot

# A weight beyond ±1000 points per signal drowns every other signal: surely a typo.
Weight = Annotated[float, Field(ge=-1000.0, le=1000.0)]


class HeroWeights(RuleFile):
    """Points per signal; a negative weight subtracts."""

    helpful_answer: Weight = 3.0
    thanks_received: Weight = 1.0
    reaction_received: Weight = 0.2
    ama_answer: Weight = 5.0
    idea_shipped: Weight = 4.0
    ugc_featured: Weight = 2.0
    moderation_case: Weight = -5.0


class HeroRules(Channels):
    """`[heroes]`: the weekly score, its announcement and the /thanks limits."""

    enabled: bool = True
    schedule: WeeklySlot = WeeklySlot(weekday="sunday", time="18:00")
    weights: HeroWeights = HeroWeights()
    # One title per language ("Апта батыры" for a Kazakh community); a plain string still works.
    role: Annotated[str, Field(min_length=1, max_length=100)] | LocalisedText = LocalisedText(
        en="Hero of the week", ru="Герой недели", kk="Апта батыры"
    )
    min_score: float = Field(default=1.0, ge=0.0, le=1_000_000.0)
    exclude_moderators: bool = True
    exclude_bots: bool = True
    allow_repeat: bool = False
    history_weeks: int = Field(default=4, ge=1, le=52)
    thanks_phrases: tuple[str, ...] = (
        "thanks",
        "thank you",
        "thx",
        "спасибо",
        "благодарю",
        "рахмет",
        "рақмет",
        "алғыс",
    )
    thanks_per_day: int = Field(default=5, ge=1, le=100)
    same_receiver_cooldown_minutes: int = Field(default=60, ge=0, le=7 * 24 * 60)
    # Not used since the signals moved to the core activity ledger (flushed every second);
    # still accepted so rule files that set it keep loading.
    flush_seconds: float = Field(default=5.0, gt=0.0, le=3600.0)
