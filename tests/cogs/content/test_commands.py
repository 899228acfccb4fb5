"""The calendar's smaller commands, the rule file's checks, and hostile link text."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from bot.adapters.memory import MemoryAdapter
from bot.app import Kenes
from bot.core.actions import SendMessage
from bot.core.permissions import Level
from bot.core.refs import MessageRef
from cogs.content.links import find_links, looks_affiliate, with_utm
from cogs.content.rules import ContentRules, Utm

MOD = Level.MODERATOR


async def said(memory: MemoryAdapter, text: str, **extra: object) -> str:
    replies = await memory.say("mod", text, level=MOD, **extra)  # type: ignore[arg-type]
    messages = [a for a in replies if isinstance(a, SendMessage)]
    assert len(messages) == 1, messages
    return messages[0].text


async def test_a_post_drafted_from_a_reply_listed_edited_and_cancelled(
    app_with_content: tuple[MemoryAdapter, Kenes],
) -> None:
    memory, app = app_with_content
    await memory.say("erin", "What is the one feature you would add to the app?")  # message 1000
    original = MessageRef(memory.chat, "1000")
    assert await said(memory, "/post draft question", reply_to=original) == (
        "Draft 1 (Question of the week) saved. Next: add a next step with /post next 1 …, "
        "then /post schedule 1 <when>."
    )
    assert "Reply to a member's message with /post" in await said(memory, "/post draft")
    unseen = MessageRef(memory.chat, "42")
    assert "I have not seen the text" in await said(memory, "/post draft", reply_to=unseen)
    assert await said(memory, "/post list") == (
        "Posts:\n• 1 Question of the week: draft, no next step"
    )
    await said(memory, "/post next 1 question")
    assert "is scheduled" in await said(memory, "/post schedule 1 2h")
    # An edit of a scheduled post takes it back to draft, so the checklist runs again.
    edited = await said(memory, "/post text 1 ru Какую функцию вы бы добавили?")
    assert edited == (
        "Post 1: the ru text is saved.\n"
        "It was scheduled: it is a draft again, so schedule it once more to check it."
    )
    assert await app.scheduler.pending("content.publish") == []
    assert "is scheduled" in await said(memory, "/post schedule 1 2h")
    assert await said(memory, "/post cancel 1") == "Post 1 is cancelled."
    assert await app.scheduler.pending("content.publish") == []
    assert "Post 1 was cancelled" in await said(memory, "/post schedule 1 2h")
    memory.clear()
    await app.advance(timedelta(hours=3))
    assert [a for a in memory.of_type(SendMessage) if "feature" in a.text] == []


async def test_a_template_is_shown_when_the_text_is_missing(
    app_with_content: tuple[MemoryAdapter, Kenes],
) -> None:
    memory, _app = app_with_content
    assert await said(memory, "/post new retro") == (
        "Draft 1 (Open retro). Fill in the template with /post text 1 <text>:\n"
        "What launched: …\nWhat did not: …\nWhat we change: …\n"
        "What do you think? Let us discuss below."
    )
    assert "Name the rubric" in await said(memory, "/post new")
    assert "Write the post number" in await said(memory, "/post schedule next")
    assert await said(memory, "/post now 1") == (
        "Post 1 has no en text, and posts here go out in en: add it with /post text 1 en <text>."
    )


def test_the_rule_file_reports_mistakes_with_their_place() -> None:
    shipped = ContentRules.model_validate({})
    assert shipped.linked_to("telegram:1") == ("telegram:1",)
    linked = ContentRules.model_validate({"linked": [["telegram:1", "discord:2"]]})
    assert linked.linked_to("discord:2") == ("discord:2", "telegram:1")
    with pytest.raises(ValidationError, match="must look like 'platform:id'"):
        ContentRules.model_validate({"linked": [["telegram"]]})
    with pytest.raises(ValidationError, match="is in two groups"):
        ContentRules.model_validate({"linked": [["a:1", "b:2"], ["a:1", "c:3"]]})
    with pytest.raises(ValidationError, match="unknown rubric 'memes'"):
        ContentRules.model_validate(
            {"posts": [{"key": "a", "community": "a:1", "rubric": "memes", "text": {"en": "x"}}]}
        )
    with pytest.raises(ValidationError, match="give the time with its offset"):
        ContentRules.model_validate(
            {
                "rubrics": {
                    "myth": {"title": {"en": "M"}, "template": {"en": "t"}, "hint": {"en": "h"}}
                },
                "posts": [
                    {
                        "key": "a",
                        "community": "a:1",
                        "rubric": "myth",
                        "at": "2026-01-09T18:00:00",
                        "text": {"en": "x"},
                    }
                ],
            }
        )
    with pytest.raises(ValidationError, match="a poll needs `question` and at least two"):
        ContentRules.model_validate(
            {
                "rubrics": {
                    "myth": {"title": {"en": "M"}, "template": {"en": "t"}, "hint": {"en": "h"}}
                },
                "posts": [
                    {
                        "key": "a",
                        "community": "a:1",
                        "rubric": "myth",
                        "text": {"en": "x"},
                        "next": {"kind": "poll", "question": "Q?"},
                    }
                ],
            }
        )


def test_affiliate_links_and_promo_codes_are_recognised() -> None:
    assert looks_affiliate("Buy here: https://shop.example/item?ref=kenes")
    assert looks_affiliate("https://shop.example/partners/kenes/item")
    assert looks_affiliate("Промокод: KENES10")
    assert not looks_affiliate("Our guide: https://example.org/fees?lang=en")


@given(st.text(max_size=300))
def test_hostile_text_never_breaks_link_handling(text: str) -> None:
    for url in find_links(text):
        assert url in text
        tagged = with_utm(url, Utm(), "myth")
        assert "utm_source=kenes" in tagged
    looks_affiliate(text)
