"""Federation scenarios on the console adapter: a real app, a real SQLite file, two communities."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from bot.adapters.base import Adapter
from bot.adapters.console import ConsoleAdapter
from bot.adapters.console.transcript import parse_line
from bot.adapters.memory import MemoryAdapter
from bot.app import Kenes
from bot.config import Config, load_config
from bot.core.clock import ManualClock
from tests.auxil.app import ROOT, START, running_app

CODE = re.compile(r"Join code for “[^”]+”: (\S+)")


def shipped_config(**bot: object) -> Config:
    shipped = load_config(ROOT / "config.example.toml")
    update = {"rules_dir": ROOT / "rules", **bot}
    return shipped.model_copy(update={"bot": shipped.bot.model_copy(update=update)})


class Console:
    """The console adapter with its printed lines, fed one transcript line at a time."""

    def __init__(self, app: Kenes, adapter: ConsoleAdapter, printed: list[str]) -> None:
        self.app, self.adapter, self.printed = app, adapter, printed

    async def __call__(self, *lines: str) -> list[str]:
        before = len(self.printed)
        for line in lines:
            step = parse_line(line)
            assert step is not None
            await self.adapter.feed(step)
        return "\n".join(self.printed[before:]).split("\n")

    async def code(self, who: str = "ada") -> str:
        out = await self(f"{who}: /fed code")
        found = [m.group(1) for line in out if (m := CODE.search(line))]
        assert found, out
        return found[0]


@asynccontextmanager
async def console_app(
    db: Path,
    *,
    memory: MemoryAdapter | None = None,
    clock: ManualClock | None = None,
    config: Config | None = None,
) -> AsyncIterator[Console]:
    printed: list[str] = []
    adapter = ConsoleAdapter("demo", "general", printed.append)
    adapters: list[Adapter] = [adapter] if memory is None else [adapter, memory]
    async with running_app(
        db,
        config or shipped_config(),
        adapters,
        clock or ManualClock(START),
    ) as app:
        yield Console(app, adapter, printed)


async def two_communities(con: Console) -> None:
    """Federation “Brand”: created in `demo` (its log in #mod-log), joined by `kz`."""
    await con("ada is admin", "ada: /fed new Brand", "ada in #mod-log: /fed log")
    code = await con.code()
    out = await con("in community kz", f"ada: /fed join {code}", "in community demo")
    assert any("now in federation “Brand”" in line for line in out), out
