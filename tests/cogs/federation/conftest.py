"""Fixtures of the federation tests: the console app on the shipped config, with or without a
federation of two communities already made."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.cogs.federation.console import Console, console_app, two_communities


@pytest.fixture
async def con(tmp_path: Path) -> AsyncIterator[Console]:
    async with console_app(tmp_path / "kenes.db") as running:
        yield running


@pytest.fixture
async def fed(con: Console) -> Console:
    """`con` once federation “Brand” joins `demo` and `kz` (ada owns it)."""
    await two_communities(con)
    return con
