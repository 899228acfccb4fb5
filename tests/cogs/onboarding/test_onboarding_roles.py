"""The role path: progress counted from messages and reactions, daily promotions, /role, /roles."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from bot.adapters.memory import MemoryAdapter
from bot.app import Kenes
from bot.core.actions import ALL_ACTIONS, Action, GrantRole, RevokeRole
from bot.core.clock import ManualClock
from bot.core.events import ReactionAdded
from bot.core.refs import MessageRef
from tests.auxil.rituals import press, ritual_app, rules_copy, sent

EASY_ACTIVIST = [
    ("min_days = 14\nmin_messages = 100\nmin_reactions = 30", "min_days = 1\nmin_messages = 2\n"
     "min_reactions = 3"),
]  # fmt: skip


async def react(memory: MemoryAdapter, app: Kenes, who: str, emoji: str, to: str) -> list[Action]:
    return await memory.push(
        ReactionAdded(
            chat=memory.chat,
            author=memory.author(who),
            at=app.clock.now(),
            message=MessageRef(memory.chat, "77"),
            emoji=emoji,
            message_author=memory.user(to),
        )
    )


async def test_a_newcomer_is_promoted_by_the_daily_job_when_thresholds_are_met(
    tmp_path: Path, memory: MemoryAdapter, clock: ManualClock
) -> None:
    async with ritual_app(tmp_path, memory, clock) as app:
        await memory.join("newbie")
        await press(memory, "newbie", "onboarding:accept:newbie")
        for n in range(4):
            await memory.say("newbie", f"message {n}")
        memory.clear()
        await app.advance(timedelta(days=2))
        assert not any("is now" in text for text in memory.texts())  # 4 of 5 messages
        await memory.say("newbie", "the fifth")
        await app.advance(timedelta(days=1))
        promoted = [text for text in memory.texts() if "is now" in text]
        assert len(promoted) == 1
        assert "Newbie is now Member!" in promoted[0]
        assert "Next step" in promoted[0]
        await app.advance(timedelta(days=3))
        assert len([text for text in memory.texts() if "is now" in text]) == 1  # said once


async def test_reactions_received_count_and_role_shows_progress(
    tmp_path: Path, memory: MemoryAdapter, clock: ManualClock
) -> None:
    rules = rules_copy(tmp_path, {"onboarding.toml": EASY_ACTIVIST})
    async with ritual_app(tmp_path, memory, clock, rules) as app:
        await memory.join("ann")
        await press(memory, "ann", "onboarding:accept:ann")
        await app.advance(timedelta(days=2))
        for n in range(5):
            await memory.say("ann", f"helpful tip {n}")
        await react(memory, app, "bob", "✅", "ann")
        await react(memory, app, "cat", "👍", "ann")
        await react(memory, app, "ann", "👍", "ann")  # own reactions do not count
        shown = sent(await memory.say("ann", "/role"))[0].text
        assert "Ann: Newcomer" in shown
        assert "Progress to Member" in shown
        memory.clear()
        await app.advance(timedelta(days=1))
        assert any("Ann is now Member!" in text for text in memory.texts())
        shown = sent(await memory.say("bob", "/role @ann", mentions=(memory.user("ann"),)))[0].text
        assert "Ann: Member" in shown
        assert "2 of 3 reactions received" in shown
        await react(memory, app, "dan", "🙏", "ann")
        memory.clear()
        await app.advance(timedelta(days=1))
        assert any("Ann is now Activist!" in text for text in memory.texts())
        shown = sent(await memory.say("ann", "/role"))[0].text
        assert "2 of 20 helpful answers" in shown  # ✅ and 🙏 are helpful, 👍 is not


async def test_roles_lists_the_path_and_role_for_a_stranger_says_so(
    tmp_path: Path, memory: MemoryAdapter, clock: ManualClock
) -> None:
    async with ritual_app(tmp_path, memory, clock):
        listed = sent(await memory.say("alice", "/roles"))[0].text
        order = [listed.index(name) for name in ("Newcomer", "Member", "Activist", "Expert")]
        assert order == sorted(order)
        assert "5 messages" in listed
        assert "/role" in listed
        unknown = await memory.say("alice", "/role @ghost", mentions=(memory.user("ghost"),))
        assert "No progress recorded yet for ghost" in sent(unknown)[0].text


async def test_existing_members_join_the_path_from_their_first_message(
    tmp_path: Path, memory: MemoryAdapter, clock: ManualClock
) -> None:
    async with ritual_app(tmp_path, memory, clock) as app:
        for n in range(6):
            await memory.say("veteran", f"hi {n}")
        await app.advance(timedelta(days=2))
        assert any("Veteran is now Member!" in text for text in memory.texts())


async def test_reaction_tallies_are_counted_by_the_ledger_in_batches(
    tmp_path: Path, memory: MemoryAdapter, clock: ManualClock
) -> None:
    from bot.db.models import ActivityCounter

    async def stored(app: Kenes) -> tuple[int, int]:
        async with app.services.sessions() as session:
            row = (
                await session.execute(
                    select(
                        func.sum(ActivityCounter.reactions_received),
                        func.sum(ActivityCounter.helpful_marks),
                    ).where(ActivityCounter.user_id == "ann")
                )
            ).one()
            return int(row[0] or 0), int(row[1] or 0)

    async with ritual_app(tmp_path, memory, clock) as app:
        await memory.say("ann", "a useful tip")
        for who, emoji in (("bob", "👍"), ("cat", "✅"), ("dan", "👍")):
            await react(memory, app, who, emoji, "ann")
        assert await stored(app) == (0, 0)  # still in memory: no write per reaction
        await app.services.activity.flush()
        assert await stored(app) == (3, 1)  # ✅ is a helpful mark, 👍 is not


PLATFORM_ROLES = [
    ("min_days = 1\nmin_messages = 5", 'platform_role = "Member"\nmin_days = 1\nmin_messages = 2'),
    ("min_days = 14\nmin_messages = 100\nmin_reactions = 30", "min_days = 3\nmin_messages = 2\n"
     "min_reactions = 2"),
]  # fmt: skip


async def test_promotions_hand_over_the_platform_role_of_each_step(
    tmp_path: Path, memory: MemoryAdapter, clock: ManualClock
) -> None:
    rules = rules_copy(tmp_path, {"onboarding.toml": PLATFORM_ROLES})
    async with ritual_app(tmp_path, memory, clock, rules) as app:
        await memory.join("ann")
        await press(memory, "ann", "onboarding:accept:ann")
        await memory.say("ann", "hello all")
        await memory.say("ann", "a tip")
        await app.advance(timedelta(days=2))
        ann = memory.user("ann")
        assert [(a.user, a.role) for a in memory.of_type(GrantRole)] == [(ann, "Member")]
        await react(memory, app, "bob", "👍", "ann")
        await react(memory, app, "cat", "👍", "ann")
        await app.advance(timedelta(days=2))
        assert [(a.user, a.role) for a in memory.of_type(RevokeRole)] == [(ann, "Member")]
        assert [a.role for a in memory.of_type(GrantRole)] == ["Member", "Activist"]


async def test_without_role_support_promotions_still_happen(
    tmp_path: Path, clock: ManualClock
) -> None:
    memory = MemoryAdapter(capabilities=ALL_ACTIONS - {GrantRole, RevokeRole})
    rules = rules_copy(tmp_path, {"onboarding.toml": PLATFORM_ROLES})
    async with ritual_app(tmp_path, memory, clock, rules) as app:
        await memory.join("ann")
        await press(memory, "ann", "onboarding:accept:ann")
        await memory.say("ann", "hello all")
        await memory.say("ann", "a tip")
        await app.advance(timedelta(days=2))
        assert any("Ann is now Member!" in text for text in memory.texts())
        assert memory.of_type(GrantRole) == []


async def test_role_writes_only_the_asking_members_pending_counts(
    tmp_path: Path, memory: MemoryAdapter, clock: ManualClock
) -> None:
    async with ritual_app(tmp_path, memory, clock) as app:
        await memory.join("asker")
        await press(memory, "asker", "onboarding:accept:asker")
        await app.services.activity.flush()
        for n in range(50):
            await memory.say(f"talker{n}", "hello")
        await memory.say("asker", "my own message")
        pending = app.services.activity.pending
        memory.clear()
        await memory.say("asker", "/role")
        # The asker's own rows went out (so /role is exact); the fifty others still wait for
        # the background flush instead of holding the asker's command.
        assert app.services.activity.pending >= pending - 3
        assert any("Newcomer" in text or "messages" in text for text in memory.texts())
