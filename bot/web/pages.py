"""One view-model function per dashboard page: it asks published queries and the core, and
returns what the template shows. No numbers are made here; a page whose owner is not loaded
gets "no data". The metrics feature plugs in by publishing `metrics.overview` and
`metrics.community` reports, which the overview and community pages show when present.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from bot.core.published import Cell, Period, Table
from bot.db.models_web import PublicPage
from bot.i18n import format_number, t
from bot.services import Services
from bot.web.access import Seat
from bot.web.charts import Chart, bar_chart
from bot.web.links import LinkStats

PAGES = ("overview", "support", "community", "moderation", "content", "ideas")
WEEK_CHOICES = (4, 8, 12)
RECENT_ROWS = 25


@dataclass(frozen=True)
class View:
    """What a page template receives: its figures, charts and tables (None: no data)."""

    page: str
    figures: list[tuple[str, str]] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    tables: dict[str, Table | None] = field(default_factory=dict)
    links: list[LinkStats] = field(default_factory=list)
    public: PublicPage | None = None


def period_for(
    services: Services, seat: Seat, locale: str, weeks: int, limit: int = RECENT_ROWS
) -> Period:
    """The last `weeks` community-local weeks up to now (the current week included)."""
    settings = services.config.community(seat.ref)
    now = services.clock.now()
    probe = Period(seat.ref, seat.community_id, locale, settings.timezone, now, now)
    this_monday = probe.week_of(now)
    first = this_monday - timedelta(weeks=weeks - 1)
    start = datetime.combine(first, datetime.min.time(), tzinfo=settings.local(now).tzinfo)
    return Period(seat.ref, seat.community_id, locale, settings.timezone, start, now, limit=limit)


async def report(services: Services, name: str, period: Period) -> Table | None:
    query = services.published.reports.get(name)
    return None if query is None else await query(period)


def _number(value: Cell) -> float:
    """A count or figure from a report cell (None and non-numbers count as 0)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0.0
    return float(value)


def _week_label(week: object, locale: str) -> str:
    day = date.fromisoformat(str(week))
    return f"{day.day:02d}.{day.month:02d}"


def _weekly(title: str, table: Table | None, column: str, locale: str) -> Chart | None:
    if table is None:
        return None
    points = [
        (_week_label(w, locale), _number(v))
        for w, v in zip(table.column("week"), table.column(column), strict=True)
    ]
    return bar_chart(title, points, [format_number(v, locale) for _, v in points])


def _total(table: Table | None, column: str) -> int | None:
    if table is None:
        return None
    return int(sum(_number(v) for v in table.column(column)))


def _figure(locale: str, key: str, value: int | None) -> tuple[str, str] | None:
    if value is None:
        return None
    # The label agrees with the number ("1 open ticket", "2 опроса", "5 опросов").
    return (t(locale, f"web.figures.{key}", count=value), format_number(value, locale))


async def overview(services: Services, period: Period) -> View:
    loc = period.locale
    open_now = await report(services, "support.open", period)
    tickets = await report(services, "support.by_week", period)
    cases = await report(services, "moderation.by_week", period)
    polls = await report(services, "polls.recent", period)
    figures = [
        _figure(loc, "open_tickets", None if open_now is None else len(open_now.rows)),
        _figure(loc, "tickets_opened", _total(tickets, "opened")),
        _figure(loc, "breaches", _total(tickets, "breached")),
        _figure(loc, "cases", _total(cases, "cases")),
        _figure(loc, "polls", None if polls is None else len(polls.rows)),
    ]
    charts = [
        _weekly(t(loc, "web.charts.tickets_per_week"), tickets, "opened", loc),
        _weekly(t(loc, "web.charts.cases_per_week"), cases, "cases", loc),
    ]
    return View(
        "overview",
        figures=[f for f in figures if f],
        charts=[c for c in charts if c],
        tables={"metrics": await report(services, "metrics.overview", period)},
    )


async def support(services: Services, period: Period) -> View:
    loc = period.locale
    summary = await report(services, "support.summary", period)
    frt = await report(services, "support.frt", period)
    weekly = await report(services, "support.by_week", period)
    figures = []
    if summary is not None:
        figures = [_figure(loc, str(k), int(_number(v))) for k, v in summary.rows]
    charts = [_weekly(t(loc, "web.charts.tickets_per_week"), weekly, "opened", loc)]
    if frt is not None:
        points = [(t(loc, f"web.frt.{b}"), _number(n)) for b, n in frt.rows]
        charts.append(
            bar_chart(t(loc, "web.charts.frt"), points, [format_number(v, loc) for _, v in points])
        )
    return View(
        "support",
        figures=[f for f in figures if f],
        charts=[c for c in charts if c],
        tables={"open": await report(services, "support.open", period)},
    )


async def community(services: Services, period: Period) -> View:
    loc = period.locale
    polls = await report(services, "polls.recent", period)
    charts = []
    if polls is not None and polls.rows:
        points = [
            (f"#{p}", _number(v))
            for p, v in zip(polls.column("poll"), polls.column("voters"), strict=True)
        ]
        points.reverse()  # oldest first, like every other chart
        charts.append(
            bar_chart(
                t(loc, "web.charts.voters"), points, [format_number(v, loc) for _, v in points]
            )
        )
    return View(
        "community",
        charts=charts,
        tables={"metrics": await report(services, "metrics.community", period), "polls": polls},
    )


async def moderation(services: Services, period: Period) -> View:
    loc = period.locale
    by_rule = await report(services, "moderation.by_rule", period)
    weekly = await report(services, "moderation.by_week", period)
    charts = [_weekly(t(loc, "web.charts.cases_per_week"), weekly, "cases", loc)]
    if by_rule is not None and by_rule.rows:
        top = by_rule.rows[:8]
        points = [(str(r or "") or t(loc, "web.no_rule"), _number(n)) for r, n in top]
        charts.append(
            bar_chart(
                t(loc, "web.charts.top_rules"), points, [format_number(v, loc) for _, v in points]
            )
        )
    return View(
        "moderation",
        figures=[f for f in [_figure(loc, "cases", _total(weekly, "cases"))] if f],
        charts=[c for c in charts if c],
        tables={"by_rule": by_rule, "recent": await report(services, "moderation.recent", period)},
    )


async def content(services: Services, period: Period) -> View:
    loc = period.locale
    links = await services.links.for_community(period.community_id)
    charts = []
    if links:
        top = links[:10]
        points = [(link.id, float(link.clicks)) for link in top]
        charts.append(
            bar_chart(
                t(loc, "web.charts.clicks"), points, [format_number(v, loc) for _, v in points]
            )
        )
    figures = [_figure(loc, "clicks", sum(link.clicks for link in links))]
    posts = await report(services, "metrics.posts", period)
    return View(
        "content",
        figures=[f for f in figures if f],
        charts=charts,
        links=links,
        tables={"posts": posts},
    )


async def ideas(services: Services, period: Period) -> View:
    async with services.sessions() as session:
        public = await session.get(PublicPage, period.community_id)
    return View(
        "ideas", tables={"board": await report(services, "ideas.board", period)}, public=public
    )


async def public_ideas(
    services: Services, period: Period
) -> tuple[PublicPage | None, Table | None]:
    """The public ideas page: None when its admins have not switched it on."""
    async with services.sessions() as session:
        public = await session.get(PublicPage, period.community_id)
    if public is None or not public.ideas:
        return None, None
    board = await report(services, "ideas.board", period)
    if board is not None and not public.show_names and "author" in board.columns:
        keep = [i for i, c in enumerate(board.columns) if c != "author"]
        board = Table(
            tuple(board.columns[i] for i in keep),
            tuple(tuple(row[i] for i in keep) for row in board.rows),
        )
    return public, board


VIEWS = {
    "overview": overview,
    "support": support,
    "community": community,
    "moderation": moderation,
    "content": content,
    "ideas": ideas,
}
