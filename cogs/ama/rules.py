"""`[ama]` in `rules/rituals.toml`: question collection, voting and the session schedule."""

from __future__ import annotations

from pydantic import Field

from bot.rules.models import Channels, LocalisedText, WeeklySlot


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
