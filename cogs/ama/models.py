"""Tables of the AMA: sessions, questions, co-askers and votes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, UTCDateTime

PlatformId = String(64)
RowId = BigInteger().with_variant(Integer, "sqlite")


class AmaSession(Base):
    """One AMA: a topic, a start time, the chat it is announced in; `status` open or closed."""

    __tablename__ = "ama_sessions"
    __table_args__ = (Index(None, "community_id", "status"),)

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    topic: Mapped[str] = mapped_column(String(500))
    chat_id: Mapped[str] = mapped_column(PlatformId)
    announcement_id: Mapped[str | None] = mapped_column(PlatformId, nullable=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16), default="open")
    opened_by: Mapped[str] = mapped_column(PlatformId)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    top_posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class AmaQuestion(Base):
    """A question; `status` is open, hidden, merged (into `merged_into`) or answered."""

    __tablename__ = "ama_questions"
    __table_args__ = (Index(None, "session_id", "status"), Index(None, "chat_id", "message_id"))

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("ama_sessions.id", ondelete="CASCADE"))
    author_id: Mapped[str] = mapped_column(PlatformId)
    author_name: Mapped[str] = mapped_column(String(200), default="")
    text: Mapped[str] = mapped_column(Text)
    tokens: Mapped[str] = mapped_column(Text, default="")
    chat_id: Mapped[str] = mapped_column(PlatformId)
    message_id: Mapped[str | None] = mapped_column(PlatformId, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="open")
    merged_into: Mapped[int | None] = mapped_column(RowId, nullable=True)
    answer_chat_id: Mapped[str | None] = mapped_column(PlatformId, nullable=True)
    answer_message_id: Mapped[str | None] = mapped_column(PlatformId, nullable=True)
    answered_by: Mapped[str | None] = mapped_column(PlatformId, nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AmaAsker(Base):
    """Who asked a question: the author and everyone whose duplicate was merged into it."""

    __tablename__ = "ama_askers"

    question_id: Mapped[int] = mapped_column(
        ForeignKey("ama_questions.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(PlatformId, primary_key=True)
    user_name: Mapped[str] = mapped_column(String(200), default="")


class AmaVote(Base):
    """One upvote: one member, one question, at most once (the primary key says so)."""

    __tablename__ = "ama_votes"

    question_id: Mapped[int] = mapped_column(
        ForeignKey("ama_questions.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(PlatformId, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
