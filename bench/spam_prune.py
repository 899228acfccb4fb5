"""Would pruning the spam model's light features cost accuracy? Cross-validation on the
training half only (not a test).

Run with `python bench/spam_prune.py [CUT ...] [--seed N] [--folds K] [--no-refit]`. Each
skeleton feature a message holds costs the scoring pass a Python step (bench/moderation.py),
so fewer features score faster; this measures what dropping the features lighter than CUT
(|weight|, after training) costs. The step tried: train as cogs/moderation/spam.py does, drop
the skeleton features under the cut (shape features are dict lookups, never steps), and train
again on the features kept so they take up what the light ones carried (`--no-refit`: drop
them and keep the weights as they are).

The split is bench/spam.py's (same seed, same halves); only its *training* half is used: it is
cut into K folds per class, and for each fold a model trained on the other folds (plus the
shipped base ham, as the stage trains) scores the fold it never saw. Per cut it prints the
weighted skeleton features, the automaton's hits per held-out message (the scoring pass's
steps) and the spam caught and ham acted on at the threshold the stage uses for members (the
rules' threshold or the model's cut-off, the higher). The test half stays unseen.

What it found (5 folds, seeds 20261129 and 7, catch at ~0.5 % of ham acted on; MIN_WEIGHT =
0.15 is the model as it ships, ~3,460 features, 28 hits a message): with the refit, cut 0.2
(~1,880 features, 23 hits) caught -0.7 and +0.4 points, 0.3 (~840, 17) -1.7 and -0.8, 0.4
(~410, 13) -3.0 and -0.8; without it, 0.2 -1.4 and -0.7, 0.3 -2.1 and -2.4. Only 0.2 with
the refit holds accuracy, for an estimated ~0.3 µs a message in bench/moderation.py (under
2 %, from the hits saved) and a second fit at every training: the model is not pruned.

Training is the slow part: each fit of the samples themselves is kept and reused for every
cut. The default run (one seed, three folds, two cuts) takes about 25 seconds.
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.spam import SEED, SOURCES, data_dir, halves, lines
from bot.rules.normalise import normalise
from cogs.moderation import spam as model_module
from cogs.moderation.rules import SpamRules
from cogs.moderation.spam import BASE_HAM_FILE, MIN_WEIGHT, SpamModel, sample_lines

ROOT = Path(__file__).resolve().parents[1]
FOLDS = 3
Fit = Callable[[list[set[str]], list[set[str]]], tuple[dict[str, float], float]]


def arguments(argv: list[str]) -> tuple[list[float], int, int, bool]:
    """`[CUT ...] [--seed N] [--folds K] [--no-refit]`."""
    seed, folds, refit = SEED, FOLDS, True
    cuts: list[float] = []
    rest = iter(argv)
    for arg in rest:
        if arg == "--seed":
            seed = int(next(rest))
        elif arg == "--folds":
            folds = int(next(rest))
        elif arg == "--no-refit":
            refit = False
        else:
            cuts.append(float(arg))
    return cuts or [MIN_WEIGHT, 0.3], seed, folds, refit


def training_half(data: Path, seed: int) -> tuple[list[str], list[str]]:
    """bench/spam.py's training half for `seed` (its test half is drawn and left unused)."""
    rng = random.Random(seed)
    spam: list[str] = []
    ham: list[str] = []
    for spam_file, ham_file in SOURCES.values():
        spam += halves(lines(data / spam_file), rng)[0]
        ham += halves(lines(data / ham_file), rng)[0]
    return spam, ham


def folds_of(items: list[str], folds: int, seed: int) -> list[list[str]]:
    order = items[:]
    random.Random(seed).shuffle(order)
    return [order[i::folds] for i in range(folds)]


class Pruning:
    """Stands in for spam.py's `_sample` and `_fit` while the sweep runs.

    Each sample's features and each fit of the samples themselves are kept: the same samples
    make the same model (fixed seed), so a cut more re-scores and refits, never re-trains."""

    def __init__(self, refit: bool) -> None:
        self.sample = model_module._sample
        self.fit: Fit = model_module._fit
        self.refit = refit
        self.cut = MIN_WEIGHT
        self.samples: dict[str, set[str]] = {}
        self.kept_ids: set[int] = set()  # ids of the sets in `samples` (alive while it is)
        self.fits: dict[tuple[tuple[int, ...], tuple[int, ...]], tuple[dict[str, float], float]]
        self.fits = {}
        model_module._sample = self.cached_sample
        model_module._fit = self.pruned_fit

    def cached_sample(self, line: str) -> set[str]:
        found = self.samples.get(line)
        if found is None:
            found = self.samples[line] = self.sample(line)
            self.kept_ids.add(id(found))
        return found

    def pruned_fit(
        self, spam_sets: list[set[str]], ham_sets: list[set[str]]
    ) -> tuple[dict[str, float], float]:
        assert all(id(found) in self.kept_ids for found in spam_sets + ham_sets)
        key = (tuple(map(id, spam_sets)), tuple(map(id, ham_sets)))
        if key not in self.fits:
            self.fits[key] = self.fit(spam_sets, ham_sets)
        weights, bias = self.fits[key]
        if self.cut <= MIN_WEIGHT:
            return dict(weights), bias
        kept = {f for f, w in weights.items() if abs(w) >= self.cut or f.startswith("\0")}
        if not self.refit:
            return {f: weights[f] for f in kept}, bias
        return self.fit([s & kept for s in spam_sets], [s & kept for s in ham_sets])


def score(model: SpamModel, text: str) -> float:
    return model.judge(text, normalise(text)).score


def hits(model: SpamModel, texts: list[str]) -> int:
    """The automaton's hits over `texts`: the Python steps of the scoring pass."""
    automaton = model._automaton
    return sum(sum(1 for _ in automaton.iter(normalise(t).text)) for t in texts)


def main() -> None:
    data = data_dir()
    if data is None:
        print("../shared/data is absent: nothing to measure")
        return
    cuts, seed, folds, refit = arguments(sys.argv[1:])
    rules = SpamRules()
    spam, ham = training_half(data, seed)
    base_ham = sample_lines(ROOT / "rules" / "samples" / BASE_HAM_FILE)
    spam_folds, ham_folds = folds_of(spam, folds, seed), folds_of(ham, folds, seed)
    print(
        f"seed {seed}: training half {len(spam)} spam + {len(ham)} ham lines, {folds} folds "
        f"(+ {len(base_ham)} base ham in every training part); members' threshold "
        f"max({rules.threshold}, cut-off); light features {'refitted' if refit else 'dropped'}"
    )
    pruning = Pruning(refit)
    start = time.perf_counter()
    for cut in cuts:
        pruning.cut = cut
        caught = fp = features = steps = 0
        for k in range(folds):
            fit_spam = [line for i, part in enumerate(spam_folds) if i != k for line in part]
            fit_ham = [line for i, part in enumerate(ham_folds) if i != k for line in part]
            model = SpamModel(fit_spam, fit_ham + base_ham, false_positives=rules.false_positives)
            acts = max(rules.threshold, model.cutoff)
            caught += sum(score(model, t) >= acts for t in spam_folds[k])
            fp += sum(score(model, t) >= acts for t in ham_folds[k])
            features += len(model.weights)
            steps += hits(model, spam_folds[k] + ham_folds[k])
        per = steps / (len(spam) + len(ham))
        print(
            f"  cut {cut:.2f}: {features / folds:,.0f} features, {per:.1f} hits/message; "
            f"spam caught {caught / len(spam):6.2%} ({caught}), ham acted on "
            f"{fp / len(ham):5.2%} ({fp})  [{time.perf_counter() - start:.0f}s]"
        )


if __name__ == "__main__":
    main()
