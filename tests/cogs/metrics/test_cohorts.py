"""The kept cohorts (`metrics_cohorts`) equal the cohorts computed from the ledger alone, and a
plain count over every stored row, on a seeded random community, as weeks become final."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select

from bot.core.refs import UserRef
from bot.db.models import ActivityCounter, Member
from cogs.metrics.models import CohortWeek
from cogs.metrics.periods import span_of, spans_between
from cogs.metrics.queries import Cohort, Where
from tests.cogs.metrics.harness import COMMUNITY, ZONE, World, world

START = datetime(2026, 1, 5, 9, 0, tzinfo=ZoneInfo(ZONE))  # a Monday
WEEKS = 16


async def by_hand(w: World, where: Where, weeks: list[date]) -> list[tuple[int, int, int]]:
    """(size, d7, d30) per week, counted in Python over every members and ledger row."""
    zone = ZoneInfo(ZONE)
    async with w.app.services.sessions() as session:
        members = (
            await session.execute(
                select(Member.user_id, Member.joined_at, Member.first_spoke_at).where(
                    Member.community_id == where.community_id, Member.is_bot.is_(False)
                )
            )
        ).all()
        rows = await session.scalars(select(ActivityCounter))
        active: set[tuple[str, date]] = {
            (r.user_id, r.day) for r in rows if r.messages + r.reactions + r.votes + r.questions > 0
        }
    found = []
    for monday in weeks:
        size = d7 = d30 = 0
        for user, joined, spoke in members:
            moments = [m for m in (joined, spoke) if m is not None]
            if not moments:
                continue
            first = min(moments).astimezone(zone).date()
            if not monday <= first < monday + timedelta(days=7):
                continue
            size += 1
            d7 += any((user, first + timedelta(days=n)) in active for n in range(7, 14))
            d30 += any((user, first + timedelta(days=n)) in active for n in range(30, 37))
        found.append((size, d7, d30))
    return found


def figures(cohorts: list[Cohort]) -> list[tuple[int, int, int, bool, bool]]:
    return [(c.size, c.d7, c.d30, c.d7_known, c.d30_known) for c in cohorts]


async def test_kept_cohorts_equal_the_ledger_on_random_data(tmp_path: Path) -> None:
    rng = random.Random(14)
    last = START + timedelta(weeks=WEEKS)
    async with world(tmp_path, last + timedelta(days=2), cogs=["core", "metrics"]) as w:
        ledger, ref = w.app.services.activity, COMMUNITY
        for n in range(80):
            user = UserRef("console", f"m{n}")
            first = START + timedelta(minutes=rng.randrange(WEEKS * 7 * 1440))
            ledger.seen(ref, user, f"M{n}", False, first)
            if rng.random() < 0.5:
                ledger.joined(ref, user, first)
            else:
                ledger.spoke(ref, user, first)
                ledger.add(ref, user.id, ledger.day_of(ref, first), "messages")
            for day in range(1, 60):
                if rng.random() < 0.15:
                    moment = first + timedelta(days=day)
                    signal = rng.choice(("messages", "reactions", "votes", "commands"))
                    ledger.add(ref, user.id, ledger.day_of(ref, moment), signal)
        await ledger.flush()
        where = await w.where()
        weeks = spans_between("week", START.date(), (last - timedelta(days=1)).date())
        assert len(weeks) == WEEKS
        mondays = [s.first for s in weeks]
        expected = await by_hand(w, where, mondays)
        assert sum(size for size, _, _ in expected) == 80
        assert any(d7 for _, d7, _ in expected)
        assert any(d30 for _, _, d30 in expected)
        kept_before = None
        # Each week the clock moves on, more weeks become final and are kept; the figures
        # never change, and equal the live reference and the count by hand.
        for step in range(9):
            first_read = await w.queries.cohorts(where, weeks)
            again = await w.queries.cohorts(where, weeks)
            live = await w.queries.live_cohorts(where, weeks)
            assert figures(first_read) == figures(again) == figures(live)
            assert [(c.size, c.d7, c.d30) for c in first_read] == expected
            async with w.app.services.sessions() as session:
                kept = await session.scalar(select(func.count()).select_from(CohortWeek))
                whole = await session.scalar(
                    select(func.count()).where(CohortWeek.d30.is_not(None))
                )
            assert kept is not None
            assert whole is not None
            if kept_before is not None:
                assert kept >= kept_before
            kept_before = kept
            if step == 8:
                # Eight weeks on, the D30 of all but the last weeks is final and kept.
                assert whole >= WEEKS - 6
                assert kept == WEEKS
            w.clock.advance(timedelta(weeks=1))
        # A kept figure is read, not computed again: rows removed from the ledger no longer
        # change it (which is why only final weeks are kept).
        async with w.app.services.sessions.begin() as session:
            await session.execute(delete(ActivityCounter))
        [oldest] = await w.queries.cohorts(where, weeks[:1])
        assert (oldest.size, oldest.d7, oldest.d30) == expected[0]
        assert oldest.d7_known
        assert oldest.d30_known


async def test_an_open_week_is_not_kept(tmp_path: Path) -> None:
    """A week whose D7 is not final is never kept; its D7 kept once final; D30 later."""
    monday = date(2026, 2, 2)
    async with world(tmp_path, START + timedelta(weeks=4), cogs=["core", "metrics"]) as w:
        await w.play("ann: hi")
        where = await w.where()
        week = span_of("week", w.clock.now().date())

        async def kept() -> list[tuple[int, int, int | None]]:
            async with w.app.services.sessions() as session:
                rows = await session.scalars(select(CohortWeek))
                return [(r.size, r.d7, r.d30) for r in rows]

        assert week.first == monday
        await w.queries.cohorts(where, [week])
        assert await kept() == []
        w.clock.advance(timedelta(days=20))  # day 13 after Sunday's first days is over
        [cohort] = await w.queries.cohorts(where, [week])
        assert (cohort.d7_known, cohort.d30_known) == (True, False)
        assert await kept() == [(1, 0, None)]
        w.clock.advance(timedelta(days=23))
        [cohort] = await w.queries.cohorts(where, [week])
        assert (cohort.d7_known, cohort.d30_known) == (True, True)
        assert await kept() == [(1, 0, 0)]


async def test_the_daily_job_keeps_cohorts_that_became_final(tmp_path: Path) -> None:
    """ann first spoke Mon 12 Jan; that week's D7 is final once Sat 31 Jan is over, and the
    daily rollup job of Sun 1 Feb keeps it without anyone opening a page."""
    async with world(tmp_path, START + timedelta(weeks=1), cogs=["core", "metrics"]) as w:
        await w.play("ann: hi")
        await w.app.advance(timedelta(days=19))
        # Earlier, empty weeks are kept too (size 0); ann's week is not final yet.
        newcomers = select(CohortWeek).where(CohortWeek.size > 0)
        async with w.app.services.sessions() as session:
            assert (await session.scalars(newcomers)).all() == []
        await w.app.advance(timedelta(days=2))
        async with w.app.services.sessions() as session:
            rows = (await session.scalars(newcomers)).all()
        assert [(r.week, r.size, r.d7, r.d30) for r in rows] == [(date(2026, 1, 12), 1, 0, None)]
