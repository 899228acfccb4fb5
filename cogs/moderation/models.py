"""Moderation tables: cases (every action, automatic or manual), reports, slow-mode state."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, UTCDateTime

PlatformId = String(64)
AUTO = "auto"


class ModCase(Base):
    """One moderation action. Strikes are computed from these rows (decay by timestamp)."""

    __tablename__ = "mod_cases"
    __table_args__ = (Index(None, "community_id", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(PlatformId)
    user_name: Mapped[str] = mapped_column(String(200), default="")
    moderator_id: Mapped[str] = mapped_column(PlatformId, default=AUTO)
    action: Mapped[str] = mapped_column(String(16))
    rule: Mapped[str] = mapped_column(String(64), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    points: Mapped[int] = mapped_column(Integer, default=0)
    chat_id: Mapped[str | None] = mapped_column(PlatformId, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    pardoned: Mapped[bool] = mapped_column(Boolean, default=False)
    pardoned_by: Mapped[str | None] = mapped_column(PlatformId, nullable=True)
    # Why the platform refused the action (a ban of someone ranked higher); None when done.
    refused: Mapped[str | None] = mapped_column(Text, nullable=True)
    # The message acted on, as a link a moderator can open (None: no message, or no link).
    link: Mapped[str | None] = mapped_column(String(300), nullable=True)


class ModReport(Base):
    """A member's /report of a message, waiting in the moderators' queue."""

    __tablename__ = "mod_reports"
    __table_args__ = (Index(None, "community_id", "status"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    reporter_id: Mapped[str] = mapped_column(PlatformId)
    target_user_id: Mapped[str | None] = mapped_column(PlatformId, nullable=True)
    chat_id: Mapped[str] = mapped_column(PlatformId)
    message_id: Mapped[str | None] = mapped_column(PlatformId, nullable=True)
    excerpt: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    # open, then resolved / dismissed by a moderator, or acted (the member was acted on).
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_by: Mapped[str | None] = mapped_column(PlatformId, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class ModSlowmode(Base):
    """Slow-mode in force in a channel: emulated ones are enforced by the stage from this row."""

    __tablename__ = "mod_slowmodes"

    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True
    )
    chat_id: Mapped[str] = mapped_column(PlatformId, primary_key=True)
    seconds: Mapped[int] = mapped_column(Integer)
    native: Mapped[bool] = mapped_column(Boolean)
    until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class ModRecentMessage(Base):
    """One message seen in a channel, for /purge: ids, author and time only, never the text.

    Bounded per channel (newest `RECENT_KEPT`) and in age (`RECENT_MAX_AGE`: no platform lets a
    bot delete older messages in bulk), pruned as new rows are written.
    """

    __tablename__ = "mod_recent_messages"
    __table_args__ = (Index(None, "community_id", "chat_id", "sent_at"),)

    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True
    )
    chat_id: Mapped[str] = mapped_column(PlatformId, primary_key=True)
    message_id: Mapped[str] = mapped_column(PlatformId, primary_key=True)
    user_id: Mapped[str] = mapped_column(PlatformId)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())
