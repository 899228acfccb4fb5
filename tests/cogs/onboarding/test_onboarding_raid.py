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
        # From now on newcomers answer the captcha instead of pressing a button.
        fourth = await memory.join("a4")
        assert not buttons_of(fourth)
        assert "capital of Kazakhstan" in sent(fourth)[-1].text
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
        on = await first.say("mod", "/raidmode on", level=Level.MODERATOR)
        assert any("Raid mode is on" in m.text for m in sent(on))
        again = await first.say("mod", "/raidmode on", level=Level.MODERATOR)
        assert "already on" in sent(again)[0].text
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
