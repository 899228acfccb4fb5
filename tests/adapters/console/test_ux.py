"""The console behaves like a real platform: staff skip slow-mode, replies need a real message."""

from __future__ import annotations

import io
from pathlib import Path

from bot.adapters.console import ConsoleAdapter
from bot.adapters.console.runner import replay
from bot.core.clock import ManualClock
from tests.auxil.app import START, make_config, running_app


async def run(tmp_path: Path, lines: list[str]) -> list[str]:
    out: list[str] = []
    console = ConsoleAdapter("demo", "general", out=out.append)
    config = make_config(defaults={"log_channel": "mod-log"})
    async with running_app(tmp_path / "c.db", config, [console], ManualClock(START)):
        assert await replay(console, lines, io.StringIO()) == 0
    return out


async def test_native_slowmode_lets_moderators_post_but_not_members(tmp_path: Path) -> None:
    out = await run(
        tmp_path,
        ["mia is moderator", "mia: /slowmode 60", "bob: one", "bob: two", "mia: a", "mia: b"],
    )
    shown = "\n".join(out)
    assert "(slow-mode in #general: bob must wait before posting again)" in shown
    assert "mia must wait" not in shown
    assert out[-1].endswith(": b")


async def test_replying_to_a_message_that_does_not_exist_sends_nothing(tmp_path: Path) -> None:
    out = await run(tmp_path, ["bob: hi", "alice replies to 42: thanks"])
    assert out[-1] == "(no message 42)"
    assert not any("thanks" in line for line in out)
