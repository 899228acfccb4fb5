"""Helpers for moderation tests: an app with a mod-log channel, a copy of rules/, DB reads."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import select

from bot.adapters.memory import MemoryAdapter
from bot.app import Kenes
from bot.core.actions import SendMessage
from bot.core.clock import ManualClock
from bot.core.dispatch import Dispatcher
from bot.core.events import Event
from cogs.moderation.models import ModCase
from tests.auxil.app import RULES, START, make_config, running_app

LOG = "mod-log"


def copy_rules(tmp_path: Path) -> Path:
    """A writable copy of the shipped rules/ (tests edit it; never the real one)."""
    target = tmp_path / "rules"
    for path in RULES.rglob("*"):
        if path.is_file() and "schema" not in path.parts:
            dest = target / path.relative_to(RULES)
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(path.read_bytes())
    return target


@asynccontextmanager
async def moderated(
    tmp_path: Path,
    memory: MemoryAdapter | None = None,
    rules: Path = RULES,
    clock: ManualClock | None = None,
    db: str = "kenes.db",
) -> AsyncIterator[tuple[Kenes, MemoryAdapter]]:
    adapter = memory or MemoryAdapter()
    config = make_config(rules, defaults={"log_channel": LOG})
    async with running_app(tmp_path / db, config, [adapter], clock or ManualClock(START)) as app:
        yield app, adapter


def mod_log(memory: MemoryAdapter) -> list[str]:
    return [a.text for a in memory.of_type(SendMessage) if a.chat.id == LOG]


def seen_by_handlers(dispatcher: Dispatcher) -> list[Event]:
    """Record every event that reaches the dispatcher's handlers (i.e. was not stopped)."""
    seen: list[Event] = []

    async def record(ctx: object) -> None:
        seen.append(ctx.event)  # type: ignore[attr-defined]

    dispatcher.add(Event, record, group=-100)
    return seen


async def cases(app: Kenes) -> list[ModCase]:
    async with app.services.sessions() as session:
        return list(await session.scalars(select(ModCase).order_by(ModCase.id)))
