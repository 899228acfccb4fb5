"""Tables of polls: the poll (options, deadline, where it was posted) and one row per vote."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, UTCDateTime

PlatformId = String(64)


class Poll(Base):
    """A poll, quiz, A/B question or reaction poll.

    `kind` is `poll`, `quiz`, `ab` or `react`; `mode` is `native`, `buttons` or `reactions`
    (how votes arrive). `options` is a JSON list of option texts; reaction polls also keep
    each option's emoji in `emojis`.
    """

    __tablename__ = "polls"
    __table_args__ = (Index(None, "status"), Index(None, "native_poll_id"))

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    platform: Mapped[str] = mapped_column(String(16))
    community_ext: Mapped[str] = mapped_column(PlatformId)
    chat_id: Mapped[str] = mapped_column(PlatformId)
    message_id: Mapped[str | None] = mapped_column(PlatformId, nullable=True)
    native_poll_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    kind: Mapped[str] = mapped_column(String(16))
    mode: Mapped[str] = mapped_column(String(16))
    question: Mapped[str] = mapped_column(Text)
    options: Mapped[list[str]] = mapped_column(JSON)
    emojis: Mapped[list[str]] = mapped_column(JSON, default=list)
    multiple: Mapped[bool] = mapped_column(Boolean, default=False)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=True)
    correct_option: Mapped[int | None] = mapped_column(Integer, nullable=True)
    explanation: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(PlatformId)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16), default="open")
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    results_message_id: Mapped[str | None] = mapped_column(PlatformId, nullable=True)


class PollVote(Base):
    """One member's choice of one option; a multi-choice vote is several rows."""

    __tablename__ = "poll_votes"

    poll_id: Mapped[int] = mapped_column(
        ForeignKey("polls.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(PlatformId, primary_key=True)
    option: Mapped[int] = mapped_column(Integer, primary_key=True)
    voter_name: Mapped[str] = mapped_column(String(200), default="")
    voted_at: Mapped[datetime] = mapped_column(UTCDateTime())
