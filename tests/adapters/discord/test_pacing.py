"""Our pacing keeps bursts under Discord's global limit; bulk deletes go 100 at a time."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from bot.adapters.discord.pacing import Pacer
from bot.core.actions import DeleteMessage
from bot.core.refs import ChatRef, CommunityRef, MessageRef
from tests.auxil.app import START
from tests.auxil.discord_world import CHANNEL_ID, GUILD_ID, discord_world


class FakeTime:
    """Monotonic time that only moves when the pacer sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


async def test_a_burst_is_spaced_to_the_rate_after_the_first_second() -> None:
    time = FakeTime()
    pacer = Pacer(50.0, monotonic=time.monotonic, sleep=time.sleep)
    for _ in range(150):
        await pacer.wait()
    assert len(time.sleeps) == 100  # the first 50 go at once, the rest wait their turn
    assert abs(time.now - 2.0) < 1e-9  # 150 requests at 50/s: two seconds after the burst


async def test_a_pacer_under_its_rate_never_waits() -> None:
    time = FakeTime()
    pacer = Pacer(45.0, monotonic=time.monotonic, sleep=time.sleep)
    for _ in range(45):
        await pacer.wait()
        time.now += 0.05
    assert time.sleeps == []


async def test_a_purge_of_250_messages_takes_three_bulk_deletes(tmp_path: Path) -> None:
    async with discord_world(tmp_path / "kenes.db") as world:
        chat = ChatRef("discord", str(CHANNEL_ID), CommunityRef("discord", str(GUILD_ID)))
        messages = [
            MessageRef(chat, str(world.snowflake(START - timedelta(minutes=i)))) for i in range(250)
        ]
        await asyncio.gather(*(world.app.execute(DeleteMessage(message=m)) for m in messages))
        bulks = world.fake.calls("POST", r"/messages/bulk-delete$")
        assert [len(r.json["messages"]) for r in bulks] == [100, 100, 50]
        deleted = {str(i) for r in bulks for i in r.json["messages"]}
        assert deleted == {m.id for m in messages}
        assert world.fake.calls("DELETE", r"/messages/\d+$") == []


async def test_one_delete_alone_is_a_plain_delete(tmp_path: Path) -> None:
    async with discord_world(tmp_path / "kenes.db") as world:
        chat = ChatRef("discord", str(CHANNEL_ID), CommunityRef("discord", str(GUILD_ID)))
        await world.app.execute(DeleteMessage(message=MessageRef(chat, str(world.snowflake()))))
        assert world.fake.calls("POST", r"/bulk-delete$") == []
        assert len(world.fake.calls("DELETE", r"/messages/\d+$")) == 1
