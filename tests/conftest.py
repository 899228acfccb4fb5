"""Shared fixtures: a real app on a real SQLite file, driven through the memory adapter."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.adapters.memory import MemoryAdapter
from bot.app import Kenes
from bot.core.clock import ManualClock
from bot.core.features import shipped_features
from bot.i18n import add_catalogue, remove_catalogue
from tests.auxil.app import RULES, START, running_app
from tests.auxil.untouched import changed, folder_state

# The Telegram harness fixtures (`fake`, `tg_config`, `tg`).
pytest_plugins = ["tests.auxil.telegram"]


@pytest.fixture(autouse=True, scope="session")
def shipped_rules_stay_as_shipped() -> Iterator[None]:
    """The run fails when anything wrote into the repository's rules/ folder: a test, a
    README transcript or a `kenes run` it started (`/blocklist add` writes rules/words/chat.txt,
    `/spam` the samples). Such runs take a copy (`tests.auxil.rituals.rules_copy`)."""
    before = folder_state(RULES)
    yield
    touched = changed(before, folder_state(RULES))
    if touched:
        pytest.fail(
            "the tests wrote into the shipped rules folder (run them on a copy, `rules_copy`): "
            + ", ".join(touched),
            pytrace=False,
        )


@pytest.fixture(autouse=True, scope="session")
def every_feature_speaks() -> Iterator[None]:
    """Every shipped feature's texts, as a bot with all cogs has them.

    Tests compare with `t(...)` outside a running app too (after it stopped, or with fewer
    cogs loaded); a feature's catalogue is otherwise there only while it is loaded.
    """
    folders = [f.locales for f in shipped_features() if f.locales is not None]
    for folder in folders:
        add_catalogue(folder)
    yield
    for folder in folders:
        remove_catalogue(folder)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def memory() -> MemoryAdapter:
    return MemoryAdapter()


@pytest.fixture
async def app(tmp_path: Path, memory: MemoryAdapter, clock: ManualClock) -> AsyncIterator[Kenes]:
    async with running_app(tmp_path / "kenes.db", adapters=[memory], clock=clock) as running:
        yield running


@pytest.fixture(autouse=True)
def _no_leftover_log_handlers() -> Iterator[None]:
    """`kenes` (bot.cli.main) installs a stderr handler once per process; in tests that stderr
    is a capture that closes with the test, so a later log line would fail to write there."""
    yield
    root = logging.getLogger()
    for handler in root.handlers[:]:
        if type(handler) is logging.StreamHandler:
            root.removeHandler(handler)
