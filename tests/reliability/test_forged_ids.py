"""Ids from the outside world (button ids, command numbers) are checked against their range once."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.adapters.memory import MemoryAdapter
from bot.core.clock import ManualClock
from bot.core.ids import MAX_INT64, button_ids, parse_id, parse_int
from bot.core.permissions import Level
from tests.auxil.app import START, make_config, running_app
from tests.auxil.rituals import press

COGS = ["core", "moderation", "polls", "ama"]
FORGED = [
    "ama:up:99999999999999999999999",
    "ama:up:-1",
    "ama:up:1_0",
    "ama:up:١٢",
    "ama:up: 7",
    "poll:99999999999999999999:0",
    "poll:1:99999999999999999999",
    "poll:1:-1",
    "poll:1:0:0",
    "poll::",
    "poll:" + "9" * 5000 + ":0",
]


def test_ids_are_ascii_digits_in_the_64_bit_range() -> None:
    assert parse_id(str(MAX_INT64)) == MAX_INT64
    assert parse_id(str(MAX_INT64 + 1)) is None
    assert parse_id("-1") is None
    assert parse_int("-5") == -5
    for text in ("", "+", "1_000", " 1", "١٢", "1e3", "0x10"):
        assert parse_int(text) is None, text
    assert button_ids("poll:3:1", "poll:", 2) == (3, 1)
    assert button_ids("poll:3", "poll:", 2) is None
    assert button_ids("ama:up:3", "poll:", 1) is None


@pytest.mark.parametrize("custom_id", FORGED)
async def test_forged_button_ids_are_ignored_without_an_error(
    tmp_path: Path, custom_id: str, caplog: pytest.LogCaptureFixture
) -> None:
    memory = MemoryAdapter()
    config = make_config(bot={"cogs": COGS})
    async with running_app(tmp_path / "kenes.db", config, [memory], ManualClock(START)):
        with caplog.at_level(logging.ERROR):
            await press(memory, "eve", custom_id)
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


async def test_a_huge_number_argument_is_refused_politely(tmp_path: Path) -> None:
    memory = MemoryAdapter()
    config = make_config(bot={"cogs": COGS})
    async with running_app(tmp_path / "kenes.db", config, [memory], ManualClock(START)):
        actions = await memory.say("mia", "/case 99999999999999999999", level=Level.MODERATOR)
    assert "must be a whole number" in memory.texts()[-1]
    assert actions
