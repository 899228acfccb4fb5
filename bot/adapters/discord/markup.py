"""Discord's one escaping function: text the bot posts never renders as markup, even when split.

Action text is plain text (bot/core/actions.py). Discord renders Markdown in every message, so
each character that can open markup gets a backslash: Discord's parser takes a backslash before
any punctuation as "this character, literally", so the message reads exactly as written.
`discord.utils.escape_markdown` is not enough: it leaves everything between a first `[` and a
last `)` live (a masked link `[Free Nitro](https://…)` in the bot's name), and `#`, `>` and
lists only at the very start of a line of the unsplit text.

Escaping comes first and splitting second, and the split never falls between a backslash and
the character it escapes, so no part can start with live markup whatever its length.
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.adapters.text import TEXT_LIMITS, split_text

MESSAGE_LIMIT = TEXT_LIMITS["discord"]

# Inline markup anywhere: bold, italics, underline, strike, spoiler, code, masked links,
# mentions, channels, custom emoji and timestamps (`<@1>`, `<#1>`, `<:e:1>`, `<t:1>`), and
# `@everyone`. At a line start: headings and subtext (`#`, `-#`), quotes (`>`), lists
# (`-`, `*`, `+`): always escaped too, because a split may start any line anywhere.
ALWAYS = frozenset("\\*_~|`[]<@#>-+")
DIGITS = frozenset("0123456789")


def escape(text: str) -> str:
    """`text` as Discord Markdown that renders exactly `text`, with no live markup."""
    return "".join(_pieces(text))


def _pieces(text: str) -> Iterator[str]:
    """Each character of `text` as it is written escaped: itself, or a backslash and itself."""
    previous = ""
    for char in text:
        # `1.` starts an ordered list; only a dot after a digit can.
        if char in ALWAYS or (char == "." and previous in DIGITS and previous):
            yield "\\" + char
        else:
            yield char
        previous = char


def split(escaped: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Cut escaped text into messages of at most `limit` characters, at line breaks if possible,
    never between a backslash and what it escapes (the shared splitter, bot/adapters/text.py)."""
    return split_text(escaped, limit, escape="\\")


def render(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Plain `text` as the Discord messages to send: escaped, then split safely."""
    return split(escape(text), limit)


def fit(text: str, limit: int) -> str:
    """Plain `text` escaped into one field of at most `limit` characters (a poll's question or
    answer): cut between whole characters, never between an escape and what it escapes, with
    "…" at the end when something had to go."""
    escaped = escape(text)
    if len(escaped) <= limit:
        return escaped
    out: list[str] = []
    used = 0
    for piece in _pieces(text):
        if used + len(piece) > limit - 1:  # room for the "…"
            break
        out.append(piece)
        used += len(piece)
    return "".join(out) + "…"


def plain(escaped: str) -> str:
    """What Discord shows for `escaped`: each backslash-escaped punctuation mark, literally."""
    out: list[str] = []
    i = 0
    while i < len(escaped):
        char = escaped[i]
        if char == "\\" and i + 1 < len(escaped) and _escapable(escaped[i + 1]):
            out.append(escaped[i + 1])
            i += 2
            continue
        out.append(char)
        i += 1
    return "".join(out)


def _escapable(char: str) -> bool:
    # Discord's parser: a backslash escapes any character that is not a letter, digit or space.
    return not (char.isascii() and char.isalnum()) and not char.isspace()
