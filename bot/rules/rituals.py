"""`rules/rituals.toml`: how the AMA, hero-of-the-week and weekly-digest rituals run."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal

from pydantic import Field, field_validator

from bot.rules.models import LocalisedText, RuleFile

Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
WEEKDAYS: tuple[str, ...] = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)
_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def clock_time(value: str) -> dt.time:
    """`"18:30"` as a time of day (the rule files keep it as text people can read)."""
    match = _CLOCK.match(value)
    if match is None:
        raise ValueError(f"{value!r} is not a time of day; write it as HH:MM, e.g. 18:00")
    return dt.time(int(match.group(1)), int(match.group(2)))


class WeeklySlot(RuleFile):
    """A weekly moment in the community's own timezone."""

    weekday: Weekday = "friday"
    # The pattern is for editors (JSON Schema); the validator gives people the friendlier error.
    time: str = Field(default="18:00", json_schema_extra={"pattern": _CLOCK.pattern})

    @field_validator("time")
    @classmethod
    def _time(cls, value: str) -> str:
        clock_time(value)
        return value

    @property
    def weekday_index(self) -> int:
        return WEEKDAYS.index(self.weekday)

    @property
    def clock(self) -> dt.time:
        return clock_time(self.time)


class Channels(RuleFile):
    """Where a ritual posts: `channel` everywhere, or per community in `channels`."""

    channel: str = Field(default="general", min_length=1, max_length=64)
    channels: dict[str, str] = Field(default_factory=dict)

    def chat_for(self, community: str) -> str:
        """The chat id to post in for `community` ("platform:id")."""
        return self.channels.get(community, self.channel)


class AmaRules(Channels):
    """`[ama]`: question collection, voting and the session schedule."""

    enabled: bool = True
    schedule: WeeklySlot = WeeklySlot()
    duration_minutes: int = Field(default=60, ge=5, le=24 * 60)
    lead_minutes: int = Field(default=60, ge=0, le=7 * 24 * 60)
    top_count: int = Field(default=5, ge=1, le=25)
    duplicate_threshold: float = Field(default=0.7, gt=0.0, le=1.0)
    max_question_length: int = Field(default=500, ge=10, le=2000)
    upvote_emoji: tuple[str, ...] = ("👍",)
    auto_weekly: bool = False
    auto_open_hours_before: int = Field(default=96, ge=1, le=6 * 24)
    default_topic: LocalisedText | None = None


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
    role: str = Field(default="Hero of the week", min_length=1, max_length=100)
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
    flush_seconds: float = Field(default=5.0, gt=0.0, le=3600.0)


class DigestRules(Channels):
    """`[digest]`: the weekly digest and the order of its sections."""

    enabled: bool = True
    schedule: WeeklySlot = WeeklySlot(weekday="sunday", time="19:00")
    top_questions: int = Field(default=3, ge=1, le=10)
    sections: tuple[str, ...] = ("questions", "hero", "polls", "ideas", "next_ama", "teaser")
    max_teaser_length: int = Field(default=300, ge=10, le=1000)


class RitualsRules(RuleFile):
    """`rules/rituals.toml`: one table per ritual; every key has a default."""

    ama: AmaRules = AmaRules()
    heroes: HeroRules = HeroRules()
    digest: DigestRules = DigestRules()
