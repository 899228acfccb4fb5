"""`rules/polls.toml`: defaults and limits for polls, quizzes and A/B questions."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field, model_validator

from bot.rules.models import Duration, RuleFile


class PollRules(RuleFile):
    """`rules/polls.toml`; every key has a default, so the file may be nearly empty."""

    default_duration: Duration = timedelta(days=1)
    min_duration: Duration = timedelta(seconds=15)
    max_duration: Duration = timedelta(days=30)
    anonymous: bool = True
    native: bool = True
    native_anonymous: bool = False
    bar_width: int = Field(default=10, ge=5, le=30)

    @model_validator(mode="after")
    def _check(self) -> PollRules:
        if not self.min_duration <= self.default_duration <= self.max_duration:
            raise ValueError("default_duration must lie between min_duration and max_duration")
        return self
