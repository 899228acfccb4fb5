"""The dashboard's metrics reports: `metrics.overview` (active share, UGC, first response) and
`metrics.community` (new members, leavers, D7/D30 return), one row per community-local week.

Each report reads at most `MAX_WEEKS` weeks, through the same typed queries as `/stats`:
the strength of every week in one rollup read (the open week live), the support desk's
dialogue once for all weeks, and each week's cohort. Shares are whole percent and times whole
minutes, so a page shows them as plain numbers; None is "no data" (shown as a dash).
"""

from __future__ import annotations

from bot.core.published import Cell, Period, Published, Table
from cogs.metrics.periods import Span, span_of
from cogs.metrics.posts import PostCounter
from cogs.metrics.queries import MetricsQueries, Where

MAX_WEEKS = 12  # the dashboard offers 4, 8 or 12 weeks

OVERVIEW = (
    "week", "present", "active", "active_share", "ugc", "useful_ugc",
    "frt_median", "frt_p90", "within_sla",
)  # fmt: skip
COMMUNITY = ("week", "joined", "left", "new_members", "d7", "d30")
POSTS = ("week", "bot_posts", "with_step", "step_share", "responses", "per_step_post")


def percent(share: float | None) -> int | None:
    return None if share is None else round(100 * share)


def minutes(seconds: float | None) -> int | None:
    return None if seconds is None else round(seconds / 60)


class MetricsReports:
    """Publishes the two reports; `detach` withdraws them (the cog's unload)."""

    def __init__(self, queries: MetricsQueries, posts: PostCounter | None = None) -> None:
        self._queries = queries
        self._posts = posts

    def attach(self, published: Published) -> None:
        published.reports.add("metrics.overview", self.overview)
        published.reports.add("metrics.community", self.community)
        published.reports.add("metrics.posts", self.bot_posts)

    def detach(self, published: Published) -> None:
        published.reports.remove("metrics.overview", only=self.overview)
        published.reports.remove("metrics.community", only=self.community)
        published.reports.remove("metrics.posts", only=self.bot_posts)

    @staticmethod
    def _weeks(period: Period) -> tuple[Where, list[Span]]:
        where = Where(period.ref, period.community_id, period.timezone, period.locale)
        return where, [span_of("week", monday) for monday in period.weeks()[-MAX_WEEKS:]]

    async def overview(self, period: Period) -> Table:
        where, weeks = self._weeks(period)
        strengths = await self._queries.trend(where, weeks)
        dialogues = await self._queries.dialogue_by(where, weeks)
        rows: list[tuple[Cell, ...]] = []
        for i, s in enumerate(strengths):
            d = None if dialogues is None else dialogues[i]
            rows.append(
                (
                    s.span.first.isoformat(), s.present, s.active, percent(s.active_share),
                    s.ugc, s.useful_ugc,
                    None if d is None else minutes(d.frt_median_s),
                    None if d is None else minutes(d.frt_p90_s),
                    None if d is None else percent(d.within_sla),
                )
            )  # fmt: skip
        return Table(OVERVIEW, tuple(rows))

    async def community(self, period: Period) -> Table:
        where, weeks = self._weeks(period)
        strengths = await self._queries.trend(where, weeks)
        cohorts = await self._queries.cohorts(where, weeks)
        rows: list[tuple[Cell, ...]] = [
            (
                s.span.first.isoformat(), s.joined, s.left, c.size,
                percent(c.d7_share) if c.d7_known else None,
                percent(c.d30_share) if c.d30_known else None,
            )
            for s, c in zip(strengths, cohorts, strict=True)
        ]  # fmt: skip
        return Table(COMMUNITY, tuple(rows))

    async def bot_posts(self, period: Period) -> Table:
        """The bot's posts per week, the share that asked for a next step, and what those
        steps brought (votes on polls, clicks on tracked links) per post with a step."""
        if self._posts is not None:
            await self._posts.flush()  # today's posts, counted in memory, go in first
        where, weeks = self._weeks(period)
        rows: list[tuple[Cell, ...]] = []
        for week in weeks:
            posts = await self._queries.bot_posts(where, week)
            content = await self._queries.content(where, week)
            responses = None if content is None else content.responses
            per_post = (
                None
                if responses is None or not posts.with_step
                else round(responses / posts.with_step, 1)
            )
            rows.append(
                (
                    week.first.isoformat(), posts.posts, posts.with_step, percent(posts.share),
                    responses, per_post,
                )
            )  # fmt: skip
        return Table(POSTS, tuple(rows))
