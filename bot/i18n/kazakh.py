"""Kazakh case endings chosen by vowel harmony and the last sound, for words and for numbers.

Kazakh keeps the noun singular after a number but puts a case ending on the last word of the
phrase, and the ending's form depends on that word: "5-ке", "100-ге", "минуттан", "сағатқа".
A number is read aloud to find its last word (120 is "жүз жиырма", so it takes "жиырма"'s
ending), which is why "{max}-ге" cannot be written into a catalogue once and for all.
"""

from __future__ import annotations

from decimal import Decimal

# Cases a template may ask for, e.g. "{count:dat}"; "and" is the conjunction мен/бен/пен,
# which follows the same sound rule as the instrumental but is written as a separate word.
CASES = ("nom", "gen", "dat", "acc", "loc", "abl", "ins", "and")

_BACK = set("аоұыяё")
_FRONT = set("әеіөүэ")
_VOWELS = _BACK | _FRONT | set("иую")
_SONORANTS = set("лрй")  # "у" is a vowel letter here; it behaves like one before endings
_NASALS = set("мнң")
_VOICED = set("зж")
# б, в, г, д end loanwords (секунд, миллиард) and are said voiceless there.
_VOICELESS = set("кқпстшфхцчщбвгд")

_UNITS = ("нөл", "бір", "екі", "үш", "төрт", "бес", "алты", "жеті", "сегіз", "тоғыз")
_TENS = ("", "он", "жиырма", "отыз", "қырық", "елу", "алпыс", "жетпіс", "сексен", "тоқсан")
# A round number ends in the word of its lowest non-zero group: 300 жүз, 2000 мың.
_POWERS = ((1000, "жүз"), (10**6, "мың"), (10**9, "миллион"))

# (back, front) forms per case and last-sound class.
_ENDINGS: dict[str, dict[str, tuple[str, str]]] = {
    "gen": {"vowel": ("ның", "нің"), "nasal": ("ның", "нің"), "sonorant": ("дың", "дің"),
            "voiced": ("дың", "дің"), "voiceless": ("тың", "тің")},
    "dat": {"vowel": ("ға", "ге"), "nasal": ("ға", "ге"), "sonorant": ("ға", "ге"),
            "voiced": ("ға", "ге"), "voiceless": ("қа", "ке")},
    "acc": {"vowel": ("ны", "ні"), "nasal": ("ды", "ді"), "sonorant": ("ды", "ді"),
            "voiced": ("ды", "ді"), "voiceless": ("ты", "ті")},
    "loc": {"vowel": ("да", "де"), "nasal": ("да", "де"), "sonorant": ("да", "де"),
            "voiced": ("да", "де"), "voiceless": ("та", "те")},
    "abl": {"vowel": ("дан", "ден"), "nasal": ("нан", "нен"), "sonorant": ("дан", "ден"),
            "voiced": ("дан", "ден"), "voiceless": ("тан", "тен")},
    "ins": {"vowel": ("мен", "мен"), "nasal": ("мен", "мен"), "sonorant": ("мен", "мен"),
            "voiced": ("бен", "бен"), "voiceless": ("пен", "пен")},
}  # fmt: skip


def number_word(value: int | float | Decimal) -> str:
    """The last word said when reading `value` aloud: 5 → бес, 120 → жиырма, 2000 → мың."""
    text = format(Decimal(str(value)), "f").lstrip("-")
    whole, _, fraction = text.partition(".")
    fraction = fraction.rstrip("0")
    # "2,5" is read "екі бүтін оннан бес": the fraction's digits are said last.
    n = int(fraction) if fraction else int(whole)
    if n == 0:
        return _UNITS[0]
    if n % 10:
        return _UNITS[n % 10]
    if n % 100:
        return _TENS[n % 100 // 10]
    for size, word in _POWERS:
        if n % size:
            return word
    return "миллиард"


def _sound(word: str) -> str:
    last = word[-1]
    if last in _VOWELS:
        return "vowel"
    if last in _NASALS:
        return "nasal"
    if last in _SONORANTS:
        return "sonorant"
    if last in _VOICED:
        return "voiced"
    return "voiceless"


def _is_front(word: str) -> bool:
    # и follows either harmony, so the vowel before it decides. A final у is a glide taking
    # the harmony before it (елу → елуге); у before a consonant is the back vowel of a loanword
    # (минут → минуттан, секунд → секундтан).
    for index in range(len(word) - 1, -1, -1):
        letter = word[index]
        if letter in _BACK:
            return False
        if letter in _FRONT:
            return True
        if letter in "ую" and index + 1 < len(word) and word[index + 1] not in _VOWELS:
            return False
    return True


def ending(word: str, case: str) -> str:
    """The ending `word` takes in `case` ("" for the nominative), e.g. ("минут", "abl") → "тан"."""
    if case in ("", "nom"):
        return ""
    word = word.lower()
    kind = "ins" if case == "and" else case
    if kind not in _ENDINGS:
        raise ValueError(f"unknown Kazakh case {case!r}; use one of {CASES}")
    back, front = _ENDINGS[kind][_sound(word)]
    return front if _is_front(word) else back


def inflect(phrase: str, case: str) -> str:
    """`phrase` with its last word put in `case`: "5 минут" + abl → "5 минуттан".

    The conjunction ("and") is a separate word: "10 секунд" → "10 секунд пен".
    """
    if case in ("", "nom"):
        return phrase
    word = phrase.rsplit(" ", 1)[-1]
    suffix = ending(word, case)
    return f"{phrase} {suffix}" if case == "and" else phrase + suffix


def inflect_number(value: int | float | Decimal, shown: str, case: str) -> str:
    """A number as written (`shown`, e.g. "100") with its case ending after a hyphen: "100-ге"."""
    if case in ("", "nom"):
        return shown
    suffix = ending(number_word(value), case)
    return f"{shown} {suffix}" if case == "and" else f"{shown}-{suffix}"
