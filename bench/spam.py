"""Spam detection on held-out real messages, against a tg-spam-like baseline (not a test).

Run with `python bench/spam.py [THRESHOLD] [--seed N] [--cv]`. Reads `../shared/data/` (never copied
into the project): tg-spam's samples and the ru-telegram set. Each source is shuffled with a
fixed seed (20261129 unless --seed says otherwise: run a second seed to see the figures are not
luck) and cut in two; both models train on the first halves together (ours also on the shipped
`rules/samples/ham-base.txt`, as the stage does) and are measured on the second halves, per
source: the share of spam acted on and the share of ham acted on.

* ours: cogs/moderation/spam.py as the moderation stage runs it (no member history: every
  author counts as a member of unknown standing): it acts at the rules' threshold or at the
  model's own cut-off, whichever is higher. The cut-off comes from the model's out-of-fold
  scores on its *training* samples (each fifth scored by a model trained on the other four;
  SpamRules.false_positives of that ham may score above it); the test halves play no part in
  it. Also shown:
  the rules' threshold alone, to compare with runs before the cut-off existed;
* baseline, like tg-spam's defaults: a message is spam when its cosine similarity to a known
  spam sample is at least 0.5, or when a multinomial naive Bayes over lower-cased words says
  spam is likelier than ham.

`--cv` measures on the training halves only, the way changes to the model are chosen (the test
halves stay unseen): each fifth of them (per source and label) is scored by a model trained on
the other four fifths and the shipped base ham, and per source it prints spam caught and ham
acted on at the cut-off that keeps 0.5 % of all that out-of-fold ham untouched (as the model's
own cut-off works), and spam caught at 0.5 % of that source's own ham (ranking alone). Then an
unseen community: a model trained on ru-telegram's training half (and the base ham) judges
tg-spam's training half at its own cut-off, as a community whose messages it never saw.

Member history (simulated: the data sets have no authors, join times or message order). The
stage checks a newcomer's first `newcomer_messages` messages at `newcomer_threshold` (and adds
the newcomer-link signal), members at the cut-off, and skips trusted members. The last block
replays the held-out lines under a stated assumption: every spam line is a newcomer's first
message (the premise of tg-spam's first-messages check), and NEWCOMER_HAM of the ham lines are
newcomers' first messages too, the rest members'. Those figures are labelled "simulated".
"""

from __future__ import annotations

import math
import random
import re
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.rules.normalise import normalise
from cogs.moderation.checks import domains
from cogs.moderation.rules import SpamRules
from cogs.moderation.spam import BASE_HAM_FILE, SpamModel, sample_lines

SEED = 20261129
NEWCOMER_HAM = 0.1  # simulated share of honest lines written by newcomers (first messages)
ROOT = Path(__file__).resolve().parents[1]
SOURCES = {
    "tg-spam": ("tg-spam/spam-samples.txt", "tg-spam/ham-samples.txt"),
    "ru-telegram": ("ru-telegram/spam-train.txt", "ru-telegram/ham-train.txt"),
}
_WORD = re.compile(r"[^\W_]+")


def data_dir() -> Path | None:
    for base in (ROOT.parent / "shared", ROOT.parent.parent / "shared"):
        if (base / "data").is_dir():
            return base / "data"
    return None


def lines(path: Path) -> list[str]:
    return [line for line in path.read_text("utf-8").splitlines() if line.strip()]


def halves(items: list[str], rng: random.Random) -> tuple[list[str], list[str]]:
    items = items[:]
    rng.shuffle(items)
    cut = len(items) // 2
    return items[:cut], items[cut:]


class Baseline:
    """tg-spam's approach with its defaults: similarity ≥ 0.5 to a spam sample, or NB."""

    def __init__(self, spam: list[str], ham: list[str]) -> None:
        self.samples = [Counter(self.tokens(line)) for line in spam]
        self.norms = [math.sqrt(sum(c * c for c in s.values())) for s in self.samples]
        self.postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for number, sample in enumerate(self.samples):
            for token, count in sample.items():
                self.postings[token].append((number, count))
        self.counts = {"spam": Counter[str](), "ham": Counter[str]()}
        for label, texts in (("spam", spam), ("ham", ham)):
            for text in texts:
                self.counts[label].update(self.tokens(text))
        self.totals = {k: sum(v.values()) for k, v in self.counts.items()}
        self.vocab = len(self.counts["spam"].keys() | self.counts["ham"].keys())
        self.priors = {"spam": len(spam), "ham": len(ham)}

    @staticmethod
    def tokens(text: str) -> list[str]:
        return _WORD.findall(text.lower())

    def similar(self, text: str) -> bool:
        counts = Counter(self.tokens(text))
        if not counts:
            return False
        norm = math.sqrt(sum(c * c for c in counts.values()))
        dots: Counter[int] = Counter()
        for token, count in counts.items():
            for number, other in self.postings.get(token, ()):
                dots[number] += count * other
        return any(dot / (norm * self.norms[n]) >= 0.5 for n, dot in dots.items())

    def naive_bayes(self, text: str) -> bool:
        scores = {}
        for label in ("spam", "ham"):
            score = math.log(self.priors[label] / sum(self.priors.values()))
            counts, total = self.counts[label], self.totals[label] + self.vocab
            for token in self.tokens(text):
                score += math.log((counts[token] + 1) / total)
            scores[label] = score
        return scores["spam"] > scores["ham"]

    def is_spam(self, text: str) -> bool:
        return self.similar(text) or self.naive_bayes(text)


def arguments(argv: list[str], default: float) -> tuple[float, int]:
    """`[THRESHOLD] [--seed N] [--cv]`."""
    seed = SEED
    if "--seed" in argv:
        at = argv.index("--seed")
        seed = int(argv[at + 1])
        argv = argv[:at] + argv[at + 2 :]
    argv = [a for a in argv if a != "--cv"]
    return (float(argv[0]) if argv else default), seed


def cross_validate(
    train: dict[str, tuple[list[str], list[str]]], base_ham: list[str], rules: SpamRules
) -> None:
    """The `--cv` figures (see the module docstring); the test halves play no part."""
    rows = [(t, 1, name) for name, (spam, _) in train.items() for t in spam]
    rows += [(t, 0, name) for name, (_, ham) in train.items() for t in ham]
    rows += [(t, 0, "base") for t in base_ham]
    rng = random.Random(SEED)
    fold = [0] * len(rows)
    for key in sorted({(label, name) for _, label, name in rows}):
        members = [i for i, row in enumerate(rows) if row[1:] == key]
        rng.shuffle(members)
        for position, i in enumerate(members):
            fold[i] = position % 5
    scores = [0.0] * len(rows)
    for held in range(5):
        fit = [row for row, f in zip(rows, fold, strict=True) if f != held]
        model = SpamModel(
            [t for t, label, _ in fit if label], [t for t, label, _ in fit if not label],
            calibrate=False,
        )  # fmt: skip
        for i, (text, _, _) in enumerate(rows):
            if fold[i] == held:
                scores[i] = model.judge(text, normalise(text)).score
    ham = sorted((s for (_, label, _), s in zip(rows, scores, strict=True) if not label))[::-1]
    cut = ham[int(rules.false_positives * len(ham))]
    print(f"out-of-fold on the training halves (5 folds), cut-off for {rules.false_positives:.1%}")
    for name in train:
        spam = [s for (_, lab, n), s in zip(rows, scores, strict=True) if lab and n == name]
        own = sorted(
            s for (_, lab, n), s in zip(rows, scores, strict=True) if not lab and n == name
        )
        own = own[::-1]
        at_own = own[int(rules.false_positives * len(own))]
        ranked = sum(s > at_own for s in spam) / len(spam)
        print(
            f"  {name}: spam caught {sum(s > cut for s in spam) / len(spam):6.1%}, ham acted on "
            f"{sum(s > cut for s in own) / len(own):5.2%}; spam caught at "
            f"{rules.false_positives:.1%} of its own ham {ranked:6.1%}"
        )
    seen, unseen = train["ru-telegram"], train["tg-spam"]
    model = SpamModel(seen[0], seen[1] + base_ham, false_positives=rules.false_positives)
    acts = max(rules.threshold, model.cutoff)
    caught = sum(model.judge(t, normalise(t)).score >= acts for t in unseen[0])
    fp = sum(model.judge(t, normalise(t)).score >= acts for t in unseen[1])
    print(
        f"  unseen community (trained on ru-telegram, judging tg-spam at {acts:.3f}): spam caught "
        f"{caught / len(unseen[0]):6.1%}, ham acted on {fp / len(unseen[1]):5.2%} ({fp})"
    )


def main() -> None:
    data = data_dir()
    if data is None:
        print("../shared/data is absent: nothing to measure")
        return
    rules = SpamRules()
    threshold, seed = arguments(sys.argv[1:], rules.threshold)
    rng = random.Random(seed)
    train_spam: list[str] = []
    train_ham: list[str] = []
    train: dict[str, tuple[list[str], list[str]]] = {}
    held: dict[str, tuple[list[str], list[str]]] = {}
    for name, (spam_file, ham_file) in SOURCES.items():
        spam_train, spam_test = halves(lines(data / spam_file), rng)
        ham_train, ham_test = halves(lines(data / ham_file), rng)
        train_spam += spam_train
        train_ham += ham_train
        train[name] = (spam_train, ham_train)
        held[name] = (spam_test, ham_test)
    base_ham = sample_lines(ROOT / "rules" / "samples" / BASE_HAM_FILE)
    if "--cv" in sys.argv:
        print(f"seed {seed}: the training halves only")
        cross_validate(train, base_ham, rules)
        return
    start = time.perf_counter()
    ours = SpamModel(train_spam, train_ham + base_ham, false_positives=rules.false_positives)
    built = time.perf_counter() - start
    baseline = Baseline(train_spam, train_ham)
    print(
        f"seed {seed}: trained on {len(train_spam)} spam + {len(train_ham)} ham lines "
        f"(+ {len(base_ham)} shipped base ham) in {built:.2f}s "
        f"({len(ours.weights)} weighted features); threshold {threshold}, cut-off "
        f"{ours.cutoff:.4f} for {rules.false_positives:.1%} false positives on the model's own "
        f"out-of-fold training samples"
    )
    acts = max(threshold, ours.cutoff)
    newcomer_acts = min(threshold, rules.newcomer_threshold)
    for name, (spam, ham) in held.items():
        print(f"{name}: held out {len(spam)} spam, {len(ham)} ham")
        timing = 0.0
        spam_scores: list[float] = []
        ham_scores: list[float] = []
        for texts, scores in ((spam, spam_scores), (ham, ham_scores)):
            for text in texts:
                before = time.perf_counter()
                scores.append(ours.judge(text, normalise(text)).score)
                timing += time.perf_counter() - before
        per = timing / (len(spam) + len(ham)) * 1e6
        for label, cut in (("ours:", acts), (f"ours@{threshold}:", threshold)):
            caught = sum(score >= cut for score in spam_scores)
            fp = sum(score >= cut for score in ham_scores)
            print(
                f"  {label:<10}spam caught {caught / len(spam):6.1%}, "
                f"ham acted on {fp / len(ham):5.2%} ({fp} of {len(ham)})"
            )
        print(f"  ({per:.0f} µs/message with normalisation)")
        caught = sum(baseline.is_spam(t) for t in spam)
        fp = sum(baseline.is_spam(t) for t in ham)
        print(
            f"  baseline: spam caught {caught / len(spam):6.1%}, ham acted on {fp / len(ham):5.2%}"
        )
        newcomer(ours, spam, ham, ham_scores, acts, newcomer_acts)


def _as_newcomer(model: SpamModel, text: str) -> float:
    """The score the stage gives a newcomer's message: links add the newcomer-link signal
    (`[LINK]` is the data set's anonymised link)."""
    link = "[LINK]" in text or bool(domains(text))
    return model.judge(text, normalise(text), newcomer_link=link).score


def newcomer(
    model: SpamModel,
    spam: list[str],
    ham: list[str],
    ham_scores: list[float],
    acts: float,
    newcomer_acts: float,
) -> None:
    """The simulated member-history block (see the module docstring)."""
    caught = sum(_as_newcomer(model, text) >= newcomer_acts for text in spam)
    new_fp = sum(_as_newcomer(model, text) >= newcomer_acts for text in ham)
    member_fp = sum(score >= acts for score in ham_scores)
    stream_fp = NEWCOMER_HAM * new_fp / len(ham) + (1 - NEWCOMER_HAM) * member_fp / len(ham)
    print(
        f"  simulated newcomers (spam from first messages, at {newcomer_acts}): spam caught "
        f"{caught / len(spam):6.1%}; ham acted on {new_fp / len(ham):5.2%} if a newcomer wrote "
        f"it, {member_fp / len(ham):5.2%} if a member did; {stream_fp:5.2%} of a stream where "
        f"{NEWCOMER_HAM:.0%} of ham is newcomers'"
    )


if __name__ == "__main__":
    main()
