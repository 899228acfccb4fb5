"""Polling: one chat's wait holds no other chat; updates numbered anew by Telegram are followed."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.adapters.telegram import intake, store
from bot.core.clock import ManualClock
from tests.auxil.fake_telegram import BOT_ID, FakeTelegram, supergroup, user
from tests.auxil.telegram import GatedTime, Harness, telegram_app, until

GROUP = supergroup(-100555)
OTHER = supergroup(-100666)
ALICE = user(11, "Alice", "alice")


def pongs(fake: FakeTelegram, chat: int | None = None) -> int:
    return sum(
        str(p["text"]).startswith("Pong") and (chat is None or p["chat_id"] == chat)
        for p in fake.of("sendMessage")
    )


async def test_a_chat_waiting_out_a_429_does_not_hold_up_other_chats(
    tmp_path: Path, fake: FakeTelegram, clock: ManualClock
) -> None:
    time = GatedTime(hold_from=8)
    async with telegram_app(tmp_path / "kenes.db", fake, clock, time=time) as tg:
        fake.fail("sendMessage", status=429, description="Too Many Requests", retry_after=8)
        stuck, _ = fake.say(OTHER, ALICE, "/ping")
        await until(lambda: time.holding == 1, what="the 429 wait in the other chat")
        # More than one poll's worth (100) of updates arrives after the stuck one.
        for n in range(120):
            fake.say(GROUP, user(100 + n, f"u{n}"), f"hello {n}")
        last, _ = fake.say(GROUP, ALICE, "/ping")
        await until(lambda: pongs(fake, GROUP["id"]) == 1, what="the reply in the busy group")
        assert pongs(fake, OTHER["id"]) == 1  # the refused try: still waiting out its 429
        assert tg.adapter.intake.watermark < stuck  # what is stored stays behind it
        time.release.set()
        await tg.settle(last)
        assert pongs(fake, OTHER["id"]) == 2
        assert tg.adapter.intake.skipped == 0


async def test_updates_numbered_anew_below_the_watermark_are_followed_without_spinning(
    tg: Harness,
) -> None:
    fake = tg.fake
    for n in range(10):
        last, _ = fake.say(GROUP, user(100 + n, f"u{n}"), "hi")
    await tg.settle(last)
    await until(lambda: fake.of("getUpdates")[-1]["offset"] == last + 1)
    polls = fake.counts["getUpdates"]
    # A week later Telegram starts again at 3, and serves it whatever our (old) offset says.
    fake.restart_ids(3)
    fake.say(GROUP, ALICE, "/ping")
    await until(lambda: pongs(fake) == 1, what="the /ping numbered below the watermark")
    assert tg.adapter.intake.resets == 1
    assert fake.counts["getUpdates"] - polls <= 4  # asked again after a back-off, never spun
    assert tg.time.now >= 0.5
    after, _ = fake.say(GROUP, ALICE, "/ping")
    await tg.settle(after)
    assert pongs(fake) == 2
    assert tg.adapter.intake.watermark == after
    await tg.adapter.save_watermark()
    stored = await store.load_offset(tg.app.services.sessions, str(BOT_ID))
    assert stored == after  # moved back down with Telegram


async def test_a_watermark_older_than_six_days_is_not_trusted_after_a_restart(
    tmp_path: Path, fake: FakeTelegram, clock: ManualClock
) -> None:
    db = tmp_path / "kenes.db"
    async with telegram_app(db, fake, clock) as first:
        for n in range(10):
            last, _ = fake.say(GROUP, user(100 + n, f"u{n}"), "hi")
        await first.settle(last)
    clock.advance(timedelta(days=8))
    fake.restart_ids(3)
    fake.say(GROUP, ALICE, "/ping")
    async with telegram_app(db, fake, clock) as second:
        await until(lambda: pongs(fake) == 1, what="the /ping after a week off")
        assert second.adapter.intake.skipped == 0
        assert second.adapter.intake.resets == 0  # started from scratch, nothing to detect


async def test_a_recent_watermark_is_still_trusted_after_a_restart(
    tmp_path: Path, fake: FakeTelegram, clock: ManualClock
) -> None:
    db = tmp_path / "kenes.db"
    async with telegram_app(db, fake, clock) as first:
        update_id, message = fake.say(GROUP, ALICE, "/ping")
        await first.settle(update_id)
        await fake.wait_for("sendMessage")
    clock.advance(timedelta(days=5))
    async with telegram_app(db, fake, clock) as second:
        fake.redeliver(update_id, "message", message)
        marker, _ = fake.say(GROUP, ALICE, "hi")
        await second.settle(marker)
        assert second.adapter.intake.skipped == 1
        assert pongs(fake) == 1


async def test_polling_pauses_while_too_many_updates_wait_behind_a_stuck_one(
    tmp_path: Path, fake: FakeTelegram, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(intake, "MAX_BACKLOG", 5)
    time = GatedTime(hold_from=8)
    async with telegram_app(tmp_path / "kenes.db", fake, clock, time=time) as tg:
        fake.fail("sendMessage", status=429, description="Too Many Requests", retry_after=8)
        fake.say(OTHER, ALICE, "/ping")
        await until(lambda: time.holding == 1, what="the 429 wait in the other chat")
        for n in range(5):
            fake.say(GROUP, user(100 + n, f"u{n}"), f"hello {n}")
        await until(lambda: tg.adapter.intake.backlog == 6, what="the backlog to fill")
        last, _ = fake.say(GROUP, ALICE, "/ping")
        with pytest.raises(AssertionError):  # not fetched: the backlog is full
            await until(lambda: pongs(fake, GROUP["id"]) == 1, within=0.3)
        assert fake.pending >= 1
        time.release.set()
        await tg.settle(last)
        assert pongs(fake, GROUP["id"]) == 1
        assert tg.adapter.intake.backlog == 0


async def test_an_update_served_whatever_the_offset_runs_once_and_polling_backs_off(
    tg: Harness,
) -> None:
    fake = tg.fake
    for n in range(10):
        last, _ = fake.say(GROUP, user(100 + n, f"u{n}"), "hi")
    await tg.settle(last)
    polls = fake.counts["getUpdates"]
    # Below the watermark and served on every poll: followed once, then only skipped.
    fake.sticky.append({"update_id": 3, "message": fake.message_json(GROUP, ALICE, "/ping")})
    await until(lambda: fake.counts["getUpdates"] >= polls + 10, what="ten more polls")
    # The answer is sent after the update is handled, so under load it may trail the polls.
    await until(lambda: pongs(fake) >= 1, what="the answer to /ping")
    assert pongs(fake) == 1
    assert tg.adapter.intake.resets == 1
    # Each poll bringing nothing new waits longer (0.5 s, 1 s, 2 s ... virtual): no spinning.
    assert tg.time.now >= 0.5 + 1 + 2 + 4 + 8 + 16
