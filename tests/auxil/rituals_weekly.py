"""Helpers for the ritual tests: configs with the ritual cogs, button presses and reactions."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from bot.adapters.memory import MemoryAdapter
from bot.config import Config
from bot.core.actions import Action, SendMessage
from bot.core.events import ButtonPressed, ReactionAdded, ReactionRemoved
from bot.core.permissions import Level
from bot.core.refs import MessageRef
from tests.auxil.app import RULES, make_config

RITUAL_COGS = ["core", "ama", "heroes", "digest"]


def ritual_config(rules_dir: Path = RULES, cogs: list[str] | None = None) -> Config:
    return make_config(rules_dir, bot={"cogs": cogs or RITUAL_COGS})


def rules_copy(tmp_path: Path, edit: Callable[[str], str]) -> Path:
    """A copy of the shipped rules with `rituals.toml` changed by `edit`."""
    target = tmp_path / "rules"
    shutil.copytree(RULES, target)
    path = target / "rituals.toml"
    path.write_text(edit(path.read_text("utf-8")), "utf-8")
    return target


async def press(
    memory: MemoryAdapter, name: str, custom_id: str, message: MessageRef
) -> list[Action]:
    return await memory.push(
        ButtonPressed(
            chat=message.chat,
            author=memory.author(name),
            at=memory._now(),
            message=message,
            custom_id=custom_id,
        )
    )


async def react(
    memory: MemoryAdapter,
    name: str,
    message: MessageRef,
    author: str,
    emoji: str = "👍",
    *,
    removed: bool = False,
    level: Level = Level.MEMBER,
) -> list[Action]:
    kind = ReactionRemoved if removed else ReactionAdded
    return await memory.push(
        kind(
            chat=message.chat,
            author=memory.author(name, level),
            at=memory._now(),
            message=message,
            emoji=emoji,
            message_author=memory.user(author),
        )
    )


def sent(actions: list[Action]) -> list[SendMessage]:
    return [a for a in actions if isinstance(a, SendMessage)]


def only(actions: list[Action]) -> SendMessage:
    messages = sent(actions)
    assert len(messages) == 1, messages
    return messages[0]
