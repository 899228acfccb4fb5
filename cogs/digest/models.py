"""Tables of the weekly digest: the teaser for the next issue and the published issues."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, UTCDateTime

PlatformId = String(64)
RowId = BigInteger().with_variant(Integer, "sqlite")


class DigestState(Base):
    """Per community: the teaser an admin set with /digest_next for the next digest."""

    __tablename__ = "digest_state"

    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True
    )
    teaser: Mapped[str] = mapped_column(Text, default="")
    set_by: Mapped[str] = mapped_column(PlatformId, default="")
    set_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class DigestIssue(Base):
    """A published digest, one per community per week: the key that makes publishing idempotent.

    `status` is `sending` from the claim until the platform took the message, then `sent`.
    """

    __tablename__ = "digest_issues"
    __table_args__ = (UniqueConstraint("community_id", "week"),)

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    week: Mapped[date] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text)
    chat_id: Mapped[str] = mapped_column(PlatformId)
    message_id: Mapped[str | None] = mapped_column(PlatformId, nullable=True)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16), default="sending", server_default="sent")
