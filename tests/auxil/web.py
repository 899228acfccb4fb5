"""A bot with its web server on, seeded through console transcripts (what a person would type)."""

from __future__ import annotations

import io
import re
import shutil
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bot.adapters.console import ConsoleAdapter
from bot.adapters.console.runner import replay
from bot.app import Kenes
from bot.core.clock import ManualClock
from tests.auxil.app import RULES, START, make_config, running_app

# A week of support, moderation and polls in the console's community: tickets (one answered,
# one breaching its SLA), blocklist and manual cases, and a poll with votes.
SEED = """\
dana is moderator
ada is admin
alice in #help: My invoice shows the wrong company name
dana in #staff: /claim 1
+20m
dana in #staff: /reply 1 Fixed: the corrected invoice is in your account.
dana in #staff: /resolve 1
alice in #help: The export button does nothing
+2h
dana: /blocklist add free crypto
bob: get FREE CRYPTO here
eve: free crypto for all
dana: /warn @eve spamming
alice: /poll 1d Tea or coffee? | Tea | Coffee
bob presses poll:1:0 on 25
cat presses poll:1:1 on 25
dan presses poll:1:0 on 25
+1d
"""

LINK = re.compile(r"https?://\S+/login/[A-Za-z0-9_-]+")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class WebBot:
    app: Kenes
    console: ConsoleAdapter
    printed: list[str] = field(default_factory=list)

    @property
    def base(self) -> str:
        assert self.app.web is not None
        return f"http://127.0.0.1:{self.app.web.port}"

    @property
    def ops(self) -> str:
        assert self.app.ops is not None
        return f"http://127.0.0.1:{self.app.ops.port}"

    async def say(self, transcript: str) -> list[str]:
        """Replay transcript lines; return what the console printed for them."""
        before = len(self.printed)
        assert await replay(self.console, io.StringIO(transcript), io.StringIO()) == 0
        return self.printed[before:]

    async def login_link(self, who: str = "dana") -> str:
        """Type /dashboard as `who` and read the link from the private message."""
        lines = await self.say(f"{who}: /dashboard\n")
        # On the console a private message prints as `bot → DM <who>: ...`.
        dms = [line for line in lines if line.lstrip().startswith(f"bot → DM {who}:")]
        found = [m.group(0) for line in dms for m in [LINK.search(line)] if m]
        assert found, f"no login link in {lines}"
        return found[-1]


@asynccontextmanager
async def web_bot(
    db: Path, *, seed: bool = True, cogs: tuple[str, ...] = (), **web: object
) -> AsyncIterator[WebBot]:
    """The bot with its web server; `cogs` are loaded beside the seeded ones."""
    port = free_port()
    # /blocklist writes to the rule files: a copy, so the shipped ones stay as they are.
    rules = db.parent / "rules"
    if not rules.exists():
        shutil.copytree(RULES, rules)
    config = make_config(
        rules,
        bot={"cogs": ["core", "settings", "moderation", "polls", "support", *cogs]},
        web={
            "enabled": True,
            "port": port,
            "base_url": f"http://127.0.0.1:{port}",
            "ops": {"enabled": True, "port": 0},
            **web,
        },
    )
    printed: list[str] = []
    console = ConsoleAdapter("demo", "general", out=printed.append)
    async with running_app(db, config, [console], ManualClock(START)) as app:
        bot = WebBot(app, console, printed)
        if seed:
            await bot.say(SEED)
        yield bot
