"""The raid guard: a join wave switches raid mode on; only a moderator lifts it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.adapters.memory import MemoryAdapter
from bot.core.actions import DeleteMessage, Restrict, SendMessage
from bot.core.clock import ManualClock
from bot.core.permissions import Level
from tests.auxil.rituals import buttons_of, press, ritual_app, rules_copy, sent

THREE_IN_A_MINUTE = [("joins = 10", "joins = 3")]


async def test_a_join_wave_switches_raid_mode_on_and_a_moderator_lifts_it(
    tmp_path: Path, memory: MemoryAdapter, clock: ManualClock
) -> None:
    rules = rules_copy(tmp_path, {"onboarding.toml": THREE_IN_A_MINUTE})
    log = {"log_channel": "mod-log"}
    async with ritual_app(tmp_path, memory, clock, rules, defaults=log) as app:
        await memory.join("a1")
        await app.advance(timedelta(seconds=10))
        await memory.join("a2")
        memory.clear()
        await app.advance(timedelta(seconds=10))
        third = await memory.join("a3")
        announced = [m for m in sent(third) if "Raid mode is on" in m.text]
        assert {m.chat.id for m in announced} == {"general", "mod-log"}
        # From now on newcomers answer the captcha instead of pressing a button; one shared
        # welcome (with the question) serves the whole wave.
        assert not buttons_of(third)
        assert "capital of Kazakhstan" in sent(third)[-1].text
        fourth = await memory.join("a4")
        assert sent(fourth) == []
        # Links from members are removed while raid mode is on; moderators may still post them.
        link = await memory.say("alice", "see https://scam.example/win")
        assert any(isinstance(a, DeleteMessage) for a in link)
        assert not await memory.say("alice", "plain words are fine")
        mod_link = await memory.say("mod", "rules: https://example.org", level=Level.MODERATOR)
        assert not any(isinstance(a, DeleteMessage) for a in mod_link)
        # A member cannot lift it; a moderator can, and it is announced.
        refused = await memory.say("alice", "/raidmode off")
        assert "moderator" in sent(refused)[0].text
        lifted = await memory.say("mod", "/raidmode off", level=Level.MODERATOR)
        assert any("Raid mode is off" in m.text for m in sent(lifted))
        assert not await memory.say("alice", "https://example.org/again")
        back_to_normal = await memory.join("b1")
        assert buttons_of(back_to_normal)


async def test_slow_joins_do_not_trigger_raid_mode(
    tmp_path: Path, memory: MemoryAdapter, clock: ManualClock
) -> None:
    rules = rules_copy(tmp_path, {"onboarding.toml": THREE_IN_A_MINUTE})
    async with ritual_app(tmp_path, memory, clock, rules) as app:
        for name in ("s1", "s2", "s3", "s4"):
            await memory.join(name)
            await app.advance(timedelta(seconds=45))
        assert not any("Raid mode" in text for text in memory.texts())


async def test_raid_mode_by_hand_survives_a_restart(tmp_path: Path, clock: ManualClock) -> None:
    first = MemoryAdapter()
    async with ritual_app(tmp_path, first, clock):
        status = await first.say("mod", "/raidmode", level=Level.MODERATOR)
        assert sent(status)[0].text == "Raid mode is off. /raidmode on switches it on by hand."
        on = await first.say("mod", "/raidmode on", level=Level.MODERATOR)
        assert any("Raid mode is on" in m.text for m in sent(on))
        again = await first.say("mod", "/raidmode on", level=Level.MODERATOR)
        assert "already on" in sent(again)[0].text
        status = await first.say("mod", "/raidmode", level=Level.MODERATOR)
        assert sent(status)[0].text == "Raid mode is on. /raidmode off lifts it."
        bad = await first.say("mod", "/raidmode maybe", level=Level.MODERATOR)
        assert "/raidmode on or /raidmode off" in sent(bad)[0].text
    second = MemoryAdapter()
    async with ritual_app(tmp_path, second, clock):
        joined = await second.join("newbie")
        assert not buttons_of(joined)  # still raid mode: captcha instead of the button
        assert not any(isinstance(a, Restrict) for a in joined)
        wrong_button = await press(second, "newbie", "onboarding:accept:newbie")
        assert isinstance(wrong_button[0], SendMessage)
        assert "Answer the welcome question" in wrong_button[0].text
        answered = await second.say("newbie", "Astana")
        assert any("Newbie is in!" in m.text for m in sent(answered))


async def test_a_raid_of_twenty_accounts_makes_few_messages_and_cleans_up(
    tmp_path: Path, memory: MemoryAdapter, clock: ManualClock
) -> None:
    rules = rules_copy(tmp_path, {"onboarding.toml": THREE_IN_A_MINUTE})
    async with ritual_app(tmp_path, memory, clock, rules) as app:
        for i in range(20):
            await memory.join(f"bot{i}")
        await app.advance(timedelta(minutes=11))  # nobody answers: every gate times out
        posted = [a for a in memory.of_type(SendMessage) if a.chat.id == "general"]
        welcomes = [m for m in posted if "Welcome" in m.text]
        # Two full welcomes before the wave was recognised, then one shared raid welcome.
        assert len(welcomes) == 3
        assert "Welcome to everyone joining now!" in welcomes[-1].text
        failed = [m for m in posted if "did not pass" in m.text]
        assert len(failed) == 20
        # The 18 failed during raid mode go away by themselves; the first two full welcomes
        # are deleted once their newcomers are through (clean welcome).
        assert sum(1 for m in failed if m.delete_after is not None) == 20
        deleted = [a for a in memory.of_type(DeleteMessage) if a.reason == "clean welcome"]
        assert len(deleted) >= 1
        assert len(posted) - len(failed) <= 5  # was 20 welcomes + 20 notices + 2 announcements


async def test_the_previous_welcome_is_replaced_by_the_next(
    tmp_path: Path, memory: MemoryAdapter, clock: ManualClock
) -> None:
    async with ritual_app(tmp_path, memory, clock) as app:
        first = await memory.join("ann")
        [welcome] = [m for m in sent(first) if "Welcome" in m.text]
        await press(memory, "ann", buttons_of(first)[0].custom_id)
        await app.advance(timedelta(minutes=1))
        second = await memory.join("ben")
        removed = [a for a in second if isinstance(a, DeleteMessage)]
        assert len(removed) == 1
        assert removed[0].reason == "clean welcome"
        # Ben's own welcome stays until he is through, even when someone joins after him.
        third = await memory.join("cat")
        assert not [a for a in third if isinstance(a, DeleteMessage)]
        assert welcome.text.startswith("Welcome, Ann!")
