"""Telegram's one escaping function: text the bot posts never renders as markup or notifies.

Messages go out in HTML parse mode, so `<`, `>` and `&` are escaped and no tag (bold, a
`<a href>` link, a spoiler) can come from the text. Telegram also turns `@username` into a
mention by itself, whatever the parse mode: a member quoted by the bot (a /report line, a
/thanks reply, an AMA question) could make the bot notify a third person. A word joiner
(U+2060, invisible) after each `@` keeps the text readable and the mention inert.

The text is split first (Telegram's limit counts the text after parsing) and each part escaped.
"""

from __future__ import annotations

import html
import re

from bot.adapters.text import TEXT_LIMITS, split_text

TEXT_LIMIT = TEXT_LIMITS["telegram"]
WORD_JOINER = "\u2060"
_MENTION = re.compile(r"@(?=\w)")


def defuse(text: str) -> str:
    """`text` with every `@name` made unable to mention anyone."""
    return _MENTION.sub("@" + WORD_JOINER, text)


def split(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Split plain text into messages Telegram accepts (it refuses an empty one), at line
    breaks where possible (the shared splitter, bot/adapters/text.py)."""
    return split_text(text or "…", limit)


def escape(text: str) -> str:
    """One part of plain text as Telegram HTML that renders exactly it, inert."""
    return html.escape(text, quote=False)


def render(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Plain `text` as the HTML messages to send: defused, split, escaped."""
    return [escape(part) for part in split(defuse(text), limit)]
