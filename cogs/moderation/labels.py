"""How actions and rule names read in the community's language ("запрет писать на 10 минут")."""

from __future__ import annotations

from datetime import datetime

from bot.i18n import catalogue, t
from bot.rules.models import in_locale
from cogs.moderation.rules import ActionSpec, ModerationRules, parse_action


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


def case_action_label(
    locale: str, action: str, created_at: datetime, expires_at: datetime | None
) -> str:
    """A stored case's action: a lifted mute or ban, a timed one ("mute for 1 hour"), or plain."""
    if action in ("unmute", "unban"):
        return rule_label(locale, action)
    if action in ("mute", "ban") and expires_at is not None:
        # The case keeps when it ends, not how long it was: a timed ban is not "for good".
        return action_label(locale, ActionSpec(action, expires_at - created_at))
    return t(locale, f"moderation.actions.{action}")


def rule_label(locale: str, rule: str, rules: ModerationRules | None = None) -> str:
    """Built-in rule names are translated; an admin's list or pattern shows its `title`.

    Members never see a list id like `spam-en`: a stop-word list without a title reads as
    "listed words". Moderators' log lines keep the id (pass no `rules`), which is what they edit.
    """
    key = f"moderation.rule_names.{rule}"
    if key in catalogue(locale):
        return t(locale, key)
    if rules is not None:
        for words in rules.stopwords:
            if words.id == rule:
                if words.title is None:
                    return t(locale, "moderation.rule_names.stopwords")
                return in_locale(words.title, locale)
        for pattern in rules.regex:
            if pattern.id == rule and pattern.title is not None:
                return in_locale(pattern.title, locale)
    return rule
