"""One normalisation pass for stop-word matching: the same for message text and for word lists.

The output is a *skeleton*: a lower-case stream of words separated by single spaces, with a
space at each end (`" buy cheap followers "`), so whole-word entries are plain substrings
`" word "` and a multi-pattern automaton can match them all in one pass. Steps, in order:

1. compatibility folding (NFKC's folding, done as NFKD so accents come off), `casefold()`;
2. invisible/format characters and combining marks are dropped (`f\u200bu\u0301ck` → `fuck`);
3. in a word written mostly in Cyrillic, digits and Latin stand-ins become Cyrillic first
   (`пи3дец`, `e6aн`, `пиzдец`); then look-alike letters fold to one Latin skeleton across
   Latin, Cyrillic and Greek, Kazakh letters to their base letter (`қ`→`к`→`k`, `ә`→`а`→`a`);
   leet digits become letters;
4. leet symbols before a letter become letters (`$pam`, `sh!t`, `f@ck`), but `spam!` stays;
5. punctuation inside a word is dropped (`f.u.c.k`, `sp-am`); other punctuation splits words;
   words with `*` or `#` between letters (`f*ck`) are also kept aside with a MASK in place
   of the hidden letter, for the matcher to try every letter there;
6. runs of three or more one-letter words are joined (`с п а м` → `спам`);
7. repeated letters collapse to one (`fuuuck` → `fuck`); the run lengths stay recoverable
   from the uncollapsed form so `ass` does not match the innocent `as` (see matcher.py).

Everything runs in C (`str.translate`, `unicodedata`, compiled `re`), so a message costs a few
microseconds. The stdlib `re` is safe here: these are our fixed linear patterns, not admins'.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Letters that look alike across scripts, folded to one Latin skeleton. Cyrillic letters with
# no Latin twin (б, г, д, ж, и, л, п, ...) stay Cyrillic: they cannot be faked with Latin.
_LOOKALIKES = {
    # Cyrillic → Latin
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o",
    "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ј": "j",
    "ԁ": "d", "ԛ": "q", "ԝ": "w", "ї": "i",
    # Kazakh letters → the base letter a Kazakh keyboard-less writer uses, then the skeleton
    "ә": "a", "ғ": "г", "қ": "k", "ң": "h", "ө": "o", "ұ": "y", "ү": "y", "һ": "h",
    # Greek → Latin
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
    # Leet digits (symbols are handled in context below)
    "0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t",
}  # fmt: skip
# Inside a word written mostly in Cyrillic, digits and Latin letters stand for Cyrillic ones
# (`пи3дец`, `e6aн`, `пиzдец`, `бляdь`, `uнтuм`): fold them there before the skeleton step.
_TO_CYRILLIC = str.maketrans({"3": "з", "6": "б", "z": "з", "d": "д", "u": "и", "n": "п"})
_CYR_HINT = re.compile(r"[36zdun]")
_CYR_LETTER = re.compile(r"[а-яёәғқңөұүһі]")
_STRONG_LATIN = re.compile(r"[fgjlqrsvw]")  # Latin letters with no Cyrillic look-alike
_CYR_TOKEN = re.compile(r"\S*[36zdun]\S*")
# `*` or `#` between letters masks one letter (`f*ck`, `c#nt`); such words are kept aside
# with the mask as MASK so the matcher can try each letter in its place.
MASK = "\ue000"
_MASKED = re.compile(r"[^\W_]*[^\W_](?:[*#]{1,2}[^\W_]+)+")
_LEET_SYMBOLS = {"@": "a", "$": "s", "!": "i", "|": "i", "€": "e", "£": "l"}
_CYRILLIC = "а-яёәғқңөұүһіїјѕ"
_LATIN = "a-z"


def _build_table() -> dict[int, str | None]:
    table: dict[int, str | None] = {}
    ranges = (range(0x30000), range(0xE0000, 0xE1000))
    for block in ranges:
        for code in block:
            category = unicodedata.category(chr(code))
            if category in ("Mn", "Me", "Cf"):
                table[code] = None
            elif category[0] in "PSZC" or code == 0x5F:  # punctuation, symbols, spaces, _
                table[code] = " "
    table.update({ord(k): v for k, v in _LOOKALIKES.items()})
    table[ord(MASK)] = MASK
    return table


_TABLE = _build_table()
_ASCII_TABLE = str.maketrans({chr(c): _TABLE.get(c, chr(c)) for c in range(128)})
_HAS_SYMBOL = re.compile(r"[@$!|€£]")
_SYMBOL_BEFORE_LETTER = re.compile(r"[@$!|€£](?=[^\W\d_])")
# The character class comes first so the regex engine skips ahead to candidates quickly.
_INWORD_PUNCT = re.compile(r"[.\-_*'’`·•~^](?<=[^\W_].)(?=[^\W_])")
_SINGLE_LETTER_RUN = re.compile(r" \w(?: \w){2,}(?= )")
_HAS_REPEAT = re.compile(r"(.)\1")
_REPEATS = re.compile(r"(.)\1+")
_RUN = re.compile(r"(.)\1*")
# A look-alike letter of the other script inside (or leading) a word: `pаypal`, `зapaбoтoк`.
# Merely adjacent scripts (`MVPшка`, `20Аn`) are common in honest chat and not reported.
_CYR_TWINS = "аеорсухкмнтвіјѕ"
# Latin i and h are left out: Kazakh written without a Kazakh keyboard uses them for і and һ
# (`бiз келдiк`, `шаhар`), which is ordinary writing, not a disguise.
_LAT_TWINS = "aeopcyxkmtbjs"
_MIXED_SCRIPT = re.compile(
    rf"[{_LATIN}][{_CYR_TWINS}]+[{_LATIN}]|[{_CYRILLIC}][{_LAT_TWINS}]+[{_CYRILLIC}]"
    rf"|\b[{_CYR_TWINS}][{_LATIN}]{{2,}}|\b[{_LAT_TWINS}][{_CYRILLIC}]{{2,}}",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Normalised:
    """A message's skeleton: `text` (repeats collapsed) and `full` (before the collapse)."""

    text: str
    full: str
    masked: tuple[str, ...] = ()  # words with a masked letter (MASK), see `_MASKED`

    def runs(self) -> list[int]:
        """Run length of each character of `text` in `full` (computed only when needed)."""
        return [len(m.group()) for m in _RUN.finditer(self.full)]


def _join_letters(match: re.Match[str]) -> str:
    return " " + match.group().replace(" ", "")


def _first(match: re.Match[str]) -> str:
    return match.group(1)


def _leet_symbol(match: re.Match[str]) -> str:
    return _LEET_SYMBOLS[match.group()]


def _fold_cyrillic_token(match: re.Match[str]) -> str:
    token = match.group()
    cyrillic = len(_CYR_LETTER.findall(token))
    if cyrillic and cyrillic > len(_STRONG_LATIN.findall(token)):
        return token.translate(_TO_CYRILLIC)
    return token


def _masked_words(folded: str, table: dict[int, str | None]) -> tuple[str, ...]:
    found = []
    for match in _MASKED.finditer(folded):
        word = match.group().replace("*", MASK).replace("#", MASK).translate(table)
        word = "".join(word.split())
        if word.strip(MASK):
            found.append(word)
    return tuple(found)


def skeleton(spaced: str, masked: tuple[str, ...] = ()) -> Normalised:
    """Collapse repeated letters of an already spaced, folded text (the last step)."""
    if _HAS_REPEAT.search(spaced):
        return Normalised(_REPEATS.sub(_first, spaced), spaced, masked)
    return Normalised(spaced, spaced, masked)


def normalise(text: str) -> Normalised:
    """The skeleton of `text` for matching; see the module docstring for the steps."""
    masked: tuple[str, ...] = ()
    if text.isascii():
        folded, table = text.lower(), _ASCII_TABLE
    else:
        folded, table = unicodedata.normalize("NFKD", text).casefold(), _TABLE
        if _CYR_HINT.search(folded) and _CYR_LETTER.search(folded):
            folded = _CYR_TOKEN.sub(_fold_cyrillic_token, folded)
    if _HAS_SYMBOL.search(folded):
        folded = _SYMBOL_BEFORE_LETTER.sub(_leet_symbol, folded)
    if "*" in folded or "#" in folded:
        masked = _masked_words(folded, _TABLE)
    folded = _INWORD_PUNCT.sub("", folded)
    spaced = " " + " ".join(folded.translate(table).split()) + " "
    spaced = _SINGLE_LETTER_RUN.sub(_join_letters, spaced)
    return skeleton(spaced, masked)


def mixed_script(text: str) -> bool:
    """Whether a word mixes Latin and Cyrillic letters (`pаypal` with a Cyrillic `а`)."""
    return _MIXED_SCRIPT.search(text) is not None
