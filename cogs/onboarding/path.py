"""The role path: progress of one member and how far up the path it takes them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.i18n import t
from bot.rules.loader import RuleSet
from cogs.onboarding.rules import OnboardingRules, Role, normalise_answer


@dataclass(frozen=True, slots=True)
class Progress:
    """What counts towards the next role."""

    days: int
    messages: int
    helpful: int
    reactions: int


@dataclass(frozen=True, slots=True)
class CompiledOnboarding:
    """Built once per rule edit: normalised captcha answers and helpful emojis."""

    answers: frozenset[str]
    helpful: frozenset[str]


def plain_emoji(emoji: str) -> str:
    """Platforms differ on the variation selector; compare emojis without it."""
    return emoji.replace("\ufe0f", "")


def compile_onboarding(rules: RuleSet) -> CompiledOnboarding:
    onboarding = rules.get(OnboardingRules)
    return CompiledOnboarding(
        answers=frozenset(normalise_answer(a) for a in onboarding.gate.answers),
        helpful=frozenset(plain_emoji(e) for e in onboarding.promotion.helpful_emojis),
    )


def progress_of(
    joined_at: datetime | None,
    first_seen: datetime | None,
    now: datetime,
    messages: int,
    helpful: int,
    reactions: int,
) -> Progress:
    start = joined_at or first_seen or now
    return Progress(max(0, (now - start).days), messages, helpful, reactions)


def meets(role: Role, progress: Progress) -> bool:
    return (
        progress.days >= role.min_days
        and progress.messages >= role.min_messages
        and progress.helpful >= role.min_helpful
        and progress.reactions >= role.min_reactions
    )


def climb(rules: OnboardingRules, rank: int, progress: Progress) -> int:
    """The highest rank reachable step by step from `rank`; never lower than `rank`."""
    while rank + 1 < len(rules.roles) and meets(rules.roles[rank + 1], progress):
        rank += 1
    return rank


def needs_text(locale: str, role: Role) -> str:
    """`5 messages, 1 day` for /roles; only the thresholds the admin set."""
    parts = []
    if role.min_days:
        parts.append(t(locale, "onboarding.roles.need_days", n=role.min_days))
    if role.min_messages:
        parts.append(t(locale, "onboarding.roles.need_messages", n=role.min_messages))
    if role.min_helpful:
        parts.append(t(locale, "onboarding.roles.need_helpful", n=role.min_helpful))
    if role.min_reactions:
        parts.append(t(locale, "onboarding.roles.need_reactions", n=role.min_reactions))
    return ", ".join(parts)


def progress_lines(locale: str, role: Role, progress: Progress) -> list[str]:
    """One line per threshold of `role`: what the member has of what is needed."""
    lines = []
    pairs = (
        ("onboarding.role.days", progress.days, role.min_days),
        ("onboarding.role.messages", progress.messages, role.min_messages),
        ("onboarding.role.helpful", progress.helpful, role.min_helpful),
        ("onboarding.role.reactions", progress.reactions, role.min_reactions),
    )
    for key, have, need in pairs:
        if need:
            mark = "✓" if have >= need else "·"
            lines.append(f"{mark} {t(locale, key, have=min(have, need), need=need)}")
    return lines
