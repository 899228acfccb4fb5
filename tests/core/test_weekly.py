"""Weekly slots in a community's timezone, time expressions for /ama_open, and arming at load."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.adapters.memory import MemoryAdapter
from bot.core.clock import ManualClock
from bot.core.refs import CommunityRef
from bot.db.models import ScheduledJob
from bot.rules.models import WeeklySlot
from bot.weekly import next_weekly
from bot.when import parse_when
from cogs.heroes.models import HeroWeek
from tests.auxil.app import START, make_config, running_app
from tests.auxil.rituals_weekly import ritual_config

FRIDAY = WeeklySlot(weekday="friday", time="18:00")


def test_next_weekly_is_strictly_after_and_in_local_time() -> None:
    friday = datetime(2026, 1, 9, 13, 0, tzinfo=UTC)  # 18:00 in Almaty
    assert next_weekly(START, FRIDAY, "Asia/Almaty") == friday
    assert next_weekly(friday, FRIDAY, "Asia/Almaty") == friday + timedelta(days=7)
    assert next_weekly(friday - timedelta(seconds=1), FRIDAY, "Asia/Almaty") == friday
    assert next_weekly(START, FRIDAY, "Europe/Moscow") == datetime(2026, 1, 9, 15, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "start", "topic"),
    [
        ("Roadmap", datetime(2026, 1, 9, 13, tzinfo=UTC), "Roadmap"),
        ("2h Release day", START + timedelta(hours=2), "Release day"),
        ("20:30 Evening chat", datetime(2026, 1, 5, 15, 30, tzinfo=UTC), "Evening chat"),
        ("10:00 Morning", datetime(2026, 1, 6, 5, tzinfo=UTC), "Morning"),
        ("wed 12:00 Lunch", datetime(2026, 1, 7, 7, tzinfo=UTC), "Lunch"),
        ("жм Жұма сұрақтары", datetime(2026, 1, 9, 13, tzinfo=UTC), "жм Жұма сұрақтары"),
        ("пт 19:00 Вопросы", datetime(2026, 1, 9, 14, tzinfo=UTC), "Вопросы"),
        ("2026-01-20 Later", datetime(2026, 1, 20, 13, tzinfo=UTC), "Later"),
    ],
)
def test_parse_when(text: str, start: datetime, topic: str) -> None:
    assert parse_when(text, START, "Asia/Almaty", FRIDAY) == (start, topic)


def test_parse_when_rejects_impossible_dates() -> None:
    with pytest.raises(ValueError, match="month"):
        parse_when("2026-13-01 Nope", START, "Asia/Almaty", FRIDAY)


async def test_loading_the_cogs_arms_weekly_jobs_for_known_communities(
    tmp_path: Path, clock: ManualClock
) -> None:
    db = tmp_path / "kenes.db"
    memory = MemoryAdapter()
    async with running_app(db, make_config(), [memory], clock):
        await memory.say("alice", "hello")  # only the core cog: the community is recorded
    async with running_app(db, ritual_config(), [MemoryAdapter()], clock) as app:
        kinds = sorted(job.kind for job in await app.scheduler.pending())
        keys = sorted(job.key or "" for job in await app.scheduler.pending())
    assert kinds == ["ama.weekly", "digest.publish", "heroes.announce"]
    assert "heroes.announce:memory:c1:2026-W02" in keys


async def test_a_community_on_a_platform_not_running_is_skipped_and_kept_armed(
    tmp_path: Path, clock: ManualClock
) -> None:
    db = tmp_path / "kenes.db"
    telegram = CommunityRef("telegram", "-1001234567890")
    async with running_app(db, make_config(), [MemoryAdapter()], clock) as app:
        await app.services.directory.id_for(telegram)
    async with running_app(db, ritual_config(), [MemoryAdapter()], clock) as app:
        await app.advance(timedelta(days=7))
        pending = await app.scheduler.pending()
        async with app.services.sessions() as session:
            weeks = await session.scalar(select(func.count()).select_from(HeroWeek))
            failed = await session.scalar(
                select(func.count()).select_from(ScheduledJob).where(ScheduledJob.status != "done")
            )
    assert weeks == 0
    assert sorted(job.kind for job in pending) == [
        "ama.weekly",
        "digest.publish",
        "heroes.announce",
    ]
    assert all(job.due_at > START + timedelta(days=7) for job in pending)
    assert failed == len(pending)  # every other job finished cleanly
