"""Near-duplicate questions: casefold, drop punctuation, compare word sets (Jaccard)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

_WORD = re.compile(r"\w+")


def normalise(text: str) -> str:
    """One comparable form: NFKC, casefolded, punctuation and extra spaces gone."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(_WORD.findall(folded.replace("_", " ")))


def tokens(text: str) -> frozenset[str]:
    """The set of words of `text` after normalisation."""
    return frozenset(normalise(text).split())


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    """|A ∩ B| / |A ∪ B|; 0.0 when both are empty."""
    union = a | b
    return len(a & b) / len(union) if union else 0.0


def closest(
    candidate: frozenset[str], existing: Iterable[tuple[int, frozenset[str]]], threshold: float
) -> int | None:
    """The id of the most similar existing question at or above `threshold`, oldest on ties."""
    best_id, best = None, threshold
    for qid, words in existing:
        score = jaccard(candidate, words)
        if score > best or (score == best and best_id is None):
            best_id, best = qid, score
    return best_id
