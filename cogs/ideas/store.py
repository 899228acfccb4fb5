"""Queries of the ideas board; other features reach this data only through `published.py`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.dialect import insert_for
from bot.scheduler import Job, stage
from cogs.ideas.models import Idea, IdeaAuthor, IdeaEvent, IdeaMonthly, IdeaSurvey, IdeaVote

# Statuses in their order on the road; `declined` and `duplicate` leave it.
OPEN = ("new", "review", "planned", "started")
STATUSES = (*OPEN, "shipped", "declined", "duplicate")
BOARD = STATUSES  # what the board shows (not drafts or withdrawn ones)


@dataclass(frozen=True)
class Tally:
    """Votes on one idea: counted for and against, and those left out (newcomers)."""

    up: int = 0
    down: int = 0
    uncounted: int = 0

    @property
    def score(self) -> int:
        return self.up - self.down


@dataclass(frozen=True)
class Listed:
    """An idea as a list shows it."""

    id: int
    number: int
    title: str
    status: str
    author_name: str
    tally: Tally
    impact: int | None
    cost: int | None


_UP = func.coalesce(func.sum(case((IdeaVote.counted & (IdeaVote.value > 0), 1), else_=0)), 0)
_DOWN = func.coalesce(func.sum(case((IdeaVote.counted & (IdeaVote.value < 0), 1), else_=0)), 0)
_OFF = func.coalesce(func.sum(case((IdeaVote.counted.is_(False), 1), else_=0)), 0)


class IdeaStore:
    """Small, explicit queries; each write is its own transaction."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    # -- ideas ------------------------------------------------------------------------------

    async def create(
        self,
        community_id: int,
        *,
        title: str,
        details: str,
        tokens: Iterable[str],
        author_id: str,
        author_name: str,
        chat_id: str,
        status: str,
        at: datetime,
    ) -> Idea:
        """A new idea with the next number of its community (retried if two race for it)."""
        for _ in range(10):
            try:
                async with self._sessions.begin() as session:
                    last = await session.scalar(
                        select(func.max(Idea.number)).where(Idea.community_id == community_id)
                    )
                    idea = Idea(
                        community_id=community_id,
                        number=(last or 0) + 1,
                        title=title,
                        details=details,
                        tokens=" ".join(sorted(tokens)),
                        author_id=author_id,
                        author_name=author_name[:200],
                        chat_id=chat_id,
                        status=status,
                        created_at=at,
                        status_at=at,
                    )
                    session.add(idea)
                    await session.flush()
                    session.add(
                        IdeaAuthor(idea_id=idea.id, user_id=author_id, user_name=author_name[:200])
                    )
                    session.add(
                        IdeaEvent(
                            idea_id=idea.id, kind="status", status=status, by=author_id, at=at
                        )
                    )
                return idea
            except IntegrityError:
                continue
        raise RuntimeError("could not number a new idea after 10 tries")  # pragma: no cover

    async def get(self, idea_id: int) -> Idea | None:
        async with self._sessions() as session:
            return await session.get(Idea, idea_id)

    async def by_number(self, community_id: int, number: int) -> Idea | None:
        async with self._sessions() as session:
            return await session.scalar(
                select(Idea).where(Idea.community_id == community_id, Idea.number == number)
            )

    async def set_message(self, idea_id: int, chat_id: str, message_id: str | None) -> None:
        async with self._sessions.begin() as session:
            await session.execute(
                update(Idea)
                .where(Idea.id == idea_id)
                .values(chat_id=chat_id, message_id=message_id)
            )

    async def candidates(self, community_id: int) -> list[tuple[int, frozenset[str]]]:
        """(id, words) of every idea still on the road: what a new one may duplicate."""
        async with self._sessions() as session:
            rows = (
                await session.execute(
                    select(Idea.id, Idea.tokens)
                    .where(Idea.community_id == community_id, Idea.status.in_(OPEN))
                    .order_by(Idea.id)
                )
            ).all()
        return [(idea_id, frozenset(tokens.split())) for idea_id, tokens in rows]

    async def set_status(
        self, idea: Idea, status: str, by: str, at: datetime, reason: str = ""
    ) -> bool:
        """Move the idea to `status` and record it in the history; False if it was there."""
        async with self._sessions.begin() as session:
            result = await session.execute(
                update(Idea)
                .where(Idea.id == idea.id, Idea.status != status)
                .values(status=status, status_at=at, reason=reason)
            )
            if not result.rowcount:  # type: ignore[attr-defined]
                return False
            session.add(
                IdeaEvent(
                    idea_id=idea.id, kind="status", status=status, reason=reason, by=by, at=at
                )
            )
        return True

    async def merge(self, source: Idea, target: Idea, by: str, at: datetime) -> None:
        """`source` becomes a duplicate of `target`: its authors and votes move over.

        A member who voted on both keeps the vote on the target. One transaction, so a crash
        leaves either both ideas as they were or the merge whole.
        """
        async with self._sessions.begin() as session:
            authors = (
                await session.execute(
                    select(IdeaAuthor.user_id, IdeaAuthor.user_name).where(
                        IdeaAuthor.idea_id == source.id
                    )
                )
            ).all()
            for user_id, name in authors:
                stmt = insert_for(session, IdeaAuthor).values(
                    idea_id=target.id, user_id=user_id, user_name=name
                )
                await session.execute(stmt.on_conflict_do_nothing())
            votes = (
                await session.scalars(select(IdeaVote).where(IdeaVote.idea_id == source.id))
            ).all()
            for vote in votes:
                stmt = insert_for(session, IdeaVote).values(
                    idea_id=target.id,
                    user_id=vote.user_id,
                    user_name=vote.user_name,
                    value=vote.value,
                    counted=vote.counted,
                    voted_at=vote.voted_at,
                )
                await session.execute(stmt.on_conflict_do_nothing())
            await session.execute(delete(IdeaVote).where(IdeaVote.idea_id == source.id))
            await session.execute(
                update(Idea)
                .where(Idea.id == source.id)
                .values(status="duplicate", merged_into=target.number, status_at=at)
            )
            session.add(
                IdeaEvent(
                    idea_id=source.id, kind="status", status="duplicate",
                    reason=f"#{target.number}", by=by, at=at,
                )
            )  # fmt: skip

    async def score(self, idea: Idea, impact: int, cost: int, by: str, at: datetime) -> None:
        async with self._sessions.begin() as session:
            await session.execute(
                update(Idea).where(Idea.id == idea.id).values(impact=impact, cost=cost)
            )
            session.add(
                IdeaEvent(idea_id=idea.id, kind="score", reason=f"{impact}/{cost}", by=by, at=at)
            )

    # -- people -----------------------------------------------------------------------------

    async def authors(self, idea_id: int) -> list[tuple[str, str]]:
        async with self._sessions() as session:
            rows = await session.execute(
                select(IdeaAuthor.user_id, IdeaAuthor.user_name)
                .where(IdeaAuthor.idea_id == idea_id)
                .order_by(IdeaAuthor.user_name, IdeaAuthor.user_id)
            )
            return [(user_id, name) for user_id, name in rows.all()]

    async def voters(self, idea_id: int) -> list[tuple[str, str]]:
        async with self._sessions() as session:
            rows = await session.execute(
                select(IdeaVote.user_id, IdeaVote.user_name)
                .where(IdeaVote.idea_id == idea_id)
                .order_by(IdeaVote.voted_at, IdeaVote.user_id)
            )
            return [(user_id, name) for user_id, name in rows.all()]

    # -- votes ------------------------------------------------------------------------------

    async def vote(
        self,
        idea_id: int,
        user_id: str,
        name: str,
        value: int,
        counted: bool,
        at: datetime,
        then: Job | None = None,
    ) -> bool:
        """Set one member's vote (+1 or -1) in one statement; False when it was that already.

        The primary key (idea, member) and the upsert make a repeated or concurrent press
        land on the same row: a member never counts twice. `then` (the card's refresh) is
        stored in the same transaction.
        """
        async with self._sessions.begin() as session:
            before = await session.scalar(
                select(IdeaVote.value).where(
                    IdeaVote.idea_id == idea_id, IdeaVote.user_id == user_id
                )
            )
            stmt = insert_for(session, IdeaVote).values(
                idea_id=idea_id, user_id=user_id, user_name=name[:200], value=value,
                counted=counted, voted_at=at,
            )  # fmt: skip
            await session.execute(
                stmt.on_conflict_do_update(
                    index_elements=["idea_id", "user_id"],
                    set_={
                        "value": value,
                        "counted": counted,
                        "voted_at": at,
                        "user_name": name[:200],
                    },
                )
            )
            if then is not None and before != value:
                await stage(session, then, at)
        return before != value

    async def unvote(
        self, idea_id: int, user_id: str, then: Job | None = None, at: datetime | None = None
    ) -> bool:
        async with self._sessions.begin() as session:
            result = await session.execute(
                delete(IdeaVote).where(IdeaVote.idea_id == idea_id, IdeaVote.user_id == user_id)
            )
            gone = bool(result.rowcount)  # type: ignore[attr-defined]
            if gone and then is not None and at is not None:
                await stage(session, then, at)
        return gone

    async def tally(self, idea_id: int) -> Tally:
        async with self._sessions() as session:
            row = (
                await session.execute(select(_UP, _DOWN, _OFF).where(IdeaVote.idea_id == idea_id))
            ).one()
        return Tally(int(row[0]), int(row[1]), int(row[2]))

    # -- lists ------------------------------------------------------------------------------

    async def listing(
        self,
        community_id: int,
        *,
        order: str = "top",
        statuses: tuple[str, ...] = OPEN,
        author: str | None = None,
        offset: int = 0,
        limit: int = 5,
        quick_wins: tuple[int, int] | None = None,
    ) -> tuple[list[Listed], int]:
        """A page of ideas and how many there are in all.

        `order` is `top` (score, then older first) or `new`; `author` keeps one member's ideas
        (as author or co-author); `quick_wins` = (high impact from, low cost up to).
        """
        where = [Idea.community_id == community_id, Idea.status.in_(statuses)]
        if author is not None:
            where.append(
                Idea.id.in_(select(IdeaAuthor.idea_id).where(IdeaAuthor.user_id == author))
            )
        if quick_wins is not None:
            where += [Idea.impact >= quick_wins[0], Idea.cost <= quick_wins[1]]
        score = _UP - _DOWN
        query = (
            select(Idea, _UP, _DOWN, _OFF)
            .outerjoin(IdeaVote, IdeaVote.idea_id == Idea.id)
            .where(*where)
            .group_by(Idea.id)
        )
        if order == "new":
            query = query.order_by(Idea.created_at.desc(), Idea.id.desc())
        else:
            query = query.order_by(score.desc(), Idea.created_at, Idea.id)
        async with self._sessions() as session:
            total = await session.scalar(select(func.count(Idea.id)).where(*where)) or 0
            rows = (await session.execute(query.offset(offset).limit(limit))).all()
        listed = [
            Listed(
                idea.id,
                idea.number,
                idea.title,
                idea.status,
                idea.author_name,
                Tally(int(up), int(down), int(off)),
                idea.impact,
                idea.cost,
            )
            for idea, up, down, off in rows
        ]
        return listed, int(total)

    async def changed_between(
        self, community_id: int, status: str, start: datetime, end: datetime
    ) -> list[Idea]:
        """Ideas that moved to `status` in [start, end) and are still there, oldest first."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(Idea)
                .where(
                    Idea.community_id == community_id,
                    Idea.status == status,
                    Idea.status_at >= start,
                    Idea.status_at < end,
                )
                .order_by(Idea.status_at, Idea.id)
            )
            return list(rows)

    async def count_new(self, community_id: int, start: datetime, end: datetime) -> int:
        """Ideas posted in [start, end) (drafts and withdrawn ones are not ideas yet)."""
        async with self._sessions() as session:
            found = await session.scalar(
                select(func.count(Idea.id)).where(
                    Idea.community_id == community_id,
                    Idea.status.in_(BOARD),
                    Idea.created_at >= start,
                    Idea.created_at < end,
                )
            )
        return int(found or 0)

    # -- the monthly post -------------------------------------------------------------------

    async def monthly(self, community_id: int, month: str) -> IdeaMonthly | None:
        async with self._sessions() as session:
            return await session.get(IdeaMonthly, (community_id, month))

    async def set_retro(self, community_id: int, month: str, retro: str) -> None:
        async with self._sessions.begin() as session:
            stmt = insert_for(session, IdeaMonthly).values(
                community_id=community_id, month=month, retro=retro, status="draft"
            )
            await session.execute(
                stmt.on_conflict_do_update(
                    index_elements=["community_id", "month"], set_={"retro": retro}
                )
            )

    async def claim_monthly(self, community_id: int, month: str) -> None:
        """Mark the month's post as going out (kept if it is already claimed or sent)."""
        async with self._sessions.begin() as session:
            stmt = insert_for(session, IdeaMonthly).values(
                community_id=community_id, month=month, retro="", status="sending"
            )
            await session.execute(
                stmt.on_conflict_do_update(
                    index_elements=["community_id", "month"],
                    set_={"status": "sending"},
                    where=IdeaMonthly.status == "draft",
                )
            )

    async def sent_monthly(
        self, community_id: int, month: str, message_id: str | None, at: datetime
    ) -> None:
        async with self._sessions.begin() as session:
            await session.execute(
                update(IdeaMonthly)
                .where(IdeaMonthly.community_id == community_id, IdeaMonthly.month == month)
                .values(status="sent", message_id=message_id, sent_at=at)
            )

    # -- the monthly survey -----------------------------------------------------------------

    async def survey(self, community_id: int, month: str) -> IdeaSurvey | None:
        async with self._sessions() as session:
            return await session.get(IdeaSurvey, (community_id, month))

    async def add_survey(
        self, community_id: int, month: str, poll_number: int, ideas: list[int], at: datetime
    ) -> None:
        async with self._sessions.begin() as session:
            session.add(
                IdeaSurvey(
                    community_id=community_id, month=month, poll_number=poll_number,
                    ideas=ideas, posted_at=at,
                )
            )  # fmt: skip
