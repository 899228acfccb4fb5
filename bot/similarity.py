"""Are two short texts the same question? Word overlap that respects negation and opposites.

A published helper for any feature that folds duplicates (AMA questions today, the ideas board
next): `words()` gives the comparable word set, `similarity()` a score in 0.0-1.0, `closest()`
the best match above a threshold. Overlap alone calls "Will prices go up?" and "Will prices go
down?" the same (five words of six), so two texts of opposite polarity (one negated, in kk, ru or
en) or naming the two sides of a known pair of opposites score 0.0: merging them would put a
member's question under one that asks the reverse.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

_WORD = re.compile(r"\w+")
_CONTRACTED_NOT = re.compile(r"n['’]t\b")

# Words that negate what follows (or, in Kazakh, the sentence).
NEGATIONS = frozenset(
    {
        # en ("don't" is read as "do not" before the words are split)
        "not", "no", "never", "nobody", "nothing", "none", "neither", "nor", "without",
        "cannot",
        # written without the apostrophe, as chats often do ("dont", "wont")
        "dont", "doesnt", "didnt", "wont", "wouldnt", "cant", "couldnt", "isnt", "arent",
        "wasnt", "shouldnt", "havent", "hasnt", "aint",
        # ru
        "не", "нет", "ни", "никогда", "никто", "ничего", "нельзя", "без",
        # kk
        "емес", "жоқ", "ешқашан", "ешкім", "ештеңе", "ешқандай",
    }
)  # fmt: skip

# Words that undo what they name: "Remove dark mode" says the reverse of "Dark mode" although
# only one side of the pair is written, so each counts like a negation (stems end in "*").
REVERSERS: tuple[str, ...] = (
    # en
    "remove", "removes", "removing", "delete", "deletes", "deleting", "disable", "disables",
    "disabling", "cancel", "cancels", "abolish", "abolishes", "drop", "drops", "scrap",
    "unpin", "undo",
    # ru
    "убра*", "убер*", "удал*", "отключ*", "выключ*", "отмен*", "упразд*",
    # kk
    "өшір*", "жой*", "алып", "тоқтат*",
)  # fmt: skip

# Kazakh negates the verb itself: stem + ма/ме/ба/бе/па/пе + tense or person (бармайды,
# түспейді, болмаған, алмады). Only these endings count, so ordinary words that contain
# "ма" or "бе" are not read as negated.
_KAZAKH_NEGATED_VERB = re.compile(
    r"\w(ма|ме|ба|бе|па|пе)(йды|йді|йтын|йтін|ған|ген|ды|ді|ймын|ймін|ймыз|йміз|йсың|йсің|йсыз|йсіз"
    # the verbal noun and the wish: қоспау, көтермеу, болмасын
    r"|у|уы|уға|уге|сын|сін)$"
)

# Pairs of opposites: a word is on a side when it equals an entry or, for entries ending in
# "*", starts with it (Russian and Kazakh inflect, so stems are listed).
OPPOSITES: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (("up", "rise", "rises", "rising", "raise", "raised", "grow", "grows"),
     ("down", "fall", "falls", "falling", "drop", "drops", "lower", "lowered", "shrink")),
    (("increase*",), ("decrease*", "reduce*", "cut", "cuts")),
    (("higher", "more", "bigger", "larger"), ("less", "fewer", "smaller")),
    (("better", "best", "good"), ("worse", "worst", "bad")),
    (("open", "opens", "opening"), ("close", "closes", "closing", "closed")),
    (("start", "starts", "begin", "begins"), ("stop", "stops", "end", "ends", "finish")),
    (("before",), ("after",)),
    (("add", "adds", "adding"), ("remove", "removes", "removing", "delete")),
    (("buy", "buying"), ("sell", "selling")),
    (("cheaper",), ("dearer", "expensive")),
    (("free",), ("paid",)),
    (("allow*",), ("forbid*", "ban", "banned", "prohibit*", "disallow*")),
    (("enable", "enables", "enabled"), ("disable", "disables", "disabled")),
    (("faster", "quicker", "sooner"), ("slower",)),
    (("online",), ("offline",)),
    (("longer", "long"), ("shorter", "short")),
    (("on",), ("off",)),
    (("include*",), ("exclude*",)),
    (("win", "wins"), ("lose", "loses")),
    (("true",), ("false",)),
    (("first",), ("last",)),
    (("earlier", "early"), ("later", "late")),
    # ru
    (("включ*",), ("отключ*", "выключ*")),
    (("быстре*",), ("медленне*",)),
    (("длинн*", "длиннее", "дольше"), ("коротк*", "короче")),
    (("чаще",), ("реже",)),
    (("онлайн",), ("офлайн", "оффлайн")),
    (("вверх", "выше", "больше", "дороже", "лучше"), ("вниз", "ниже", "меньше", "дешевле", "хуже")),
    (("выраст*", "вырос*", "рост*", "раст*", "повыс*", "повыш*", "подорож*", "увелич*",
      "подня*", "подним*"),
     ("упад*", "упал*", "падени*", "пада*", "сниз*", "сниж*", "пониз*", "подешев*", "уменьш*",
      "опуст*", "опуска*")),
    (("откр*",), ("закр*",)),
    (("начн*", "нача*"), ("законч*", "заверш*")),
    (("добав*",), ("удал*", "убер*")),
    (("хорош*",), ("плох*",)),
    (("купи*", "покуп*"), ("прода*",)),
    (("бесплат*",), ("платн*",)),
    # kk
    (("өсе*", "өсу*", "өсті*", "өсп*", "көтер*", "қымбатта*", "көбей*"),
     ("түсе*", "түсу*", "түсті*", "түсп*", "түсір*", "төменде*", "арзанда*", "азай*")),
    (("қосу", "қосылсын", "қосыңыз", "қосайық", "қосылды"), ("өшір*", "ажырат*")),
    (("жиі",), ("сирек",)),
    (("жылдам*", "тезірек"), ("баяу*",)),
    (("ұзақ*", "ұзын*"), ("қысқа*",)),
    (("жоғары",), ("төмен",)),
    (("көп", "көбірек"), ("аз", "азырақ")),
    (("қымбат",), ("арзан",)),
    (("жақсы*",), ("жаман*",)),
    (("ақылы",), ("тегін",)),
    (("ашыл*", "ашу", "ашады"), ("жабыл*", "жабу", "жабады")),
    (("баста*",), ("аяқта*",)),
)  # fmt: skip


def normalise(text: str) -> str:
    """One comparable form: NFKC, casefolded, "n't" as "not", punctuation and extra spaces gone."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    folded = _CONTRACTED_NOT.sub(" not", folded)
    return " ".join(_WORD.findall(folded.replace("_", " ")))


def words(text: str) -> frozenset[str]:
    """The set of words of `text` after normalisation (what `similarity` compares)."""
    return frozenset(normalise(text).split())


def negated(word_set: frozenset[str]) -> bool:
    """Whether the text says "not": an odd number of negations (two cancel out)."""
    count = sum(
        1
        for w in word_set
        if w in NEGATIONS or _KAZAKH_NEGATED_VERB.search(w) or _on_side(w, REVERSERS)
    )
    return count % 2 == 1


def _on_side(word: str, side: tuple[str, ...]) -> bool:
    return any(word.startswith(e[:-1]) if e.endswith("*") else word == e for e in side)


def _sides(word_set: frozenset[str]) -> set[tuple[int, int]]:
    """(pair, side) for every opposite named in the set."""
    found = set()
    for index, pair in enumerate(OPPOSITES):
        for side, entries in enumerate(pair):
            if any(_on_side(w, entries) for w in word_set):
                found.add((index, side))
    return found


def opposed(a: frozenset[str], b: frozenset[str]) -> bool:
    """Whether the texts differ in polarity or name opposite sides of a known pair."""
    if negated(a) != negated(b):
        return True
    sides_a, sides_b = _sides(a - b), _sides(b - a)
    return any((pair, 1 - side) in sides_b for pair, side in sides_a)


# Kazakh and Russian inflect (тёмная тема / тёмную тему, тақырып / тақырыпты): with `stem`,
# words are compared without their last two letters (at least 3 kept, at most 5), a crude
# stemmer that is enough to offer a near-duplicate for a person to confirm (no stemming
# library at hand covers Kazakh, and one per language would still miss mixed-language chats).
STEM_LENGTH = 5


def stem_of(word: str) -> str:
    return word[: max(3, min(STEM_LENGTH, len(word) - 2))]


def stems(word_set: frozenset[str]) -> frozenset[str]:
    """Each word as its stem (see `stem_of`)."""
    return frozenset(stem_of(w) for w in word_set)


def similarity(a: frozenset[str], b: frozenset[str], *, stem: bool = False) -> float:
    """Word overlap |A ∩ B| / |A ∪ B|, or 0.0 when the texts say opposite things.

    Polarity is always judged on the whole words; `stem` compares the overlap by stems.
    """
    if not a | b or opposed(a, b):
        return 0.0
    if stem:
        a, b = stems(a), stems(b)
    return len(a & b) / len(a | b)


def closest(
    candidate: frozenset[str], existing: Iterable[tuple[int, frozenset[str]]], threshold: float
) -> int | None:
    """The id of the most similar existing text at or above `threshold`, oldest on ties."""
    best_id, best = None, threshold
    for key, other in existing:
        score = similarity(candidate, other)
        if score > best or (score == best and best_id is None):
            best_id, best = key, score
    return best_id
