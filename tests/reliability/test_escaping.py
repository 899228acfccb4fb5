"""No member text ever yields a link, mention, heading or formatting in what the bot posts.

Property-based: Hypothesis builds hostile text (markup pieces, mentions, HTML, backslashes and
line breaks, padded so the platform's split falls anywhere in it), the platform's one escaping
function renders it, and the platform's parser (modelled in tests/auxil/markup.py) must find
nothing live in any part, while the reader still sees exactly the text.
Bare URLs are left as they are: what they show is where they go, unlike a masked link.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.adapters.discord import markup as discord_markup
from bot.adapters.telegram import markup as telegram_markup
from bot.i18n import t
from tests.auxil.markup import discord_live_markup, telegram_read

PIECES = [
    "[Free Nitro](https://evil.example)",
    "[a]",
    "](",
    "# ",
    "## ",
    "-# ",
    "> ",
    ">>> ",
    "- ",
    "* ",
    "+ ",
    "1. ",
    "12.",
    "||",
    "**",
    "__",
    "~~",
    "`",
    "```py\n",
    "<@123>",
    "<@&1>",
    "<#1>",
    "<t:1:R>",
    "<:e:1>",
    "<https://x.example>",
    "@everyone",
    "@here",
    "@durov",
    "@some_one_else",
    "@",
    "\\",
    "\\\\",
    "\n",
    "\n\n",
    " ",
    "<b>",
    "</b>",
    "<a href='tg://user?id=1'>",
    "<tg-spoiler>",
    "&amp;",
    "&lt;b&gt;",
    "&#60;i>",
]
HOSTILE = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=12)), max_size=30).map(
    "".join
)
PROPERTY = settings(
    max_examples=400,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def report_line(member_text: str, name: str) -> str:
    """A real bot post quoting members: the moderators' log line of a /report."""
    return t(
        "en",
        "moderation.log.report",
        report=7,
        by=name,
        user=name,
        chat="general",
        excerpt=member_text,
        reason=member_text,
    )


def padded(pad: int, text: str, newline: bool) -> str:
    """Text long enough that the split falls somewhere inside the hostile part."""
    return ("x" * 79 + "\n") * (pad // 80) + "y" * (pad % 80) + ("\n" if newline else "") + text


@PROPERTY
@given(
    member=HOSTILE,
    name=HOSTILE,
    pad=st.integers(0, 4200),
    newline=st.booleans(),
)
def test_discord_renders_no_live_markup_in_any_part(
    member: str, name: str, pad: int, newline: bool
) -> None:
    text = padded(pad, report_line(member, name), newline)
    parts = discord_markup.render(text)
    for part in parts:
        assert len(part) <= discord_markup.MESSAGE_LIMIT
        assert discord_live_markup(part) == []
    shown = "".join(discord_markup.plain(part) for part in parts)
    assert shown.replace("\n", "") == text.replace("\n", "")


@PROPERTY
@given(member=HOSTILE, name=HOSTILE, pad=st.integers(0, 8400), newline=st.booleans())
def test_telegram_renders_no_tag_or_mention_in_any_part(
    member: str, name: str, pad: int, newline: bool
) -> None:
    text = padded(pad, report_line(member, name), newline)
    parts = telegram_markup.render(text)
    shown = []
    for part in parts:
        read, entities = telegram_read(part)
        assert len(read) <= telegram_markup.TEXT_LIMIT
        assert entities == []
        shown.append(read)
    visible = "".join(shown).replace(telegram_markup.WORD_JOINER, "")
    assert visible.replace("\n", "") == (text or "…").replace("\n", "")


@pytest.mark.parametrize(
    "cut",
    range(1990, 2010),
)
def test_a_crafted_length_never_starts_a_discord_part_with_live_markup(cut: int) -> None:
    # The attack from the report: pad so the 2,000-character cut lands just before markup.
    for tail in ("[Free Nitro](https://evil.example)", "# Heading", "> quote", "1. list"):
        text = "a" * cut + tail
        for part in discord_markup.render(text):
            assert discord_live_markup(part) == []


@PROPERTY
@given(member=HOSTILE, limit=st.sampled_from([55, 300]))
def test_discord_poll_texts_render_no_live_markup_whatever_the_cut(member: str, limit: int) -> None:
    """A poll's question and answers are single fields with a length limit: escaped, then cut
    whole, they show a prefix of the member's text and nothing live."""
    for text in (member, "x" * (limit - 1) + member, "1" * (limit // 2) + "." + member):
        field = discord_markup.fit(text, limit)
        assert len(field) <= limit
        assert discord_live_markup(field) == []
        shown = discord_markup.plain(field)
        assert shown == text or (shown.endswith("…") and text.startswith(shown[:-1]))
