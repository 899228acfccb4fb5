"""`rules/onboarding.toml`: the welcome, the entry gate, the raid guard and the role path."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Literal

from pydantic import Field, model_validator

from bot.rules.models import Duration, LocalisedText, RuleFile

ROLE_ID = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


def normalise_answer(text: str) -> str:
    """Captcha answers compare case- and whitespace-insensitively."""
    return " ".join(text.casefold().split())


class Welcome(RuleFile):
    """What a newcomer sees on joining; `{name}` is replaced by their display name."""

    text: LocalisedText
    show_rules: bool = True


class Gate(RuleFile):
    """What a newcomer must do before posting, how long they have, and what happens if not."""

    method: Literal["button", "question", "none"] = "button"
    time_limit: Duration = timedelta(minutes=10)
    on_fail: Literal["kick", "restrict"] = "kick"
    question: LocalisedText | None = None
    answers: tuple[str, ...] = ()
    max_attempts: int = Field(default=3, ge=1, le=20)

    @model_validator(mode="after")
    def _check(self) -> Gate:
        if not timedelta(seconds=30) <= self.time_limit <= timedelta(days=7):
            raise ValueError("time_limit must be between 30s and 7d")
        if any(not normalise_answer(a) for a in self.answers):
            raise ValueError("answers must not be empty strings")
        if self.method == "question" and (self.question is None or not self.answers):
            raise ValueError('method = "question" needs both `question` and `answers`')
        return self


class Raid(RuleFile):
    """Many joins in a short window switch the community to a stricter mode."""

    enabled: bool = True
    joins: int = Field(default=10, ge=2, le=10_000)
    window: Duration = timedelta(seconds=60)
    method: Literal["button", "question"] = "question"
    block_links: bool = True


class Promotion(RuleFile):
    """How progress is counted and when promotions are checked."""

    helpful_emojis: tuple[str, ...] = ("✅", "🙏", "💡")
    hour: int = Field(default=6, ge=0, le=23)


class Role(RuleFile):
    """One step on the path; a member reaches it when every threshold is met."""

    id: str
    name: LocalisedText
    grants: LocalisedText
    # The platform role's name, one per language if the server's roles are named per language.
    platform_role: Annotated[str, Field(max_length=100)] | LocalisedText | None = None
    min_days: int = Field(default=0, ge=0, le=36_500)
    min_messages: int = Field(default=0, ge=0, le=10_000_000)
    min_helpful: int = Field(default=0, ge=0, le=10_000_000)
    min_reactions: int = Field(default=0, ge=0, le=10_000_000)

    @model_validator(mode="after")
    def _check(self) -> Role:
        if not ROLE_ID.match(self.id):
            raise ValueError(f"role id {self.id!r} must be lowercase a-z, 0-9, _ (e.g. 'expert')")
        return self

    @property
    def is_free(self) -> bool:
        return not (self.min_days or self.min_messages or self.min_helpful or self.min_reactions)


class OnboardingRules(RuleFile):
    """`rules/onboarding.toml`."""

    welcome: Welcome
    gate: Gate = Gate()
    raid: Raid = Raid()
    promotion: Promotion = Promotion()
    roles: tuple[Role, ...] = Field(min_length=2, max_length=10)

    @model_validator(mode="after")
    def _check(self) -> OnboardingRules:
        ids = [role.id for role in self.roles]
        if len(set(ids)) != len(ids):
            raise ValueError(f"role ids must be unique, got {ids}")
        if not self.roles[0].is_free:
            raise ValueError(f"the first role ({ids[0]}) is where newcomers start: no thresholds")
        if self.raid.method == "question" and (self.gate.question is None or not self.gate.answers):
            raise ValueError('raid.method = "question" needs gate.question and gate.answers')
        return self

    def role(self, role_id: str) -> Role | None:
        return next((r for r in self.roles if r.id == role_id), None)

    def rank(self, role_id: str) -> int:
        """Position on the path; an unknown (renamed) role counts as the first."""
        return next((i for i, r in enumerate(self.roles) if r.id == role_id), 0)
