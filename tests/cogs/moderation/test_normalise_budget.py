"""Bounded work per message: normalisation and matching are linear in the text, whatever it is.

Counted, never timed: the number of Python and C calls made while one message is normalised
and scanned (a profiler hook sees both), and the characters handed to the automaton. Each C call
is linear in its input by construction (see normalise.py's docstring): what could grow faster is
a per-word or per-variant loop, and that shows up here.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Callable
from types import FrameType
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.rules.normalise import (
    _CODEC_IN,
    _LIST_TABLE,
    _translate_low,
    normalise,
    skeleton,
)
from cogs.moderation.matcher import MAX_MASK_VARIANTS, Entry, WordMatcher, entry_key
from cogs.moderation.rules import parse_action

WORDS = ("fuck", "ass", "tit", "spam", "заработок", "дурак", "ақымақ", "buy followers")


def matcher() -> WordMatcher:
    entries = []
    for word in WORDS:
        key, runs, lead = entry_key(word)
        entries.append((key, Entry("t", word, parse_action("delete"), 1, False, runs, lead)))
    return WordMatcher(entries, ())


def calls(work: Callable[[], Any]) -> int:
    count = 0

    def profile(_frame: FrameType, event: str, _arg: object) -> None:
        nonlocal count
        if event in ("call", "c_call"):
            count += 1

    sys.setprofile(profile)
    try:
        work()
    finally:
        sys.setprofile(None)
    return count


ADVERSARIAL: dict[str, Callable[[int], str]] = {
    "masked words": lambda n: ("a**b " * n)[:n],
    "one long word": lambda n: "a" * n,
    "long mixed-script word": lambda n: ("aж" * n)[:n],
    "cyrillic word with a digit at the end": lambda n: "ж" * (n - 1) + "3",
    "masked chain": lambda n: ("f*" * n)[:n],
    "letters and stars": lambda n: ("x" * 50 + "*") * (n // 51),
    "spaced letters": lambda n: ("a " * n)[:n],
    "one-letter words beside runs": lambda n: ("и д у р а к " * n)[:n],
    "leet digits": lambda n: ("a1" * n)[:n],
    "line-broken chunks": lambda n: ("ab\n" * n)[:n],
    "emoji-split chunks": lambda n: ("ab🔥" * n)[:n],
    "marks flood": lambda n: ("a" + "\u0345\u0301" * 20) * (n // 21),
    "spoilers": lambda n: ("||x||" * n)[:n],
    "symbols": lambda n: ("$@!|" * n)[:n],
    "numbers": lambda n: ("4*5=20 " * n)[:n],
    # Past a dozen distinct doubled letters the collapse is one regex pass, not one per letter.
    "many doubled letters": lambda n: "".join(chr(0x4E00 + i % 2000) * 2 for i in range(n))[:n],
    "long runs": lambda n: ("a" * 1000 + "b" * 1000) * (n // 2000),
}


@pytest.mark.parametrize("name", sorted(ADVERSARIAL))
def test_work_grows_linearly_with_the_text(name: str) -> None:
    words = matcher()
    make = ADVERSARIAL[name]
    counted = {}
    for size in (4_096, 40_960):
        text = make(size)
        counted[size] = calls(lambda text=text: words.scan(normalise(text)))  # type: ignore[misc]
    # Per character, at most a few calls; ten times the text costs at most ~ten times more.
    assert counted[40_960] <= 3 * 40_960 + 200, counted
    assert counted[40_960] <= 11 * counted[4_096] + 200, counted


def test_masked_spellings_are_capped_per_message_not_per_word() -> None:
    words = matcher()
    normal = normalise("a**b " * 819)
    assert len(normal.masked) == 819
    unmasked = words._unmasked(normal.masked)
    # Every variant is a short word plus a space: the cap bounds the automaton's extra text.
    assert len(unmasked.full) <= MAX_MASK_VARIANTS * 8


def test_skeleton_is_at_most_a_few_times_the_text() -> None:
    for make in ADVERSARIAL.values():
        text = make(40_960)
        assert len(normalise(text).full) <= 3 * len(text) + 2


_COLLAPSE = re.compile(r"(.)\1+")


@given(st.text(alphabet="aab  ддж😀*", max_size=80) | st.text(max_size=80))
def test_repeats_collapse_to_one_letter_like_a_single_regex(text: str) -> None:
    """skeleton() collapses runs with str.replace per doubled letter (normalise.py): the
    result is the one-regex reading, whatever the runs."""
    spaced = " " + " ".join(text.split()) + " "
    assert skeleton(spaced).text == _COLLAPSE.sub(r"\1", spaced)
    assert skeleton(spaced).full == spaced


def test_repeats_of_many_distinct_letters_collapse_too() -> None:
    spaced = " " + "".join(chr(0x4E00 + i) * (2 + i % 3) for i in range(40)) + " aa "
    assert skeleton(spaced).text == " " + "".join(chr(0x4E00 + i) for i in range(40)) + " a "


_RUN = re.compile(r"(.)\1*")


@given(st.text(alphabet="aab  ддж😀*", max_size=80) | st.text(max_size=80))
def test_runs_are_each_skeleton_letters_run_in_the_full_text(text: str) -> None:
    """runs() visits only the repeated runs: the result is the one-regex-per-character one."""
    spaced = " " + " ".join(text.split()) + " "
    normal = skeleton(spaced)
    assert normal.runs() == [len(m.group()) for m in _RUN.finditer(normal.full)]
    assert len(normal.runs()) == len(normal.text)


def test_runs_cost_a_step_per_repeated_run_not_per_letter() -> None:
    """A listed word that needs a doubled letter (`ass`) makes the matcher ask for the runs
    of any message holding `as`: a long message with one doubled letter costs a few calls."""
    plain = skeleton(" " + "as it is that " * 200)
    doubled = skeleton(" " + "as it is that " * 200 + "ass ")
    assert calls(plain.runs) <= 6
    assert calls(doubled.runs) <= 10
    assert doubled.runs()[-3:] == [1, 2, 1]
    # The per-character reading costs a call per letter.
    assert calls(lambda: [len(m.group()) for m in _RUN.finditer(doubled.full)]) > 2_000


@given(
    st.text(alphabet=st.characters(max_codepoint=0x206F), max_size=60)
    | st.text(alphabet="абвгдеёжзийклмнопрстуфхцчшщъыьэюяәғқңөұүһі \u0306\u200b—«»…", max_size=60)
)
def test_the_codec_translates_like_the_table(text: str) -> None:
    """Text below U+2070 is translated by a codec made of the table (normalise.py): the same
    characters out, whether the text fits its alphabet or falls back to the table."""
    assert _translate_low(text) == text.translate(_LIST_TABLE)


def test_the_codec_alphabet_fits_a_byte_and_covers_cyrillic_and_kazakh() -> None:
    assert len(_CODEC_IN) <= 256
    for letter in "абвгдеёжзийклмнопрстуфхцчшщъыьэюяәғқңөұүһі\u200b":
        assert unicodedata.normalize("NFKD", letter).casefold()[0] in _CODEC_IN, letter


_PLAINISH = "абвгдеёжзийклмнопрстуфхцчшщъыьэюяәғқңөұүһіАБЁЙӘҚ ,.?:;()'\"«»-—–"


@given(
    st.text(alphabet=_PLAINISH, max_size=60)
    | st.text(alphabet="abcdefghijklmnopqrstuvwxyzABC ,.?:;()'\"-", max_size=60)
    | st.text(alphabet=_PLAINISH + "abcxyz015!@$*#\n🔥", max_size=60)
)
def test_plain_text_skips_steps_that_would_find_nothing(text: str) -> None:
    """Plain text (one scan says so) skips the leet, mask, digit, emoji and mixed-script
    steps: a line break at the end changes nothing in the skeleton but takes the full way."""
    plain, full = normalise(text), normalise(text + "\n")
    assert plain[:3] == full[:3]
    assert not full.plain


def test_plain_text_costs_fewer_calls() -> None:
    for text in ("Сегодня встреча в семь, кто идёт?", "the release is out, please test it"):
        assert calls(lambda text=text: normalise(text)) + 4 <= calls(  # type: ignore[misc]
            lambda text=text: normalise(text + "\n")  # type: ignore[misc]
        )
