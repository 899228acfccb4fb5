"""A running Kenes with the content feature (and polls, the support desk, digest and heroes)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.adapters.memory import MemoryAdapter
from bot.app import Kenes
from bot.core.clock import ManualClock
from tests.auxil.app import make_config, running_app

CONTENT_COGS = ["core", "polls", "support", "heroes", "digest", "content"]


@pytest.fixture
async def app_with_content(
    tmp_path: Path, memory: MemoryAdapter, clock: ManualClock
) -> AsyncIterator[tuple[MemoryAdapter, Kenes]]:
    config = make_config(
        bot={"cogs": CONTENT_COGS},
        communities={"memory:c1": {"log_channel": "mod-log"}},
    )
    async with running_app(tmp_path / "kenes.db", config, [memory], clock) as app:
        yield memory, app
