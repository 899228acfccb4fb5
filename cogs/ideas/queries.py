"""The board as typed rows for read-only pages (the web dashboard) and metrics.

Published as `services.published.boards.get("ideas")`: a caller gets `BoardItem`s (defined in
`bot/core/published.py`, so it never imports this cog) with votes, scores, the matrix quadrant
and the dates of every status change ("time from idea to shipped" is
`item.reached("shipped") - item.created_at`). The metrics read `records()`, published as
`published.ideas.get("ideas")`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.published import BoardItem, BoardQuery, StatusChange
from bot.core.published import Idea as IdeaRecord
from cogs.ideas.matrix import quadrant
from cogs.ideas.models import Idea, IdeaEvent, IdeaVote
from cogs.ideas.store import _DOWN, _UP, BOARD

# Statuses that mean the idea was not a valid one (the metrics' "valid ideas").
NOT_VALID = ("declined", "duplicate")


class BoardQueries:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def items(self, query: BoardQuery, high_from: int, low_up_to: int) -> list[BoardItem]:
        """The community's ideas on the board (or of one status), newest first."""
        statuses = BOARD if query.status is None else (query.status,)
        async with self._sessions() as session:
            rows = (
                await session.execute(
                    select(Idea, _UP, _DOWN)
                    .outerjoin(IdeaVote, IdeaVote.idea_id == Idea.id)
                    .where(Idea.community_id == query.community_id, Idea.status.in_(statuses))
                    .group_by(Idea.id)
                    .order_by(Idea.created_at.desc(), Idea.id.desc())
                    .limit(query.limit)
                )
            ).all()
            ids = [idea.id for idea, _, _ in rows]
            history: dict[int, list[StatusChange]] = {i: [] for i in ids}
            if ids:
                events = await session.scalars(
                    select(IdeaEvent)
                    .where(IdeaEvent.idea_id.in_(ids), IdeaEvent.kind == "status")
                    .order_by(IdeaEvent.at, IdeaEvent.id)
                )
                for event in events:
                    history[event.idea_id].append(
                        StatusChange(event.status, event.at, event.reason)
                    )
        return [
            BoardItem(
                number=idea.number,
                title=idea.title,
                details=idea.details,
                status=idea.status,
                votes=int(up),
                votes_against=int(down),
                impact=idea.impact,
                cost=idea.cost,
                quadrant=quadrant(idea.impact, idea.cost, high_from, low_up_to),
                author=idea.author_name if query.with_authors else None,
                created_at=idea.created_at,
                status_changes=tuple(history[idea.id]),
                merged_into=idea.merged_into,
            )
            for idea, up, down in rows
        ]

    async def records(self, community_id: int, start: datetime, end: datetime) -> list[IdeaRecord]:
        """Ideas posted in [start, end) or first shipped in it, with when they first shipped.

        Two bounded reads: the first "shipped" of each idea (from its history), then the ideas
        made or shipped in the period. Drafts and withdrawn ones are not ideas yet."""
        first_shipped = (
            select(IdeaEvent.idea_id, func.min(IdeaEvent.at).label("at"))
            .join(Idea, Idea.id == IdeaEvent.idea_id)
            .where(
                Idea.community_id == community_id,
                IdeaEvent.kind == "status",
                IdeaEvent.status == "shipped",
                IdeaEvent.at < end,  # a first ship before the end is all that can count
            )
            .group_by(IdeaEvent.idea_id)
            .subquery()
        )
        async with self._sessions() as session:
            rows = (
                await session.execute(
                    select(Idea.created_at, Idea.status, first_shipped.c.at)
                    .outerjoin(first_shipped, first_shipped.c.idea_id == Idea.id)
                    .where(
                        Idea.community_id == community_id,
                        Idea.status.in_(BOARD),
                        or_(
                            and_(Idea.created_at >= start, Idea.created_at < end),
                            and_(first_shipped.c.at >= start, first_shipped.c.at < end),
                        ),
                    )
                    .order_by(Idea.created_at, Idea.id)
                )
            ).all()
        return [
            IdeaRecord(created_at=made, valid=status not in NOT_VALID, shipped_at=shipped)
            for made, status, shipped in rows
        ]
