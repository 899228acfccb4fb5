"""Tables of the ideas board: ideas, their authors, votes, history, and the monthly post."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, UTCDateTime

PlatformId = String(64)
RowId = BigInteger().with_variant(Integer, "sqlite")


class Idea(Base):
    """One idea, numbered per community (`number`); `status` is one of `STATUSES`.

    `draft` is an idea held back while its author looks at near-duplicates; `withdrawn` one the
    author dropped to vote for a near-duplicate instead. Neither is on the board.
    """

    __tablename__ = "ideas"
    __table_args__ = (
        Index("ix_ideas_community_number", "community_id", "number", unique=True),
        Index("ix_ideas_community_status", "community_id", "status"),
    )

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    details: Mapped[str] = mapped_column(Text, default="")
    tokens: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[str] = mapped_column(PlatformId)
    author_name: Mapped[str] = mapped_column(String(200), default="")
    chat_id: Mapped[str] = mapped_column(PlatformId)
    message_id: Mapped[str | None] = mapped_column(PlatformId, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="new")
    reason: Mapped[str] = mapped_column(Text, default="")
    merged_into: Mapped[int | None] = mapped_column(Integer, nullable=True)
    impact: Mapped[int | None] = mapped_column(Integer, nullable=True)
    cost: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status_at: Mapped[datetime] = mapped_column(UTCDateTime())


class IdeaAuthor(Base):
    """Who the idea is from: its author and the authors of duplicates merged into it."""

    __tablename__ = "idea_authors"

    idea_id: Mapped[int] = mapped_column(
        ForeignKey("ideas.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(PlatformId, primary_key=True)
    user_name: Mapped[str] = mapped_column(String(200), default="")


class IdeaVote(Base):
    """One member's vote on one idea (+1 for, -1 against); the primary key keeps it to one.

    `counted` is False for a newcomer who joined after the idea was posted and had not passed
    onboarding when voting: the vote is kept (and reported) but not in the totals.
    """

    __tablename__ = "idea_votes"

    idea_id: Mapped[int] = mapped_column(
        ForeignKey("ideas.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(PlatformId, primary_key=True)
    user_name: Mapped[str] = mapped_column(String(200), default="")
    value: Mapped[int] = mapped_column(Integer, default=1)
    counted: Mapped[bool] = mapped_column(Boolean, default=True)
    voted_at: Mapped[datetime] = mapped_column(UTCDateTime())


class IdeaEvent(Base):
    """The history of an idea: each status change, merge and score, who did it and why."""

    __tablename__ = "idea_events"
    __table_args__ = (Index(None, "idea_id"),)

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # status, merge, score
    status: Mapped[str] = mapped_column(String(16), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    by: Mapped[str] = mapped_column(PlatformId)
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class IdeaMonthly(Base):
    """The monthly "you asked — we did" post of one community for one month (`YYYY-MM`).

    `retro` is the moderators' edited "open retro" text; `status` is `draft`, `sending`
    (claimed) or `sent`, with the message id once the platform answered.
    """

    __tablename__ = "idea_monthly"

    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True
    )
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    retro: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="draft")
    message_id: Mapped[str | None] = mapped_column(PlatformId, nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class IdeaSurvey(Base):
    """The monthly open survey of one community for one month (`YYYY-MM`): the poll it
    became (the polls feature stores its votes) and the ideas it asked about, in order."""

    __tablename__ = "idea_surveys"

    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True
    )
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    poll_number: Mapped[int] = mapped_column(Integer)
    ideas: Mapped[list[int]] = mapped_column(JSON, default=list)
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime())
