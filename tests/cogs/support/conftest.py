"""Fixtures of the support tests: the desk on the console, replaying a transcript."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from tests.cogs.support.console import MONDAY_9, Desk, said, transcript


@pytest.fixture
def desk(tmp_path: Path) -> Desk:
    """Replays a transcript against a running app with the support cog, in this test's folder
    (so a second call runs on the same database and rules: a restart)."""

    async def replay(
        text: str,
        *,
        start: datetime = MONDAY_9,
        edits: dict[str, list[tuple[str, str]]] | None = None,
        locale: str = "en",
    ) -> str:
        return said(await transcript(tmp_path, text, start=start, edits=edits, locale=locale))

    return replay
