"""`/stats` in chat: moderators only, the figures in the community's language, and a chart."""

from __future__ import annotations

import struct
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import pytest

from bot.adapters.memory import MemoryAdapter
from bot.app import Kenes
from bot.core.actions import ALL_ACTIONS, SendImage, SendMessage
from bot.core.clock import ManualClock
from bot.core.permissions import Level
from tests.auxil.app import make_config, running_app
from tests.auxil.rituals import rules_copy

MONDAY = datetime.fromisoformat("2026-01-12T10:00:00+05:00")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(MONDAY)


async def started(
    tmp_path: Path, memory: MemoryAdapter, clock: ManualClock, locale: str = "en"
) -> AsyncIterator[Kenes]:
    config = make_config(
        rules_dir=rules_copy(tmp_path),
        bot={"cogs": ["core", "moderation", "polls", "support", "metrics"]},
        defaults={"locale": locale, "timezone": "Asia/Almaty"},
    )
    async with running_app(tmp_path / "stats.db", config, [memory], clock) as app:
        yield app


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


async def test_stats_gives_the_figures_and_a_png_chart(tmp_path: Path, clock: ManualClock) -> None:
    memory = MemoryAdapter()
    async for _ in started(tmp_path, memory, clock):
        await memory.say("ann", "hello there")
        await memory.say("bob", "hi ann")
        done = await memory.say("mia", "/stats", level=Level.MODERATOR)
        [text] = [a.text for a in done if isinstance(a, SendMessage)]
        assert "📊 This week, Jan 12, 2026 – Jan 18, 2026" in text
        # ann and bob wrote; mia is present but only ran a command, which is not activity.
        assert "Active members: 2 of 3 (67 %)" in text
        assert "Messages: 2. Member posts: 2" in text
        assert "Support: no questions." in text
        assert "Ideas: no data yet." in text
        [image] = [a for a in done if isinstance(a, SendImage)]
        assert png_size(image.image) == (800, 400)
        assert image.caption == "The trend of the last 8 weeks."
        assert image.chat == memory.chat


async def test_a_member_cannot_ask_for_stats_and_a_bad_period_is_explained(
    tmp_path: Path, clock: ManualClock
) -> None:
    memory = MemoryAdapter()
    async for _ in started(tmp_path, memory, clock):
        refused = await memory.say("ann", "/stats")
        assert not any(isinstance(a, SendImage) for a in refused)
        assert not any("📊" in a.text for a in refused if isinstance(a, SendMessage))
        wrong = await memory.say("mia", "/stats year", level=Level.MODERATOR)
        assert [a.text for a in wrong if isinstance(a, SendMessage)] == [
            "Use /stats week or /stats month."
        ]


async def test_without_images_the_figures_still_come(tmp_path: Path, clock: ManualClock) -> None:
    memory = MemoryAdapter(capabilities=ALL_ACTIONS - {SendImage})
    async for _ in started(tmp_path, memory, clock):
        done = await memory.say("mia", "/stats month", level=Level.MODERATOR)
        [text] = [a.text for a in done if isinstance(a, SendMessage)]
        assert text.startswith("📊 This month, Jan 1, 2026 – Jan 31, 2026")


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        (
            "ru",
            ("📊 Эта неделя", "Поддержка: вопросов не было.", "Динамика за последние 8 недель."),
        ),
        ("kk", ("📊 Осы апта", "Қолдау: сұрақ болған жоқ.", "Соңғы 8 аптаның динамикасы.")),
    ],
)
async def test_stats_speaks_the_communitys_language(
    tmp_path: Path, clock: ManualClock, locale: str, expected: tuple[str, str, str]
) -> None:
    memory = MemoryAdapter()
    async for _ in started(tmp_path, memory, clock, locale):
        await memory.say("ann", "сәлем")
        await memory.say("mia", "/poll Шай? | иә | жоқ", level=Level.MODERATOR)
        done = await memory.say("mia", "/stats", level=Level.MODERATOR)
        [text] = [a.text for a in done if isinstance(a, SendMessage) and "📊" in a.text]
        [image] = [a for a in done if isinstance(a, SendImage)]
        title, support, caption = expected
        assert text.startswith(title)
        assert support in text
        assert "{" not in text  # every placeholder filled
        assert image.caption == caption


def test_the_ideas_line_agrees_with_its_median() -> None:
    # It read "median time to ship: — days" with nothing shipped, and "1 days".
    from bot.i18n import add_catalogue, remove_catalogue, t
    from cogs.metrics import FEATURE

    assert FEATURE.locales is not None
    add_catalogue(FEATURE.locales)
    counts = {"ideas": 2, "valid": 1, "shipped": 1}
    assert t("en", "metrics.product", days=1, **counts).endswith("median time to ship: 1 day.")
    assert t("en", "metrics.product", days=2.5, **counts).endswith("ship: 2.5 days.")
    none = t("en", "metrics.product_none", **counts)
    assert none.endswith("median time to ship: — (none shipped yet).")
    # Neither "1 votes and clicks from 1 members": the counts stand after a colon.
    content = t("en", "metrics.content", posts=1, responses=1, reach=1, clicks=0)
    assert "1 poll or tracked link; votes and clicks: 1, members who responded: 1." in content
    remove_catalogue(FEATURE.locales)
