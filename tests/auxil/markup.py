"""How each platform would read what the bot sends: live markup, entities, mentions.

Independent of bot/adapters/*/markup.py on purpose: these model the platforms' parsers, so a
test can say "this renders no link, mention, heading or formatting" without trusting the code
under test.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

# Discord (simple-markdown, as its client uses it): a backslash before any character that is
# not a letter, digit or space shows that character literally.
_DISCORD_INLINE = frozenset("*_~|`[<@")
_DISCORD_LINE_START = frozenset("#>-+*")
_ORDERED = re.compile(r"\d+\.")


def _escapable(char: str) -> bool:
    return not (char.isascii() and char.isalnum()) and not char.isspace()


def discord_live_markup(content: str) -> list[str]:
    """Every place where Discord would see markup (or a split escape) in `content`."""
    found: list[str] = []
    i, line_start = 0, True
    while i < len(content):
        char = content[i]
        if char == "\\":
            if i + 1 == len(content):
                found.append(f"{i}: a backslash ends the message (its escape was split off)")
                break
            i += 2 if _escapable(content[i + 1]) else 1
            line_start = False
            continue
        if char == "\n":
            line_start = True
            i += 1
            continue
        if line_start and char in " \t":
            i += 1
            continue
        if line_start and char in _DISCORD_LINE_START:
            found.append(f"{i}: a line starts with {char!r} (heading, quote or list)")
        if line_start and _ORDERED.match(content, i):
            found.append(f"{i}: a line starts an ordered list")
        if char in _DISCORD_INLINE:
            found.append(f"{i}: live {char!r} (formatting, link, mention or emoji)")
        line_start = False
        i += 1
    return found


# Telegram: HTML parse mode, then its own entity detection on the resulting text.
_TELEGRAM_MENTION = re.compile(r"(?<![\w@])@[A-Za-z0-9_]{3,32}")


class _TelegramHtml(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_endtag(self, tag: str) -> None:
        self.tags.append("/" + tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def telegram_read(html_text: str) -> tuple[str, list[str]]:
    """The text Telegram would show for `html_text` and the entities it would make of it."""
    parser = _TelegramHtml()
    parser.feed(html_text)
    parser.close()
    text = "".join(parser.text)
    entities = [f"tag <{tag}>" for tag in parser.tags]
    entities += [f"mention {m.group()}" for m in _TELEGRAM_MENTION.finditer(text)]
    return text, entities
