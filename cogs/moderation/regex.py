"""Admin regexes in RE2 within a size budget: shared by the rule model's checks and the matcher.

Its own module so the rule model (which refuses a pattern when the file is loaded) and the
matcher (which imports the rule model's types) do not import each other.
"""

from __future__ import annotations

from typing import Any

import re2

# RE2's worst case is (program size) x (text length) steps. One pattern may compile to at most
# MAX_REGEX_PROGRAM instructions and all of them together to MAX_REGEX_TOTAL, so a message costs
# at most MAX_REGEX_TOTAL steps per character (a few ms for 4,096 characters in the worst case
# measured, against 2 s for one 16,006-instruction pattern). The text is not cut short: a head
# and tail window would make `$`, `^` and `\b` match at the cut.
MAX_REGEX_PROGRAM = 1_000
MAX_REGEX_TOTAL = 5_000


def _options(ignore_case: bool) -> Any:
    options = re2.Options()
    options.log_errors = False
    options.case_sensitive = not ignore_case
    options.max_mem = 8 << 20  # a pattern that needs more than 8 MB of automaton is refused
    return options


# What RE2's error means for someone editing a pattern, by the start of its message.
_RE2_HINTS = (
    ("missing )", "a `(` is never closed: add the missing `)` or write `\\(` for a bracket"),
    ("unexpected )", "a `)` closes nothing: remove it or write `\\)` for a literal bracket"),
    ("missing ]", "a `[` is never closed: add the missing `]` or write `\\[`"),
    ("invalid perl operator", "lookarounds like `(?=`, `(?!`, `(?<=` are not supported (they can "
     "take exponential time): match the text itself, or use a second rule"),
    ("invalid escape", "backreferences like `\\1` and some escapes are not supported; write the "
     "repeated text out"),
    ("no argument for repetition", "`*`, `+`, `?` or `{n}` must follow something to repeat; "
     "write `\\*` for a literal star"),
    ("bad repetition", "a repeat of a repeat like `a**` is not allowed: remove one"),
    ("invalid nested repetition", "a repeat of a repeat like `a**` is not allowed: remove one"),
    ("invalid character class range", "a range like `[z-a]` runs backwards: write it low to high"),
)  # fmt: skip


def re2_hint(reason: str) -> str:
    """A hint that fits RE2's complaint (a missing `)` is not about lookarounds)."""
    for start, hint in _RE2_HINTS:
        if reason.startswith(start):
            return hint
    return "check the pattern's syntax; backreferences and lookarounds are not supported"


def compile_regex(pattern: str, *, ignore_case: bool) -> Any:
    """Compile with RE2 within the size budget; ValueError with the reason when it cannot."""
    try:
        compiled = re2.compile(pattern, options=_options(ignore_case))
    except re2.error as exc:
        reason = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else exc
        raise ValueError(
            f"RE2 cannot compile this pattern ({reason}): {re2_hint(str(reason))}"
        ) from None
    size = int(compiled.programsize)
    if size > MAX_REGEX_PROGRAM:
        raise ValueError(
            f"this pattern compiles to {size} RE2 instructions, more than the "
            f"{MAX_REGEX_PROGRAM} allowed (checking each message would cost up to {size} steps "
            "per character); large counted repeats like `.{0,1000}` are the usual cause: "
            "use `.*`, a smaller count, or a stop-word list"
        )
    return compiled


def regex_size(pattern: str, *, ignore_case: bool) -> int:
    """RE2 instructions of `pattern` (0 when it does not compile: that is reported apart)."""
    try:
        return int(re2.compile(pattern, options=_options(ignore_case)).programsize)
    except re2.error:
        return 0
