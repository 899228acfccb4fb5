"""Tables of onboarding: each member's gate state, role and progress, and the raid switch."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, UTCDateTime

PlatformId = String(64)


class OnboardingMember(Base):
    """One member of one community: where they stand at the gate and on the role path.

    `status` is `pending` (must pass the gate), `passed`, or `held` (failed with
    on_fail = "restrict": still gated until a moderator approves them).
    """

    __tablename__ = "onboarding_members"
    __table_args__ = (Index(None, "status"),)

    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(PlatformId, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    chat_id: Mapped[str] = mapped_column(PlatformId, default="")
    status: Mapped[str] = mapped_column(String(16), default="passed")
    method: Mapped[str] = mapped_column(String(16), default="none")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    joined_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    passed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    role: Mapped[str] = mapped_column(String(32), default="")
    role_since: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class RaidMode(Base):
    """The raid switch of one community; survives restarts so a raid is not forgotten."""

    __tablename__ = "onboarding_raid"

    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True
    )
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    since: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    reason: Mapped[str] = mapped_column(String(200), default="")
