"""AMA storage: sessions, questions, askers and votes; every vote in its own short transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.replay import event_write
from bot.db.dialect import insert_for
from bot.scheduler import FollowUps, no_follow_ups, stage
from cogs.ama.models import AmaAsker, AmaQuestion, AmaSession, AmaVote

VISIBLE = ("open", "answered")


@dataclass
class OpenSession:
    """What the message path needs about the open session, cached in memory."""

    id: int
    topic: str
    chat_id: str
    announcement_id: str | None
    starts_at: datetime
    # (chat id, message id) of each question message -> question id, for reaction votes.
    question_messages: dict[tuple[str, str], int] = field(default_factory=dict)


@dataclass(frozen=True)
class Ranked:
    """A question with its vote count, as the top list and the summary show it."""

    id: int
    text: str
    author_name: str
    votes: int
    status: str
    answer_chat_id: str | None
    answer_message_id: str | None


class AmaStore:
    """Queries of the AMA tables; callers pass ids, never ORM objects across sessions."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def open_session(self, community_id: int) -> OpenSession | None:
        async with self._sessions() as session:
            row = await session.scalar(
                select(AmaSession)
                .where(AmaSession.community_id == community_id, AmaSession.status == "open")
                .order_by(AmaSession.id.desc())
                .limit(1)
            )
            if row is None:
                return None
            found = OpenSession(row.id, row.topic, row.chat_id, row.announcement_id, row.starts_at)
            messages = await session.execute(
                select(AmaQuestion.chat_id, AmaQuestion.message_id, AmaQuestion.id).where(
                    AmaQuestion.session_id == row.id, AmaQuestion.message_id.is_not(None)
                )
            )
            for chat_id, message_id, qid in messages:
                if message_id is not None:
                    found.question_messages[(chat_id, message_id)] = qid
        return found

    async def create_session(
        self,
        community_id: int,
        topic: str,
        chat_id: str,
        starts_at: datetime,
        ends_at: datetime,
        opened_by: str,
        now: datetime,
        then: FollowUps = no_follow_ups,
    ) -> int:
        """Store a session with the jobs that must follow it, in one transaction."""
        async with self._sessions.begin() as session:
            row = AmaSession(
                community_id=community_id,
                topic=topic,
                chat_id=chat_id,
                starts_at=starts_at,
                ends_at=ends_at,
                status="open",
                opened_by=opened_by,
                created_at=now,
            )
            session.add(row)
            await session.flush()
            for job in then(row.id):
                await stage(session, job, now)
            return row.id

    async def set_announcement(self, session_id: int, message_id: str | None) -> None:
        async with self._sessions.begin() as session:
            await session.execute(
                update(AmaSession)
                .where(AmaSession.id == session_id)
                .values(announcement_id=message_id)
            )

    async def get_session(self, session_id: int) -> AmaSession | None:
        async with self._sessions() as session:
            return await session.get(AmaSession, session_id)

    async def claim_top(self, session_id: int, now: datetime) -> bool:
        """Mark the top list as posted; False when it was already (or the session is closed)."""
        async with self._sessions.begin() as session:
            result = await session.execute(
                update(AmaSession)
                .where(
                    AmaSession.id == session_id,
                    AmaSession.status == "open",
                    AmaSession.top_posted_at.is_(None),
                )
                .values(top_posted_at=now)
            )
        return bool(getattr(result, "rowcount", 0))

    async def close(self, session_id: int, now: datetime) -> bool:
        """Close an open session; False when it was closed already (so the summary runs once)."""
        async with self._sessions.begin() as session:
            result = await session.execute(
                update(AmaSession)
                .where(AmaSession.id == session_id, AmaSession.status == "open")
                .values(status="closed", closed_at=now)
            )
        return bool(getattr(result, "rowcount", 0))

    async def candidates(self, session_id: int) -> list[tuple[int, frozenset[str]]]:
        """Visible questions of a session with their word sets, oldest first."""
        async with self._sessions() as session:
            rows = await session.execute(
                select(AmaQuestion.id, AmaQuestion.tokens)
                .where(AmaQuestion.session_id == session_id, AmaQuestion.status.in_(VISIBLE))
                .order_by(AmaQuestion.id)
            )
            return [(qid, frozenset(words.split())) for qid, words in rows]

    async def add_question(
        self,
        session_id: int,
        author_id: str,
        author_name: str,
        text: str,
        words: frozenset[str],
        chat_id: str,
        now: datetime,
    ) -> int:
        """A new question with its author as first asker and first vote, in one transaction."""
        async with self._sessions.begin() as session:
            mark = await event_write(session, "ama.question")
            if mark.done and mark.result is not None:
                return mark.result  # written by a run a crash interrupted: not again
            row = AmaQuestion(
                session_id=session_id,
                author_id=author_id,
                author_name=author_name[:200],
                text=text,
                tokens=" ".join(sorted(words)),
                chat_id=chat_id,
                status="open",
                created_at=now,
            )
            session.add(row)
            await session.flush()
            session.add(AmaAsker(question_id=row.id, user_id=author_id, user_name=author_name))
            session.add(AmaVote(question_id=row.id, user_id=author_id, created_at=now))
            await mark.record(session, row.id)
            return row.id

    async def add_merged_question(
        self,
        session_id: int,
        author_id: str,
        author_name: str,
        text: str,
        words: frozenset[str],
        chat_id: str,
        now: datetime,
        into: int,
    ) -> int:
        """A question found to duplicate `into`: kept (merged) so its asker can undo the merge;
        the asker becomes a co-asker of `into` with their vote. One transaction."""
        async with self._sessions.begin() as session:
            row = AmaQuestion(
                session_id=session_id,
                author_id=author_id,
                author_name=author_name[:200],
                text=text,
                tokens=" ".join(sorted(words)),
                chat_id=chat_id,
                status="merged",
                merged_into=into,
                created_at=now,
            )
            session.add(row)
            await session.flush()
            await session.execute(
                insert_for(session, AmaAsker)
                .values(question_id=into, user_id=author_id, user_name=author_name[:200])
                .on_conflict_do_nothing()
            )
            await session.execute(
                insert_for(session, AmaVote)
                .values(question_id=into, user_id=author_id, created_at=now)
                .on_conflict_do_nothing()
            )
            return row.id

    async def split(self, qid: int, now: datetime) -> bool:
        """Undo an automatic merge: `qid` stands on its own again, its asker and their vote
        move back from the question it was merged into. False when it is not merged."""
        async with self._sessions.begin() as session:
            row = await session.get(AmaQuestion, qid)
            if row is None or row.status != "merged" or row.merged_into is None:
                return False
            into = await session.get(AmaQuestion, row.merged_into)
            if into is not None and into.author_id != row.author_id:
                await session.execute(
                    delete(AmaAsker).where(
                        AmaAsker.question_id == into.id, AmaAsker.user_id == row.author_id
                    )
                )
                await session.execute(
                    delete(AmaVote).where(
                        AmaVote.question_id == into.id, AmaVote.user_id == row.author_id
                    )
                )
            row.status, row.merged_into = "open", None
            session.add(AmaAsker(question_id=qid, user_id=row.author_id, user_name=row.author_name))
            session.add(AmaVote(question_id=qid, user_id=row.author_id, created_at=now))
            return True

    async def set_question_message(self, qid: int, chat_id: str, message_id: str | None) -> None:
        async with self._sessions.begin() as session:
            await session.execute(
                update(AmaQuestion)
                .where(AmaQuestion.id == qid)
                .values(chat_id=chat_id, message_id=message_id)
            )

    async def add_asker(self, qid: int, user_id: str, user_name: str, now: datetime) -> None:
        """A co-asker of a merged duplicate: recorded once, with their vote."""
        async with self._sessions.begin() as session:
            await session.execute(
                insert_for(session, AmaAsker)
                .values(question_id=qid, user_id=user_id, user_name=user_name[:200])
                .on_conflict_do_nothing()
            )
            await session.execute(
                insert_for(session, AmaVote)
                .values(question_id=qid, user_id=user_id, created_at=now)
                .on_conflict_do_nothing()
            )

    async def is_asker(self, qid: int, user_id: str) -> bool:
        async with self._sessions() as session:
            found = await session.scalar(
                select(AmaAsker.user_id).where(
                    AmaAsker.question_id == qid, AmaAsker.user_id == user_id
                )
            )
        return found is not None

    async def hide(self, qid: int) -> bool:
        """Hide a question unless it is answered (the summary lists every answered one)."""
        async with self._sessions.begin() as session:
            result = await session.execute(
                update(AmaQuestion)
                .where(AmaQuestion.id == qid, AmaQuestion.status != "answered")
                .values(status="hidden")
            )
        return bool(getattr(result, "rowcount", 0))

    async def question(self, qid: int) -> AmaQuestion | None:
        async with self._sessions() as session:
            return await session.get(AmaQuestion, qid)

    async def vote(self, qid: int, user_id: str, now: datetime) -> bool:
        """Record one member's upvote; False when they had voted already."""
        async with self._sessions.begin() as session:
            result = await session.execute(
                insert_for(session, AmaVote)
                .values(question_id=qid, user_id=user_id, created_at=now)
                .on_conflict_do_nothing()
            )
        return bool(getattr(result, "rowcount", 0))

    async def unvote(self, qid: int, user_id: str) -> bool:
        async with self._sessions.begin() as session:
            result = await session.execute(
                delete(AmaVote).where(AmaVote.question_id == qid, AmaVote.user_id == user_id)
            )
        return bool(getattr(result, "rowcount", 0))

    async def votes(self, qid: int) -> int:
        async with self._sessions() as session:
            count = await session.scalar(
                select(func.count()).select_from(AmaVote).where(AmaVote.question_id == qid)
            )
        return int(count or 0)

    async def merge(self, source: int, target: int) -> None:
        """Move the askers and votes of `source` onto `target` (no one counted twice)."""
        async with self._sessions.begin() as session:
            askers = (
                await session.execute(
                    select(AmaAsker.user_id, AmaAsker.user_name).where(
                        AmaAsker.question_id == source
                    )
                )
            ).all()
            for user_id, user_name in askers:
                await session.execute(
                    insert_for(session, AmaAsker)
                    .values(question_id=target, user_id=user_id, user_name=user_name)
                    .on_conflict_do_nothing()
                )
            votes = (
                await session.execute(
                    select(AmaVote.user_id, AmaVote.created_at).where(AmaVote.question_id == source)
                )
            ).all()
            for user_id, created_at in votes:
                await session.execute(
                    insert_for(session, AmaVote)
                    .values(question_id=target, user_id=user_id, created_at=created_at)
                    .on_conflict_do_nothing()
                )
            await session.execute(
                update(AmaQuestion)
                .where(AmaQuestion.id == source)
                .values(status="merged", merged_into=target)
            )

    async def answer(
        self,
        qid: int,
        chat_id: str,
        message_id: str | None,
        answered_by: str | None,
        now: datetime,
    ) -> bool:
        """Mark a question answered; False when it was answered already (nobody is told twice)."""
        async with self._sessions.begin() as session:
            result = await session.execute(
                update(AmaQuestion)
                .where(AmaQuestion.id == qid, AmaQuestion.status != "answered")
                .values(
                    status="answered",
                    answer_chat_id=chat_id,
                    answer_message_id=message_id,
                    answered_by=answered_by,
                    answered_at=now,
                )
            )
        return bool(getattr(result, "rowcount", 0))

    async def askers(self, qid: int) -> list[tuple[str, str]]:
        async with self._sessions() as session:
            rows = await session.execute(
                select(AmaAsker.user_id, AmaAsker.user_name).where(AmaAsker.question_id == qid)
            )
            return [(user_id, name) for user_id, name in rows]

    async def ranked(self, session_id: int, statuses: tuple[str, ...] = VISIBLE) -> list[Ranked]:
        """Questions by votes, most first; ties go to the older question."""
        votes = func.count(AmaVote.user_id)
        async with self._sessions() as session:
            rows = await session.execute(
                select(
                    AmaQuestion.id,
                    AmaQuestion.text,
                    AmaQuestion.author_name,
                    votes,
                    AmaQuestion.status,
                    AmaQuestion.answer_chat_id,
                    AmaQuestion.answer_message_id,
                )
                .outerjoin(AmaVote, AmaVote.question_id == AmaQuestion.id)
                .where(AmaQuestion.session_id == session_id, AmaQuestion.status.in_(statuses))
                .group_by(AmaQuestion.id)
                .order_by(votes.desc(), AmaQuestion.created_at, AmaQuestion.id)
            )
            return [Ranked(*row) for row in rows]
