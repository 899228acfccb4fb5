"""How actions and rule names read in the community's language (`mute 10m` → "мут на 10 мин")."""

from __future__ import annotations

from bot.i18n import catalogue, t
from cogs.moderation.rules import ActionSpec, parse_action


def action_label(locale: str, action: ActionSpec | str) -> str:
    """A moderation action as a member reads it, e.g. "mute for 10 min" or "ban for good"."""
    spec = parse_action(action) if isinstance(action, str) else action
    if spec.duration is not None:
        return t(
            locale,
            f"moderation.actions.{spec.kind}_for",
            duration=spec.duration,
        )
    return t(locale, f"moderation.actions.{spec.kind}")


def rule_label(locale: str, rule: str) -> str:
    """Built-in rule names are translated; rules an admin named keep the admin's name."""
    key = f"moderation.rule_names.{rule}"
    return t(locale, key) if key in catalogue(locale) else rule
