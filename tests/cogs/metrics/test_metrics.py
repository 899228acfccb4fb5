"""Every metric on a small example computed by hand, on a real app and real SQLite."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select, update

from bot.core.published import Idea, NextStep, Period
from bot.core.refs import UserRef
from bot.db.models import ActivityCounter, ActivityRollup
from cogs.metrics.periods import span_of, spans_back, spans_between
from cogs.metrics.queries import percentile
from tests.auxil.web import free_port
from tests.cogs.metrics.harness import COGS, COMMUNITY, world

ALMATY = "+05:00"
FRIDAY_17_55 = datetime.fromisoformat(f"2026-01-09T17:55:00{ALMATY}")
MONDAY_9 = datetime.fromisoformat(f"2026-01-12T09:00:00{ALMATY}")


def at(text: str) -> datetime:
    return datetime.fromisoformat(f"{text}{ALMATY}")


async def test_first_response_across_a_weekend_in_working_hours(tmp_path: Path) -> None:
    """Working hours Mon-Fri 9-18, first-response target 2 h.

    #1 asked Fri 17:55, answered Mon 10:15: 5 min on Friday + 75 min on Monday = 80 min.
    #2 asked Mon 10:45, answered 13:45: 180 min (missed its 2 h and was escalated).
    Median (80+180)/2 = 130 min; p90 = 80 + 0.9 × 100 = 170 min; within SLA 1 of 2.
    Finished: #1 only, not escalated: 100 %. FAQ: 1 helped answer, 2 tickets: 1/3.
    """
    async with world(tmp_path, FRIDAY_17_55) as w:
        await w.play(
            """
            dana is moderator
            alice in #help: The export button does nothing
            +2d16h20m
            dana replies to 2: Try again now please
            dana in #staff: /resolve 1
            alice presses support:rate:1:up on 8
            +30m
            bob in #help: The report page is very slow today
            bob presses support:faq:yes:1 on 12
            cat in #help: My dashboard graph shows zeros
            +3h
            dana in #staff: /reply 2 We are on it
            """
        )
        where = await w.where()
        january = span_of("month", date(2026, 1, 12))
        found = await w.queries.dialogue(where, january)
        assert found is not None
        assert found.questions == 2
        assert found.frt_median_s == 130 * 60
        assert found.frt_p90_s == 170 * 60
        assert found.within_sla == 0.5
        assert found.unescalated == 1.0
        assert found.by_faq == 1 / 3
        assert found.rating == 5
        assert found.rated == 1
        # The week of Friday 9 January holds ticket #1 alone.
        first_week = await w.queries.dialogue(where, span_of("week", date(2026, 1, 9)))
        assert first_week is not None
        assert (first_week.questions, first_week.frt_median_s) == (1, 80 * 60)
        # Asking is activity: both askers count in the ledger.
        async with w.app.services.sessions() as session:
            asked = await session.scalar(select(func.sum(ActivityCounter.questions)))
        assert asked == 2


async def test_active_share_ugc_usefulness_joins_and_leaves(tmp_path: Path) -> None:
    """Week of Mon 12 Jan. Present: ann, bob, cat, dan, mia (5; dan left on Tuesday, still
    present that week). Active: ann and mia (wrote), bob and cat (reacted) = 4 of 5 = 80 %.
    Messages 3: ann's two are UGC, mia's is staff (not UGC); ann's first got two reactions:
    one useful post (counted once). Joined: ann, bob, cat, dan (4); left: dan (1)."""
    async with world(tmp_path, MONDAY_9, cogs=["core", "metrics"]) as w:
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
        where = await w.where()
        week = await w.queries.strength(where, span_of("week", date(2026, 1, 12)))
        assert (week.present, week.active) == (5, 4)
        assert week.active_share == 0.8
        assert (week.messages, week.ugc, week.useful_ugc) == (3, 2, 1)
        assert (week.joined, week.left) == (4, 1)
        day = await w.queries.strength(where, span_of("day", date(2026, 1, 13)))
        assert (day.active, day.messages, day.left) == (1, 1, 1)  # mia, on Tuesday


async def test_d7_and_d30_cohorts_across_a_month_boundary(tmp_path: Path) -> None:
    """Week of Mon 26 Jan – Sun 1 Feb (it spans the month boundary).

    ann first spoke Fri 30 Jan; active 6 Feb (day 7: D7) and 1 Mar (day 30: D30).
    bob first spoke Sun 1 Feb; active 7 Feb (day 6: too early) and 14 Feb (day 13: D7).
    cat joined Wed 28 Jan and was never active again.
    eve first spoke Sun 25 Jan: the week before, so not in this cohort.
    Cohort of 26 Jan: 3 members, D7 2 (67 %), D30 1 (33 %).
    """
    async with world(tmp_path, at("2026-03-20T12:00:00"), cogs=["core", "metrics"]) as w:
        ledger, ref = w.app.services.activity, COMMUNITY

        def spoke(name: str, when: str) -> None:
            moment = at(when)
            user = UserRef("console", name)
            ledger.seen(ref, user, name.capitalize(), False, moment)
            ledger.spoke(ref, user, moment)
            ledger.add(ref, name, ledger.day_of(ref, moment), "messages")

        spoke("eve", "2026-01-25T10:00:00")
        spoke("ann", "2026-01-30T10:00:00")
        spoke("bob", "2026-02-01T22:00:00")
        ledger.joined(ref, UserRef("console", "cat"), at("2026-01-28T10:00:00"))
        for name, when in (
            ("ann", "2026-02-06T10:00:00"),
            ("ann", "2026-03-01T10:00:00"),
            ("bob", "2026-02-07T10:00:00"),
            ("bob", "2026-02-14T10:00:00"),
            ("eve", "2026-02-01T10:00:00"),
        ):
            ledger.add(ref, name, ledger.day_of(ref, at(when)), "reactions")
        await ledger.flush()
        where = await w.where()
        weeks = spans_between("week", date(2026, 1, 19), date(2026, 2, 1))
        before, cohort = await w.queries.cohorts(where, weeks)
        assert (before.week, before.size, before.d7) == (date(2026, 1, 19), 1, 1)  # eve
        assert (cohort.week, cohort.size, cohort.d7, cohort.d30) == (date(2026, 1, 26), 3, 2, 1)
        assert cohort.d7_share == 2 / 3
        assert cohort.d30_share == 1 / 3
        assert cohort.d7_known
        assert cohort.d30_known


async def test_cohort_shares_are_not_final_until_their_window_is_over(tmp_path: Path) -> None:
    async with world(tmp_path, at("2026-02-03T12:00:00"), cogs=["core", "metrics"]) as w:
        await w.play("ann: hi")
        where = await w.where()
        [cohort] = await w.queries.cohorts(where, [span_of("week", date(2026, 2, 3))])
        assert (cohort.size, cohort.d7) == (1, 0)
        assert not cohort.d7_known
        assert not cohort.d30_known
        assert await w.queries.cohorts(where, []) == []


async def test_moderation_load_by_rule_by_week(tmp_path: Path) -> None:
    """Two blocklist removals on Monday and one the next Monday: 2 then 1 under rule "chat"."""
    # /blocklist is the settings feature's command.
    async with world(tmp_path, MONDAY_9, cogs=[*COGS, "settings"]) as w:
        await w.play(
            """
            mia is moderator
            mia: /blocklist add free crypto
            bob: get FREE CRYPTO here
            eve: free crypto for all
            +7d
            bob: free crypto again
            """
        )
        where = await w.where()
        load = await w.queries.moderation(where, span_of("month", date(2026, 1, 12)))
        assert load == {(date(2026, 1, 12), "chat"): 2, (date(2026, 1, 19), "chat"): 1}


async def test_polls_are_bot_posts_with_a_next_step_and_their_votes_convert(
    tmp_path: Path,
) -> None:
    """One poll; ann votes, then changes her vote; bob votes. A single-choice poll keeps one
    vote per member: 1 post, 2 votes from 2 members. No clicks yet (no tracked links)."""
    async with world(tmp_path, MONDAY_9) as w:
        out = await w.play(
            """
            mia is moderator
            mia: /poll Tea? | yes | no
            ann presses poll:1:0 on 2
            ann presses poll:1:1 on 2
            bob presses poll:1:0 on 2
            """
        )
        assert "Poll #1" in out
        where = await w.where()
        content = await w.queries.content(where, span_of("week", date(2026, 1, 12)))
        assert content is not None
        assert (content.posts, content.responses, content.reach) == (1, 2, 2)
        assert content.clicks is None  # tracked links are not there yet: no number made up
        async with w.app.services.sessions() as session:
            votes = await session.scalar(select(func.sum(ActivityCounter.votes)))
        assert votes == 3  # every press is a vote cast, the ledger's activity


async def test_tracked_link_clicks_come_in_through_the_links_seam(tmp_path: Path) -> None:
    """When the web server publishes its tracked links, their clicks are counted: 2 links with
    5 and 3 clicks; with no polls loaded they are the only next steps."""
    async with world(tmp_path, MONDAY_9, cogs=["core", "metrics"]) as w:

        async def links(period: Period) -> list[NextStep]:
            return [NextStep(MONDAY_9, "link", 5, 4), NextStep(MONDAY_9, "link", 3, 3)]

        w.app.services.published.next_steps.add("links", links)
        content = await w.queries.content(await w.where(), span_of("week", date(2026, 1, 12)))
        assert content is not None
        assert (content.posts, content.responses, content.reach, content.clicks) == (2, 8, 7, 8)


async def test_the_web_servers_tracked_links_publish_their_clicks(tmp_path: Path) -> None:
    """Web server on. A link shortened the week before (2 clicks) is not this week's. This
    week: a poll with 2 voters, link A opened 3 times, link B never. Posts 1 + 2 = 3;
    responses 2 votes + 3 clicks = 5; reach 2 (voters: opens of `/l/` are anonymous); clicks 3."""
    port = free_port()
    web = {"enabled": True, "port": port, "base_url": f"http://127.0.0.1:{port}"}
    week_before = MONDAY_9 - timedelta(days=7)
    async with world(tmp_path, week_before, cogs=["core", "polls", "metrics"], web=web) as w:
        where = await w.where()
        links = w.app.services.links
        old = await links.shorten(where.community_id, "https://example.org/old", "post:1")
        await w.app.advance(timedelta(days=7))
        await w.play(
            """
            mia is moderator
            mia: /poll Tea? | yes | no
            ann presses poll:1:0 on 2
            bob presses poll:1:1 on 2
            """
        )
        a = await links.shorten(where.community_id, "https://example.org/a", "post:2")
        await links.shorten(where.community_id, "https://example.org/b", "post:2")
        for short, opens in ((old, 2), (a, 3)):
            for _ in range(opens):
                assert await links.follow(short.rsplit("/", 1)[1]) is not None
        content = await w.queries.content(where, span_of("week", date(2026, 1, 12)))
        assert content is not None
        assert (content.posts, content.responses, content.reach, content.clicks) == (3, 5, 2, 3)


async def test_features_that_are_not_loaded_give_no_data(tmp_path: Path) -> None:
    async with world(tmp_path, MONDAY_9, cogs=["core", "metrics"]) as w:
        where = await w.where()
        week = span_of("week", date(2026, 1, 12))
        assert await w.queries.dialogue(where, week) is None
        assert await w.queries.moderation(where, week) is None
        assert await w.queries.content(where, week) is None
        assert await w.queries.product(where, week) is None


async def test_ideas_metrics_from_what_an_ideas_board_publishes(tmp_path: Path) -> None:
    """January: 3 ideas made, 1 declined (2 valid); 2 shipped in January, after 10 and 20
    days: median 15 days. One made in December and shipped in January counts as shipped."""
    async with world(tmp_path, MONDAY_9, cogs=["core", "metrics"]) as w:

        async def ideas(period: Period) -> list[Idea]:
            return [
                Idea(at("2026-01-02T10:00:00"), True, at("2026-01-12T10:00:00")),
                Idea(at("2026-01-05T10:00:00"), False, None),
                Idea(at("2026-01-20T10:00:00"), True, None),
                Idea(at("2025-12-22T10:00:00"), True, at("2026-01-11T10:00:00")),
            ]

        w.app.services.published.ideas.add("ideas", ideas)
        where = await w.where()
        product = await w.queries.product(where, span_of("month", date(2026, 1, 12)))
        assert product is not None
        assert (product.ideas, product.valid, product.shipped) == (3, 2, 2)
        assert product.median_days_to_ship == 15


async def test_a_closed_period_is_rolled_up_once_and_read_from_its_rollup(tmp_path: Path) -> None:
    async with world(tmp_path, MONDAY_9, cogs=["core", "metrics"]) as w:
        await w.play("ann: hi\nbob: hello")
        where = await w.where()
        week = span_of("week", date(2026, 1, 12))
        live = await w.queries.strength(where, week)
        assert live.active == 2
        async with w.app.services.sessions() as session:
            assert await session.scalar(select(func.count()).select_from(ActivityRollup)) == 0
        w.clock.advance(timedelta(days=7, minutes=5))  # the week is over and settled
        assert (await w.queries.strength(where, week)).active == 2
        async with w.app.services.sessions.begin() as session:
            assert await session.scalar(select(func.count()).select_from(ActivityRollup)) == 1
            # Rows written later (never, in practice) no longer change the closed week.
            await session.execute(update(ActivityCounter).values(messages=0, reactions=0))
        assert (await w.queries.strength(where, week)).active == 2


async def test_the_daily_job_rolls_up_every_communitys_closed_periods(tmp_path: Path) -> None:
    async with world(tmp_path, MONDAY_9, cogs=["core", "metrics"]) as w:
        await w.play("ann: hi")
        await w.app.advance(timedelta(days=1))  # past 00:30 UTC: the rollup job runs
        async with w.app.services.sessions() as session:
            kinds = set((await session.scalars(select(ActivityRollup.kind))).all())
        assert kinds == {"day", "week", "month"}
        async with w.app.services.sessions() as session:
            rolled = await session.scalar(
                select(ActivityRollup.active).where(
                    ActivityRollup.kind == "day", ActivityRollup.start == date(2026, 1, 12)
                )
            )
        assert rolled == 1


def test_periods_in_the_communitys_zone() -> None:
    week = span_of("week", date(2026, 1, 1))  # a Thursday
    assert (week.first, week.end) == (date(2025, 12, 29), date(2026, 1, 5))
    month = span_of("month", date(2026, 12, 31))
    assert (month.first, month.end) == (date(2026, 12, 1), date(2027, 1, 1))
    start, end = span_of("day", date(2026, 1, 12)).bounds("Asia/Almaty")
    assert start.isoformat() == "2026-01-12T00:00:00+05:00"
    assert end - start == timedelta(days=1)
    assert [s.first for s in spans_back("week", date(2026, 1, 14), 3)] == [
        date(2025, 12, 29),
        date(2026, 1, 5),
        date(2026, 1, 12),
    ]


def test_percentile_matches_a_spreadsheet() -> None:
    assert percentile([], 0.9) is None
    assert percentile([7.0], 0.9) == 7.0
    assert percentile([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0], 0.9) == 9.1
