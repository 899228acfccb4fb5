"""Which file under `rules/` holds which model. Add a line here for each new rule file."""

from __future__ import annotations

from pydantic import BaseModel

from bot.rules.models import CommunityRules
from bot.rules.moderation_models import ModerationRules
from bot.rules.onboarding import OnboardingRules
from bot.rules.polls import PollRules
from bot.rules.rituals import RitualsRules
from cogs.support.rules import SupportRules

RULE_FILES: dict[str, type[BaseModel]] = {
    "community.toml": CommunityRules,
    "moderation.toml": ModerationRules,
    "onboarding.toml": OnboardingRules,
    "polls.toml": PollRules,
    "rituals.toml": RitualsRules,
    "support.toml": SupportRules,
}
