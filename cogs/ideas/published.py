"""What the ideas board publishes: the digest's "ideas" section, the hero's `idea_shipped`
tally, the board itself for read-only pages (see `queries.py`), the metrics' "ideas" records
and the dashboard's `ideas.board` report (see `report.py`)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.published import BoardItem, BoardQuery, Idea, Period, Published, Table
from bot.i18n import t
from cogs.ideas.models import IdeaAuthor
from cogs.ideas.queries import BoardQueries
from cogs.ideas.report import board_table
from cogs.ideas.rules import IdeaRules
from cogs.ideas.store import IdeaStore


class IdeasPublished:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], rules: Callable[[], IdeaRules]
    ) -> None:
        self._sessions = sessions
        self._store = IdeaStore(sessions)
        self._queries = BoardQueries(sessions)
        self._rules = rules

    def attach(self, published: Published) -> None:
        published.sections.add("ideas", self.section)
        published.tallies.add("idea_shipped", self.shipped_authors)
        published.boards.add("ideas", self.board)
        published.ideas.add("ideas", self.records)
        published.reports.add("ideas.board", self.board_report)

    def detach(self, published: Published) -> None:
        published.sections.remove("ideas", only=self.section)
        published.tallies.remove("idea_shipped", only=self.shipped_authors)
        published.boards.remove("ideas", only=self.board)
        published.ideas.remove("ideas", only=self.records)
        published.reports.remove("ideas.board", only=self.board_report)

    async def board(self, query: BoardQuery) -> list[BoardItem]:
        rules = self._rules()
        return await self._queries.items(query, rules.high_impact_from, rules.low_cost_up_to)

    async def records(self, period: Period) -> list[Idea]:
        """Ideas made or first shipped in the period, for the metrics."""
        return await self._queries.records(period.community_id, period.start, period.end)

    async def board_report(self, period: Period) -> Table:
        """The board, newest first (at most `period.limit` ideas), for the dashboard."""
        items = await self.board(BoardQuery(period.community_id, limit=period.limit))
        return board_table(items, period.locale)

    async def section(self, period: Period) -> str | None:
        """The week's ideas: what shipped, and how many came in."""
        shipped = await self._store.changed_between(
            period.community_id, "shipped", period.start, period.end
        )
        came = await self._store.count_new(period.community_id, period.start, period.end)
        if not shipped and not came:
            return None
        lines = [t(period.locale, "ideas.digest.header", count=came)]
        for idea in shipped[: period.limit]:
            lines.append(t(period.locale, "ideas.digest.shipped", id=idea.number, title=idea.title))
        return "\n".join(lines)

    async def shipped_authors(self, period: Period) -> list[str]:
        """One user id per author (and co-author) of each idea shipped in the period."""
        shipped = await self._store.changed_between(
            period.community_id, "shipped", period.start, period.end
        )
        if not shipped:
            return []
        async with self._sessions() as session:
            rows = await session.scalars(
                select(IdeaAuthor.user_id).where(IdeaAuthor.idea_id.in_([i.id for i in shipped]))
            )
            return list(rows)
