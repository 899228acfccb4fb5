"""A real app (real SQLite, migrations, manual clock) driven by console transcripts, with the
metrics' queries at hand for the community the console plays."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot.adapters.console import ConsoleAdapter
from bot.adapters.console.runner import replay
from bot.app import Kenes
from bot.core.clock import ManualClock
from bot.core.refs import CommunityRef
from cogs.metrics.queries import MetricsQueries, Where
from tests.auxil.app import make_config, running_app
from tests.auxil.rituals import rules_copy

COGS = ["core", "moderation", "polls", "support", "metrics"]
COMMUNITY = CommunityRef("console", "demo")
ZONE = "Asia/Almaty"


@dataclass
class World:
    app: Kenes
    clock: ManualClock
    console: ConsoleAdapter
    lines: list[str]
    queries: MetricsQueries

    async def play(self, text: str) -> str:
        """Replay transcript lines; the ledger is flushed after, as its timer would."""
        errors = io.StringIO()
        before = len(self.lines)
        bad = await replay(self.console, [ln.strip() for ln in text.strip().splitlines()], errors)
        assert bad == 0, errors.getvalue()
        await self.app.services.activity.flush()
        return "\n".join(self.lines[before:])

    async def where(self) -> Where:
        community_id = await self.app.services.directory.id_for(COMMUNITY)
        return Where(COMMUNITY, community_id, ZONE, "en")


@asynccontextmanager
async def world(
    tmp_path: Path,
    start: datetime,
    cogs: list[str] | None = None,
    locale: str = "en",
    web: dict[str, object] | None = None,
) -> AsyncIterator[World]:
    lines: list[str] = []
    console = ConsoleAdapter("demo", "general", out=lines.append)
    config = make_config(
        rules_dir=rules_copy(tmp_path),
        bot={"cogs": cogs or COGS},
        defaults={"locale": locale, "timezone": ZONE},
        **({"web": web} if web else {}),
    )
    clock = ManualClock(start)
    async with running_app(tmp_path / "metrics.db", config, [console], clock) as app:
        queries = MetricsQueries(app.services.sessions, app.services.published, clock.now)
        yield World(app, clock, console, lines, queries)
