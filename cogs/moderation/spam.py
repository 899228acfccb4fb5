"""Spam score: a small learned model over the normalised text, plus signals admins can read.

Features of the skeleton (normalise.py): words, word pairs, word starts and character
4-grams inside words (`заработ…` covers every ending of a Russian word).
It is written here rather than taken from a library because scoring must cost a few
microseconds inside the moderation stage (bench/moderation.py): one Aho-Corasick pass over
the skeleton finds every weighted feature and every word pair shared with known spam.
scikit-learn's vectorisers cost tens of microseconds per message.

The model is logistic regression over presence features of the skeleton plus shape features
of the raw text (links, mentions, phone numbers, amounts, long numbers, emoji, shouting,
length), which carry over to wordings no sample has. With enough samples each fifth is scored
by a model trained on the other four fifths; those out-of-fold scores Platt-scale the score,
and the score that keeps `false_positives` of the out-of-fold ham untouched becomes its
cut-off (the stage never acts on members below it); the model then trains on every sample.
The score is the model's log-odds plus fixed bumps for signals that generalise beyond any
sample file: near-duplicates of known spam, look-alike letters inside words, contact invitations
("write me in DM"), emoji floods, and links from newcomers. Every verdict names the signals
that fired, so moderators can see why.
"""

from __future__ import annotations

import logging
import math
import random
import re
from collections import Counter
from collections.abc import Iterable
from itertools import pairwise
from operator import itemgetter
from pathlib import Path
from typing import Any, NamedTuple

import ahocorasick

from bot.rules.loader import RuleProblem, RulesError, RuleSet
from bot.rules.normalise import Normalised, mixed_script, normalise
from cogs.moderation.rules import ModerationRules

log = logging.getLogger(__name__)

SEED = 18
EPOCHS = 6
LEARNING_RATE = 0.2
L2 = 1e-4
GRAMS = 4  # character n-grams inside words (`^` marks them): robust to endings and typos
PREFIX = 5  # characters of a word's start kept as its stem feature
MIN_FEATURE_COUNT = 2  # features seen fewer times in training carry no weight
# Feature selection: a first fit over every feature keeps those heavier than SELECT, a second fit
# over only those lets them take over what the dropped ones carried, and the features still
# lighter than MIN_WEIGHT are left out of the automaton (they decide nothing). Against dropping
# light weights after one fit (as before), cross-validation on bench/spam.py's training halves
# (`--cv`, four seeds) caught 0 to 1.3 points more ru-telegram spam and 0 to 5.5 more tg-spam
# spam at 0.5 % false positives, with as much ham of an unseen community acted on, and with
# fewer weighted features (3,911 against 4,053). See docs/spam.md.
SELECT = 0.15
MIN_WEIGHT = 0.05
# Log-odds of a message when there are no samples to learn from: only several signals together
# (look-alike letters, a contact invitation and a newcomer's link) make it spam.
UNTRAINED = -4.0
SIMILAR = 0.5  # Jaccard of word sets at or above which a message is a near-duplicate
MIN_SIMILAR_WORDS = 4  # shorter messages are never called near-duplicates
MAX_POSTINGS = 10  # a word pair in more spam samples than this finds no candidates
MAX_CANDIDATES = 5
PLATT_PRIOR = 0.1  # pull of the scaling towards none (the classes weigh 1 in total)
MAX_SCALE = 4.0
MAX_SHIFT = 5.0
# The scaling and the cut-off come from out-of-fold scores: each fifth of the samples is scored
# by a model trained on the other four, then the model trains on all of them. Chosen over one
# held-out fifth by cross-validation on the training half of bench/spam.py's split (both seeds):
# five times the held-out ham steadies the cut-off, and the final model sees every sample.
FOLDS = 5
CALIBRATION_MIN = 100  # samples per class before the out-of-fold scaling and cut-off
# Samples per class before the classifier trains: learnt from one or two spam lines it would
# call everything in their language spam. Below this, near-duplicates of known spam and the
# signals still apply.
TRAIN_MIN = 10

# Signals, each a fixed addition to the log-odds (named in the verdict when they fire).
BUMPS = {
    "similar": 6.0,
    "lookalike": 2.5,
    "contact": 1.5,
    "emoji": 1.0,
    "newcomer-link": 2.0,
    "forwarded": 1.5,
}
# Contact invitations ("write me in DM"): a verb, up to three words, then where to write. The
# phrases are normalised like messages (`в лс` is `b лc` in the skeleton), so `пиши в лс`,
# `пишuтe в личку` and `DM me` all meet them. They are keys of the scoring automaton (`_build`):
# the pass that scores a message finds them too, and only a message holding both a verb and a
# place is looked at further (`_invites`).
_CONTACT_VERBS = (
    "пиши", "пишите", "напиши", "напишите", "пишем", "обращайтесь", "стучите", "стучи",
    "жаз", "жазыңыз", "жазыныз", "хабарлас", "write", "text", "dm", "pm", "message", "inbox",
    "contact", "reach",
)  # fmt: skip
_CONTACT_PLACES = (
    "в лс", "лс", "в личку", "личку", "в личные", "в директ", "директ", "мне", "сюда", "me",
    "us", "жеке", "маған", "телеграм", "tg", "whatsapp", "ватсап", "вацап",
)  # fmt: skip
CONTACT_GAP = 3  # words a contact invitation may hold between its verb and its place


def _contact_keys(words: tuple[str, ...]) -> frozenset[str]:
    """The automaton keys of contact phrases: whole words of the skeleton (`" b лc "`)."""
    return frozenset(f" {normalise(w).text.strip()} " for w in words)


_VERB_KEYS = _contact_keys(_CONTACT_VERBS)
_PLACE_KEYS = _contact_keys(_CONTACT_PLACES)


class _Contact(NamedTuple):
    """An automaton value's extra for a contact phrase (it may also be an indexed word pair)."""

    ids: tuple[int, ...]  # the spam samples holding it, when it is an indexed word pair
    length: int
    verb: bool
    place: bool


def _invites(skeleton: str, verbs: list[int], places: list[int]) -> bool:
    """Whether a verb (its key's last index) comes before a place (its key's first index) with
    at most CONTACT_GAP words between. Both indices are spaces of the skeleton (the keys'
    boundary spaces are the words' own), so the spaces from one to the other count the words
    in between. One walk in order of position, each place against the latest verb before it:
    linear however many of each a message repeats (a verb first where a place starts)."""
    latest = -1 - CONTACT_GAP  # word number of the latest verb's end
    words = at = 0
    for position, is_place in sorted([(v, False) for v in verbs] + [(p, True) for p in places]):
        words += skeleton.count(" ", at, position)
        at = position
        if not is_place:
            latest = words
        elif words - latest <= CONTACT_GAP:
            return True
    return False


# The same Unicode ranges as the emoji limit (checks.py).
_EMOJI = re.compile(
    "[\U0001f300-\U0001faff\U00002600-\U000027bf\U0001f000-\U0001f2ff\U0001f900-\U0001f9ff]"
)


_second = itemgetter(1)

# Shape features: what a message holds rather than which words (links, mentions, phone numbers,
# amounts, long numbers, emoji, shouting, length). They generalise across wordings and
# languages, and each one stands for its anonymised form in shared data sets too (`[LINK]`,
# `[USERNAME]`, `[PHONE]`, `[CURRENCY]`), so a model learns the same thing from either. They are
# looked up in a dict, never in the automaton: a leading NUL keeps them apart from skeleton text.
_TLDS = "ru|com|me|io|org|net|pro|xyz|kz|site|online|shop|top|link|ly"
_LINK = re.compile(rf"https?://|www\.|\bt\.me/|\[LINK\]|(?<=\w)\.(?:{_TLDS})\b", re.I)
_MENTION = re.compile(r"(?<!\w)@\w{3,}|\[USERNAME\]")
_PHONE = re.compile(r"\+\d[\d ()-]{8,}\d|\b\d{3}[ -]?\d{3}[ -]?\d{2}[ -]?\d{2}\b|\[PHONE\]")
_MONEY = re.compile(r"[$€₽₸]|\[CURRENCY\]|\d ?(?:руб|р\.|тыс|usdt?\b|k\b|к\b|тг\b|тенге)", re.I)
_NUMBER = re.compile(r"\d{4,}")
_DIGIT = re.compile(r"\d")
_CURRENCY = re.compile(r"[$€₽₸]")
_RARE = re.compile(f"[$€₽₸{_EMOJI.pattern[1:-1]}]")
_LETTER = re.compile(r"[^\W\d_]")
_UPPER = re.compile(r"[A-ZА-ЯЁӘҒҚҢӨҰҮҺІ]")


def shapes(text: str, plain: bool = False) -> list[str]:
    """The shape features of a raw message, e.g. `["\\0link", "\\0words:3"]`.

    On the hot path (bench/moderation.py): each pattern runs only when a character it needs
    is in the message (`in` is a C scan), so most ordinary messages cost a few of those.
    `plain`: normalisation found the message plain (`Normalised.plain`: no digit, symbol,
    bracket, emoji or line break), so only a link, the length and shouting can be there."""
    found = []
    bracket = not plain and "[" in text
    ascii_only = text.isascii()
    if ("." in text or bracket) and _LINK.search(text) is not None:
        found.append("\0link")
    if not plain and ("@" in text or bracket) and _MENTION.search(text) is not None:
        found.append("\0mention")
    digit = not plain and _DIGIT.search(text) is not None
    # Currency signs and emoji are outside ASCII: one scan tells whether either is there.
    rare = not plain and not ascii_only and _RARE.search(text) is not None
    if digit or bracket:
        if _PHONE.search(text) is not None:
            found.append("\0phone")
        if _MONEY.search(text) is not None:
            found.append("\0money")
        if digit and _NUMBER.search(text) is not None:
            found.append("\0number")
    elif rare and _CURRENCY.search(text) is not None:
        found.append("\0money")
    if "!" in text:
        found.append("\0exclaim")
    found.append(_WORD_BUCKETS[min(text.count(" ") + text.count("\n") + 1, _LONG)])
    if rare and _EMOJI.search(text) is not None:
        emoji = len(_EMOJI.findall(text))
        found.append("\0emoji:many" if emoji >= 3 else "\0emoji")
    # Shouting: most messages have no capital past the first letter (`islower` tells in C, for
    # every script), and skip the count.
    if not text[1:].islower() and _UPPER.search(text, 1) is not None:
        upper = len(_UPPER.findall(text))
        if upper >= 8 and upper * 2 >= len(_LETTER.findall(text)):
            found.append("\0caps")
    return found


def _bucket(words: int) -> int:
    """Message length in words, in buckets: 1–2, 3–5, 6–12, 13–30, more."""
    return 0 if words <= 2 else 1 if words <= 5 else 2 if words <= 12 else 3 if words <= 30 else 4


_LONG = 31
_WORD_BUCKETS = [f"\0words:{_bucket(n)}" for n in range(_LONG + 1)]


def _logistic(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def features(text: str) -> set[str]:
    """Presence features of a skeleton, each written as the substring that shows it there:
    words `" w "`, word pairs `" a b "`, word starts `" prefi"` and character n-grams `"gram"`
    inside words. Scoring finds them all with one automaton pass (`SpamModel.log_odds`)."""
    words = text.split()
    found = {f" {w} " for w in words}
    found.update([f" {w[:PREFIX]}" for w in words if len(w) > PREFIX])
    found.update(
        [w[i : i + GRAMS] for w in words if len(w) >= GRAMS for i in range(len(w) - GRAMS + 1)]
    )
    found.update([f" {a} {b} " for a, b in pairwise(words)])
    return found


def _words(found: set[str]) -> frozenset[str]:
    return frozenset(
        f for f in found if f.startswith(" ") and f.endswith(" ") and f.count(" ") == 2
    )


def _sample(line: str) -> set[str]:
    """A training sample's features (scoring finds the same ones with the automaton). The
    anonymised placeholders of shared data sets (`[LINK]`, `[USERNAME]`, ...) stay words as well
    as shapes: training them as shapes only caught 0.8 points more ru-telegram spam at 0.5 % false
    positives in `bench/spam.py --cv`, but acted on more ham of an unseen community (26 messages
    against 22 over four seeds), the figure that matters for communities we have no data of."""
    found = features(normalise(line).text)
    found.update(shapes(line))
    return found


def _fit(spam_sets: list[set[str]], ham_sets: list[set[str]]) -> tuple[dict[str, float], float]:
    """Logistic regression with feature selection: fitted over every feature seen
    MIN_FEATURE_COUNT times, then again over those heavier than SELECT; weights lighter than
    MIN_WEIGHT are dropped (they decide nothing and would slow the automaton). Naive Bayes was
    tried first: words, stems and pairs of one phrase count the same evidence three times, and
    its scores were too sure of short honest messages (blended into these weights it still
    lost points in cross-validation)."""
    seen: Counter[str] = Counter()
    for found in spam_sets + ham_sets:
        seen.update(found)
    first, _ = _descend(spam_sets, ham_sets, {f for f, n in seen.items() if n >= MIN_FEATURE_COUNT})
    weights, bias = _descend(spam_sets, ham_sets, {f for f, w in first.items() if abs(w) > SELECT})
    return {f: w for f, w in weights.items() if abs(w) > MIN_WEIGHT}, bias


def _descend(
    spam_sets: list[set[str]], ham_sets: list[set[str]], kept: set[str]
) -> tuple[dict[str, float], float]:
    """Stochastic gradient descent over the `kept` features (fixed seed: same samples, same
    model)."""
    # Each class weighs the same in total, however many samples each has.
    spam_weight = 0.5 * (len(spam_sets) + len(ham_sets)) / len(spam_sets)
    ham_weight = 0.5 * (len(spam_sets) + len(ham_sets)) / len(ham_sets)
    rows = [([f for f in found if f in kept], 1.0, spam_weight) for found in spam_sets]
    rows += [([f for f in found if f in kept], 0.0, ham_weight) for found in ham_sets]
    weights: dict[str, float] = dict.fromkeys(kept, 0.0)
    bias = 0.0
    rng = random.Random(SEED)
    for epoch in range(EPOCHS):
        rng.shuffle(rows)
        rate = LEARNING_RATE / (1 + epoch)
        for kept_features, label, importance in rows:
            z = bias + sum(weights[f] for f in kept_features)
            step = rate * importance * (label - _logistic(z))
            bias += step
            for f in kept_features:
                weights[f] += step - rate * L2 * weights[f]
    return weights, bias


def _fold(count: int, fold: int) -> tuple[list[int], list[int]]:
    """Indices to train on and the fold held out (fixed seed: same samples, same model)."""
    order = list(range(count))
    random.Random(SEED).shuffle(order)
    held = set(order[fold::FOLDS])
    return [i for i in range(count) if i not in held], sorted(held)


def _platt(points: list[tuple[float, float]], spam: int, ham: int) -> tuple[float, float]:
    """Fit `logistic(a * x + b)` to labelled log-odds by Newton's method (Platt's targets,
    classes weighted equally). Small enough to write here: two parameters, a few steps."""
    hi, lo = (spam + 1) / (spam + 2), 1 / (ham + 2)
    weight = {1.0: 0.5 / spam, 0.0: 0.5 / ham}
    a, b = 1.0, 0.0
    for _ in range(100):
        gaa = gab = gbb = ga = gb = 0.0
        for x, label in points:
            p = _logistic(a * x + b)
            t = hi if label else lo
            w = weight[label]
            d = w * (p - t)
            h = w * max(p * (1 - p), 1e-12)
            ga += d * x
            gb += d
            gaa += h * x * x
            gab += h * x
            gbb += h
        # A weak pull towards no scaling keeps Newton's steps finite when the held-out part
        # is separable (small or duplicated sample files).
        ga += PLATT_PRIOR * (a - 1.0)
        gb += PLATT_PRIOR * b
        gaa += PLATT_PRIOR
        gbb += PLATT_PRIOR
        det = gaa * gbb - gab * gab
        if det <= 1e-18:
            break
        da = (gbb * ga - gab * gb) / det
        db = (gaa * gb - gab * ga) / det
        # Newton's step may overshoot far from the optimum: it is capped, then taken.
        cap = min(1.0, 1.0 / max(abs(da), abs(db), 1e-12))
        a, b = a - cap * da, b - cap * db
        if abs(da) + abs(db) < 1e-9:
            break
    if a <= 0 or not math.isfinite(a + b):  # no better than chance, or no fit: keep its odds
        return 1.0, 0.0
    # A fifth of a small sample file is often separable: it cannot justify making the model
    # many times surer (or less sure) than training left it; the even-odds point stays put.
    scale = min(max(a, 1 / MAX_SCALE), MAX_SCALE)
    return scale, min(max(b * scale / a, -MAX_SHIFT), MAX_SHIFT)


class SpamVerdict(NamedTuple):
    """A message's spam probability, the classifier's own share and the signals that fired.

    A named tuple: one is built per scored message, and a frozen dataclass costs several times
    more to build (bench/moderation.py)."""

    score: float
    classifier: float | None = None  # None: no samples to learn from yet
    similar: float = 0.0
    signals: tuple[str, ...] = ()

    @property
    def fired(self) -> tuple[str, ...]:
        """Every signal with its value, e.g. `("classifier 0.93", "similar 0.71", "contact")`."""
        found = [] if self.classifier is None else [f"classifier {self.classifier:.2f}"]
        if self.similar >= SIMILAR:
            found.append(f"similar {self.similar:.2f}")
        return (*found, *self.signals)

    def describe(self) -> str:
        return f"{self.score:.2f} ({', '.join(self.fired) or '-'})"


class SpamModel:
    """Logistic regression over skeleton and shape features, trained from sample lines."""

    def __init__(
        self,
        spam: Iterable[str],
        ham: Iterable[str],
        *,
        false_positives: float = 0.005,
        calibrate: bool = True,
    ) -> None:
        """`calibrate=False` skips the out-of-fold scaling and cut-off (one fit instead of six):
        for cross-validation that holds samples out itself (`bench/spam.py --cv`)."""
        spam_lines = [line for line in spam if line.strip()]
        ham_lines = [line for line in ham if line.strip()]
        spam_sets = [_sample(line) for line in spam_lines]
        ham_sets = [_sample(line) for line in ham_lines]
        self.spam_count, self.ham_count = len(spam_sets), len(ham_sets)
        self.weights: dict[str, float] = {}
        self.shape_weights: dict[str, float] = {}
        self.bias = 0.0
        # Platt scaling of the log-odds, fitted on samples this model never trained on.
        self.scale, self.shift = 1.0, 0.0
        # The score at or above which no more than `false_positives` of the held-out ham
        # lies: the stage never acts on members below it (0.0: too few samples to know).
        self.cutoff = 0.0
        self._samples: list[frozenset[str]] = []
        self._index: dict[str, tuple[int, ...]] = {}
        self._automaton: Any = ahocorasick.Automaton()
        if min(len(spam_sets), len(ham_sets)) < TRAIN_MIN:
            self._add_samples(spam_sets, ham_sets)
            return
        if not calibrate or min(len(spam_sets), len(ham_sets)) < CALIBRATION_MIN:
            self._train(spam_sets, ham_sets)
            self._add_samples(spam_sets, ham_sets)
            return
        self._cross_fit(spam_lines, ham_lines, spam_sets, ham_sets, false_positives)

    def _cross_fit(
        self,
        spam_lines: list[str],
        ham_lines: list[str],
        spam_sets: list[set[str]],
        ham_sets: list[set[str]],
        false_positives: float,
    ) -> None:
        """Scaling and cut-off from out-of-fold scores, then the model trained on everything.
        Each fold's model also indexes only its own spam for near-duplicates."""
        points: list[tuple[float, float]] = []
        for fold in range(FOLDS):
            spam_fit, spam_held = _fold(len(spam_sets), fold)
            ham_fit, ham_held = _fold(len(ham_sets), fold)
            fit_spam = [spam_sets[i] for i in spam_fit]
            fit_ham = [ham_sets[i] for i in ham_fit]
            self._train(fit_spam, fit_ham)
            self._add_samples(fit_spam, fit_ham)
            points += [(self._odds(spam_lines[i])[0], 1.0) for i in spam_held]
            points += [(self._odds(ham_lines[i])[0], 0.0) for i in ham_held]
        self.scale, self.shift = _platt(points, len(spam_sets), len(ham_sets))
        held = sorted((self._probability(x) for x, label in points if not label), reverse=True)
        # Too few held-out ham to measure the share (fewer than one message may pass): the
        # rules' threshold alone applies.
        allowed = int(false_positives * len(held))
        if 1 <= allowed < len(held):
            self.cutoff = min(math.nextafter(held[allowed], 1.0), 1.0)
        self._train(spam_sets, ham_sets)
        self._add_samples(spam_sets, ham_sets)

    def _probability(self, odds: float) -> float:
        return _logistic(self.scale * odds + self.shift)

    def _train(self, spam_sets: list[set[str]], ham_sets: list[set[str]]) -> None:
        weights, self.bias = _fit(spam_sets, ham_sets)
        self.weights = {f: w for f, w in weights.items() if not f.startswith("\0")}
        self.shape_weights = {f: w for f, w in weights.items() if f.startswith("\0")}

    def _build(self) -> None:
        """One Aho-Corasick automaton over the skeleton serves the classifier (each feature is
        a substring there, valued by its weight), the near-duplicate search (word pairs valued
        by the spam samples holding them) and the contact check (its verbs and places): one C
        pass per message, no feature set built (bench/moderation.py)."""
        contact = {
            key: _Contact((), len(key), key in _VERB_KEYS, key in _PLACE_KEYS)
            for key in _VERB_KEYS | _PLACE_KEYS
        }

        def extra(key: str) -> tuple[int, ...] | _Contact:
            ids = self._index.get(key, ())
            phrase = contact.get(key)
            return ids if phrase is None else phrase._replace(ids=ids)

        automaton = ahocorasick.Automaton()
        for feature, weight in self.weights.items():
            automaton.add_word(feature, (weight, extra(feature)))
        # Pairs in their order, then the contact phrases sorted: the same automaton each run.
        for key in [*self._index, *sorted(contact)]:
            if key not in self.weights and key not in automaton:
                automaton.add_word(key, (0.0, extra(key)))
        automaton.make_automaton()
        self._automaton = automaton

    @property
    def trained(self) -> bool:
        return bool(self.weights)

    def _add_samples(self, sets: list[set[str]], ham_sets: list[set[str]]) -> None:
        # Word pairs honest members also write ("у меня", "in the") say nothing about copies
        # of spam and would make every ordinary message a candidate: they are not indexed.
        honest = {f for found in ham_sets for f in found if f.count(" ") == 3}
        self._samples = []  # (re)built from these sets alone
        index: dict[str, list[int]] = {}
        for found in sets:
            words = _words(found)
            if len(words) < MIN_SIMILAR_WORDS:
                continue
            number = len(self._samples)
            self._samples.append(words)
            for pair in found:
                if pair.count(" ") == 3 and pair not in honest:
                    index.setdefault(pair, []).append(number)
        # Pairs common to many samples find too many candidates and tell little. The rest go
        # into the automaton: the pass that scores a message also finds the pairs it shares
        # with known spam (an honest message usually shares none).
        self._index = {pair: tuple(ids) for pair, ids in index.items() if len(ids) <= MAX_POSTINGS}
        self._build()

    def _scan(self, skeleton: str) -> tuple[float, list[tuple[int, ...]], bool]:
        """The automaton's pass: the skeleton features' weight, the spam samples of each word
        pair it shares with known spam, and whether it holds a contact invitation."""
        total = 0.0
        extras: list[tuple[int, tuple[int, ...] | _Contact]] = []
        # A plain loop: measured faster than list() + zip() over the automaton's iterator.
        # Most hits are weighted features alone (no extra): one addition each.
        for end, (weight, extra) in self._automaton.iter(skeleton):
            total += weight
            if extra:
                extras.append((end, extra))
        if not extras:
            return total, [], False
        pairs: list[tuple[int, ...]] = []
        verbs: list[int] = []
        places: list[int] = []
        for end, found in extras:
            if isinstance(found, _Contact):
                if found.verb:
                    verbs.append(end)
                if found.place:
                    places.append(end + 1 - found.length)
                found = found.ids
            if found:
                pairs.append(found)
        return total, pairs, bool(verbs and places) and _invites(skeleton, verbs, places)

    def log_odds(self, skeleton: str, text: str = "") -> float:
        """The classifier's log-odds that the message is spam, before scaling (UNTRAINED without
        samples): skeleton features through the automaton, shape features of the raw text."""
        return self._log_odds(self._scan(skeleton)[0], text)

    def _log_odds(self, found: float, text: str, shaped: list[str] | None = None) -> float:
        if not self.weights:
            return UNTRAINED
        if text:
            get = self.shape_weights.get
            found += sum([get(f, 0.0) for f in (shapes(text) if shaped is None else shaped)])
        return self.bias + found

    def similarity(self, skeleton: str) -> float:
        """The highest Jaccard similarity of the message's words to one spam sample."""
        return self._similarity(skeleton, self._scan(skeleton)[1])

    def _similarity(self, skeleton: str, pairs: list[tuple[int, ...]]) -> float:
        """Candidates are the samples sharing at least two word pairs with the message."""
        if len(pairs) < 2:  # most messages: no sample can share two pairs with them
            return 0.0
        shared: dict[int, int] = {}
        for ids in pairs:
            for number in ids:
                shared[number] = shared.get(number, 0) + 1
        if max(shared.values()) < 2:
            return 0.0
        unique = {f" {w} " for w in skeleton.split()}
        if len(unique) < MIN_SIMILAR_WORDS:
            return 0.0
        best = 0.0
        ranked = sorted(shared.items(), key=_second, reverse=True)[:MAX_CANDIDATES]
        for number, count in ranked:
            if count < 2:
                break
            sample = self._samples[number]
            common = len(unique & sample)
            best = max(best, common / (len(unique) + len(sample) - common))
        return best

    def judge(
        self,
        text: str,
        normal: Normalised,
        *,
        newcomer_link: bool = False,
        forwarded: bool = False,
    ) -> SpamVerdict:
        """Score one message: the classifier's log-odds plus each signal that fired, scaled."""
        odds, classifier, similar, signals = self._odds(text, normal, newcomer_link, forwarded)
        scale, shift = self.scale, self.shift  # self._probability, inlined: once per message
        return SpamVerdict(
            _logistic(scale * odds + shift),
            _logistic(scale * classifier + shift) if self.weights else None,
            similar,
            signals,
        )

    def _odds(
        self,
        text: str,
        normal: Normalised | None = None,
        newcomer_link: bool = False,
        forwarded: bool = False,
    ) -> tuple[float, float, float, tuple[str, ...]]:
        """Log-odds with every signal, the classifier's alone, similarity, signals fired."""
        normal = normal or normalise(text)
        skeleton = normal.text
        found, pairs, contact = self._scan(skeleton)
        shaped = shapes(text, normal.plain)
        classifier = odds = self._log_odds(found, text, shaped)
        # Most messages share no two word pairs with known spam: no candidate to compare.
        similar = self._similarity(skeleton, pairs) if len(pairs) >= 2 else 0.0
        if similar >= SIMILAR:
            odds += BUMPS["similar"]
        signals: list[str] = []
        # A plain message is in one script: no look-alike letters, no emoji.
        if not normal.plain and not text.isascii():
            if mixed_script(text):
                odds += BUMPS["lookalike"]
                signals.append("lookalike")
            if "\0emoji:many" in shaped:  # three or more (most messages have none)
                emoji = len(_EMOJI.findall(text))
                if emoji >= 3 and emoji * 4 >= skeleton.count(" "):
                    odds += BUMPS["emoji"]
                    signals.append("emoji")
        if contact:
            odds += BUMPS["contact"]
            signals.append("contact")
        if newcomer_link:
            odds += BUMPS["newcomer-link"]
            signals.append("newcomer-link")
        if forwarded:
            odds += BUMPS["forwarded"]
            signals.append("forwarded")
        return odds, classifier, similar, tuple(signals)


SPAM_FILE = "spam.txt"
HAM_FILE = "ham.txt"
# Ordinary English and Kazakh messages Kenes ships (its own writing): trained beside ham.txt, so
# a community whose samples are all Russian does not teach the model that English is spam.
BASE_HAM_FILE = "ham-base.txt"


def sample_lines(path: Path) -> list[str]:
    """Messages of a sample file: one a line; lines starting with `#` are comments."""
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        return []
    return [line for line in text.splitlines() if line.strip() and not line.startswith("#")]


def samples_dir(ruleset: RuleSet) -> Path:
    base = ruleset.source or Path("rules")
    return base / ruleset.get(ModerationRules).spam.samples


def compile_spam(ruleset: RuleSet) -> SpamModel:
    """The RulesStore compiler: the model trained on the rules folder's samples."""
    folder = samples_dir(ruleset)
    rules = ruleset.get(ModerationRules)
    base = (ruleset.source or Path("rules")).resolve()
    if base not in folder.resolve().parents:
        label = f"{base.name}/moderation.toml"
        raise RulesError([RuleProblem(label, "spam.samples", "must be a folder inside rules/")])
    if not rules.spam.enabled:
        return SpamModel((), ())
    model = SpamModel(
        sample_lines(folder / SPAM_FILE),
        sample_lines(folder / HAM_FILE) + sample_lines(folder / BASE_HAM_FILE),
        false_positives=rules.spam.false_positives,
    )
    log.info("spam model trained: %d spam, %d ham samples", model.spam_count, model.ham_count)
    return model


def add_sample(folder: Path, name: str, text: str) -> None:
    """Append one message to a sample file (its line breaks become spaces)."""
    folder.mkdir(parents=True, exist_ok=True)
    line = " ".join(text.split())
    if not line:
        return
    path = folder / name
    with path.open("a", encoding="utf-8") as file:
        if path.stat().st_size and not path.read_bytes().endswith(b"\n"):
            file.write("\n")
        file.write(line + "\n")
