"""The metrics feature: `/stats [week|month]` for moderators, with a trend chart, and a daily
job that rolls up closed periods so the dashboard's year of trend reads rollups, not the ledger.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, timedelta

from sqlalchemy import select

from bot import charts
from bot.core.actions import SendImage
from bot.core.cogs import Cog, job
from bot.core.commands import command
from bot.core.context import Context
from bot.core.errors import CommandError, UnsupportedAction
from bot.core.permissions import Level
from bot.core.refs import CommunityRef
from bot.db.models import Community as CommunityRow
from bot.i18n import t
from bot.scheduler import JobRun, NoPayload
from bot.services import Services
from cogs.metrics import chart
from cogs.metrics.dashboard import MetricsReports
from cogs.metrics.periods import KINDS, Kind, Span, previous, span_of, spans_back
from cogs.metrics.posts import PostCounter
from cogs.metrics.queries import MetricsQueries, Where

log = logging.getLogger(__name__)

TREND_WEEKS = 8  # weeks on the /stats chart
# The rollup job runs daily at 00:30 UTC; a period not yet rolled up when it runs (a zone
# west of UTC) is rolled up the next day, or computed and kept on first read.
ROLLUP_HOUR = 0
ROLLUP_JOB = "metrics.rollup"
# The daily job looks this many weeks back for cohorts that became final (a week's D30 is
# final 37 days after it ends, so six weeks back covers a missed day or two).
COHORT_WEEKS_KEPT = 8


def percent(share: float | None) -> str:
    return "—" if share is None else f"{round(100 * share)} %"


class Metrics(Cog):
    name = "metrics"
    uses = frozenset(
        {
            "actions", "activity", "clock", "config", "directory", "published", "scheduler",
            "sessions",
        }
    )  # fmt: skip

    def __init__(self, services: Services) -> None:
        self.services = services
        self.queries = MetricsQueries(services.sessions, services.published, services.clock.now)
        self.posts = PostCounter(services.sessions, services.directory, services.activity.day_of)
        self.reports = MetricsReports(self.queries, self.posts)
        self._stop_counting: Callable[[], None] | None = None

    async def load(self) -> None:
        self.reports.attach(self.services.published)
        # Every bot post in a community chat, through the one outbound port, written behind.
        self._stop_counting = self.services.actions.count_posts(self.posts)
        self.posts.start()
        await self._schedule_rollup()

    async def unload(self) -> None:
        self.reports.detach(self.services.published)
        if self._stop_counting is not None:
            self._stop_counting()
            self._stop_counting = None
        await self.posts.stop()

    def about_here(self, locale: str) -> str | None:
        return t(locale, "metrics.about")

    async def where(self, ref: CommunityRef) -> Where:
        settings = self.services.config.community(ref)
        community_id = await self.services.directory.id_for(ref)
        return Where(ref, community_id, settings.timezone, settings.locale)

    def today(self, where: Where) -> date:
        return self.services.activity.day_of(where.ref, self.services.clock.now())

    # -- /stats -------------------------------------------------------------------------------

    @command(level=Level.MODERATOR)
    async def stats(self, ctx: Context, period: str = "week") -> None:
        """The community's figures this week or month, with the weekly trend as a chart."""
        kind = period.strip().lower()
        if kind not in ("week", "month"):
            raise CommandError("metrics.usage")
        # The open period is read live: what the ledger holds in memory goes to disk first
        # (in short chunks; a moderator's command is rare, unlike a member's message).
        await self.services.activity.flush()
        await self.posts.flush()
        where = await self.where(ctx.community.ref)
        where = Where(where.ref, where.community_id, where.timezone, ctx.locale)
        span = span_of("week" if kind == "week" else "month", self.today(where))
        await ctx.send_text(await self.summary(where, span))
        await self._send_chart(ctx, where)

    async def summary(self, where: Where, span: Span) -> str:
        """The headline figures of one period, in the community's language."""
        locale, q = where.locale, self.queries
        strength = await q.strength(where, span)
        last_day = span.end - timedelta(days=1)
        lines = [
            t(locale, f"metrics.title.{span.kind}", start=span.first, end=last_day),
            t(
                locale,
                "metrics.active",
                active=strength.active,
                present=strength.present,
                share=percent(strength.active_share),
            ),
            t(
                locale,
                "metrics.ugc",
                messages=strength.messages,
                ugc=strength.ugc,
                useful=strength.useful_ugc,
            ),
            t(locale, "metrics.movement", joined=strength.joined, departed=strength.left),
        ]
        lines.append(await self._cohort_line(where))
        lines.append(await self._dialogue_line(where, span))
        load = await q.moderation(where, span)
        if load is None:
            lines.append(t(locale, "metrics.no_data", what=t(locale, "metrics.section.moderation")))
        elif not load:
            lines.append(t(locale, "metrics.moderation_none"))
        else:
            rules: Counter[str] = Counter()
            for (_, rule), n in load.items():
                rules[rule or t(locale, "metrics.manual")] += n
            top, _ = rules.most_common(1)[0]
            lines.append(t(locale, "metrics.moderation", cases=sum(rules.values()), rule=top))
        content = await q.content(where, span)
        if content is None:
            lines.append(t(locale, "metrics.no_data", what=t(locale, "metrics.section.content")))
        else:
            lines.append(
                t(
                    locale,
                    "metrics.content",
                    posts=content.posts,
                    responses=content.responses,
                    reach=content.reach,
                    clicks=t(locale, "metrics.not_tracked")
                    if content.clicks is None
                    else content.clicks,
                )
            )
        posts = await q.bot_posts(where, span)
        lines.append(
            t(
                locale,
                "metrics.posts",
                posts=posts.posts,
                with_step=posts.with_step,
                share=percent(posts.share),
            )
        )
        product = await q.product(where, span)
        if product is None:
            lines.append(t(locale, "metrics.no_data", what=t(locale, "metrics.section.ideas")))
        else:
            days = product.median_days_to_ship
            # "— days" and "1 days" read wrong: no median says so, and a number agrees.
            lines.append(
                t(
                    locale,
                    "metrics.product_none" if days is None else "metrics.product",
                    ideas=product.ideas,
                    valid=product.valid,
                    shipped=product.shipped,
                    days=None if days is None else round(days, 1),
                )
            )
        return "\n".join(lines)

    async def _cohort_line(self, where: Where) -> str:
        """The newest weekly cohort whose D7 is final (its D30 too when that is), looking
        back one week at a time so a busy community reads one cohort, not seven."""
        today = self.today(where)
        for week in reversed(spans_back("week", today, 7)):
            if today <= week.end + timedelta(days=12):
                continue  # its last members' days 7..13 are not over yet
            [cohort] = await self.queries.cohorts(where, [week])
            if cohort.size:
                d30 = percent(cohort.d30_share) if cohort.d30_known else "—"
                return t(
                    where.locale,
                    "metrics.cohort",
                    size=cohort.size,
                    week=cohort.week,
                    d7=percent(cohort.d7_share),
                    d30=d30,
                )
        return t(where.locale, "metrics.cohort_none")

    async def _dialogue_line(self, where: Where, span: Span) -> str:
        locale = where.locale
        found = await self.queries.dialogue(where, span)
        if found is None:
            return t(locale, "metrics.no_data", what=t(locale, "metrics.section.support"))
        if not found.questions:
            return t(locale, "metrics.dialogue_none")

        def span_of_s(seconds: float | None) -> object:
            return "—" if seconds is None else timedelta(seconds=int(seconds))

        return t(
            locale,
            "metrics.dialogue",
            questions=found.questions,
            median=span_of_s(found.frt_median_s),
            p90=span_of_s(found.frt_p90_s),
            within=percent(found.within_sla),
            unescalated=percent(found.unescalated),
            faq=percent(found.by_faq),
            rating="—" if found.rating is None else round(found.rating, 1),
        )

    async def trend(self, where: Where, weeks: int = TREND_WEEKS) -> list[chart.Point]:
        """Active share and median first response (hours) for the last `weeks` weeks."""
        spans = spans_back("week", self.today(where), weeks)
        strengths = await self.queries.trend(where, spans)
        dialogues = await self.queries.dialogue_by(where, spans)
        points = []
        for i, strength in enumerate(strengths):
            median = dialogues[i].frt_median_s if dialogues is not None else None
            hours = None if median is None else median / 3600
            points.append(chart.Point(strength.span.first, strength.active_share, hours))
        return points

    async def _send_chart(self, ctx: Context, where: Where) -> None:
        points = await self.trend(where)
        labels = chart.Labels(
            ctx.t("metrics.chart.title"), ctx.t("metrics.chart.active"), ctx.t("metrics.chart.frt")
        )
        image = await charts.draw(chart.render, points, labels)
        caption = ctx.t("metrics.chart.caption", weeks=len(points))
        try:
            await ctx.act(SendImage(chat=ctx.event.chat, image=image, filename="stats.png",
                                    caption=caption))  # fmt: skip
        except UnsupportedAction:
            log.info("no images on %s: /stats sent its figures without the chart", ctx.event.chat)

    # -- rollups ------------------------------------------------------------------------------

    async def _schedule_rollup(self) -> None:
        await self.services.scheduler.daily(ROLLUP_JOB, ROLLUP_HOUR, 30, key="metrics:rollup")

    @job(ROLLUP_JOB, payload=NoPayload)
    async def on_rollup(self, run: JobRun) -> None:
        """Daily: roll up each community's periods that closed (day, week, month)."""
        try:
            # What the ledger still holds in memory belongs to the periods being closed.
            await self.services.activity.flush()
            await self.rollup_closed(self.services.clock.now())
        finally:
            await self._schedule_rollup()

    async def rollup_closed(self, now: datetime) -> int:
        """Compute and keep the last closed day, week and month of every community."""
        async with self.services.sessions() as session:
            rows = (
                await session.execute(select(CommunityRow.platform, CommunityRow.external_id))
            ).all()
        done = 0
        for platform, external_id in rows:
            where = await self.where(CommunityRef(platform, external_id))
            today = self.services.activity.day_of(where.ref, now)
            for kind in KINDS:
                closed: Kind = kind
                await self.queries.strength(where, previous(span_of(closed, today)))
                done += 1
            # Cohort weeks whose D7 or D30 became final since yesterday are kept (one week per
            # write); older ones were kept by earlier runs or are kept on first read.
            await self.queries.cohorts(where, spans_back("week", today, COHORT_WEEKS_KEPT))
        return done
