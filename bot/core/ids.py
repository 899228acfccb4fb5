"""Numbers that arrive from the outside world (button ids, command arguments), checked once.

A button's `custom_id` comes back from the platform as text a client may forge; the numbers in it
become SQL parameters, and SQLite's INTEGER (like PostgreSQL's BIGINT) holds 64 signed bits:
a bigger value raises OverflowError deep in a handler. Everything parses numbers here.
"""

from __future__ import annotations

MAX_INT64 = 2**63 - 1
MIN_INT64 = -(2**63)
# More digits than this cannot be in range, and int() of a huge string is itself slow.
_MAX_DIGITS = 19


def in_int64(number: int) -> bool:
    """Whether `number` fits a 64-bit signed database column."""
    return MIN_INT64 <= number <= MAX_INT64


def parse_int(text: str, *, minimum: int = MIN_INT64, maximum: int = MAX_INT64) -> int | None:
    """An optionally signed run of ASCII digits within [minimum, maximum]; None otherwise.

    Stricter than int(): no spaces, underscores or non-ASCII digits (`١٢`), which int() takes
    and a forged id would use to look different while meaning the same number.
    """
    digits = text[1:] if text[:1] in ("-", "+") else text
    if not digits or len(digits) > _MAX_DIGITS or not (digits.isascii() and digits.isdigit()):
        return None
    number = int(text)
    return number if minimum <= number <= maximum and in_int64(number) else None


def parse_id(text: str) -> int | None:
    """A row id (non-negative, 64-bit) from outside text; None when it cannot be one."""
    return parse_int(text, minimum=0)


def button_ids(custom_id: str, prefix: str, count: int) -> tuple[int, ...] | None:
    """The `count` ids after `prefix` in `prefix1:2:3`; None if not ours or not valid ids."""
    if not custom_id.startswith(prefix):
        return None
    parts = custom_id.removeprefix(prefix).split(":")
    if len(parts) != count:
        return None
    ids = []
    for part in parts:
        number = parse_id(part)
        if number is None:
            return None
        ids.append(number)
    return tuple(ids)
