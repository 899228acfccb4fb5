"""Text helpers every adapter shares: one way to split a long message."""

from __future__ import annotations


def split_text(text: str, limit: int) -> list[str]:
    """Split text into parts of at most `limit` characters, at line breaks where possible."""
    parts: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        cut = cut if cut > 0 else limit
        parts.append(text[:cut])
        text = text[cut:].lstrip("\n")
    parts.append(text)
    return parts
