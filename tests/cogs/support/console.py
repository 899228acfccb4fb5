"""Run a console transcript against a real app with the support cog (real SQLite, manual clock)."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.adapters.console import ConsoleAdapter
from bot.adapters.console.runner import replay
from bot.config import Config
from bot.core.clock import ManualClock
from bot.db.engine import make_engine
from tests.auxil.app import make_config, running_app
from tests.auxil.rituals import rules_copy

# Monday 5 January 2026, 09:00 in Almaty (the shipped working hours' zone).
MONDAY_9 = datetime.fromisoformat("2026-01-05T09:00:00+05:00")


def desk_config(rules: Path, locale: str = "en") -> Config:
    """The app's configuration in these tests: the core and the desk, in Almaty."""
    return make_config(
        rules_dir=rules,
        bot={"cogs": ["core", "support"]},
        defaults={"locale": locale, "timezone": "Asia/Almaty"},
    )


async def transcript(
    tmp_path: Path,
    text: str,
    *,
    start: datetime = MONDAY_9,
    edits: dict[str, list[tuple[str, str]]] | None = None,
    db: str = "support.db",
    locale: str = "en",
) -> list[str]:
    """The console's output for `text`; a `db` reused across calls models a restart."""
    lines: list[str] = []
    console = ConsoleAdapter("demo", "general", out=lines.append)
    rules = rules_copy(tmp_path, edits) if not (tmp_path / "rules").exists() else tmp_path / "rules"
    config = desk_config(rules, locale)
    errors = io.StringIO()
    async with running_app(tmp_path / db, config, [console], ManualClock(start)):
        bad = await replay(console, text.strip().splitlines(), errors)
    assert bad == 0, errors.getvalue()
    return lines


def said(lines: list[str]) -> str:
    return "\n".join(lines)


class Desk(Protocol):
    """The `desk` fixture: a transcript replayed in the test's folder, its output as one text."""

    async def __call__(
        self,
        text: str,
        *,
        start: datetime = MONDAY_9,
        edits: dict[str, list[tuple[str, str]]] | None = None,
        locale: str = "en",
    ) -> str: ...


@asynccontextmanager
async def stored(tmp_path: Path, db: str = "support.db") -> AsyncIterator[AsyncConnection]:
    """A connection to the database the transcripts in `tmp_path` ran on."""
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / db}")
    try:
        async with engine.connect() as conn:
            yield conn
    finally:
        await engine.dispose()
