"""Tables of the core: communities, channels, members, activity counters, scheduled jobs.

Platform ids are text (String(64)): they hold 64-bit snowflakes and negative Telegram ids alike.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, UTCDateTime

PlatformId = String(64)


class Community(Base):
    __tablename__ = "communities"
    __table_args__ = (UniqueConstraint("platform", "external_id"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(PlatformId)
    name: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # "community", or "private" for a DM an older version stored as a community and whose
    # rows (a ticket, a question) were kept: no rituals, never offered as a DM's community.
    kind: Mapped[str] = mapped_column(String(16), default="community", server_default="community")


class PrivateRoute(Base):
    """Where a member's DMs to the bot go on one platform: the community they chose (or the
    only one they are in), and a message held while they choose. One row per member who wrote
    to the bot: the only per-DM state that is kept."""

    __tablename__ = "private_routes"

    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    user_id: Mapped[str] = mapped_column(PlatformId, primary_key=True)
    community_id: Mapped[int | None] = mapped_column(
        ForeignKey("communities.id", ondelete="SET NULL"), nullable=True
    )
    pending_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Channel(Base):
    __tablename__ = "channels"
    __table_args__ = (UniqueConstraint("community_id", "external_id"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(PlatformId)
    name: Mapped[str] = mapped_column(String(200), default="")


class Member(Base):
    __tablename__ = "members"
    __table_args__ = (UniqueConstraint("community_id", "user_id"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(PlatformId)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    is_bot: Mapped[bool] = mapped_column(Boolean, default=False)
    joined_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The first message ever seen from the member (with `joined_at`, the D7/D30 cohorts).
    first_spoke_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


def _signal() -> Mapped[int]:
    return mapped_column(Integer, default=0, server_default="0")


class ActivityCounter(Base):
    """The activity ledger: per member per local day counts, flushed in batches from memory
    (never a commit per message). One definition per column: see `bot.activity.SIGNALS`."""

    __tablename__ = "activity_counters"
    # Rows are kept in (community, day, member) order (SQLite: WITHOUT ROWID, the table is its
    # primary key), so a week or month of a community is one contiguous read, about four
    # times faster than an index on days pointing into a table in insertion order. One
    # member's days are found through the (community, member) index.
    __table_args__ = (
        PrimaryKeyConstraint("community_id", "day", "user_id"),
        Index("ix_activity_counters_community_user", "community_id", "user_id"),
        {"sqlite_with_rowid": False},
    )

    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(PlatformId)
    day: Mapped[date] = mapped_column(Date)
    messages: Mapped[int] = mapped_column(Integer, default=0)
    reactions: Mapped[int] = mapped_column(Integer, default=0)
    commands: Mapped[int] = mapped_column(Integer, default=0)
    votes: Mapped[int] = _signal()
    questions: Mapped[int] = _signal()
    reactions_received: Mapped[int] = _signal()
    thanks_received: Mapped[int] = _signal()
    helpful_answers: Mapped[int] = _signal()
    helpful_marks: Mapped[int] = _signal()
    ugc: Mapped[int] = _signal()
    useful_ugc: Mapped[int] = _signal()
    joins: Mapped[int] = _signal()
    leaves: Mapped[int] = _signal()
    staff: Mapped[int] = _signal()
    bot: Mapped[int] = _signal()


class ActivityRollup(Base):
    """The ledger summed over one closed period (a local day, ISO week or month) of one
    community, so a year of trend reads 52 rows, not millions. Written once a period is over
    (the metrics compute a missing one on first read); open periods are always read live."""

    __tablename__ = "activity_rollups"

    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)  # day, week or month
    start: Mapped[date] = mapped_column(Date, primary_key=True)
    active: Mapped[int] = mapped_column(Integer, default=0)
    present: Mapped[int] = mapped_column(Integer, default=0)
    messages: Mapped[int] = mapped_column(Integer, default=0)
    ugc: Mapped[int] = mapped_column(Integer, default=0)
    useful_ugc: Mapped[int] = mapped_column(Integer, default=0)
    joined: Mapped[int] = mapped_column(Integer, default=0)
    left: Mapped[int] = mapped_column(Integer, default=0)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ScheduledJob(Base):
    """Work due later (mute expiry, poll close, weekly rituals); survives restarts."""

    __tablename__ = "scheduled_jobs"
    __table_args__ = (Index(None, "status", "due_at"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    key: Mapped[str | None] = mapped_column(String(200), unique=True, nullable=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Which instance runs the job, and until when the claim holds (see bot/scheduler.py).
    claimed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class JobEffect(Base):
    """One effect of a job, keyed, so a re-run after a crash skips what was done."""

    __tablename__ = "job_effects"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    state: Mapped[str] = mapped_column(String(16))  # started, then done
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class EventWrite(Base):
    """A database write made while handling one platform event, keyed by the event's delivery
    id: a re-handled event (a crash between handling and marking it handled) finds it and
    skips the write (bot/core/replay.py). `result` is what the write returned (a row id)."""

    __tablename__ = "event_writes"
    __table_args__ = (Index(None, "created_at"),)

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    result: Mapped[int | None] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class InboxUpdate(Base):
    """A received platform update, stored before the platform is told it arrived.

    Handled from here; `handled_at` set once done, so a restart handles exactly the rest.
    Handled rows stay a while as the persistent dedupe window, then are pruned by count.
    """

    __tablename__ = "inbox"
    __table_args__ = (
        Index(None, "source", "handled_at", "seq"),
        Index("ix_inbox_lane", "source", "lane", "seq"),
    )

    source: Mapped[str] = mapped_column(String(80), primary_key=True)  # "telegram:<bot id>"
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)  # Telegram's update_id
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Posts started while handling it: a re-run after a crash skips that many (never twice).
    sent: Mapped[int] = mapped_column(Integer, default=0)
    # The instance handling it and until when (renewed while it lives): with several webhook
    # instances, a starting one takes only its own rows and those of an instance that died.
    claimed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # The chat (ordering lane) it belongs to: with several instances, a later update of a chat
    # waits until the earlier ones stored by any instance are handled.
    lane: Mapped[str | None] = mapped_column(String(64), nullable=True)


class Delivery(Base):
    """A delivery id already handled (a Discord message id): the persistent dedupe window."""

    __tablename__ = "deliveries"
    __table_args__ = (Index(None, "seen_at"),)

    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    delivery_id: Mapped[str] = mapped_column(PlatformId, primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
