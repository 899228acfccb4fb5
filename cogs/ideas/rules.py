"""`rules/ideas.toml`: where ideas come from, duplicates, the matrix and the monthly post."""

from __future__ import annotations

import datetime as dt

from pydantic import Field, field_validator, model_validator

from bot.rules.models import Channels, ClockTime, RuleFile, clock_time

# Day 29-31 does not exist in every month: a post set for the 31st would skip most months.
LAST_SAFE_DAY = 28


class MonthlySlot(RuleFile):
    """A monthly moment in the community's own timezone: `day` of the month at `time`."""

    # The bounds are for editors (JSON Schema); the validator gives people the friendlier error.
    day: int = Field(default=1, json_schema_extra={"minimum": 1, "maximum": LAST_SAFE_DAY})
    time: ClockTime = "10:00"

    @field_validator("day")
    @classmethod
    def _day(cls, value: int) -> int:
        if not 1 <= value <= LAST_SAFE_DAY:
            raise ValueError(
                f"{value} is not a day every month has: write 1 to {LAST_SAFE_DAY} "
                "(February has 28 days, so day 29, 30 or 31 would skip months)"
            )
        return value

    @property
    def clock(self) -> dt.time:
        return clock_time(self.time)


class SurveyRules(MonthlySlot):
    """`[survey]`: the monthly open survey, a poll of the most-voted open ideas ("which next?").

    Posted through the polls feature on `day` at `time`, open for `hours`; skipped in a month
    with fewer than two open ideas. Off unless `enabled`.
    """

    enabled: bool = False
    day: int = Field(default=15, json_schema_extra={"minimum": 1, "maximum": LAST_SAFE_DAY})
    time: ClockTime = "12:00"
    options: int = Field(default=5, ge=2, le=10)
    hours: int = Field(default=72, ge=1, le=14 * 24)


class IdeaRules(Channels):
    """`rules/ideas.toml`; every key has a default. `channel` is where the monthly post goes."""

    enabled: bool = True
    # Channels (names or ids) where every message that is not a command becomes an idea.
    idea_channels: tuple[str, ...] = ()
    # The reaction a moderator replies with to capture someone's message as an idea.
    capture_emoji: str = Field(default="💡", min_length=1, max_length=16)
    duplicate_threshold: float = Field(default=0.4, gt=0.0, le=1.0)
    # How many near-duplicates are offered before posting.
    offer_count: int = Field(default=3, ge=1, le=5)
    # Shorter titles ("x", "ok", "test") say nothing a team can act on. 8, not 10: "Dark mode"
    # (9) is a real idea.
    min_title_length: int = Field(default=8, ge=1, le=100)
    max_title_length: int = Field(default=200, ge=10, le=300)
    max_details_length: int = Field(default=2000, ge=0, le=4000)
    page_size: int = Field(default=5, ge=1, le=20)
    # The matrix: an idea is high impact from this score on, low cost up to this one (1-5).
    high_impact_from: int = Field(default=4, ge=2, le=5)
    low_cost_up_to: int = Field(default=2, ge=1, le=4)
    monthly: MonthlySlot = MonthlySlot()
    survey: SurveyRules = SurveyRules()
    # How many planned ideas the monthly post names as "next".
    monthly_planned: int = Field(default=5, ge=0, le=20)
    max_retro_length: int = Field(default=1500, ge=100, le=3000)
    # Recent messages kept (per process) so a moderator's 💡 reply can capture them.
    remember_messages: int = Field(default=2000, ge=0, le=20000)

    @model_validator(mode="after")
    def _check(self) -> IdeaRules:
        if self.low_cost_up_to >= 5:  # pragma: no cover - the field range already says so
            raise ValueError("low_cost_up_to must be below 5")
        if self.min_title_length > self.max_title_length:
            raise ValueError(
                f"min_title_length ({self.min_title_length}) is above max_title_length "
                f"({self.max_title_length}): no title could be posted; lower min_title_length"
            )
        return self
