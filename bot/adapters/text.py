"""Text helpers every adapter shares: one way to split a long message, and the limits."""

from __future__ import annotations

# The most characters one message holds, per platform (the console has no limit). Longer
# texts are split by `split_text`; a planned post is checked against this so it goes out whole.
TEXT_LIMITS: dict[str, int] = {"telegram": 4096, "discord": 2000}


def text_limit(platform: str) -> int | None:
    """How many characters one message holds on `platform`; None when there is no limit."""
    return TEXT_LIMITS.get(platform)


def _outside_escape(text: str, cut: int, escape: str) -> int:
    """Move `cut` back by one if it would separate an `escape` character from what it escapes."""
    run = 0
    while cut - run - 1 >= 0 and text[cut - run - 1] == escape:
        run += 1
    return cut - 1 if run % 2 else cut


def split_text(text: str, limit: int, *, escape: str | None = None) -> list[str]:
    """Split text into parts of at most `limit` characters, at line breaks where possible.

    With `escape` (Discord's backslash), a cut inside a line never falls between an escape
    character and the character it escapes, so no part starts with live markup.
    """
    parts: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        if cut <= 0:
            cut = limit if escape is None else _outside_escape(text, limit, escape)
        parts.append(text[:cut])
        text = text[cut:].lstrip("\n")
    parts.append(text)
    return parts
