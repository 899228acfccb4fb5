"""Tables of federations: who is in one, who may ban for it, its bans and where each applied.

A ban is one `federation_bans` row; its reaching each community is one
`federation_applications` row (applied, refused, opted out), so "a ban never applies twice"
is a primary key and "what did the Kazakh group miss while it was offline" is a query.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, UTCDateTime

PlatformId = String(64)
RowId = BigInteger().with_variant(Integer, "sqlite")

MEMBER = "member"  # bans for the federation and receives its bans
SUBSCRIBER = "subscriber"  # receives its bans, read-only


class Federation(Base):
    __tablename__ = "federations"

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    owner_platform: Mapped[str] = mapped_column(String(16))
    owner_id: Mapped[str] = mapped_column(PlatformId)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The federation's own log channel, in one of its communities (None: not set).
    log_community_id: Mapped[int | None] = mapped_column(
        ForeignKey("communities.id", ondelete="SET NULL"), nullable=True
    )
    log_chat_id: Mapped[str | None] = mapped_column(PlatformId, nullable=True)


class FederationCommunity(Base):
    """A community in a federation (`member`) or subscribed to its list (`subscriber`).

    Leaving keeps the row with `left_at` set: future bans stop, past ones stay applied."""

    __tablename__ = "federation_communities"
    __table_args__ = (Index("ix_federation_communities_community", "community_id"),)

    federation_id: Mapped[int] = mapped_column(
        ForeignKey("federations.id", ondelete="CASCADE"), primary_key=True
    )
    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True
    )
    mode: Mapped[str] = mapped_column(String(16))
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime())
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class FederationAdmin(Base):
    __tablename__ = "federation_admins"

    federation_id: Mapped[int] = mapped_column(
        ForeignKey("federations.id", ondelete="CASCADE"), primary_key=True
    )
    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    user_id: Mapped[str] = mapped_column(PlatformId, primary_key=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())


class FederationCode(Base):
    """A one-time join code, stored as its SHA-256 only: the database never holds a usable code."""

    __tablename__ = "federation_codes"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    federation_id: Mapped[int] = mapped_column(ForeignKey("federations.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    used_by: Mapped[int | None] = mapped_column(
        ForeignKey("communities.id", ondelete="SET NULL"), nullable=True
    )


class FederationLink(Base):
    """Accounts a moderator says are one person: a ban of one bans them all, each on its
    own platform. `person` is the id of the first link row of the group."""

    __tablename__ = "federation_links"
    __table_args__ = (UniqueConstraint("federation_id", "platform", "user_id"),)

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    federation_id: Mapped[int] = mapped_column(ForeignKey("federations.id", ondelete="CASCADE"))
    person: Mapped[int] = mapped_column(RowId)
    platform: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str] = mapped_column(PlatformId)


class FederationBan(Base):
    __tablename__ = "federation_bans"
    __table_args__ = (Index("ix_federation_bans_member", "federation_id", "platform", "user_id"),)

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    federation_id: Mapped[int] = mapped_column(ForeignKey("federations.id", ondelete="CASCADE"))
    platform: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str] = mapped_column(PlatformId)
    user_name: Mapped[str] = mapped_column(String(200), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    # fban (a federation admin), import (a ban-list file), or what the file named as its source.
    source: Mapped[str] = mapped_column(String(64), default="fban")
    banned_by: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    lifted_by: Mapped[str | None] = mapped_column(String(120), nullable=True)


class FederationApplication(Base):
    """What one ban did in one community: `applied` (case written, banned), `refused` by the
    platform, `opted_out` locally with a reason, `interrupted` by a crash inside the platform
    call (it may have happened; not redone), `lifted` by /funban."""

    __tablename__ = "federation_applications"

    ban_id: Mapped[int] = mapped_column(
        ForeignKey("federation_bans.id", ondelete="CASCADE"), primary_key=True
    )
    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True
    )
    state: Mapped[str] = mapped_column(String(16))
    case_id: Mapped[int | None] = mapped_column(RowId, nullable=True)
    detail: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime())
