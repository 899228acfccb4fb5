"""Tables of the web server: one-time login links, sessions, tracked links, public pages."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, UTCDateTime

PlatformId = String(64)
RowId = BigInteger().with_variant(Integer, "sqlite")


class WebLoginToken(Base):
    """A login link sent by /dashboard: only its SHA-256 is kept; `used_at` makes it one-time."""

    __tablename__ = "web_login_tokens"
    __table_args__ = (
        UniqueConstraint("token_hash"),
        # The rate limit counts one person's recent links.
        Index("ix_web_login_tokens_user_created", "platform", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    platform: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str] = mapped_column(PlatformId)
    user_name: Mapped[str] = mapped_column(String(200), default="")
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    level: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class WebSession(Base):
    """A signed-in browser; the cookie carries the signed session id, this row its rights."""

    __tablename__ = "web_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of the session id
    platform: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str] = mapped_column(PlatformId)
    user_name: Mapped[str] = mapped_column(String(200), default="")
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class WebSessionCommunity(Base):
    """A community one session may see, at the level its login link was issued for."""

    __tablename__ = "web_session_communities"

    session_id: Mapped[str] = mapped_column(
        ForeignKey("web_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True
    )
    level: Mapped[int] = mapped_column(Integer)


class TrackedLink(Base):
    """A link the bot posted as `/l/<id>`: where it goes, who posted it, how often it was opened."""

    __tablename__ = "web_links"
    # Shortening the same link for the same source again gives the same id (no growth per post).
    __table_args__ = (UniqueConstraint("community_id", "source", "url"),)

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(64))
    url: Mapped[str] = mapped_column(Text)
    clicks: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_click_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class PublicPage(Base):
    """What a community shows without a login, as its admins switched it in the dashboard."""

    __tablename__ = "web_public_pages"

    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True
    )
    ideas: Mapped[bool] = mapped_column(Boolean, default=False)
    show_names: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_by: Mapped[str] = mapped_column(PlatformId, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
