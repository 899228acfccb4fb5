"""Help routes: a calm reply with a disclaimer and help links when a message touches a hard topic.

`rules/safety.toml` lists topics with trigger words per language. Triggers go through the
moderation normaliser like messages do, and one Aho-Corasick automaton finds them all in one
pass. A trigger ending in `*` matches any ending (`казино*` finds `казиноға`, `казино`), which is
how Kazakh and Russian inflection is met without a stemmer. Nothing is ever deleted: the member
gets one visible, friendly reply per topic per period; staff hear about urgent topics.

The ad/partnership label rule lives here too: `needs_ad_label` says whether a post must carry a
visible label before it is published; the content feature asks it through `published.ad_labels`.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import ahocorasick
from pydantic import Field, field_validator, model_validator

from bot.core.actions import SendMessage
from bot.core.context import Context
from bot.core.refs import ChatRef
from bot.rules.models import LocalisedText, RuleFile
from bot.rules.normalise import normalise
from cogs.support.rules import SupportRules

if TYPE_CHECKING:
    from bot.rules.loader import RuleSet
    from bot.services import Services
    from cogs.support.store import SupportStore

log = logging.getLogger(__name__)

SAFETY_INDEX = "support.safety"
# Shipped defaults carry these; `kenes rules check` lists every one still left.
PLACEHOLDER = re.compile(r"example\.(?:org|com)|\bTODO\b|<[^>]*>", re.IGNORECASE)


class HelpLink(RuleFile):
    label: LocalisedText
    url: str = Field(min_length=8, max_length=500, pattern=r"^(https?://|tel:)\S+$")


class Triggers(RuleFile):
    en: tuple[str, ...] = Field(default=(), max_length=500)
    ru: tuple[str, ...] = Field(default=(), max_length=500)
    kk: tuple[str, ...] = Field(default=(), max_length=500)

    def all(self) -> tuple[str, ...]:
        return self.en + self.ru + self.kk


class Topic(RuleFile):
    """One sensitive topic: what triggers it, what the member is told, who is told."""

    triggers: Triggers
    disclaimer: LocalisedText
    links: tuple[HelpLink, ...] = Field(default=(), max_length=10)
    urgent: bool = False

    @field_validator("triggers")
    @classmethod
    def _some(cls, value: Triggers) -> Triggers:
        if not value.all():
            raise ValueError("give at least one trigger word or phrase")
        for word in value.all():
            if not normalise(word.rstrip("*")).text.strip():
                raise ValueError(f"{word!r} has no letters left after normalising")
        return value


class AdLabel(RuleFile):
    """Posts about ads or partnerships must start with (or contain) one of these labels."""

    labels: tuple[str, ...] = ("#ad", "#реклама", "#жарнама", "#partner", "#партнёр", "#серіктес")
    # The label a post marked sponsored carries, in the post's language (one of `labels`).
    visible: LocalisedText = LocalisedText(en="#ad", ru="#реклама", kk="#жарнама")
    triggers: tuple[str, ...] = (
        "promo code",
        "sponsored",
        "partnership",
        "промокод",
        "спонсор",
        "реклама",
        "жарнама",
        "демеуші",
    )

    @model_validator(mode="after")
    def _visible_is_a_label(self) -> AdLabel:
        for locale in ("en", "ru", "kk"):
            label = getattr(self.visible, locale)
            if label is not None and label not in self.labels:
                raise ValueError(f"visible.{locale} {label!r} must be one of `labels`")
        return self


class SafetyRules(RuleFile):
    """`rules/safety.toml`."""

    enabled: bool = True
    period_days: int = Field(default=7, ge=1, le=365)
    notify_staff: bool = True
    topics: dict[str, Topic] = Field(default_factory=dict, max_length=50)
    ad_label: AdLabel = AdLabel()

    def notices(self) -> list[tuple[str, str]]:
        """Placeholders the admins still have to replace (valid, but not ready for members)."""
        found: list[tuple[str, str]] = []
        for name, topic in self.topics.items():
            for index, link in enumerate(topic.links):
                if PLACEHOLDER.search(link.url):
                    found.append(
                        (f"topics.{name}.links.{index}.url", f"placeholder {link.url!r}; "
                         "put your region's real help line or guide here")
                    )  # fmt: skip
            for locale in ("en", "ru", "kk"):
                text = getattr(topic.disclaimer, locale) or ""
                if PLACEHOLDER.search(text):
                    found.append(
                        (f"topics.{name}.disclaimer.{locale}", "has a placeholder to fill in")
                    )
        return found


@dataclass(frozen=True)
class SafetyMatcher:
    """All topics' triggers in one automaton over the skeleton; values are topic names."""

    automaton: Any

    @classmethod
    def build(cls, rules: SafetyRules) -> SafetyMatcher:
        automaton = ahocorasick.Automaton()
        for name, topic in rules.topics.items():
            for word in topic.triggers.all():
                prefix = word.endswith("*")
                core = normalise(word.rstrip("*")).text.strip()
                key = f" {core}" if prefix else f" {core} "
                automaton.add_word(key, name)
        if len(automaton) == 0:
            return cls(None)
        automaton.make_automaton()
        return cls(automaton)

    def topics(self, text: str) -> list[str]:
        """Topics touched by `text`, in the order the triggers appear."""
        if self.automaton is None:
            return []
        found: list[str] = []
        for _, name in self.automaton.iter(normalise(text).text):
            if name not in found:
                found.append(name)
        return found


def needs_ad_label(rules: SafetyRules, text: str) -> bool:
    """Whether a post reads like an ad or partnership and carries none of the labels.

    The content feature calls this before publishing; True means "add a visible label first".
    """
    folded = text.casefold()
    if any(label.casefold() in folded for label in rules.ad_label.labels):
        return False
    skeleton = normalise(text).text
    return any(f" {normalise(t).text.strip()} " in skeleton for t in rules.ad_label.triggers)


class SafetyWatch:
    """The listener side: reply once per member per topic per period, tell staff if urgent."""

    def __init__(self, services: Services, store: SupportStore) -> None:
        self.services = services
        self.store = store

    @property
    def rules(self) -> SafetyRules:
        return self.services.rules.current.get(SafetyRules)

    async def check(self, ctx: Context, text: str) -> bool:
        """Reply to a message that touches a topic; True when it did."""
        rules = self.rules
        matcher = self.services.rules.current.compiled.get(SAFETY_INDEX)
        if not rules.enabled or not isinstance(matcher, SafetyMatcher):
            return False
        replied = False
        now = self.services.clock.now()
        community_id = await self.services.directory.id_for(ctx.community.ref)
        for name in matcher.topics(text):
            quiet_since = now - timedelta(days=rules.period_days)
            if not await self.store.safety_due(
                community_id, ctx.actor.user.id, name, now, quiet_since
            ):
                continue
            topic = rules.topics[name]
            lines = [topic.disclaimer.get(ctx.locale)]
            lines += [f"• {link.label.get(ctx.locale)}: {link.url}" for link in topic.links]
            await ctx.send_text("\n".join(lines))
            replied = True
            if topic.urgent and rules.notify_staff:
                await self._tell_staff(ctx, name)
        return replied

    async def _tell_staff(self, ctx: Context, topic: str) -> None:
        support = self.services.rules.current.get(SupportRules)
        ref = ctx.community.ref
        chat = ChatRef(ref.platform, support.staff_chat_for(str(ref)), ref)
        event = ctx.event
        message = getattr(event, "message", None)
        await ctx.act(
            SendMessage(
                chat=chat,
                text=ctx.t(
                    "support.safety.staff",
                    member=ctx.actor.name,
                    topic=topic,
                    chat=event.chat.id,
                    message=getattr(message, "id", "?"),
                ),
            )
        )


def compile_safety(rules: RuleSet) -> SafetyMatcher:
    """The trigger automaton of a rule set (a compiler: built before the set goes live)."""
    return SafetyMatcher.build(rules.get(SafetyRules))
