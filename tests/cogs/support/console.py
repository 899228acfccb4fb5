"""Run a console transcript against a real app with the support cog (real SQLite, manual clock)."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

from bot.adapters.console import ConsoleAdapter
from bot.adapters.console.runner import replay
from bot.core.clock import ManualClock
from tests.auxil.app import make_config, running_app
from tests.auxil.rituals import rules_copy

# Monday 5 January 2026, 09:00 in Almaty (the shipped working hours' zone).
MONDAY_9 = datetime.fromisoformat("2026-01-05T09:00:00+05:00")


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
    config = make_config(
        rules_dir=rules,
        bot={"cogs": ["core", "support"]},
        defaults={"locale": locale, "timezone": "Asia/Almaty"},
    )
    errors = io.StringIO()
    async with running_app(tmp_path / db, config, [console], ManualClock(start)):
        bad = await replay(console, text.strip().splitlines(), errors)
    assert bad == 0, errors.getvalue()
    return lines


def said(lines: list[str]) -> str:
    return "\n".join(lines)
