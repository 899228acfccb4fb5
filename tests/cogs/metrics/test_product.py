"""Ideas metrics from what the ideas board publishes, on a console transcript."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from cogs.metrics.periods import span_of
from tests.cogs.metrics.harness import world

ALMATY = "+05:00"


def at(text: str) -> datetime:
    return datetime.fromisoformat(f"{text}{ALMATY}")


async def test_ideas_per_month_valid_shipped_and_days_to_ship(tmp_path: Path) -> None:
    """#1 is posted Mon 29 Dec and shipped Mon 12 Jan (14 days). On 12 Jan come #2, #3, #4:
    #3 is declined and #4 merged into #2 as a duplicate (neither is valid). #2 ships on
    22 Jan (10 days), goes back to "in progress" and ships again: its first ship counts.

    December: 1 idea, 1 valid, none shipped. January: 3 ideas, 1 valid, 2 shipped
    (#1 and #2), median days to ship (14 + 10) / 2 = 12.
    """
    async with world(tmp_path, at("2025-12-29T09:00:00"), cogs=["core", "metrics", "ideas"]) as w:
        out = await w.play(
            """
            mia is moderator
            alice: /idea Dark mode for the app
            +14d
            mia: /idea_status 1 shipped
            bob: /idea Weekly office hours
            cat: /idea Export invoices to a spreadsheet
            dan: /idea Invite a guest speaker every quarter
            mia: /idea_status 3 declined out of scope this year
            mia: /idea_status 4 duplicate 2
            +10d
            mia: /idea_status 2 shipped
            +1d
            mia: /idea_status 2 started
            +1d
            mia: /idea_status 2 shipped
            """
        )
        assert "Idea #4" in out
        where = await w.where()
        december = await w.queries.product(where, span_of("month", date(2025, 12, 1)))
        assert december is not None
        assert (december.ideas, december.valid, december.shipped) == (1, 1, 0)
        assert december.median_days_to_ship is None
        january = await w.queries.product(where, span_of("month", date(2026, 1, 1)))
        assert january is not None
        assert (january.ideas, january.valid, january.shipped) == (3, 1, 2)
        assert january.median_days_to_ship == 12
        # The week of 19 January: #2 shipped first on the 22nd; nothing was posted.
        week = await w.queries.product(where, span_of("week", date(2026, 1, 19)))
        assert week is not None
        assert (week.ideas, week.shipped, week.median_days_to_ship) == (0, 1, 10)


async def test_the_ideas_records_are_withdrawn_on_unload(tmp_path: Path) -> None:
    async with world(tmp_path, at("2026-01-12T09:00:00"), cogs=["core", "metrics", "ideas"]) as w:
        published = w.app.services.published
        assert published.ideas.get("ideas") is not None
        assert published.reports.get("ideas.board") is not None
        await w.app.cogs.unload_extension("cogs.ideas")
        assert published.ideas.get("ideas") is None
        assert published.reports.get("ideas.board") is None
        where = await w.where()
        assert await w.queries.product(where, span_of("month", date(2026, 1, 1))) is None
