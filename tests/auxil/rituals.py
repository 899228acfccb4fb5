"""Helpers for ritual tests: an app with the ritual cogs, editable rule copies, button presses."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from bot.adapters.base import Adapter
from bot.adapters.memory import MemoryAdapter
from bot.app import Kenes
from bot.core.actions import Action, Button, SendMessage
from bot.core.clock import ManualClock
from bot.core.events import ButtonPressed
from bot.core.refs import MessageRef
from tests.auxil.app import RULES, make_config, running_app

RITUAL_COGS = ["core", "onboarding", "polls"]


def rules_copy(tmp_path: Path, edits: dict[str, list[tuple[str, str]]] | None = None) -> Path:
    """A copy of the shipped rules with textual `(old, new)` edits per file."""
    target = tmp_path / "rules"
    shutil.copytree(RULES, target, ignore=shutil.ignore_patterns("schema"))
    for name, changes in (edits or {}).items():
        path = target / name
        text = path.read_text("utf-8")
        for old, new in changes:
            assert old in text, f"{old!r} not in {name}"
            text = text.replace(old, new)
        path.write_text(text, "utf-8")
    return target


@asynccontextmanager
async def ritual_app(
    tmp_path: Path,
    adapter: Adapter,
    clock: ManualClock,
    rules_dir: Path | None = None,
    db_name: str = "kenes.db",
    **sections: Any,
) -> AsyncIterator[Kenes]:
    """A running app with the ritual cogs on a real SQLite file."""
    config = make_config(rules_dir or RULES, **sections)
    config = config.model_copy(
        update={"bot": config.bot.model_copy(update={"cogs": tuple(RITUAL_COGS)})}
    )
    async with running_app(tmp_path / db_name, config, [adapter], clock) as app:
        yield app


def sent(actions: list[Action]) -> list[SendMessage]:
    return [a for a in actions if isinstance(a, SendMessage)]


def buttons_of(actions: list[Action]) -> list[Button]:
    return [b for a in sent(actions) for b in a.buttons]


async def press(
    memory: MemoryAdapter, who: str, custom_id: str, message: MessageRef | None = None
) -> list[Action]:
    """`who` presses the button `custom_id`."""
    assert memory._app is not None
    return await memory.push(
        ButtonPressed(
            chat=memory.chat,
            author=memory.author(who),
            at=memory._app.clock.now(),
            message=message or MessageRef(memory.chat, "1"),
            custom_id=custom_id,
        )
    )
