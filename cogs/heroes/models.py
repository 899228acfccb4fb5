"""Tables of the hero of the week: the announced weeks (signals are in the core activity ledger)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, UTCDateTime

PlatformId = String(64)
RowId = BigInteger().with_variant(Integer, "sqlite")


class HeroWeek(Base):
    """One announced week: the hero (or none), the score and its reasons; kept for good.

    `status` is `sending` from the claim until the platform took the message, then `sent`
    with its `message_id`: a run interrupted in between sends again (at least once).
    """

    __tablename__ = "hero_weeks"
    __table_args__ = (UniqueConstraint("community_id", "week"),)

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    week: Mapped[date] = mapped_column(Date)
    user_id: Mapped[str | None] = mapped_column(PlatformId, nullable=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    score: Mapped[float] = mapped_column(Float, default=0.0)
    reasons: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    role: Mapped[str] = mapped_column(String(100), default="")
    role_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    announced_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16), default="sending", server_default="sent")
    message_id: Mapped[str | None] = mapped_column(PlatformId, nullable=True)
