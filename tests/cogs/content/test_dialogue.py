"""Debates, challenges and the UGC showcase: into the weekly digest and the hero of the week."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from bot.adapters.memory import MemoryAdapter
from bot.app import Kenes
from bot.core.actions import Action, SendMessage
from bot.core.permissions import Level
from bot.core.published import Period
from bot.core.refs import MessageRef

MOD = Level.MODERATOR


def public(actions: Sequence[Action]) -> list[SendMessage]:
    return [a for a in actions if isinstance(a, SendMessage) and a.ephemeral_to is None]


def private(actions: Sequence[Action]) -> list[str]:
    return [a.text for a in actions if isinstance(a, SendMessage) and a.ephemeral_to is not None]


async def week(app: Kenes, memory: MemoryAdapter, name: str) -> str | None:
    section = app.services.published.sections.get(name)
    assert section is not None
    now = app.clock.now()
    period = Period(
        memory.community,
        await app.services.directory.id_for(memory.community),
        "en",
        "Asia/Almaty",
        now - timedelta(days=7),
        now + timedelta(seconds=1),
    )
    return await section(period)


async def tally(app: Kenes, memory: MemoryAdapter) -> list[str]:
    counted = app.services.published.tallies.get("ugc_featured")
    assert counted is not None
    period = Period(
        memory.community,
        await app.services.directory.id_for(memory.community),
        "en",
        "Asia/Almaty",
        datetime(2026, 1, 1, tzinfo=UTC),
        app.clock.now() + timedelta(seconds=1),
    )
    return sorted(await counted(period))


async def test_a_debate_has_two_sides_a_vote_and_its_result_in_the_digest(
    app_with_content: tuple[MemoryAdapter, Kenes],
) -> None:
    memory, app = app_with_content
    [post] = public(
        await memory.say("mod", "/debate Meetups online? | Online | In person", level=MOD)
    )
    assert post.text.startswith("⚖️ Debate 1: Meetups online?\nA: Online\nB: In person")
    assert [b.custom_id for b in post.buttons] == ["content:side:1:0", "content:side:1:1"]
    assert private(await memory.press("bob", "content:side:1:0")) == [
        "You are on the side “Online”; you can switch until the vote ends."
    ]
    await memory.press("cat", "content:side:1:1")
    await memory.press("dan", "content:side:1:1")
    await memory.press("bob", "content:side:1:1")  # Bob changed his mind
    assert private(await memory.press("eve", "content:side:1:2")) == [
        "This button is not valid (anymore); nothing was recorded."
    ]
    assert await week(app, memory, "debates") is None  # not over yet
    memory.clear()
    await app.advance(timedelta(hours=48))
    [result] = public(memory.actions)
    assert result.text == (
        "⚖️ Debate 1 has ended: Meetups online?\nA: Online: 0\nB: In person: 3\n"
        "The side “In person” wins. Thank you for arguing it out!"
    )
    assert await week(app, memory, "debates") == (
        "⚖️ Debates of the week:\n• Meetups online? — Online: 0, In person: 3"
    )
    assert private(await memory.press("bob", "content:side:1:0")) == ["Debate 1 has ended."]
    await app.advance(timedelta(days=1))
    assert public(memory.actions) == [result]  # the result is posted once


async def test_bad_debates_and_challenges_are_explained(
    app_with_content: tuple[MemoryAdapter, Kenes],
) -> None:
    memory, _app = app_with_content
    assert private(await memory.say("mod", "/debate Only a question?", level=MOD)) == [
        "Write the question and the two sides separated by |: "
        "/debate Should meetups be online? | Online | In person."
    ]
    assert private(await memory.say("bob", "/result 5 km")) == [
        "There is no open challenge here right now."
    ]


async def test_challenge_results_count_as_ugc_for_the_hero_of_the_week(
    app_with_content: tuple[MemoryAdapter, Kenes],
) -> None:
    memory, app = app_with_content
    [post] = public(await memory.say("mod", "/challenge 7d Read one guide a day", level=MOD))
    assert post.text.startswith("🏁 Challenge 1: Read one guide a day")
    [join] = post.buttons
    assert private(await memory.press("bob", join.custom_id)) == [
        "You have joined challenge 1. Share your result with /result <what you did>."
    ]
    assert private(await memory.press("bob", join.custom_id)) == ["You are already in challenge 1."]
    await memory.say("bob", "/result Read all seven guides")
    await memory.say("cat", "/result Five of seven")  # sharing a result joins too
    assert await tally(app, memory) == ["bob", "cat"]
    memory.clear()
    await app.advance(timedelta(days=7))
    [summary] = [a for a in public(memory.actions) if a.text.startswith("🏁")]
    assert summary.text == (
        "🏁 Challenge 1 has ended: Read one guide a day. Joined: 2; 2 results shared: "
        "Bob, Cat. Well done!"
    )
    section = await week(app, memory, "ugc")
    assert section is not None
    assert "• 2 members shared challenge results" in section


async def test_a_featured_post_goes_to_the_showcase_with_thanks(
    app_with_content: tuple[MemoryAdapter, Kenes],
) -> None:
    memory, app = app_with_content
    await memory.say("erin", "Here is my guide to the fees, with pictures!")
    original = MessageRef(memory.chat, "1000")  # the id the memory adapter gave Erin's message
    [done] = public(
        await memory.say(
            "mod", "/feature", level=MOD, reply_to=original, reply_to_author=memory.user("erin")
        )
    )
    assert done.text == (
        "⭐ Erin's post is featured in the UGC showcase and goes into the weekly digest. Thank you!"
    )
    again = await memory.say(
        "mod", "/feature", level=MOD, reply_to=original, reply_to_author=memory.user("erin")
    )
    assert private(again) == ["That post is featured already."]
    own = await memory.say(
        "mod", "/feature", level=MOD, reply_to=original, reply_to_author=memory.user("mod")
    )
    assert private(own) == [
        "Feature someone else's post: the showcase thanks members for what they share."
    ]
    assert await week(app, memory, "ugc") == (
        "⭐ Showcase: posts by members\n"
        "• Erin: “Here is my guide to the fees, with pictures!”\n"
        "Thank you for sharing!"
    )
    assert await tally(app, memory) == ["erin"]


async def test_the_digest_carries_the_debate_and_the_showcase(
    app_with_content: tuple[MemoryAdapter, Kenes],
) -> None:
    memory, app = app_with_content
    await memory.say("erin", "My dark theme mock-up")  # message 1000
    await memory.say(
        "mod",
        "/feature",
        level=MOD,
        reply_to=MessageRef(memory.chat, "1000"),
        reply_to_author=memory.user("erin"),
    )
    await memory.say("mod", "/debate Dark theme? | Yes | No", level=MOD)
    await memory.press("bob", "content:side:1:0")
    memory.clear()
    # START is Monday; the digest goes out on Sunday 19:00 in Asia/Almaty.
    await app.advance(timedelta(days=6, hours=5))
    [digest] = [a for a in public(memory.actions) if a.text.startswith("📰")]
    assert "⚖️ Debates of the week:\n• Dark theme? — Yes: 1, No: 0" in digest.text
    assert "• Erin: “My dark theme mock-up”" in digest.text
    # The featured post made Erin the hero of the week (the `ugc_featured` tally).
    assert "🏆 Hero of the week: Erin (1 post featured)." in digest.text
