"""Two instances sharing Redis: a member's flood is counted across both, and an update
delivered to both is handled once. Real Redis (scripts/with-redis), real SQLite, real pipeline."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import timedelta
from pathlib import Path

import pytest

from bot.adapters.memory import MemoryAdapter
from bot.adapters.telegram.ratelimit import Limits, RateLimiter, VirtualTime
from bot.app import Kenes
from bot.core.actions import Restrict, SendMessage
from bot.core.clock import ManualClock
from bot.core.events import CommandInvoked
from bot.core.refs import MessageRef
from bot.shared import SharedState, SharedStateUnavailable
from tests.auxil.app import START, make_config, running_app
from tests.auxil.telegram import until

REDIS_URL = os.environ.get("KENES_TEST_REDIS_URL", "")
pytestmark = pytest.mark.skipif(
    not REDIS_URL,
    reason="no Redis: "
    + os.environ.get("KENES_TEST_REDIS_SKIP", "set KENES_TEST_REDIS_URL or run `make test`"),
)

Pair = tuple[tuple[Kenes, MemoryAdapter], tuple[Kenes, MemoryAdapter], SharedState]


@pytest.fixture
async def pair(tmp_path: Path) -> AsyncIterator[Pair]:
    """Two instances on one database file and one Redis, sharing a clock."""
    clock = ManualClock(START)
    async with AsyncExitStack() as stack:
        states = [await SharedState.connect(REDIS_URL) for _ in range(2)]
        await states[0].flush()
        for state in states:
            stack.push_async_callback(state.close)
        apps = []
        for state in states:
            memory = MemoryAdapter()
            app = await stack.enter_async_context(
                running_app(tmp_path / "k.db", make_config(), [memory], clock, state)
            )
            apps.append((app, memory))
        yield apps[0], apps[1], states[0]


async def test_flood_is_counted_across_instances(pair: Pair) -> None:
    (a, on_a), (_, on_b), _ = pair
    for i in range(6):
        memory = on_a if i % 2 else on_b
        assert await memory.say("eve", f"line number {i}") == []
        await a.advance(timedelta(seconds=1))
    # Three messages reached each instance; the seventh breaks the limit of six in 10 s.
    actions = await on_a.say("eve", "and the seventh")
    assert any(isinstance(x, Restrict) for x in actions), actions


async def test_an_update_delivered_to_both_instances_is_handled_once(pair: Pair) -> None:
    (_, on_a), (_, on_b), _ = pair

    def ping(memory: MemoryAdapter) -> CommandInvoked:
        return CommandInvoked(
            chat=memory.chat,
            author=memory.author("alice"),
            at=START,
            name="ping",
            args="",
            message=MessageRef(memory.chat, "77"),
            event_id="update-77",
        )

    first = await on_a.push(ping(on_a))
    second = await on_b.push(ping(on_b))
    replies = [x for x in first + second if isinstance(x, SendMessage)]
    assert len(replies) == 1


async def test_a_single_instance_makes_no_round_trip(tmp_path: Path) -> None:
    """Without Redis configured, the hot path stays in memory (nothing to count)."""
    memory = MemoryAdapter()
    async with running_app(tmp_path / "one.db", make_config(), [memory]) as app:
        assert app.services.shared is None
        await memory.say("eve", "hello")


async def test_each_message_costs_one_round_trip(pair: Pair) -> None:
    (_, on_a), _, state = pair  # `state` is instance a's client
    before = state.round_trips
    await on_a.say("zed", "hello there")  # no delivery id here: the limiter's ring only
    assert state.round_trips - before == 1


async def test_an_unreachable_redis_is_one_clear_error() -> None:
    with pytest.raises(SharedStateUnavailable, match="cannot connect to Redis"):
        await SharedState.connect("redis://127.0.0.1:1/0")


async def test_an_update_left_half_done_by_a_dead_instance_is_handled_after_its_lease(
    pair: Pair,
) -> None:
    (_, on_a), (_, on_b), state = pair
    ping = CommandInvoked(
        chat=on_b.chat,
        author=on_b.author("alice"),
        at=START,
        name="ping",
        args="",
        message=MessageRef(on_b.chat, "78"),
        event_id="update-78",
    )
    # Instance a began the update and was killed before it finished.
    assert await state.begin(f"seen:{on_b.chat.platform}:update-78", 60)
    assert await on_b.push(ping) == []  # still a's while its lease lasts
    await state.expire_now(f"seen:{on_b.chat.platform}:update-78")  # the lease runs out
    assert [type(x) for x in await on_b.push(ping)] == [SendMessage]
    assert await on_b.push(ping) == []  # done: a later re-delivery is a duplicate
    assert on_a.actions == []


async def test_two_instances_share_one_window_of_the_bot_api_limit() -> None:
    """Telegram counts per bot: two instances asking at once get 30 slots a second between them."""
    clients = [await SharedState.connect(REDIS_URL) for _ in range(2)]
    await clients[0].flush()
    try:
        granted = waits = 0
        for _ in range(25):  # both instances ask 25 times at the same instant: 50 asks
            for client in clients:
                wait = await client.reserve("tg:test:overall", 30, 1.0, now=1000.0)
                granted += wait == 0
                waits += wait > 0
                assert wait in (0.0, 1.0)
        assert (granted, waits) == (30, 20)
        # A second later the window has moved on: 30 more, whoever asks.
        later = [
            await clients[n % 2].reserve("tg:test:overall", 30, 1.0, 1001.0) for n in range(31)
        ]
        assert later.count(0.0) == 30
    finally:
        for client in clients:
            await client.close()


async def test_the_rate_limiter_takes_its_slots_in_redis_when_shared() -> None:
    state = await SharedState.connect(REDIS_URL)
    await state.flush()
    clock = VirtualTime()
    limiter = RateLimiter(
        Limits(), now=clock.time, sleep=clock.sleep, wall=clock.time, shared=state, scope="tg:t"
    )
    try:
        for n in range(40):
            await limiter.acquire(f"-100{n}")  # a group: chat, group and overall windows
        assert state.round_trips == 120
        assert clock.time() >= 1.0  # the 31st waited for the shared overall window
    finally:
        await state.close()


async def test_a_chat_lock_is_held_by_one_instance_at_a_time() -> None:
    first, second = await SharedState.connect(REDIS_URL), await SharedState.connect(REDIS_URL)
    try:
        await first.flush()
        order: list[str] = []

        async def handle(state: SharedState, name: str, wait: float = 30.0) -> bool:
            async with state.lock("tg:1:lane:-100", lease=10.0, wait=wait) as held:
                order.append(f"{name} in")
                if name == "a":
                    await release.wait()
                order.append(f"{name} out")
                return held

        release = asyncio.Event()
        on_a = asyncio.create_task(handle(first, "a"))
        await until(lambda: order == ["a in"], what="a holding the chat")
        on_b = asyncio.create_task(handle(second, "b"))
        asked = second.round_trips
        await until(lambda: second.round_trips >= asked + 3, what="b asking again")
        assert order == ["a in"], "b waits while a handles an update of the chat"
        release.set()
        assert await on_a
        assert await on_b
        assert order == ["a in", "a out", "b in", "b out"]

        # A holder that died leaves its lock to run out with its lease; then the chat goes on.
        await first._redis.set("kenes:lock:tg:1:lane:-100", "dead", px=200)
        assert await handle(second, "b")
        # A holder that never lets go (no expiry) holds a waiter only for its bounded wait.
        await first._redis.set("kenes:lock:tg:1:lane:-100", "stuck")
        assert not await handle(second, "b", wait=0.05)
        assert second.lock_timeouts == 1
    finally:
        await first.flush()
        await first.close()
        await second.close()


async def test_a_chat_lock_without_redis_lets_the_update_through() -> None:
    """Redis down: the update is handled unlocked (logged) rather than dropped."""
    from redis.asyncio import Redis

    state = SharedState(Redis.from_url("redis://127.0.0.1:1/0"), "redis://127.0.0.1:1/0")
    try:
        async with state.lock("tg:1:lane:-100", lease=10.0, wait=30.0) as held:
            assert not held
    finally:
        await state.close()
