"""kill -9 in the middle of a burst, through python-telegram-bot and a Bot API that forgets
confirmed updates: after a restart on the same database every /ping is answered exactly once."""

from __future__ import annotations

import random
from pathlib import Path

from tests.auxil.fake_telegram import FakeTelegram, supergroup, user
from tests.reliability.child import kill_9, replies, start, stop, wait_for, write_config

PINGS, CHATS = 200, 20


async def test_kill_9_mid_burst_loses_none_and_doubles_none(tmp_path: Path) -> None:
    rng = random.Random(5)
    async with FakeTelegram() as fake:
        # Every call waits a little at "Telegram", so the kill lands inside platform calls.
        fake.latency = 0.03
        config = write_config(tmp_path, fake, ["core"])
        log = tmp_path / "bot.log"
        chats = [supergroup(-1_000_000 - n, f"group {n}") for n in range(CHATS)]
        asked = set()
        for n in range(PINGS):
            chat = chats[n % CHATS]
            _, message = fake.say(chat, user(10_000 + n, f"m{n}"), "/ping")
            asked.add((chat["id"], message["message_id"]))

        first = await start(config, log)
        kill_at = rng.randrange(30, 120)
        await wait_for(lambda: sum(replies(fake, "Pong").values()) >= kill_at, 90, "pongs")
        await kill_9(first)
        before = replies(fake, "Pong")
        assert fake.pending < PINGS  # Telegram forgot what the offset confirmed

        second = await start(config, log)
        await wait_for(lambda: set(replies(fake, "Pong")) >= asked, 120, "every ping answered")
        assert await stop(second) == 0  # a clean stop: what is in flight finishes first

    answered = replies(fake, "Pong")
    lost = asked - set(answered)
    doubled = {key: count for key, count in answered.items() if count > 1}
    print(f"killed after {sum(before.values())} pongs; lost {len(lost)}, doubled {len(doubled)}")
    assert not lost
    assert not doubled
