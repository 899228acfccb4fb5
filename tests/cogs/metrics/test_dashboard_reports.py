"""The dashboard's `metrics.overview` and `metrics.community` reports on hand-worked weeks."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from bot.core.published import Period, Table
from cogs.metrics.dashboard import MAX_WEEKS
from tests.cogs.metrics.harness import COMMUNITY, ZONE, World, world

ALMATY = "+05:00"


def at(text: str) -> datetime:
    return datetime.fromisoformat(f"{text}{ALMATY}")


async def report(w: World, name: str, start: datetime) -> Table:
    query = w.app.services.published.reports.get(name)
    assert query is not None, f"{name} is not published"
    where = await w.where()
    found = await query(Period(COMMUNITY, where.community_id, "en", ZONE, start, w.clock.now()))
    assert found is not None
    return found


async def test_overview_has_first_response_per_week(tmp_path: Path) -> None:
    """Working hours Mon-Fri 9-18, target 2 h. #1 asked Fri 9 Jan 17:55, answered Mon 10:15:
    80 working minutes, in time. #2 asked Mon 12 Jan 10:45, answered 13:45: 180 minutes, late.
    Week of 5 Jan: median = p90 = 80, 100 % in time; week of 12 Jan: 180, 180, 0 %."""
    async with world(tmp_path, at("2026-01-09T17:55:00")) as w:
        await w.play(
            """
            dana is moderator
            alice in #help: The export button does nothing
            +2d16h20m
            dana replies to 2: Try again now please
            +30m
            cat in #help: My dashboard graph shows zeros
            +3h
            dana in #staff: /reply 2 We are on it
            """
        )
        table = await report(w, "metrics.overview", at("2026-01-05T00:00:00"))
        assert table.column("week") == ["2026-01-05", "2026-01-12"]
        assert table.column("frt_median") == [80, 180]
        assert table.column("frt_p90") == [80, 180]
        assert table.column("within_sla") == [100, 0]


async def test_active_share_joins_and_cohorts_by_week(tmp_path: Path) -> None:
    """Week of 12 Jan: ann, bob, cat, dan join; ann writes twice (one post gets reactions from
    bob and cat: useful), dan leaves on Tuesday, mia (staff) writes. Present 5, active 4 (80 %),
    member posts 2, useful 1; joined 4, left 1; new members 5 (four joined, mia first spoke).
    The week before is empty. No support desk: first-response cells are "no data"; D7 and
    D30 are not final yet: "no data" too."""
    async with world(tmp_path, at("2026-01-12T09:00:00"), cogs=["core", "metrics"]) as w:
        await w.play(
            """
            ann joins
            bob joins
            cat joins
            dan joins
            ann: hello, I found the fix for the export
            ann: it is in the settings
            bob reacts 👍 to 1
            cat reacts 🔥 to 1
            +1d
            dan leaves
            mia is moderator
            mia: welcome everyone
            """
        )
        overview = await report(w, "metrics.overview", at("2026-01-05T00:00:00"))
        assert overview.rows == (
            ("2026-01-05", 0, 0, None, 0, 0, None, None, None),
            ("2026-01-12", 5, 4, 80, 2, 1, None, None, None),
        )
        community = await report(w, "metrics.community", at("2026-01-05T00:00:00"))
        assert community.rows == (
            ("2026-01-05", 0, 0, 0, None, None),
            ("2026-01-12", 4, 1, 5, None, None),
        )
        # A year asked for still reads a bounded number of weeks.
        year = await report(w, "metrics.community", at("2025-01-13T00:00:00"))
        assert len(year.rows) == MAX_WEEKS
        assert year.rows[-1][0] == "2026-01-12"
