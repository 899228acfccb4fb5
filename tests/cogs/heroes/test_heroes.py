"""Hero of the week through the memory adapter: signals, exclusions, weekly job, history."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.adapters.memory import MemoryAdapter
from bot.app import Kenes
from bot.core.actions import Action, GrantRole, RevokeRole
from bot.core.clock import ManualClock
from bot.core.events import Author, MessageCreated
from bot.core.permissions import Level
from bot.core.refs import MessageRef
from bot.db.models import ActivityCounter
from cogs.heroes.cog import Heroes
from cogs.heroes.models import HeroWeek
from cogs.heroes.rules import HeroWeights
from cogs.heroes.scoring import score
from tests.auxil.app import START, running_app
from tests.auxil.crash import DyingAdapter, ProcessDied
from tests.auxil.rituals_weekly import only, react, ritual_config, sent

# START is Monday 14:00 in Asia/Almaty; heroes are announced on Sunday 18:00 local (13:00 UTC).
TO_SUNDAY = timedelta(days=6, hours=4)


@pytest.fixture
async def app(tmp_path: Path, memory: MemoryAdapter, clock: ManualClock) -> AsyncIterator[Kenes]:
    async with running_app(
        tmp_path / "kenes.db", ritual_config(), adapters=[memory], clock=clock
    ) as running:
        yield running


def ref(memory: MemoryAdapter, number: int) -> MessageRef:
    return MessageRef(memory.chat, f"m{number}")


async def post(
    memory: MemoryAdapter,
    name: str,
    text: str,
    number: int,
    *,
    reply_to: tuple[int, str] | None = None,
    level: Level = Level.MEMBER,
    bot: bool = False,
) -> list[Action]:
    """`name` posts message m<number>, optionally replying to (number, author)."""
    author = Author(memory.user(name), name.capitalize(), is_bot=bot, platform_level=level)
    return await memory.push(
        MessageCreated(
            chat=memory.chat,
            author=author,
            at=memory._now(),
            message=ref(memory, number),
            text=text,
            reply_to=ref(memory, reply_to[0]) if reply_to else None,
            reply_to_author=memory.user(reply_to[1]) if reply_to else None,
        )
    )


def announcements(memory: MemoryAdapter) -> list[str]:
    return [a.text for a in sent(memory.actions) if a.text.startswith("🏆")]


async def helpful_week(memory: MemoryAdapter) -> None:
    """bob's reply gets alice's 👍, carol's reply gets her 'рахмет': carol leads (4 > 3.2)."""
    await post(memory, "alice", "How do I reset my password?", 1)
    await post(memory, "bob", "Settings → Security → Reset.", 2, reply_to=(1, "alice"))
    await react(memory, "alice", ref(memory, 2), "bob")
    await post(memory, "carol", "Or ask support, they do it in a minute.", 3, reply_to=(1, "alice"))
    await post(memory, "alice", "Рахмет, көмектесті!", 4, reply_to=(3, "carol"))


async def test_signals_wait_in_memory_until_a_flush(app: Kenes, memory: MemoryAdapter) -> None:
    await helpful_week(memory)
    async with app.services.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(ActivityCounter)) == 0
    await app.services.activity.flush()  # the one ledger heroes count in
    async with app.services.sessions() as session:
        rows = {row.user_id: row for row in await session.scalars(select(ActivityCounter))}
    assert rows["carol"].helpful_answers == 1
    assert rows["carol"].thanks_received == 1
    assert rows["bob"].helpful_answers == 1
    assert rows["bob"].reactions_received == 1
    assert rows["bob"].useful_ugc == 1  # alice's 👍 made bob's reply useful UGC
    assert rows["carol"].useful_ugc == 1  # and her thank-you carol's


async def test_the_weekly_announcement_names_the_hero_with_reasons(
    app: Kenes, memory: MemoryAdapter
) -> None:
    await helpful_week(memory)
    await app.advance(TO_SUNDAY - timedelta(minutes=1))
    assert announcements(memory) == []
    await app.advance(timedelta(minutes=1))
    [text] = announcements(memory)
    assert "Hero of the week: Carol!" in text
    assert "1 helpful answer, thanked 1 time" in text
    assert "Hero of the week" in text
    async with app.services.sessions() as session:
        week = await session.scalar(select(HeroWeek))
    assert week is not None
    assert week.user_id == "carol"
    assert week.role == "Hero of the week"
    assert week.role_until == START + TO_SUNDAY + timedelta(days=7)


async def test_a_reaction_from_someone_else_is_not_a_helpful_answer(
    app: Kenes, memory: MemoryAdapter
) -> None:
    await post(memory, "alice", "How do I reset my password?", 1)
    await post(memory, "bob", "Settings → Security → Reset.", 2, reply_to=(1, "alice"))
    for fan in ("x", "y", "z", "w", "v"):
        await react(memory, fan, ref(memory, 2), "bob")  # 5 × 0.2 = 1 point, no helpful answer
    await app.advance(TO_SUNDAY)
    [text] = announcements(memory)
    assert "5 reactions" in text
    assert "helpful" not in text


async def test_moderators_and_bots_are_not_heroes(app: Kenes, memory: MemoryAdapter) -> None:
    await post(memory, "mod", "Welcome everyone!", 1, level=Level.MODERATOR)
    await post(memory, "helperbot", "Daily tip: use threads.", 2, bot=True)
    for fan in ("a", "b", "c", "d", "e", "f", "g", "h", "i", "j"):
        await react(memory, fan, ref(memory, 1), "mod")
        await react(memory, fan, ref(memory, 2), "helperbot")
    await post(memory, "alice", "Where are the docs?", 3)
    await post(memory, "dana", "Pinned in #general.", 4, reply_to=(3, "alice"))
    await post(memory, "alice", "thanks!", 5, reply_to=(4, "dana"))
    await app.advance(TO_SUNDAY)
    [text] = announcements(memory)
    assert "Dana" in text


async def test_reactions_on_the_bots_own_posts_make_no_hero(
    app: Kenes, memory: MemoryAdapter
) -> None:
    await memory.say("alice", "hi")
    for fan in ("a", "b", "c", "d", "e", "f", "g", "h", "i", "j"):
        await react(memory, fan, ref(memory, 1), "kenes")  # the bot never authors an event
    await app.advance(TO_SUNDAY)
    [text] = announcements(memory)
    assert "No hero of the week" in text


async def test_no_hero_twice_in_a_row_and_history_keeps_every_week(
    app: Kenes, memory: MemoryAdapter
) -> None:
    await helpful_week(memory)
    await app.advance(TO_SUNDAY)
    # Week two: carol is best again, bob second; carol cannot win twice in a row.
    await post(memory, "alice", "And how do I change my email?", 11)
    await post(memory, "carol", "Settings → Account.", 12, reply_to=(11, "alice"))
    await post(memory, "alice", "спасибо", 13, reply_to=(12, "carol"))
    await post(memory, "erin", "Is there a dark theme?", 14)
    await post(memory, "bob", "Yes, in Appearance.", 15, reply_to=(14, "erin"))
    await react(memory, "erin", ref(memory, 15), "bob")
    await app.advance(timedelta(days=7))
    texts = announcements(memory)
    assert len(texts) == 2
    assert "Carol" in texts[0]
    assert "Hero of the week: Bob!" in texts[1]
    memory.clear()
    history = only(await memory.say("zed", "/heroes")).text.splitlines()
    assert history[0] == "Heroes of the last weeks:"
    assert history[1].startswith("Week of Jan 12, 2026: Bob")
    assert history[2].startswith("Week of Jan 5, 2026: Carol")


async def test_a_quiet_week_announces_no_hero(app: Kenes, memory: MemoryAdapter) -> None:
    await app.advance(TO_SUNDAY)
    assert announcements(memory) == []  # the community was never seen: nothing is armed
    await memory.say("alice", "hi")
    await app.advance(timedelta(days=7))
    [text] = announcements(memory)
    assert "No hero of the week" in text


async def test_thanks_command_counts_and_is_rate_limited(app: Kenes, memory: MemoryAdapter) -> None:
    bob = (memory.user("bob"),)
    done = only(await memory.say("alice", "/thanks @bob for the quick fix", mentions=bob))
    assert done.text == "Alice thanks bob: for the quick fix"
    again = only(await memory.say("alice", "/thanks @bob", mentions=bob))
    assert "a moment ago" in again.text
    assert again.ephemeral_to == memory.user("alice")
    own = only(await memory.say("alice", "/thanks @alice", mentions=(memory.user("alice"),)))
    assert "yourself" in own.text
    for name in ("c1", "c2", "c3", "c4"):
        only(await memory.say("alice", f"/thanks @{name}", mentions=(memory.user(name),)))
    limited = only(await memory.say("alice", "/thanks @c5", mentions=(memory.user("c5"),)))
    assert "5 times" in limited.text
    await app.advance(timedelta(days=1))
    fresh = only(await memory.say("alice", "/thanks @bob", mentions=bob))
    assert fresh.text.startswith("Alice thanks")
    await memory.say("bob", "glad to help")  # the member list gives his display name
    await app.advance(TO_SUNDAY - timedelta(days=1))
    [text] = announcements(memory)
    assert "Hero of the week: Bob!" in text
    assert "thanked 2 times" in text


async def test_thank_you_replies_share_the_rate_limit(app: Kenes, memory: MemoryAdapter) -> None:
    await post(memory, "bob", "Try restarting it.", 1, reply_to=(0, "alice"))
    await post(memory, "alice", "thanks", 2, reply_to=(1, "bob"))
    await post(memory, "alice", "thank you so much", 3, reply_to=(1, "bob"))  # within the hour
    await app.advance(TO_SUNDAY)
    [text] = announcements(memory)
    assert "thanked 1 time" in text


async def test_two_friends_cannot_farm_helpful_answers(app: Kenes, memory: MemoryAdapter) -> None:
    for n in range(1, 21, 2):  # ten questions, ten replies, ten 👍 within the hour
        await post(memory, "alice", f"Question {n}?", n)
        await post(memory, "bob", f"Answer {n}.", n + 1, reply_to=(n, "alice"))
        await react(memory, "alice", ref(memory, n + 1), "bob")
    await app.advance(TO_SUNDAY)
    [text] = announcements(memory)
    assert "1 helpful answer," in text
    assert "10 reactions" in text


async def test_a_restart_neither_loses_nor_doubles_the_announcement(
    tmp_path: Path, clock: ManualClock
) -> None:
    db = tmp_path / "kenes.db"
    first = MemoryAdapter()
    async with running_app(db, ritual_config(), [first], clock):
        await helpful_week(first)  # flushed when the cog unloads
    second = MemoryAdapter()
    async with running_app(db, ritual_config(), [second], clock) as app:
        await app.advance(TO_SUNDAY)
        [text] = announcements(second)
        assert "Carol" in text
    third = MemoryAdapter()
    async with running_app(db, ritual_config(), [third], clock) as app:
        await app.advance(timedelta(hours=1))
        assert announcements(third) == []
        assert len(await app.scheduler.pending("heroes.announce")) == 1


def test_moderation_penalties_subtract_points() -> None:
    counts = {"bob": {"helpful_answer": 2}, "carol": {"helpful_answer": 1, "thanks_received": 2}}
    plain = score(counts, HeroWeights())
    assert [c.user_id for c in plain] == ["bob", "carol"]
    penalised = score(counts, HeroWeights(), penalties=["bob"])
    assert [c.user_id for c in penalised] == ["carol", "bob"]
    assert penalised[1].score == 1.0
    assert penalised[1].cases == 1


async def test_a_crash_between_the_claim_and_the_post_still_announces_the_week(
    tmp_path: Path, clock: ManualClock
) -> None:
    db = tmp_path / "kenes.db"
    dying = DyingAdapter("🏆")
    async with running_app(db, ritual_config(), [dying], clock) as app:
        await helpful_week(dying)
        with pytest.raises(ProcessDied):
            await app.advance(TO_SUNDAY)  # the week is claimed, then the process dies
        assert announcements(dying) == []
    restarted = MemoryAdapter()
    async with running_app(db, ritual_config(), [restarted], clock) as app:
        await app.advance(timedelta(minutes=1))  # the interrupted job is re-armed and re-run
        [text] = announcements(restarted)
        assert "Carol" in text
    again = MemoryAdapter()
    async with running_app(db, ritual_config(), [again], clock) as app:
        await app.advance(timedelta(days=1))
        assert announcements(again) == []
        async with app.services.sessions() as session:
            week = await session.scalar(select(HeroWeek))
        assert week is not None
        assert (week.status, week.message_id) == ("sent", "1000")


async def test_givers_who_stop_thanking_are_forgotten(app: Kenes, memory: MemoryAdapter) -> None:
    cog = app.cogs.get("heroes")
    assert isinstance(cog, Heroes)
    await memory.say("alice", "/thanks @bob", mentions=(memory.user("bob"),))
    assert len(cog._given) == 1
    await app.advance(timedelta(days=2))
    await memory.say("carol", "/thanks @bob", mentions=(memory.user("bob"),))
    assert [giver for _, giver in cog._given] == ["carol"]  # alice's day has passed


async def test_the_heros_platform_role_moves_to_each_new_hero(
    app: Kenes, memory: MemoryAdapter
) -> None:
    await helpful_week(memory)
    await app.advance(TO_SUNDAY)
    carol, bob = memory.user("carol"), memory.user("bob")
    assert [(a.user, a.role) for a in memory.of_type(GrantRole)] == [(carol, "Hero of the week")]
    assert memory.of_type(RevokeRole) == []
    await post(memory, "erin", "Is there a dark theme?", 14)
    await post(memory, "bob", "Yes, in Appearance.", 15, reply_to=(14, "erin"))
    await react(memory, "erin", ref(memory, 15), "bob")
    await app.advance(timedelta(days=7))
    assert [(a.user, a.role) for a in memory.of_type(RevokeRole)] == [(carol, "Hero of the week")]
    assert [a.user for a in memory.of_type(GrantRole)] == [carol, bob]


async def test_moderation_cases_of_the_week_cost_the_hero_title(
    tmp_path: Path, memory: MemoryAdapter, clock: ManualClock
) -> None:
    config = ritual_config(cogs=["core", "moderation", "ama", "heroes", "digest"])
    async with running_app(tmp_path / "k.db", config, adapters=[memory], clock=clock) as app:
        await _a_week_with_a_warned_favourite(app, memory)


async def _a_week_with_a_warned_favourite(app: Kenes, memory: MemoryAdapter) -> None:
    await memory.say("gina", "hi")
    await memory.say("hal", "hi")
    gina, hal = memory.user("gina"), memory.user("hal")
    await memory.say("bob", "/thanks @gina", mentions=(gina,))
    await memory.say("cat", "/thanks @gina", mentions=(gina,))
    await memory.say("eve", "/thanks @hal", mentions=(hal,))
    mod = Level.MODERATOR
    await memory.say("mod", "/warn @gina rude", level=mod, mentions=(gina,))
    await app.advance(TO_SUNDAY)
    [text] = announcements(memory)
    assert "Hero of the week: Hal!" in text
