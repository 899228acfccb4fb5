"""Which file under `rules/` holds which model. Add a line here for each new rule file."""

from __future__ import annotations

from pydantic import BaseModel

from bot.rules.models import CommunityRules
from bot.rules.moderation_models import ModerationRules

RULE_FILES: dict[str, type[BaseModel]] = {
    "community.toml": CommunityRules,
    "moderation.toml": ModerationRules,
}
