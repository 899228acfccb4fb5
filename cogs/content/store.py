"""Database access of the content feature; other features never query these tables."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.dialect import insert_for
from bot.scheduler import FollowUps, Job, stage
from cogs.content.jobs import CHALLENGE_CLOSE, DEBATE_CLOSE, ChallengeClose, DebateClose
from cogs.content.models import (
    Challenge,
    ChallengeResult,
    ContentDelivery,
    ContentLink,
    ContentPost,
    ContentSignup,
    Debate,
    DebateVote,
    Featured,
)

# How many posts /post list shows.
LIST_LIMIT = 20

# A row that closes on a scheduled job.
_Closable = TypeVar("_Closable", Debate, Challenge)


class ContentStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def _add_closing(self, row: _Closable, now: datetime, then: FollowUps) -> _Closable:
        """Insert `row` and, in the same transaction (the outbox), stage `then(row.id)`.

        Debates and challenges both close on a job that needs the new row's id, known only
        once the row is flushed.
        """
        async with self._sessions.begin() as session:
            session.add(row)
            await session.flush()
            for job in then(row.id):
                await stage(session, job, now)
        return row

    # -- posts ------------------------------------------------------------------------------

    async def create_post(self, **values: Any) -> ContentPost:
        async with self._sessions.begin() as session:
            post = ContentPost(**values)
            session.add(post)
            await session.flush()
        return post

    async def post(self, post_id: int) -> ContentPost | None:
        async with self._sessions() as session:
            return await session.get(ContentPost, post_id)

    async def by_source(self, community_id: int, key: str) -> ContentPost | None:
        async with self._sessions() as session:
            return await session.scalar(
                select(ContentPost).where(
                    ContentPost.community_id == community_id, ContentPost.source_key == key
                )
            )

    async def update_post(self, post_id: int, **values: Any) -> None:
        async with self._sessions.begin() as session:
            await session.execute(
                update(ContentPost).where(ContentPost.id == post_id).values(**values)
            )

    async def listing(self, community_id: int) -> list[ContentPost]:
        """Drafts and scheduled posts (soonest first), then the latest published."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(ContentPost)
                .where(
                    ContentPost.community_id == community_id,
                    ContentPost.status.in_(("draft", "scheduled", "published")),
                )
                .order_by(ContentPost.id.desc())
                .limit(LIST_LIMIT)
            )
            return sorted(rows, key=lambda p: p.id)

    async def planned_in(
        self, community_id: int, start: datetime, end: datetime, but: int
    ) -> list[ContentPost]:
        """Scheduled or published posts due in [start, end), other than post `but`."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(ContentPost)
                .where(
                    ContentPost.community_id == community_id,
                    ContentPost.status.in_(("scheduled", "published")),
                    ContentPost.due_at >= start,
                    ContentPost.due_at < end,
                    ContentPost.id != but,
                )
                .order_by(ContentPost.due_at, ContentPost.id)
            )
            return list(rows)

    async def schedule(
        self, post_id: int, due: datetime, links: list[tuple[str, str]], job: Job, now: datetime
    ) -> list[tuple[int, str, str]]:
        """Mark the post scheduled, store its links, and stage its publish job: one commit.

        Returns the stored links as (id, url, tagged).
        """
        async with self._sessions.begin() as session:
            await session.execute(delete(ContentLink).where(ContentLink.post_id == post_id))
            stored = []
            for url, tagged in links:
                link = ContentLink(post_id=post_id, url=url, tracked=tagged, clicks=0)
                session.add(link)
                await session.flush()
                stored.append((link.id, url, tagged))
            await session.execute(
                update(ContentPost)
                .where(ContentPost.id == post_id)
                .values(status="scheduled", due_at=due)
            )
            await stage(session, job, now)
        return stored

    async def links(self, post_id: int) -> list[ContentLink]:
        async with self._sessions() as session:
            rows = await session.scalars(
                select(ContentLink).where(ContentLink.post_id == post_id).order_by(ContentLink.id)
            )
            return list(rows)

    async def delivery(self, post_id: int, target: str) -> ContentDelivery | None:
        async with self._sessions() as session:
            return await session.get(ContentDelivery, (post_id, target))

    async def delivered(self, post_id: int, target: str, chat_id: str, **values: Any) -> None:
        async with self._sessions.begin() as session:
            stmt = insert_for(session, ContentDelivery).values(
                post_id=post_id, target=target, chat_id=chat_id, **values
            )
            await session.execute(
                stmt.on_conflict_do_update(index_elements=["post_id", "target"], set_=values)
            )

    async def set_delivery(self, post_id: int, target: str, **values: Any) -> None:
        async with self._sessions.begin() as session:
            await session.execute(
                update(ContentDelivery)
                .where(ContentDelivery.post_id == post_id, ContentDelivery.target == target)
                .values(**values)
            )

    # -- sign-ups ---------------------------------------------------------------------------

    async def sign_up(self, subject: str, user_id: str, name: str, at: datetime) -> bool:
        """Record a sign-up; False when the member was signed up already."""
        async with self._sessions.begin() as session:
            stmt = insert_for(session, ContentSignup).values(
                subject=subject, user_id=user_id, name=name, at=at
            )
            result = await session.execute(stmt.on_conflict_do_nothing())
        return bool(getattr(result, "rowcount", 0))

    async def signups(self, subject: str) -> int:
        async with self._sessions() as session:
            count = await session.scalar(
                select(func.count()).where(ContentSignup.subject == subject)
            )
        return int(count or 0)

    # -- debates ----------------------------------------------------------------------------

    async def create_debate(self, closes: datetime, now: datetime, **values: Any) -> Debate:
        """A new debate and, in the same transaction, its closing job due at `closes`."""
        return await self._add_closing(
            Debate(**values),
            now,
            lambda id_: [
                Job(DEBATE_CLOSE, closes, DebateClose(debate=id_), f"content:debate:{id_}")
            ],
        )

    async def debate(self, debate_id: int) -> Debate | None:
        async with self._sessions() as session:
            return await session.get(Debate, debate_id)

    async def set_debate(self, debate_id: int, **values: Any) -> None:
        async with self._sessions.begin() as session:
            await session.execute(update(Debate).where(Debate.id == debate_id).values(**values))

    async def pick_side(self, debate_id: int, user_id: str, side: int, at: datetime) -> None:
        async with self._sessions.begin() as session:
            stmt = insert_for(session, DebateVote).values(
                debate_id=debate_id, user_id=user_id, side=side, at=at
            )
            await session.execute(
                stmt.on_conflict_do_update(
                    index_elements=["debate_id", "user_id"], set_={"side": side, "at": at}
                )
            )

    async def sides(self, debate_id: int) -> tuple[int, int]:
        async with self._sessions() as session:
            rows = (
                await session.execute(
                    select(DebateVote.side, func.count())
                    .where(DebateVote.debate_id == debate_id)
                    .group_by(DebateVote.side)
                )
            ).all()
        counts = dict(rows)
        return int(counts.get(0, 0)), int(counts.get(1, 0))

    async def closed_debates(
        self, community_id: int, start: datetime, end: datetime
    ) -> list[Debate]:
        async with self._sessions() as session:
            rows = await session.scalars(
                select(Debate)
                .where(
                    Debate.community_id == community_id,
                    Debate.closed_at >= start,
                    Debate.closed_at < end,
                )
                .order_by(Debate.closed_at, Debate.id)
            )
            return list(rows)

    # -- challenges -------------------------------------------------------------------------

    async def create_challenge(self, closes: datetime, now: datetime, **values: Any) -> Challenge:
        """A new challenge and, in the same transaction, its closing job due at `closes`."""
        return await self._add_closing(
            Challenge(**values),
            now,
            lambda id_: [
                Job(
                    CHALLENGE_CLOSE,
                    closes,
                    ChallengeClose(challenge=id_),
                    f"content:challenge:{id_}",
                )
            ],
        )

    async def challenge(self, challenge_id: int) -> Challenge | None:
        async with self._sessions() as session:
            return await session.get(Challenge, challenge_id)

    async def open_challenge(self, community_id: int) -> Challenge | None:
        """The community's latest open challenge."""
        async with self._sessions() as session:
            return await session.scalar(
                select(Challenge)
                .where(Challenge.community_id == community_id, Challenge.status == "open")
                .order_by(Challenge.id.desc())
                .limit(1)
            )

    async def set_challenge(self, challenge_id: int, **values: Any) -> None:
        async with self._sessions.begin() as session:
            await session.execute(
                update(Challenge).where(Challenge.id == challenge_id).values(**values)
            )

    async def add_result(
        self, challenge_id: int, user_id: str, name: str, text: str, at: datetime
    ) -> None:
        async with self._sessions.begin() as session:
            stmt = insert_for(session, ChallengeResult).values(
                challenge_id=challenge_id, user_id=user_id, name=name, text=text, at=at
            )
            await session.execute(
                stmt.on_conflict_do_update(
                    index_elements=["challenge_id", "user_id"], set_={"text": text, "at": at}
                )
            )

    async def results(self, challenge_id: int) -> list[ChallengeResult]:
        async with self._sessions() as session:
            rows = await session.scalars(
                select(ChallengeResult)
                .where(ChallengeResult.challenge_id == challenge_id)
                .order_by(ChallengeResult.at)
            )
            return list(rows)

    async def results_in(
        self, community_id: int, start: datetime, end: datetime
    ) -> list[ChallengeResult]:
        async with self._sessions() as session:
            rows = await session.scalars(
                select(ChallengeResult)
                .join(Challenge, Challenge.id == ChallengeResult.challenge_id)
                .where(
                    Challenge.community_id == community_id,
                    ChallengeResult.at >= start,
                    ChallengeResult.at < end,
                )
                .order_by(ChallengeResult.at)
            )
            return list(rows)

    # -- UGC showcase -----------------------------------------------------------------------

    async def feature(self, **values: Any) -> bool:
        """Feature a member's post; False when it was featured already."""
        async with self._sessions.begin() as session:
            stmt = insert_for(session, Featured).values(**values)
            result = await session.execute(stmt.on_conflict_do_nothing())
        return bool(getattr(result, "rowcount", 0))

    async def featured_in(
        self, community_id: int, start: datetime, end: datetime
    ) -> list[Featured]:
        async with self._sessions() as session:
            rows = await session.scalars(
                select(Featured)
                .where(
                    Featured.community_id == community_id,
                    Featured.at >= start,
                    Featured.at < end,
                )
                .order_by(Featured.at, Featured.id)
            )
            return list(rows)

    async def planned_keys(self) -> list[tuple[int, str]]:
        """(community id, key) of the posts planned in rule files that are not out yet."""
        async with self._sessions() as session:
            rows = await session.execute(
                select(ContentPost.community_id, ContentPost.source_key).where(
                    ContentPost.source_key.is_not(None),
                    ContentPost.status.in_(("draft", "scheduled")),
                )
            )
            return [(int(c), str(k)) for c, k in rows.all()]
