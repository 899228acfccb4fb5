"""The console behaves like a real platform: staff skip slow-mode, replies need a real message."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import pytest

from bot.adapters.console import ConsoleAdapter
from bot.adapters.console.runner import replay
from bot.core.actions import FetchFile
from bot.core.clock import ManualClock
from bot.core.context import Context
from bot.core.errors import ActionRefused
from bot.core.events import Attachment, CommandInvoked, Event
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


async def test_a_line_sends_a_local_file_read_no_further_than_the_limit(tmp_path: Path) -> None:
    """The command carries the file; FetchFile reads at most `limit` bytes and refuses more.
    A path that is no file sends nothing, as a reply to no message does."""
    guide = tmp_path / "guide.txt"
    guide.write_bytes(b"x" * 5000)
    out = await run(tmp_path, [f"mia attaches {tmp_path / 'nothing.txt'}: /ping"])
    assert out[-1] == f"(no file {tmp_path / 'nothing.txt'})"
    events: list[CommandInvoked] = []
    console = ConsoleAdapter("demo", "general", out=lambda _: None)
    async with running_app(tmp_path / "f.db", make_config(), [console], ManualClock(START)) as app:
        original = app.handle

        async def spy(event: Event) -> Context:
            if isinstance(event, CommandInvoked):
                events.append(event)
            return await original(event)

        app.handle = spy  # type: ignore[method-assign]
        await replay(console, [f"mia attaches {guide}: /ping"], io.StringIO())
        [event] = events
        assert event.attachments == (Attachment(str(guide), "guide.txt", 5000),)
        fetch = FetchFile(chat=event.chat, attachment=event.attachments[0], limit=5000)
        assert (await app.outbound.execute(fetch)).data == b"x" * 5000
        with pytest.raises(ActionRefused, match="larger than the 1 MB allowed"):
            await app.outbound.execute(replace(fetch, limit=4999))
