"""Thank-you detection in replies: word and phrase sets built once per rule edit."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bot.rules.loader import RuleSet
from cogs.heroes.rules import HeroRules

_WORD = re.compile(r"\w+")
COMPILED_KEY = "heroes.thanks"


def words(text: str) -> list[str]:
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


@dataclass(frozen=True)
class ThanksMatcher:
    """Single words in a set, multi-word phrases as word tuples: one pass over the message."""

    single: frozenset[str]
    phrases: tuple[tuple[str, ...], ...]

    def matches(self, text: str) -> bool:
        found = words(text)
        if self.single.intersection(found):
            return True
        for phrase in self.phrases:
            size = len(phrase)
            if any(tuple(found[i : i + size]) == phrase for i in range(len(found) - size + 1)):
                return True
        return False


def compile_thanks(rules: RuleSet) -> ThanksMatcher:
    """The rule-set compiler registered by the heroes cog."""
    phrases = [tuple(words(p)) for p in rules.get(HeroRules).thanks_phrases]
    return ThanksMatcher(
        single=frozenset(p[0] for p in phrases if len(p) == 1),
        phrases=tuple(p for p in phrases if len(p) > 1),
    )
