"""Reliability: re-deliveries, restarts, 429 storms, network errors, chat moves, webhook mode."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import select

from bot.adapters.telegram import store
from bot.adapters.telegram.intake import Lanes
from bot.adapters.telegram.ratelimit import Limits, RateLimiter, VirtualTime
from bot.core.clock import ManualClock
from bot.db.engine import make_engine, make_sessionmaker
from bot.db.models import Community, Member
from tests.auxil.app import running_app
from tests.auxil.fake_telegram import BOT_ID, FakeTelegram, supergroup, user
from tests.auxil.telegram import Harness, make_adapter, telegram_app, until

GROUP = supergroup(-100555)
ALICE = user(11, "Alice", "alice")


def pongs(fake: FakeTelegram) -> int:
    return sum(str(p["text"]).startswith("Pong") for p in fake.of("sendMessage"))


async def test_a_redelivered_update_is_processed_once(tg: Harness) -> None:
    update_id, message = tg.fake.say(GROUP, ALICE, "/ping")
    await tg.settle(update_id)
    await tg.fake.wait_for("sendMessage")
    tg.fake.redeliver(update_id, "message", message)
    marker, _ = tg.fake.say(GROUP, ALICE, "/about")
    await tg.settle(marker)
    await tg.fake.wait_for("sendMessage", 2)
    assert pongs(tg.fake) == 1
    assert tg.adapter.intake.skipped == 1


async def test_a_redelivery_after_a_restart_is_skipped_by_the_stored_watermark(
    tmp_path: Path, fake: FakeTelegram, clock: ManualClock
) -> None:
    db = tmp_path / "kenes.db"
    async with telegram_app(db, fake, clock) as first:
        update_id, message = fake.say(GROUP, ALICE, "/ping")
        await first.settle(update_id)
        await fake.wait_for("sendMessage")
    async with telegram_app(db, fake, clock) as second:
        assert await store.load_offset(second.app.services.sessions, str(BOT_ID)) >= update_id
        # Telegram never saw the confirmation and sends the update again to the new process.
        fake.redeliver(update_id, "message", message)
        marker, _ = fake.say(GROUP, ALICE, "/about")
        await second.settle(marker)
        await fake.wait_for("sendMessage", 2)
        assert pongs(fake) == 1
        assert second.adapter.intake.skipped == 1


async def test_a_429_storm_delays_replies_but_loses_none(tg: Harness) -> None:
    tg.fake.fail(
        "sendMessage",
        status=429,
        description="Too Many Requests: retry after 5",
        retry_after=5,
        times=6,
    )
    last = 0
    for _ in range(3):
        last, _ = tg.fake.say(GROUP, ALICE, "/ping")
    await tg.settle(last)
    await tg.fake.wait_for("sendMessage", 9)  # 6 refused tries + 3 delivered
    await until(lambda: tg.adapter.intake.idle)
    assert len(tg.fake.of("sendMessage")) == 9
    assert tg.adapter.executor.limiter.waited >= 6 * 5


async def test_network_errors_back_off_and_recover(tg: Harness) -> None:
    tg.fake.fail("sendMessage", status=502, description="Bad Gateway", times=3)
    tg.fake.fail("getUpdates", status=502, description="Bad Gateway", times=3)
    update_id, _ = tg.fake.say(GROUP, ALICE, "/ping")
    await tg.settle(update_id)
    sent = await tg.fake.wait_for("sendMessage", 4)
    assert str(sent[-1]["text"]).startswith("Pong")
    assert tg.time.now >= 0.5 + 1 + 2  # backed off (virtual seconds), never spun


async def test_a_group_upgraded_to_a_supergroup_keeps_its_data(tg: Harness) -> None:
    old = supergroup(-4321)
    old["type"] = "group"
    update_id, _ = tg.fake.say(old, ALICE, "hello")
    await tg.settle(update_id)
    await tg.app.services.activity.flush()
    migrated = tg.fake.message_json(old, ALICE, "", entities=[], migrate_to_chat_id=-100777)
    del migrated["text"]
    update_id = tg.fake.push("message", migrated)
    await tg.settle(update_id)
    async with tg.app.services.sessions() as session:
        ids = (await session.scalars(select(Community.external_id))).all()
        members = (await session.scalars(select(Member.user_id))).all()
    assert list(ids) == ["-100777"]
    assert list(members) == ["11"]
    # The next message in the supergroup counts towards the same community.
    update_id, _ = tg.fake.say(supergroup(-100777), ALICE, "hi again")
    await tg.settle(update_id)
    await tg.app.services.activity.flush()
    async with tg.app.services.sessions() as session:
        assert len((await session.scalars(select(Community.id))).all()) == 1


async def test_chats_run_side_by_side_and_each_chat_in_order() -> None:
    lanes, order = Lanes(), []
    release = asyncio.Event()

    async def slow() -> None:
        await release.wait()  # finishes only if the other chat runs meanwhile
        order.append("a1")

    async def after_slow() -> None:
        order.append("a2")

    async def other() -> None:
        order.append("b1")
        release.set()

    lanes.submit("a", slow)
    lanes.submit("a", after_slow)
    lanes.submit("b", other)
    await asyncio.wait_for(lanes.drain(), timeout=2)
    assert order == ["b1", "a1", "a2"]


async def test_the_rate_limiter_keeps_telegrams_limits_in_virtual_time() -> None:
    time = VirtualTime()
    limiter = RateLimiter(Limits(), now=time.time, sleep=time.sleep)
    for _ in range(3):
        await limiter.acquire("-100")
    assert time.now == pytest.approx(2.0)  # one message a second in a chat
    start = time.now
    for _ in range(21):
        await limiter.acquire("-200")
    assert time.now - start >= 60.0 - 1e-9  # twenty a minute in a group
    start = time.now
    await asyncio.gather(*(limiter.acquire(str(n)) for n in range(1, 62)))
    assert time.now - start >= 2.0 - 1e-9  # thirty a second overall


async def test_webhook_mode_checks_the_secret_and_processes_updates(
    tmp_path: Path, fake: FakeTelegram, clock: ManualClock
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    time = VirtualTime()
    adapter = make_adapter(
        fake,
        time,
        mode="webhook",
        webhook_listen="127.0.0.1",
        webhook_port=port,
        webhook_url="https://bot.example.org/tg/hook",
    )
    async with running_app(tmp_path / "k.db", adapters=[adapter], clock=clock):
        (registered,) = fake.of("setWebhook")
        secret = str(registered["secret_token"])
        assert registered["url"] == "https://bot.example.org/tg/hook"
        assert "chat_member" in registered["allowed_updates"]
        update = {"update_id": 7, "message": fake.message_json(GROUP, ALICE, "/ping")}
        url = f"http://127.0.0.1:{port}/tg/hook"
        async with aiohttp.ClientSession() as http:
            async with http.post(url, json=update) as wrong:
                assert wrong.status == 403
            headers = {"X-Telegram-Bot-Api-Secret-Token": secret}
            async with http.post(url, json=update, headers=headers) as right:
                assert right.status == 200
            async with http.post(url, json=update, headers=headers) as again:
                assert again.status == 200  # stored already: answered, not handled again
        # Answered once stored in the inbox, so the reply may come a moment later.
        await until(lambda: pongs(fake) == 1, what="the pong")
        await adapter.intake.wait_idle(within=5.0)
        assert pongs(fake) == 1
        assert fake.of("getUpdates") == []


async def test_the_watermark_is_stored_at_shutdown(
    tmp_path: Path, fake: FakeTelegram, clock: ManualClock
) -> None:
    db = tmp_path / "kenes.db"
    async with telegram_app(db, fake, clock) as tg:
        update_id, _ = fake.say(GROUP, ALICE, "hello")
        await tg.settle(update_id)
    engine = make_engine(f"sqlite+aiosqlite:///{db}")
    try:
        stored = await store.load_offset(make_sessionmaker(engine), str(BOT_ID))
    finally:
        await engine.dispose()
    assert stored == update_id


async def test_the_limiter_forgets_idle_chats() -> None:
    time = VirtualTime()
    limiter = RateLimiter(Limits(), now=time.time, sleep=time.sleep)
    for n in range(50):
        await limiter.acquire(str(-n - 1))
    assert limiter.tracked == 100  # a per-chat and a per-group window each
    await time.sleep(120)
    limiter.forget_idle()
    assert limiter.tracked == 0


async def test_a_malformed_update_is_skipped_and_holds_nothing_up(tg: Harness) -> None:
    tg.fake.push("message", {"message_id": 1})  # no chat, no date: PTB cannot parse it
    update_id, _ = tg.fake.say(GROUP, ALICE, "/ping")
    await tg.settle(update_id)
    (reply,) = await tg.fake.wait_for("sendMessage")
    assert str(reply["text"]).startswith("Pong")


async def test_a_rejected_token_is_a_config_error_that_does_not_show_the_token(
    tmp_path: Path, fake: FakeTelegram, clock: ManualClock
) -> None:
    from bot.adapters.telegram import TelegramAdapter
    from bot.app import Kenes
    from bot.config import TelegramSection
    from bot.core.errors import ConfigError
    from bot.db.migrate import upgrade_engine
    from tests.auxil.app import make_config

    secret = "999:NOT-THE-TOKEN"
    adapter = TelegramAdapter(secret, TelegramSection(base_url=fake.base_url))
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'k.db'}")
    await upgrade_engine(engine)
    app = Kenes(make_config(), engine, clock, [adapter])
    try:
        with pytest.raises(ConfigError) as error:
            await app.start(background=False)
        assert "KENES_TELEGRAM_TOKEN" in str(error.value)
        assert secret not in str(error.value)
    finally:
        await app.stop()
        await engine.dispose()


async def test_a_webhook_intake_takes_an_update_arriving_after_a_later_one() -> None:
    """Telegram's webhook connections (and several instances) deliver ids in no order: 4 after 5
    is new, not a re-delivery below a watermark; the inbox dedupes, not the intake. Queued in
    one chat's lane together, the lower id runs first."""
    from telegram import Update

    from bot.adapters.telegram.intake import Intake

    handled: list[int] = []

    async def process(update: Update) -> None:
        handled.append(update.update_id)

    for ordered, expected in ((True, [5]), (False, [4, 5])):
        handled.clear()
        intake = Intake(process, lambda _: "chat", ordered=ordered)
        intake.offer(Update(5))
        intake.offer(Update(4))
        await intake.lanes.drain()
        assert handled == expected
