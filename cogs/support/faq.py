"""`rules/faq.toml` and its search: TF-IDF over character n-grams of the moderation skeleton.

Why character n-grams: Kazakh and Russian inflect heavily (`құпиясөзді`, `құпиясөзім`; `пароль`,
`пароля`), and no maintained stemmer covers Kazakh. Grams of 3 and 4 letters inside each word
share the stem whatever the ending, for all three languages alike, and the moderation
normaliser has already folded case, look-alike letters and repeated letters. Scores are cosine
similarities (0..1), so one threshold means the same for short and long questions.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from pydantic import Field, field_validator, model_validator

from bot.rules.loader import RuleSet
from bot.rules.models import LocalisedText, RuleFile
from bot.rules.normalise import normalise

FAQ_INDEX = "support.faq"
GRAM_SIZES = (3, 4)
_WORD = re.compile(r"\w+")
# Words that say how a question is asked, not what about: without them "when DOES support
# answer" and "the export button DOES nothing" no longer look alike. Written as people type
# them and passed through the normaliser below, so they match the skeleton's spelling.
_FUNCTION_WORDS = """
a an the i me my you your we our is are am be it its this that to of in on at for with and or
do does did can could how what when where why which who please hi hello there here not no
я мне мой моя моё мои меня вы вас ваш не нет как что где когда почему какой какие это
и или в на с по за для у из ли же бы ну пожалуйста здравствуйте привет можно
мен маған менің сіз сіздің біз қалай не неге қашан қайда қандай бұл сол және мен
да де ма ме ба бе па пе ғой сәлем сәлеметсіз ба
"""
STOP = frozenset(normalise(_FUNCTION_WORDS).text.split())


class Variants(RuleFile):
    """Ways members ask the same question, per language."""

    en: tuple[str, ...] = Field(default=(), max_length=50)
    ru: tuple[str, ...] = Field(default=(), max_length=50)
    kk: tuple[str, ...] = Field(default=(), max_length=50)

    def all(self) -> tuple[str, ...]:
        return self.en + self.ru + self.kk


class FaqLink(RuleFile):
    """A guide to read further; opening it through the bot is counted."""

    label: LocalisedText
    url: str = Field(min_length=8, max_length=500, pattern=r"^https?://\S+$")


class FaqEntry(RuleFile):
    """One question with its variants, the answer per language, links and tags."""

    id: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9_-]+$")
    questions: Variants
    answer: LocalisedText
    links: tuple[FaqLink, ...] = Field(default=(), max_length=10)
    tags: tuple[str, ...] = Field(default=(), max_length=20)

    @field_validator("questions")
    @classmethod
    def _some(cls, value: Variants) -> Variants:
        if not value.all():
            raise ValueError("give at least one question variant (en, ru or kk)")
        for text in value.all():
            if not 2 <= len(text) <= 500:
                raise ValueError(f"{text[:40]!r}: a question variant is 2 to 500 characters")
        return value


class FaqRules(RuleFile):
    """`rules/faq.toml`."""

    enabled: bool = True
    # Below this cosine similarity an incoming question goes to staff instead.
    threshold: float = Field(default=0.25, ge=0.05, le=0.95)
    answer_incoming: bool = True
    entries: tuple[FaqEntry, ...] = Field(default=(), max_length=5000)

    @model_validator(mode="after")
    def _unique_ids(self) -> FaqRules:
        seen: set[str] = set()
        for entry in self.entries:
            if entry.id in seen:
                raise ValueError(f"entry id {entry.id!r} is used twice; ids must be unique")
            seen.add(entry.id)
        return self

    def entry(self, entry_id: str) -> FaqEntry | None:
        return next((e for e in self.entries if e.id == entry_id), None)


def features(text: str) -> Counter[str]:
    """Character n-grams of each word of the skeleton, plus the whole words."""
    found: Counter[str] = Counter()
    for word in _WORD.findall(normalise(text).text):
        if word in STOP:
            continue
        found["w:" + word] += 1
        padded = f"#{word}#"
        for size in GRAM_SIZES:
            for start in range(len(padded) - size + 1):
                found[padded[start : start + size]] += 1
    return found


@dataclass(frozen=True, slots=True)
class Hit:
    """An entry, its score, and the language of the variant that matched best."""

    entry: FaqEntry
    score: float
    lang: str = "en"


class FaqIndex:
    """Built once per rule set (off the message path); `search` is one vectorised pass.

    Each question variant is a document; an entry scores as its best variant. Postings are
    numpy arrays, so a lookup sums all matching postings with one `bincount` instead of a
    Python loop over thousands of (document, weight) pairs.
    """

    def __init__(self, entries: Iterable[FaqEntry]) -> None:
        self.entries = tuple(entries)
        docs: list[Counter[str]] = []
        starts: list[int] = []
        self._langs: list[str] = []
        for entry in self.entries:
            starts.append(len(docs))
            for lang in ("en", "ru", "kk"):
                for variant in getattr(entry.questions, lang):
                    docs.append(features(variant))
                    self._langs.append(lang)
        frequency: Counter[str] = Counter()
        for grams in docs:
            frequency.update(grams.keys())
        total = len(docs) or 1
        self._idf = {g: math.log((1 + total) / (1 + df)) + 1.0 for g, df in frequency.items()}
        # A gram no entry has is rarer than any that some entry has: it weighs the most.
        self._unseen = math.log(1 + total) + 1.0
        postings: dict[str, tuple[list[int], list[float]]] = defaultdict(lambda: ([], []))
        for doc, grams in enumerate(docs):
            weights = {g: (1 + math.log(n)) * self._idf[g] for g, n in grams.items()}
            norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
            for gram, weight in weights.items():
                ids, values = postings[gram]
                ids.append(doc)
                values.append(weight / norm)
        self._postings = {
            g: (np.asarray(ids, dtype=np.int32), np.asarray(values, dtype=np.float64))
            for g, (ids, values) in postings.items()
        }
        self._docs = len(docs)
        self._starts = np.asarray(starts, dtype=np.int64)

    def search(self, query: str, limit: int = 3) -> list[Hit]:
        """The best entries for `query`, best first, each with its cosine score (0..1)."""
        if not self.entries:
            return []
        grams = features(query)
        known = [(g, (1 + math.log(n)) * self._idf[g]) for g, n in grams.items() if g in self._idf]
        if not known:
            return []
        # The query's norm counts the grams no entry has, so unknown words lower the score.
        unknown = sum(
            ((1 + math.log(n)) * self._unseen) ** 2 for g, n in grams.items() if g not in self._idf
        )
        norm = math.sqrt(sum(w * w for _, w in known) + unknown)
        ids = np.concatenate([self._postings[g][0] for g, _ in known])
        values = np.concatenate([self._postings[g][1] * w for g, w in known])
        per_doc = np.bincount(ids, weights=values, minlength=self._docs)
        per_entry = np.maximum.reduceat(per_doc, self._starts)
        count = min(limit, len(per_entry))
        top = np.argpartition(-per_entry, count - 1)[:count]
        ranked = sorted(top.tolist(), key=lambda i: -per_entry[i])
        hits = []
        for i in ranked:
            if per_entry[i] <= 0:
                continue
            start = int(self._starts[i])
            end = int(self._starts[i + 1]) if i + 1 < len(self._starts) else self._docs
            lang = self._langs[start + int(np.argmax(per_doc[start:end]))]
            hits.append(Hit(self.entries[i], float(per_entry[i]) / norm, lang))
        return hits

    def answer(self, query: str, threshold: float) -> Hit | None:
        """The best entry when it is confident enough, else None (the question goes to staff)."""
        hits = self.search(query, limit=1)
        return hits[0] if hits and hits[0].score >= threshold else None


def compile_faq(rules: RuleSet) -> FaqIndex:
    """The FAQ index of a rule set (a compiler: built before the set goes live)."""
    return FaqIndex(rules.get(FaqRules).entries)
