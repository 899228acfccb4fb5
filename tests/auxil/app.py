"""Build a real Kenes (real SQLite file, real migrations) around the memory adapter."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.adapters.base import Adapter
from bot.adapters.memory import MemoryAdapter
from bot.app import Kenes
from bot.config import Config
from bot.core.clock import ManualClock
from bot.core.features import shipped_rule_files
from bot.db.engine import make_engine
from bot.db.migrate import upgrade_engine
from bot.rules.loader import Compiler, RuleSet, load_rules
from bot.shared import SharedState

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "rules"
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def make_config(rules_dir: Path = RULES, **sections: Any) -> Config:
    """A Config like the shipped one, with `bot.rules_dir` and any section overridden."""
    raw: dict[str, Any] = {"bot": {"rules_dir": str(rules_dir), "cogs": ["core", "moderation"]}}
    for key, value in sections.items():
        if isinstance(value, dict) and isinstance(raw.get(key), dict):
            raw[key] = {**raw[key], **value}
        else:
            raw[key] = value
    return Config.model_validate(raw)


@asynccontextmanager
async def running_app(
    db: Path | str,
    config: Config | None = None,
    adapters: list[Adapter] | None = None,
    clock: ManualClock | None = None,
    shared: SharedState | None = None,
) -> AsyncIterator[Kenes]:
    """A started app on a migrated database (a SQLite file path, or a URL); stopped on exit."""
    engine = make_engine(db if isinstance(db, str) else f"sqlite+aiosqlite:///{db}")
    await upgrade_engine(engine)
    app = Kenes(
        config or make_config(),
        engine,
        clock or ManualClock(START),
        adapters if adapters is not None else [MemoryAdapter()],
        shared,
    )
    await app.start(background=False)
    try:
        yield app
    finally:
        await app.stop()
        await engine.dispose()


def load_shipped(directory: Path, compilers: Mapping[str, Compiler] | None = None) -> RuleSet:
    """`load_rules` over every shipped feature's rule files, as `kenes rules check` does."""
    return load_rules(directory, compilers, shipped_rule_files())
