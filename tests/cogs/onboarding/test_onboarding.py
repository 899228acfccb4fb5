"""Onboarding via the memory adapter: welcome, accept button, captcha, timeout, hold, restart."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.adapters.memory import MemoryAdapter
from bot.app import Kenes
from bot.core.actions import DeleteMessage, Kick, Restrict, SendMessage, Unrestrict
from bot.core.clock import ManualClock
from bot.core.permissions import Level
from cogs.onboarding.cog import Onboarding
from tests.auxil.rituals import buttons_of, press, ritual_app, rules_copy, sent

QUESTION = [('method = "button"', 'method = "question"')]
HOLD = [('on_fail = "kick"', 'on_fail = "restrict"')]


@pytest.fixture
async def app(tmp_path: Path, memory: MemoryAdapter, clock: ManualClock) -> AsyncIterator[Kenes]:
    async with ritual_app(tmp_path, memory, clock) as running:
        yield running


async def test_join_welcomes_with_rules_mute_and_an_accept_button(
    app: Kenes, memory: MemoryAdapter
) -> None:
    actions = await memory.join("newbie")
    welcome = sent(actions)[0]
    assert "Welcome, Newbie!" in welcome.text
    assert "Be kind" in welcome.text  # the community rules
    assert "I accept the rules" in welcome.text  # the next step is named
    assert [b.custom_id for b in welcome.buttons] == ["onboarding:accept:newbie"]
    mutes = [a for a in actions if isinstance(a, Restrict)]
    assert len(mutes) == 1
    assert mutes[0].user == memory.user("newbie")
    assert mutes[0].duration == timedelta(minutes=10)


async def test_accepting_the_rules_unmutes_and_lets_the_newcomer_post(
    app: Kenes, memory: MemoryAdapter
) -> None:
    await memory.join("newbie")
    actions = await press(memory, "newbie", "onboarding:accept:newbie")
    assert any(isinstance(a, Unrestrict) for a in actions)
    assert "Newbie is in!" in sent(actions)[0].text
    assert "Next step" in sent(actions)[0].text
    after = await memory.say("newbie", "hello all")
    assert not any(isinstance(a, DeleteMessage) for a in after)
    # The timeout job was cancelled: nothing happens when the limit passes.
    memory.clear()
    await app.advance(timedelta(minutes=15))
    assert not memory.of_type(Kick)


async def test_someone_else_cannot_press_the_newcomers_button(
    app: Kenes, memory: MemoryAdapter
) -> None:
    await memory.join("newbie")
    actions = await press(memory, "mallory", "onboarding:accept:newbie")
    assert not any(isinstance(a, Unrestrict) for a in actions)
    assert sent(actions)[0].ephemeral_to == memory.user("mallory")
    still = await memory.say("newbie", "let me in")
    assert any(isinstance(a, DeleteMessage) for a in still)


async def test_messages_and_commands_before_passing_are_deleted_and_stop_there(
    app: Kenes, memory: MemoryAdapter
) -> None:
    await memory.join("newbie")
    actions = await memory.say("newbie", "cheap crypto at scam.example")
    deletes = [a for a in actions if isinstance(a, DeleteMessage)]
    assert len(deletes) == 1
    notice = sent(actions)
    assert len(notice) == 1
    assert notice[0].ephemeral_to == memory.user("newbie")
    command = await memory.say("newbie", "/ping")
    assert not any("Pong" in m.text for m in sent(command))  # the command never ran
    others = await memory.say("alice", "hi")
    assert not others  # members are not touched


async def test_timeout_kicks_the_newcomer_exactly_once(app: Kenes, memory: MemoryAdapter) -> None:
    await memory.join("newbie")
    memory.clear()
    await app.advance(timedelta(minutes=9))
    assert not memory.of_type(Kick)
    await app.advance(timedelta(minutes=2))
    kicks = memory.of_type(Kick)
    assert [k.user for k in kicks] == [memory.user("newbie")]
    assert any("did not pass" in text for text in memory.texts())
    await app.advance(timedelta(days=1))
    assert len(memory.of_type(Kick)) == 1
    # Kicked members are no longer gated; if they come back they start again.
    rejoin = await memory.join("newbie")
    assert buttons_of(rejoin)


async def test_captcha_wrong_answers_are_removed_and_the_right_one_passes(
    tmp_path: Path, memory: MemoryAdapter, clock: ManualClock
) -> None:
    rules = rules_copy(tmp_path, {"onboarding.toml": QUESTION})
    async with ritual_app(tmp_path, memory, clock, rules):
        joined = await memory.join("newbie")
        assert "capital of Kazakhstan" in sent(joined)[0].text
        assert not any(isinstance(a, Restrict) for a in joined)  # they must be able to answer
        wrong = await memory.say("newbie", "Almaty")
        assert any(isinstance(a, DeleteMessage) for a in wrong)
        assert "2 tries left" in sent(wrong)[0].text
        right = await memory.say("newbie", "  aSTANA ")
        assert any("Newbie is in!" in m.text for m in sent(right))
        after = await memory.say("newbie", "thanks!")
        assert not after


async def test_captcha_accepts_any_listed_answer(
    tmp_path: Path, memory: MemoryAdapter, clock: ManualClock
) -> None:
    rules = rules_copy(tmp_path, {"onboarding.toml": QUESTION})
    async with ritual_app(tmp_path, memory, clock, rules):
        await memory.join("newbie")
        right = await memory.say("newbie", "нур-султан")
        assert any("Newbie is in!" in m.text for m in sent(right))


async def test_too_many_wrong_answers_fail_the_gate(
    tmp_path: Path, memory: MemoryAdapter, clock: ManualClock
) -> None:
    rules = rules_copy(tmp_path, {"onboarding.toml": QUESTION})
    async with ritual_app(tmp_path, memory, clock, rules) as app:
        await memory.join("bot42")
        for guess in ("a", "b", "c"):
            await memory.say("bot42", guess)
        assert [k.user.id for k in memory.of_type(Kick)] == ["bot42"]
        memory.clear()
        await app.advance(timedelta(minutes=20))  # the cancelled timeout does not kick again
        assert not memory.of_type(Kick)


async def test_on_fail_restrict_holds_the_member_until_a_moderator_approves(
    tmp_path: Path, memory: MemoryAdapter, clock: ManualClock
) -> None:
    rules = rules_copy(tmp_path, {"onboarding.toml": HOLD})
    async with ritual_app(tmp_path, memory, clock, rules) as app:
        joined = await memory.join("newbie")
        mute = next(a for a in joined if isinstance(a, Restrict))
        assert mute.duration is None  # held until lifted, not for the time limit
        await app.advance(timedelta(minutes=11))
        assert not memory.of_type(Kick)
        assert any("stays read-only" in text for text in memory.texts())
        held = await memory.say("newbie", "please")
        assert any(isinstance(a, DeleteMessage) for a in held)
        pressed = await press(memory, "newbie", "onboarding:accept:newbie")
        assert not any(isinstance(a, Unrestrict) for a in pressed)
        denied = await memory.say("alice", "/approve @newbie", mentions=(memory.user("newbie"),))
        assert not any(isinstance(a, Unrestrict) for a in denied)  # members cannot approve
        approved = await memory.say(
            "mod", "/approve @newbie", level=Level.MODERATOR, mentions=(memory.user("newbie"),)
        )
        assert any(isinstance(a, Unrestrict) for a in approved)
        assert not await memory.say("newbie", "finally")


async def test_a_restart_neither_forgets_the_gate_nor_doubles_the_timeout(
    tmp_path: Path, clock: ManualClock
) -> None:
    first = MemoryAdapter()
    async with ritual_app(tmp_path, first, clock):
        await first.join("newbie")
    second = MemoryAdapter()
    async with ritual_app(tmp_path, second, clock) as app:
        blocked = await second.say("newbie", "am I in?")
        assert any(isinstance(a, DeleteMessage) for a in blocked)
        await app.advance(timedelta(hours=1))
        assert [k.user.id for k in second.of_type(Kick)] == ["newbie"]
    third = MemoryAdapter()
    async with ritual_app(tmp_path, third, clock) as app:
        await app.advance(timedelta(hours=1))
        assert not third.of_type(Kick)


async def test_a_moderator_joining_is_not_gated(app: Kenes, memory: MemoryAdapter) -> None:
    from bot.core.events import MemberJoined

    actions = await memory.push(
        MemberJoined(
            chat=memory.chat, author=memory.author("boss", Level.MODERATOR), at=app.clock.now()
        )
    )
    assert not buttons_of(actions)
    assert not any(isinstance(a, Restrict) for a in actions)
    assert isinstance(actions[-1], SendMessage)
    assert "say hello" in actions[-1].text


async def test_gated_newcomers_cannot_vote_until_they_are_in(
    app: Kenes, memory: MemoryAdapter
) -> None:
    await memory.join("newbie")
    await memory.say("alice", "/poll 1m --buttons Ready? | Yes | No")
    blocked = await press(memory, "newbie", "poll:1:0")
    assert "Not yet" in sent(blocked)[0].text
    await press(memory, "newbie", "onboarding:accept:newbie")
    counted = await press(memory, "newbie", "poll:1:1")
    assert "Your vote: No" in sent(counted)[0].text
    await app.advance(timedelta(minutes=1))
    [text] = [t for t in memory.texts() if t.startswith("Results of")]
    assert "1 member voted." in text


async def test_welcome_text_with_stray_braces_is_shown_as_written(
    tmp_path: Path, memory: MemoryAdapter, clock: ManualClock
) -> None:
    edit = ("We are glad you are here.", "Set up {your profile} first; {0} braces stay.")
    rules = rules_copy(tmp_path, {"onboarding.toml": [edit]})
    async with ritual_app(tmp_path, memory, clock, rules):
        welcome = sent(await memory.join("newbie"))[0].text
        assert "Welcome, Newbie! Set up {your profile} first; {0} braces stay." in welcome


async def test_a_refused_kick_holds_the_newcomer_instead_of_letting_them_in(
    app: Kenes, memory: MemoryAdapter
) -> None:
    memory.refuse[Kick] = "not enough rights"
    await memory.join("newbie")
    await app.advance(timedelta(minutes=10))
    assert any("stays read-only" in text for text in memory.texts())
    still = await memory.say("newbie", "ha, still here")
    assert any(isinstance(a, DeleteMessage) for a in still)


async def test_members_quiet_for_a_day_leave_the_in_memory_map(
    app: Kenes, memory: MemoryAdapter
) -> None:
    cog = app.cogs.get("onboarding")
    assert isinstance(cog, Onboarding)
    await memory.say("bob", "hello")
    await app.advance(timedelta(hours=12))
    await memory.say("cat", "hi")
    await app.advance(timedelta(hours=13))
    await memory.say("dan", "new here")
    assert [user for _, user in cog._known] == ["cat", "dan"]  # bob was recorded 25h ago
