"""A real Kenes on SQLite with the real Telegram adapter, talking HTTP to the fake Bot API.

Also a pytest plugin (listed in tests/conftest.py): the fixtures `fake` (the fake Bot API),
`tg_config` (the app's config; None is the test default) and `tg` (the started harness).
A test module shapes them by overriding `fake` (asking for the plugin's `fake` and, say,
naming the chat's admins) or `tg_config`; `tg` then starts the app with both.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.adapters.telegram import TelegramAdapter
from bot.adapters.telegram.ratelimit import Limits, VirtualTime
from bot.app import Kenes
from bot.config import Config, TelegramSection
from bot.core.clock import ManualClock
from tests.auxil.app import running_app
from tests.auxil.fake_telegram import TOKEN, FakeTelegram


async def until(condition: Callable[[], bool], within: float = 5.0, what: str = "") -> None:
    """Wait for `condition` with tiny polling steps, failing after `within` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        await asyncio.sleep(0.002)


class GatedTime(VirtualTime):
    """Virtual time in which sleeps of `hold_from` seconds or more wait for `release`:
    a chat waiting out a 429 stays stuck until the test lets it go."""

    def __init__(self, hold_from: float) -> None:
        super().__init__()
        self.hold_from = hold_from
        self.release = asyncio.Event()
        self.holding = 0

    async def sleep(self, seconds: float) -> None:
        if seconds >= self.hold_from:
            self.holding += 1
            await self.release.wait()
        await super().sleep(seconds)


@dataclass
class Harness:
    app: Kenes
    adapter: TelegramAdapter
    fake: FakeTelegram
    time: VirtualTime

    async def settle(self, update_id: int) -> None:
        """Wait until every update up to `update_id` is processed."""
        await until(
            lambda: self.adapter.intake.watermark >= update_id,
            what=f"update {update_id} to be processed",
        )


def make_adapter(
    fake: FakeTelegram,
    time: VirtualTime,
    limits: Limits | None = None,
    read_timeout: float = 15.0,
    **section: object,
) -> TelegramAdapter:
    settings = TelegramSection.model_validate({"base_url": fake.base_url, **section})
    return TelegramAdapter(
        TOKEN,
        settings,
        limits=limits or Limits(),
        time_source=time.time,
        sleep=time.sleep,
        poll_timeout=1,
        read_timeout=read_timeout,
    )


@asynccontextmanager
async def telegram_app(
    db_path: Path,
    fake: FakeTelegram,
    clock: ManualClock,
    *,
    config: Config | None = None,
    limits: Limits | None = None,
    time: VirtualTime | None = None,
    read_timeout: float = 15.0,
) -> AsyncIterator[Harness]:
    """Started app + adapter, polling the fake server; stopped on exit."""
    time = time or VirtualTime()
    adapter = make_adapter(fake, time, limits, read_timeout=read_timeout)
    async with running_app(db_path, config, adapters=[adapter], clock=clock) as app:
        yield Harness(app, adapter, fake, time)


@pytest.fixture
async def fake(clock: ManualClock) -> AsyncIterator[FakeTelegram]:
    """The fake Bot API, on the test's clock."""
    async with FakeTelegram(clock=clock.now) as server:
        yield server


@pytest.fixture
def tg_config() -> Config | None:
    """The config `tg` starts with; a module overrides this fixture to change it."""
    return None


@pytest.fixture
async def tg(
    tmp_path: Path, fake: FakeTelegram, clock: ManualClock, tg_config: Config | None
) -> AsyncIterator[Harness]:
    """Kenes with the Telegram adapter polling `fake`, on a fresh SQLite file."""
    async with telegram_app(tmp_path / "kenes.db", fake, clock, config=tg_config) as harness:
        yield harness
