"""Discussions: a thread step and a debate open a thread on the posted message (StartThread);
what members say there, or in the reply chain, counts for the debate, the digest and the list."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from bot.adapters.memory import MemoryAdapter
from bot.app import Kenes
from bot.core.actions import ALL_ACTIONS, Action, SendMessage, StartThread
from bot.core.clock import ManualClock
from bot.core.permissions import Level
from bot.core.refs import MessageRef
from cogs.content.models import DiscussionReply
from tests.auxil.app import make_config, running_app

MOD = Level.MODERATOR
COGS = ["core", "polls", "support", "heroes", "digest", "content"]


def public(actions: Sequence[Action]) -> list[SendMessage]:
    return [a for a in actions if isinstance(a, SendMessage) and a.ephemeral_to is None]


async def stored_replies(app: Kenes) -> int:
    async with app.services.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(DiscussionReply)) or 0)


async def test_a_thread_step_opens_a_thread_on_the_post_and_counts_what_is_said_there(
    app_with_content: tuple[MemoryAdapter, Kenes],
) -> None:
    memory, app = app_with_content
    await memory.say("mod", "/post new ideas What we think about: a dark theme.", level=MOD)
    await memory.say("mod", "/post next 1 thread", level=MOD)
    await memory.say("mod", "/post now 1", level=MOD)
    [post] = [a for a in public(memory.actions) if a.text.startswith("What we think about")]
    [thread] = memory.of_type(StartThread)
    # On the published message itself, named by the post's first line, opened with a line.
    assert thread.title == "What we think about: a dark theme."
    assert thread.text == "Discuss here."
    assert thread.message.chat == post.chat
    # The memory platform's thread is a chat of its own, named after the message.
    thread_chat = memory.channel(f"thread{thread.message.id}")
    await memory.say("erin", "Yes please, my eyes hurt at night.", chat=thread_chat)
    await memory.say("bob", "Only with a high-contrast variant.", chat=thread_chat)
    await memory.say("bob", "Unrelated: lunch?")  # not in the discussion
    await memory.say("cat", "Agree!", reply_to=thread.message)  # the reply chain counts too
    replies = await memory.say("mod", "/post list", level=MOD)
    [listing] = public(replies)
    assert "• 1 Ideas for the product: published" in listing.text
    assert listing.text.endswith(", 3 replies in its discussion")
    assert await stored_replies(app) == 3


async def test_a_debate_argued_in_its_thread_carries_the_count_to_its_result_and_the_digest(
    app_with_content: tuple[MemoryAdapter, Kenes],
) -> None:
    memory, app = app_with_content
    [debate] = public(await memory.say("mod", "/debate Dark theme? | Yes | No", level=MOD))
    [thread] = memory.of_type(StartThread)
    assert thread.title == "Dark theme?"
    assert thread.message.chat == debate.chat
    await memory.press("bob", "content:side:1:0")
    thread_chat = memory.channel(f"thread{thread.message.id}")
    await memory.say("bob", "Yes: easier on the eyes.", chat=thread_chat)
    await memory.say("erin", "No: the light one reads better.", chat=thread_chat)
    await memory.say("erin", "And prints better.", chat=thread_chat)
    memory.clear()
    await app.advance(timedelta(days=2))
    [result] = [a for a in public(memory.actions) if "has ended" in a.text]
    assert result.text.endswith("\n💬 3 messages in the discussion, from 2 members.")
    # START is Monday; the digest goes out on Sunday 19:00 in Asia/Almaty.
    await app.advance(timedelta(days=4, hours=5))
    [digest] = [a for a in public(memory.actions) if a.text.startswith("📰")]
    assert "• Dark theme? — Yes: 1, No: 0 · 💬 3 messages" in digest.text


async def test_without_threads_the_reply_chain_is_the_discussion_and_survives_a_restart(
    tmp_path: Path, clock: ManualClock
) -> None:
    db = tmp_path / "kenes.db"
    config = make_config(bot={"cogs": COGS})
    memory = MemoryAdapter(ALL_ACTIONS - {StartThread})
    async with running_app(db, config, [memory], clock):
        [debate] = public(await memory.say("mod", "/debate Meetups? | Online | Offline", level=MOD))
        assert memory.of_type(StartThread) == []
        assert debate.text.startswith("⚖️ Debate 1")
    posted = MessageRef(memory.chat, "1001")  # the debate's message, as the platform named it
    again = MemoryAdapter(ALL_ACTIONS - {StartThread})
    async with running_app(db, config, [again], clock) as app:
        await again.say("bob", "Offline: the talk after is the point.", reply_to=posted)
        await again.say("bob", "A reply to something else.", reply_to=MessageRef(again.chat, "7"))
        again.clear()
        await app.advance(timedelta(days=2))
        [result] = [a for a in public(again.actions) if "has ended" in a.text]
        assert result.text.endswith("\n💬 1 message in the discussion, from 1 member.")
