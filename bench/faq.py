"""FAQ search: top-1 accuracy on the shipped test questions per language, and lookup time.

Accuracy counts a question right when the confident answer is the expected entry, or when no
entry is expected and the search hands it to staff. Lookup time is measured with the shipped
entries padded to 1,000 with synthetic ones built from the same vocabulary, against a baseline
measured in the same run: word-set Jaccard over every variant (what a hand-written scan does).
"""

from __future__ import annotations

import random
import re
import sys
import time
import tomllib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.core.features import shipped_rule_files
from bot.rules.loader import load_rules
from bot.rules.models import LocalisedText
from cogs.support.faq import FaqEntry, FaqIndex, FaqRules, Variants

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ROOT / "cogs" / "support" / "faq_questions.toml"
ENTRIES = 1000


def test_questions() -> dict[str, list[tuple[str, str]]]:
    raw = tomllib.loads(QUESTIONS.read_text("utf-8"))
    return {lang: [(q, expected) for q, expected in items] for lang, items in raw.items()}


def accuracy(index: FaqIndex, threshold: float) -> dict[str, tuple[int, int, int]]:
    """Per language: (right, total, answered by the FAQ)."""
    found: dict[str, tuple[int, int, int]] = {}
    for lang, items in test_questions().items():
        right = answered = 0
        for question, expected in items:
            hit = index.answer(question, threshold)
            got = hit.entry.id if hit else ""
            right += got == expected
            answered += hit is not None
        found[lang] = (right, len(items), answered)
    return found


def padded(entries: tuple[FaqEntry, ...], size: int) -> list[FaqEntry]:
    rng = random.Random(12)
    words = sorted({w for e in entries for v in e.questions.all() for w in v.split()})
    out = list(entries)
    while len(out) < size:
        n = len(out)
        variants = {
            lang: tuple(" ".join(rng.choices(words, k=rng.randint(3, 8))) for _ in range(2))
            for lang in ("en", "ru", "kk")
        }
        out.append(
            FaqEntry(
                id=f"synthetic-{n}",
                questions=Variants(**variants),
                answer=LocalisedText(en="synthetic answer"),
            )
        )
    return out


def jaccard_baseline(entries: list[FaqEntry], queries: list[str]) -> float:
    docs = [
        (e.id, set(re.findall(r"\w+", v.casefold()))) for e in entries for v in e.questions.all()
    ]
    started = time.perf_counter()
    for query in queries:
        words = set(re.findall(r"\w+", query.casefold()))
        max(docs, key=lambda d: len(words & d[1]) / (len(words | d[1]) or 1))
    return (time.perf_counter() - started) / len(queries) * 1000


def main() -> None:
    rules = load_rules(ROOT / "rules", files=shipped_rule_files()).get(FaqRules)
    index = FaqIndex(rules.entries)
    total_right = total = 0
    print(f"FAQ: {len(rules.entries)} shipped entries, threshold {rules.threshold}")
    for lang, (right, count, answered) in accuracy(index, rules.threshold).items():
        total_right += right
        total += count
        print(
            f"  {lang}: top-1 {right}/{count} = {100 * right / count:.1f} %, "
            f"answered by the FAQ {answered}/{count}, handed to staff {count - answered}"
        )
    print(f"  all: top-1 {100 * total_right / total:.1f} % (target >= 90 %)")
    big = padded(rules.entries, ENTRIES)
    started = time.perf_counter()
    big_index = FaqIndex(big)
    built = time.perf_counter() - started
    queries = [q for items in test_questions().values() for q, _ in items] * 20
    started = time.perf_counter()
    for query in queries:
        big_index.search(query, limit=1)
    per = (time.perf_counter() - started) / len(queries) * 1000
    baseline = jaccard_baseline(big, queries[: len(queries) // 10])
    print(
        f"  {ENTRIES} entries: index built in {built * 1000:.0f} ms; lookup {per:.3f} ms "
        f"(target <= 1 ms); Jaccard scan baseline {baseline:.3f} ms ({baseline / per:.1f}x slower)"
    )


if __name__ == "__main__":
    main()
