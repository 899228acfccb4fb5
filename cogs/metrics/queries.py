"""The metrics' typed queries: what `/stats`, `kenes report` and the dashboard call.

Everything is computed from stored data, never from raw messages: the core activity ledger
(`activity_counters`, one row per member per local day) and the members table for community
strength; the support desk, moderation, polls and ideas through the queries they publish
(`bot/core/published.py`). A closed period's ledger sums are kept in `activity_rollups`, so a
trend of a year reads one row per period; the open period is always read live.

A figure that has no source is None ("no data"), never a made-up zero: the ideas board
publishes "ideas" while it is loaded; tracked-link clicks come from the web server's `/l/<id>`.
The dashboard's reports built on these are in `dashboard.py`.
"""

from __future__ import annotations

import statistics
from collections import Counter, OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from sqlalchemy import and_, case, distinct, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.published import Idea, NextStep, Period, Published, Question
from bot.core.refs import CommunityRef
from bot.db.dialect import insert_for
from bot.db.models import ActivityCounter, ActivityRollup, Member
from cogs.metrics.models import BotPostsDay, CohortWeek
from cogs.metrics.periods import Span, span_of

# A closed period is rolled up this long after its end: the ledger writes what it counted
# within a second or so (a crash loses at most that), so later rows cannot change it.
SETTLED = timedelta(minutes=5)
# D7 and D30 return: active again on any day of the week that starts 7 (30) days after the
# member's first day (the day they joined or first spoke, whichever came first).
RETURN_WINDOW = 7
IN_CHUNKS = 500  # ids per IN (...) list
# An open period's live figures are reused this long (a page reads the open week more than
# once), for at most this many (community, period) pairs.
LIVE_FOR = timedelta(seconds=30)
LIVE_KEPT = 256


@dataclass(frozen=True)
class Where:
    """The community a query is about: its ref, database id, time zone and locale."""

    ref: CommunityRef
    community_id: int
    timezone: str
    locale: str = "en"

    def period(self, span: Span) -> Period:
        start, end = span.bounds(self.timezone)
        return Period(self.ref, self.community_id, self.locale, self.timezone, start, end)


@dataclass(frozen=True)
class Strength:
    """Community strength over one period, from the ledger."""

    span: Span
    active: int  # members who wrote, voted, reacted or asked
    present: int  # members there at some time in the period (bots not counted)
    messages: int
    ugc: int  # messages by members who are not staff or bots
    useful_ugc: int  # of those, messages with a usefulness signal
    joined: int
    left: int

    @property
    def active_share(self) -> float | None:
        return self.active / self.present if self.present else None


@dataclass(frozen=True)
class Cohort:
    """Members whose first day (joined or first spoke) is in the week starting `week`."""

    week: date
    size: int
    d7: int  # active again in days 7..13 after their first day
    d30: int  # active again in days 30..36
    d7_known: bool  # whether day 13 (36) of every member is over, so the share is final
    d30_known: bool

    @property
    def d7_share(self) -> float | None:
        return self.d7 / self.size if self.size else None

    @property
    def d30_share(self) -> float | None:
        return self.d30 / self.size if self.size else None


@dataclass(frozen=True)
class DialogueFigures:
    """The support desk's period: first response in working hours and its outcomes."""

    questions: int
    answered: int
    frt_median_s: float | None
    frt_p90_s: float | None
    within_sla: float | None  # share of questions answered (or still waiting) within target
    unescalated: float | None  # share of finished questions closed without escalation
    by_faq: float | None  # FAQ answers that helped, over those plus questions asked
    rating: float | None
    rated: int


@dataclass(frozen=True)
class ContentFigures:
    """Bot posts with a next step, and what they brought (polls, tracked links)."""

    posts: int
    responses: int  # votes, replies, clicks
    reach: int  # members who took the step (summed over posts)
    # Clicks on tracked links: None while the web server (`/l/<id>`) is off (no "links").
    clicks: int | None


@dataclass(frozen=True)
class PostFigures:
    """The bot's own posts in community chats, and how many asked for a next step."""

    posts: int
    with_step: int
    by_kind: dict[str, int]  # next-step kind -> posts ("" not included)

    @property
    def share(self) -> float | None:
        return _share(self.with_step, self.posts)


@dataclass(frozen=True)
class ProductFigures:
    ideas: int
    valid: int
    shipped: int
    median_days_to_ship: float | None


def _dialogue(questions: Sequence[Question], faq_helped: int) -> DialogueFigures:
    answered = [float(q.first_response_s) for q in questions if q.first_response_s is not None]
    measured = [q for q in questions if q.target_s is not None]
    within = sum(1 for q in measured if q.target_s is not None and q.waited_s <= q.target_s)
    finished = [q for q in questions if q.finished]
    ratings = [q.rating for q in questions if q.rating is not None]
    return DialogueFigures(
        questions=len(questions),
        answered=len(answered),
        frt_median_s=statistics.median(answered) if answered else None,
        frt_p90_s=percentile(answered, 0.9),
        within_sla=_share(within, len(measured)),
        unescalated=_share(sum(1 for q in finished if not q.escalated), len(finished)),
        by_faq=_share(faq_helped, faq_helped + len(questions)),
        rating=statistics.mean(ratings) if ratings else None,
        rated=len(ratings),
    )


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def percentile(values: Sequence[float], share: float) -> float | None:
    """The `share` quantile (linear between closest ranks, as a spreadsheet's PERCENTILE)."""
    if not values:
        return None
    if len(values) == 1:
        return float(values[0])
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return cuts[round(share * 100) - 1]


def _from_rollup(span: Span, row: ActivityRollup) -> Strength:
    return Strength(
        span, row.active, row.present, row.messages, row.ugc, row.useful_ugc, row.joined,
        row.left,
    )  # fmt: skip


def _known(week: Span, today: date) -> tuple[bool, bool]:
    """Whether a week's D7 and D30 shares are final: day 13 (36) of its last member is over."""
    last_first = week.end - timedelta(days=1)
    return (
        today > last_first + timedelta(days=6 + RETURN_WINDOW),
        today > last_first + timedelta(days=29 + RETURN_WINDOW),
    )


_ACTIVE = (
    ActivityCounter.messages
    + ActivityCounter.reactions
    + ActivityCounter.votes
    + ActivityCounter.questions
) > 0


class MetricsQueries:
    """Typed reads for one process; every method takes the community as a `Where`."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        published: Published,
        now: Callable[[], datetime],
    ) -> None:
        self._sessions = sessions
        self._published = published
        self._now = now
        # Open periods read live lately: (community id, span) -> (when, figures).
        self._open: OrderedDict[tuple[int, Span], tuple[datetime, Strength]] = OrderedDict()

    # -- community strength -------------------------------------------------------------------

    def _closed(self, where: Where, span: Span) -> bool:
        return span.bounds(where.timezone)[1] + SETTLED <= self._now()

    async def strength(self, where: Where, span: Span) -> Strength:
        """Active share, UGC, joins and leaves of one period (a closed one from its rollup)."""
        closed = self._closed(where, span)
        if closed:
            async with self._sessions() as session:
                row = await session.get(ActivityRollup, (where.community_id, span.kind, span.first))
            if row is not None:
                return _from_rollup(span, row)
        key = (where.community_id, span)
        cached = self._open.get(key)
        now = self._now()
        if cached is not None and now - cached[0] < LIVE_FOR:
            return cached[1]
        figures = await self._live(where, span)
        if closed:
            await self._keep(where, figures)
        else:
            # A page asks for the open week several times (figures, trend): read it once.
            self._open[key] = (now, figures)
            while len(self._open) > LIVE_KEPT:
                self._open.popitem(last=False)
        return figures

    def forget_live(self) -> None:
        """Drop the open periods' live figures kept for reuse (a fresh page view)."""
        self._open.clear()

    async def trend(self, where: Where, spans: Sequence[Span]) -> list[Strength]:
        """Strength of each span: closed ones from their rollups, read in one query; a
        missing rollup is computed (and kept), the open period read live."""
        kinds = {s.kind for s in spans}
        kept: dict[tuple[str, date], ActivityRollup] = {}
        if spans:
            async with self._sessions() as session:
                rows = await session.scalars(
                    select(ActivityRollup).where(
                        ActivityRollup.community_id == where.community_id,
                        ActivityRollup.kind.in_(kinds),
                        ActivityRollup.start >= min(s.first for s in spans),
                        ActivityRollup.start <= max(s.first for s in spans),
                    )
                )
                kept = {(r.kind, r.start): r for r in rows}
        found = []
        for span in spans:
            row = kept.get((span.kind, span.first))
            if row is not None and self._closed(where, span):
                found.append(_from_rollup(span, row))
            else:
                found.append(await self.strength(where, span))
        return found

    async def _live(self, where: Where, span: Span) -> Strength:
        c = ActivityCounter
        start, end = span.bounds(where.timezone)
        async with self._sessions() as session:
            row = (
                await session.execute(
                    select(
                        func.count(distinct(case((_ACTIVE, c.user_id)))),
                        func.coalesce(func.sum(c.messages), 0),
                        func.coalesce(func.sum(c.ugc), 0),
                        func.coalesce(func.sum(c.useful_ugc), 0),
                        func.count(distinct(case((c.joins > 0, c.user_id)))),
                        func.count(distinct(case((c.leaves > 0, c.user_id)))),
                    ).where(
                        c.community_id == where.community_id,
                        c.day >= span.first,
                        c.day < span.end,
                        c.bot == 0,
                    )
                )
            ).one()
            arrived = func.coalesce(Member.joined_at, Member.first_seen_at)
            present = await session.scalar(
                select(func.count()).where(
                    Member.community_id == where.community_id,
                    Member.is_bot.is_(False),
                    arrived < end,
                    or_(Member.left_at.is_(None), Member.left_at >= start),
                )
            )
        active, messages, ugc, useful, joined, left = (int(v) for v in row)
        return Strength(span, active, int(present or 0), messages, ugc, useful, joined, left)

    async def _keep(self, where: Where, figures: Strength) -> None:
        values = {
            "community_id": where.community_id,
            "kind": figures.span.kind,
            "start": figures.span.first,
            "active": figures.active,
            "present": figures.present,
            "messages": figures.messages,
            "ugc": figures.ugc,
            "useful_ugc": figures.useful_ugc,
            "joined": figures.joined,
            "left": figures.left,
            "computed_at": self._now(),
        }
        async with self._sessions.begin() as session:
            stmt = insert_for(session, ActivityRollup).values(**values)
            await session.execute(
                stmt.on_conflict_do_nothing(index_elements=["community_id", "kind", "start"])
            )

    async def cohorts(self, where: Where, weeks: Sequence[Span]) -> list[Cohort]:
        """D7 and D30 return of the members whose first day falls in each week.

        A week whose D7 (D30) can no longer change is read from `metrics_cohorts`, or computed
        once and kept there; only the last few weeks are computed live from the ledger. The
        result is the same as `live_cohorts` (tests compare them on random data).
        """
        if not weeks:
            return []
        zone = weeks[0].bounds(where.timezone)[0].tzinfo
        now = self._now()
        today = now.astimezone(zone).date()
        async with self._sessions() as session:
            stored = {
                row.week: row
                for row in await session.scalars(
                    select(CohortWeek).where(
                        CohortWeek.community_id == where.community_id,
                        CohortWeek.week >= min(w.first for w in weeks),
                        CohortWeek.week <= max(w.first for w in weeks),
                    )
                )
            }
        # Only the weeks not fully kept need their members (one read of the members table).
        missing = [w for w in weeks if w.first not in stored or stored[w.first].d30 is None]
        firsts = await self._firsts(where, missing)
        found: list[Cohort] = []
        for week in weeks:
            row = stored.get(week.first)
            d7_known, d30_known = _known(week, today)
            if row is not None and row.d30 is not None:
                found.append(Cohort(week.first, row.size, row.d7, row.d30, True, True))
                continue
            members = {u: d for u, d in firsts.items() if week.first <= d < week.end}
            if row is not None:
                size, d7 = row.size, row.d7
            else:
                size, d7 = len(members), await self._returned(where, members, 7)
            d30 = await self._returned(where, members, 30)
            cohort = Cohort(week.first, size, d7, d30, d7_known, d30_known)
            found.append(cohort)
            await self._keep_cohort(where, cohort, row, now, zone)
        return found

    async def live_cohorts(self, where: Where, weeks: Sequence[Span]) -> list[Cohort]:
        """The cohorts computed from the ledger alone, ignoring what is kept (the reference
        the kept figures must equal)."""
        if not weeks:
            return []
        zone = weeks[0].bounds(where.timezone)[0].tzinfo
        today = self._now().astimezone(zone).date()
        firsts = await self._firsts(where, weeks)
        found = []
        for week in weeks:
            members = {u: d for u, d in firsts.items() if week.first <= d < week.end}
            d7 = await self._returned(where, members, 7)
            d30 = await self._returned(where, members, 30)
            found.append(Cohort(week.first, len(members), d7, d30, *_known(week, today)))
        return found

    async def _firsts(self, where: Where, weeks: Sequence[Span]) -> dict[str, date]:
        """Each member's first local day (joined or first spoke), for those in the weeks."""
        if not weeks:
            return {}
        start = min(w.first for w in weeks)
        start_at = min(w.bounds(where.timezone)[0] for w in weeks)
        end_at = max(w.bounds(where.timezone)[1] for w in weeks)
        async with self._sessions() as session:
            rows = (
                await session.execute(
                    select(Member.user_id, Member.joined_at, Member.first_spoke_at).where(
                        Member.community_id == where.community_id,
                        Member.is_bot.is_(False),
                        or_(
                            and_(Member.joined_at >= start_at, Member.joined_at < end_at),
                            and_(Member.first_spoke_at >= start_at, Member.first_spoke_at < end_at),
                        ),
                    )
                )
            ).all()
        firsts: dict[str, date] = {}
        wanted = {w.first for w in weeks}
        for user_id, joined, spoke in rows:
            first = min(t for t in (joined, spoke) if t is not None)
            if start_at <= first < end_at:
                day = first.astimezone(start_at.tzinfo).date()
                if span_of("week", day).first in wanted and day >= start:
                    firsts[user_id] = day
        return firsts

    async def _keep_cohort(
        self,
        where: Where,
        cohort: Cohort,
        row: CohortWeek | None,
        now: datetime,
        zone: tzinfo | None,
    ) -> None:
        """Keep what of the cohort can no longer change: its D7 once day 13 of its last member
        is over and settled (the ledger's last flush is in), its D30 once day 36 is."""
        last_first = cohort.week + timedelta(days=6)

        def settled(days: int) -> bool:
            over = datetime.combine(last_first + timedelta(days=days + 1), time(), tzinfo=zone)
            return over + SETTLED <= now

        d7_final = settled(6 + RETURN_WINDOW)
        d30_final = settled(29 + RETURN_WINDOW)
        if not d7_final or (row is not None and not d30_final):
            return
        d30 = cohort.d30 if d30_final else None
        async with self._sessions.begin() as session:
            if row is None:
                stmt = insert_for(session, CohortWeek).values(
                    community_id=where.community_id, week=cohort.week, size=cohort.size,
                    d7=cohort.d7, d30=d30, computed_at=now,
                )  # fmt: skip
                await session.execute(
                    stmt.on_conflict_do_nothing(index_elements=["community_id", "week"])
                )
            else:
                await session.execute(
                    update(CohortWeek)
                    .where(
                        CohortWeek.community_id == where.community_id,
                        CohortWeek.week == cohort.week,
                    )
                    .values(d30=d30, computed_at=now)
                )

    async def _returned(self, where: Where, firsts: dict[str, date], after: int) -> int:
        """How many of these members were active on any of days `after` .. `after` + 6 after
        their first day. One range per query, so the (community, member) index seeks
        straight to those days (an OR of two ranges would read all of each member's days)."""
        if not firsts:
            return 0
        low = min(firsts.values()) + timedelta(days=after)
        high = max(firsts.values()) + timedelta(days=after + RETURN_WINDOW)
        ids = sorted(firsts)
        back: set[str] = set()
        async with self._sessions() as session:
            for at in range(0, len(ids), IN_CHUNKS):
                rows = await session.execute(
                    select(ActivityCounter.user_id, ActivityCounter.day).where(
                        ActivityCounter.community_id == where.community_id,
                        ActivityCounter.user_id.in_(ids[at : at + IN_CHUNKS]),
                        ActivityCounter.day >= low,
                        ActivityCounter.day < high,
                        _ACTIVE,
                    )
                )
                for user_id, day in rows:
                    if after <= (day - firsts[user_id]).days < after + RETURN_WINDOW:
                        back.add(user_id)
        return len(back)

    # -- published by other features ----------------------------------------------------------

    async def dialogue(self, where: Where, span: Span) -> DialogueFigures | None:
        """None when no support desk publishes its dialogue."""
        found = await self.dialogue_by(where, [span])
        return None if found is None else found[0]

    async def dialogue_by(
        self, where: Where, spans: Sequence[Span]
    ) -> list[DialogueFigures] | None:
        """The dialogue of each span, asked of the support desk once for all of them."""
        query = self._published.dialogue.get("support")
        if query is None:
            return None
        if not spans:
            return []
        whole = Span(min(s.first for s in spans), max(s.end for s in spans), spans[0].kind)
        found = await query(where.period(whole))
        figures = []
        for span in spans:
            start, end = span.bounds(where.timezone)
            questions = [q for q in found.questions if start <= q.asked_at < end]
            helped = sum(1 for at in found.faq_helped if start <= at < end)
            figures.append(_dialogue(questions, helped))
        return figures

    async def moderation(self, where: Where, span: Span) -> dict[tuple[date, str], int] | None:
        """Cases that count, by (local Monday of the week, rule); None without moderation."""
        query = self._published.cases.get("moderation")
        if query is None:
            return None
        period = where.period(span)
        zone = period.start.tzinfo
        load: Counter[tuple[date, str]] = Counter()
        for case_ in await query(period):
            day = case_.at.astimezone(zone).date()
            load[(span_of("week", day).first, case_.rule)] += 1
        return dict(load)

    async def content(self, where: Where, span: Span) -> ContentFigures | None:
        """Bot posts with a next step (polls today); None when no feature publishes any."""
        polls = self._published.next_steps.get("polls")
        links = self._published.next_steps.get("links")
        if polls is None and links is None:
            return None
        steps: list[NextStep] = []
        clicks = None
        if polls is not None:
            steps.extend(await polls(where.period(span)))
        if links is not None:  # the seam for tracked links: their clicks are the responses
            linked = await links(where.period(span))
            steps.extend(linked)
            clicks = sum(s.responses for s in linked)
        return ContentFigures(
            posts=len(steps),
            responses=sum(s.responses for s in steps),
            reach=sum(s.reach for s in steps),
            clicks=clicks,
        )

    async def bot_posts(self, where: Where, span: Span) -> PostFigures:
        """The bot's posts in the period (as written by the post counter's last flush)."""
        async with self._sessions() as session:
            rows = (
                await session.execute(
                    select(BotPostsDay.kind, func.sum(BotPostsDay.posts))
                    .where(
                        BotPostsDay.community_id == where.community_id,
                        BotPostsDay.day >= span.first,
                        BotPostsDay.day < span.end,
                    )
                    .group_by(BotPostsDay.kind)
                )
            ).all()
        by_kind = {kind: int(n) for kind, n in rows if kind}
        total = sum(int(n) for _, n in rows)
        return PostFigures(total, sum(by_kind.values()), by_kind)

    async def product(self, where: Where, span: Span) -> ProductFigures | None:
        """Ideas metrics; None ("no data") until an ideas board publishes "ideas"."""
        query = self._published.ideas.get("ideas")
        if query is None:
            return None
        period = where.period(span)
        ideas: list[Idea] = await query(period)
        made = [i for i in ideas if period.start <= i.created_at < period.end]
        shipped = [
            i
            for i in ideas
            if i.shipped_at is not None and period.start <= i.shipped_at < period.end
        ]
        days = [
            (i.shipped_at - i.created_at).total_seconds() / 86400
            for i in shipped
            if i.shipped_at is not None
        ]
        return ProductFigures(
            ideas=len(made),
            valid=sum(1 for i in made if i.valid),
            shipped=len(shipped),
            median_days_to_ship=statistics.median(days) if days else None,
        )
