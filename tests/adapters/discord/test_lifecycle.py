"""Start and stop: a bad token is a clear error; stopping closes the client."""

from __future__ import annotations

from pathlib import Path

import discord
import pytest

from bot.adapters.discord import DiscordAdapter
from bot.app import Kenes
from bot.config import DiscordSection
from bot.core.clock import ManualClock
from bot.core.errors import ConfigError
from bot.db.engine import make_engine
from bot.db.migrate import upgrade_engine
from tests.auxil.app import START, make_config
from tests.auxil.discord_world import discord_world
from tests.auxil.fake_discord import fake_discord


async def test_a_rejected_token_names_the_variable_to_fix(tmp_path: Path) -> None:
    async with fake_discord() as fake:
        fake.reject_token()
        adapter = DiscordAdapter("bad", DiscordSection(), gateway=False)
        engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'kenes.db'}")
        await upgrade_engine(engine)
        app = Kenes(make_config(), engine, ManualClock(START), [adapter])
        try:
            with pytest.raises(ConfigError, match="KENES_DISCORD_TOKEN"):
                await app.start(background=False)
        finally:
            await app.stop()
            await engine.dispose()
        assert adapter.client.is_closed()


async def test_stop_closes_the_client(tmp_path: Path) -> None:
    async with discord_world(tmp_path / "kenes.db") as world:
        adapter = world.adapter
        assert not adapter.client.is_closed()
    assert adapter.client.is_closed()


async def test_no_network_at_start_is_retried_with_back_off(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with fake_discord() as fake:
        discord.http.Route.BASE = "http://127.0.0.1:9/api/v10"  # nothing listens there
        waits: list[float] = []

        async def sleep(seconds: float) -> None:
            waits.append(seconds)
            if len(waits) == 2:  # the network comes back
                discord.http.Route.BASE = fake.base

        adapter = DiscordAdapter("token", DiscordSection(), gateway=False, sleep=sleep)
        engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'kenes.db'}")
        await upgrade_engine(engine)
        app = Kenes(make_config(), engine, ManualClock(START), [adapter])
        try:
            await app.start(background=False)
        finally:
            await app.stop()
            await engine.dispose()
    assert waits == [0.5, 1.0]
    lines = [r.getMessage() for r in caplog.records if "unreachable" in r.getMessage()]
    assert len(lines) == 2
    assert lines[0].startswith("Discord unreachable at start (")
    assert lines[0].endswith("retry in 0.5 s")


async def test_discord_out_of_reach_is_one_clear_error(tmp_path: Path) -> None:
    async with fake_discord():
        discord.http.Route.BASE = "http://127.0.0.1:9/api/v10"
        waits: list[float] = []

        async def sleep(seconds: float) -> None:
            waits.append(seconds)

        adapter = DiscordAdapter("token", DiscordSection(), gateway=False, sleep=sleep)
        engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'kenes.db'}")
        await upgrade_engine(engine)
        app = Kenes(make_config(), engine, ManualClock(START), [adapter])
        try:
            with pytest.raises(ConfigError, match=r"Discord is unreachable .* after 8 tries"):
                await app.start(background=False)
        finally:
            await app.stop()
            await engine.dispose()
    assert len(waits) == 7
    assert adapter.client.is_closed()
