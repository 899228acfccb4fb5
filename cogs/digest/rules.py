"""`[digest]` in `rules/rituals.toml`: the weekly digest and the order of its sections."""

from __future__ import annotations

from pydantic import Field

from bot.rules.models import Channels, WeeklySlot


class DigestRules(Channels):
    """`[digest]`: the weekly digest and the order of its sections."""

    enabled: bool = True
    schedule: WeeklySlot = WeeklySlot(weekday="sunday", time="19:00")
    top_questions: int = Field(default=3, ge=1, le=10)
    sections: tuple[str, ...] = (
        "questions",
        "hero",
        "polls",
        "ideas",
        "debates",
        "ugc",
        "next_ama",
        "teaser",
    )
    max_teaser_length: int = Field(default=300, ge=10, le=1000)
