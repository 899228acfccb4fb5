"""Native polls, quizzes and reaction polls through the memory adapter."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.adapters.memory import MemoryAdapter
from bot.app import Kenes
from bot.core.actions import ALL_ACTIONS, SendPoll
from bot.core.clock import ManualClock
from bot.core.events import PollAnswered, ReactionAdded, ReactionRemoved
from bot.core.refs import MessageRef
from cogs.polls.cog import Polls
from cogs.polls.models import Poll
from tests.auxil.rituals import press, ritual_app, rules_copy, sent


@pytest.fixture
async def app(tmp_path: Path, memory: MemoryAdapter, clock: ManualClock) -> AsyncIterator[Kenes]:
    async with ritual_app(tmp_path, memory, clock) as running:
        yield running


async def stored(app: Kenes, poll_id: int) -> Poll:
    cog = app.cogs.get("polls")
    assert isinstance(cog, Polls)
    poll = await cog.store.get(poll_id)
    assert poll is not None
    return poll


async def answer(memory: MemoryAdapter, app: Kenes, who: str, poll_id: str, *options: int) -> None:
    await memory.push(
        PollAnswered(
            chat=memory.chat,
            author=memory.author(who),
            at=app.clock.now(),
            poll_id=poll_id,
            options=options,
        )
    )


def results(memory: MemoryAdapter) -> list[str]:
    return [text for text in memory.texts() if text.startswith("Results of")]


async def test_native_poll_where_the_platform_has_one(app: Kenes, memory: MemoryAdapter) -> None:
    created = await memory.say("alice", "/poll 20s --public Ready? | Yes | Not yet")
    [native] = [a for a in created if isinstance(a, SendPoll)]
    assert native.options == ("Yes", "Not yet")
    assert not native.anonymous
    assert native.open_for == timedelta(seconds=20)
    assert "Vote in the poll above" in sent(created)[0].text
    native_id = (await stored(app, 1)).native_poll_id
    assert native_id is not None
    await answer(memory, app, "bob", native_id, 0)
    await answer(memory, app, "cat", native_id, 0)
    await answer(memory, app, "cat", native_id)  # retracted
    await answer(memory, app, "dan", native_id, 1)
    await app.advance(timedelta(seconds=20))
    [text] = results(memory)
    assert "Yes      █████░░░░░ 50% (1)" in text
    assert "Not yet  █████░░░░░ 50% (1)" in text
    assert "Yes: Bob" in text
    memory.clear()
    await answer(memory, app, "eve", native_id, 1)
    assert "closed" in memory.texts()[0]


async def test_long_native_polls_are_closed_by_our_job_not_the_platform(
    app: Kenes, memory: MemoryAdapter
) -> None:
    created = await memory.say("alice", "/poll 3d --public Next meetup city? | Almaty | Astana")
    [native] = [a for a in created if isinstance(a, SendPoll)]
    assert native.open_for is None
    await app.advance(timedelta(days=3))
    assert len(results(memory)) == 1


async def test_native_quiz_leaves_feedback_to_the_platform_and_explains_at_close(
    app: Kenes, memory: MemoryAdapter
) -> None:
    await memory.say(
        "alice",
        "/quiz 1m --public Capital of Kazakhstan? | Almaty | *Astana | Shymkent "
        "--explain Astana has been the capital since 1997.",
    )
    [native] = memory.of_type(SendPoll)
    assert native.correct_option == 1
    assert native.explanation == "Astana has been the capital since 1997."
    native_id = (await stored(app, 1)).native_poll_id
    assert native_id is not None
    memory.clear()
    await answer(memory, app, "bob", native_id, 0)
    await answer(memory, app, "bob", native_id, 1)  # final: the first answer counts
    await answer(memory, app, "cat", native_id, 1)
    assert not memory.texts()  # no spoilers in the chat while the quiz runs
    await app.advance(timedelta(minutes=1))
    [text] = results(memory)
    assert text.startswith("Results of quiz #1")
    assert "Almaty    █████░░░░░ 50% (1)" in text
    assert "Astana    █████░░░░░ 50% (1) ✓" in text
    assert "Right answer: Astana." in text
    assert "since 1997" in text


async def test_button_quiz_takes_the_first_answer_only(tmp_path: Path, clock: ManualClock) -> None:
    memory = MemoryAdapter(capabilities=ALL_ACTIONS - {SendPoll})
    async with ritual_app(tmp_path, memory, clock) as app:
        await memory.say("alice", "/quiz 30s 2+2? | *4 | 5 --explain Count on your fingers.")
        first = sent(await press(memory, "bob", "poll:1:1"))[0]
        assert first.ephemeral_to == memory.user("bob")
        assert "The right answer is 4" in first.text
        assert "Count on your fingers." in first.text
        second = sent(await press(memory, "bob", "poll:1:0"))[0]
        assert "already answered" in second.text
        await app.advance(timedelta(seconds=30))
        [text] = results(memory)
        assert "5  ██████████ 100% (1)" in text


async def test_buttons_flag_forces_buttons_where_native_polls_exist(
    app: Kenes, memory: MemoryAdapter
) -> None:
    created = await memory.say("alice", "/ab --buttons 30s Which cover? | Dark | Light")
    assert not memory.of_type(SendPoll)
    assert [b.custom_id for b in sent(created)[0].buttons] == ["poll:1:0", "poll:1:1"]


async def test_reaction_poll_counts_reactions_on_its_message(
    app: Kenes, memory: MemoryAdapter
) -> None:
    created = await memory.say(
        "alice", "/reactpoll 1d What should the next post clarify? | 👍 Pricing | 🎉 Setup"
    )
    post = sent(created)[0]
    assert "👍 Pricing" in post.text
    assert "React" in post.text or "reacting" in post.text
    message_id = (await stored(app, 1)).message_id
    assert message_id is not None
    target = MessageRef(memory.chat, message_id)

    async def react(
        who: str, emoji: str, *, removed: bool = False, on: MessageRef = target
    ) -> None:
        kind = ReactionRemoved if removed else ReactionAdded
        await memory.push(
            kind(chat=memory.chat, author=memory.author(who), at=app.clock.now(), message=on,
                 emoji=emoji, message_author=memory.user("bot"))
        )  # fmt: skip

    await react("bob", "👍")
    await react("cat", "👍️")  # with a variation selector: the same emoji
    await react("dan", "🎉")
    await react("dan", "👍")  # single choice: the latest reaction wins
    await react("eve", "🎉")
    await react("eve", "🎉", removed=True)  # taken back
    await react("fay", "🔥")  # not an option
    await react("gus", "🎉", on=MessageRef(memory.chat, "999"))  # another message
    await app.advance(timedelta(days=1))
    [text] = results(memory)
    assert "👍 Pricing  ██████████ 100% (3)" in text
    assert "🎉 Setup    ░░░░░░░░░░ 0% (0)" in text


async def test_anonymous_polls_use_buttons_unless_native_anonymous_is_on(
    tmp_path: Path, clock: ManualClock
) -> None:
    memory = MemoryAdapter()
    async with ritual_app(tmp_path, memory, clock, db_name="a.db"):
        created = await memory.say("alice", "/poll 1h Anonymous? | Yes | No")
        assert not memory.of_type(SendPoll)  # a native anonymous poll would hide the voters
        assert [b.custom_id for b in sent(created)[0].buttons] == ["poll:1:0", "poll:1:1"]
    switch = [("native_anonymous = false", "native_anonymous = true")]
    rules = rules_copy(tmp_path, {"polls.toml": switch})
    memory = MemoryAdapter()
    async with ritual_app(tmp_path, memory, clock, rules, db_name="b.db"):
        await memory.say("alice", "/poll 1h Anonymous? | Yes | No")
        [native] = memory.of_type(SendPoll)
        assert native.anonymous


async def test_reaction_poll_keeps_counting_after_a_restart(
    tmp_path: Path, clock: ManualClock
) -> None:
    first = MemoryAdapter()
    async with ritual_app(tmp_path, first, clock) as app:
        await first.say("alice", "/reactpoll 1h Next? | 👍 Pricing | 🎉 Setup")
        message_id = (await stored(app, 1)).message_id
    assert message_id is not None
    second = MemoryAdapter()
    async with ritual_app(tmp_path, second, clock) as app:
        await second.push(
            ReactionAdded(chat=second.chat, author=second.author("bob"), at=clock.now(),
                          message=MessageRef(second.chat, message_id), emoji="🎉")
        )  # fmt: skip
        await app.advance(timedelta(hours=1))
        [text] = results(second)
        assert "🎉 Setup    ██████████ 100% (1)" in text


async def test_taking_back_the_newest_reaction_brings_the_older_vote_back(
    tmp_path: Path, clock: ManualClock
) -> None:
    first = MemoryAdapter()
    async with ritual_app(tmp_path, first, clock) as app:
        await first.say("alice", "/reactpoll 2d Next? | 👍 Pricing | 🎉 Setup")
        message_id = (await stored(app, 1)).message_id
    assert message_id is not None

    async def react(adapter: MemoryAdapter, emoji: str, *, removed: bool = False) -> None:
        kind = ReactionRemoved if removed else ReactionAdded
        await adapter.push(
            kind(chat=adapter.chat, author=adapter.author("bob"), at=clock.now(),
                 message=MessageRef(adapter.chat, message_id), emoji=emoji)
        )  # fmt: skip

    second = MemoryAdapter()
    async with ritual_app(tmp_path, second, clock):
        await react(second, "👍")
        await react(second, "🎉")  # same clock reading: still the newer one
    third = MemoryAdapter()  # days pass and the bot restarts; 👍 is still on the message
    async with ritual_app(tmp_path, third, clock) as app:
        await react(third, "🎉", removed=True)
        await app.advance(timedelta(days=2))
        [text] = results(third)
        assert "No votes" not in text
        assert "👍 Pricing  ██████████ 100% (1)" in text
        assert "🎉 Setup    ░░░░░░░░░░ 0% (0)" in text


async def test_a_closed_reaction_poll_leaves_the_in_memory_map(
    app: Kenes, memory: MemoryAdapter
) -> None:
    cog = app.cogs.get("polls")
    assert isinstance(cog, Polls)
    await memory.say("alice", "/reactpoll 1h Next? | 👍 Pricing | 🎉 Setup")
    await memory.say("alice", "/reactpoll 3h Later? | 👍 Yes | 👎 No")
    assert len(cog._reaction_polls) == 2
    await app.advance(timedelta(hours=1))
    assert list(cog._reaction_polls.values()) == [2]
    await app.advance(timedelta(hours=2))
    assert cog._reaction_polls == {}
