"""Tables of the support desk: tickets, their messages and events, SLA clocks, FAQ outcomes.

Everything the metrics need is a row: a status change or an SLA warning is a `support_events`
row, an FAQ answer and whether it helped is a `support_faq_outcomes` row.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, UTCDateTime

PlatformId = String(64)
RowId = BigInteger().with_variant(Integer, "sqlite")


class Ticket(Base):
    """One request for help; `status` is open, pending (waiting for the member) or resolved.

    The running SLA clock is kept on the row: which target it measures (`clock_kind`), when it
    warns and breaches, and, while pending, how much working time was left (`clock_left_s`).
    """

    __tablename__ = "support_tickets"
    __table_args__ = (
        # Named: the convention names an index by its first column, and two start alike.
        Index("ix_support_tickets_community_status", "community_id", "status"),
        Index("ix_support_tickets_community_member", "community_id", "member_id"),
        Index(None, "staff_chat_id", "staff_message_id"),
    )

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    member_id: Mapped[str] = mapped_column(PlatformId)
    member_name: Mapped[str] = mapped_column(String(200), default="")
    text: Mapped[str] = mapped_column(Text)
    via: Mapped[str] = mapped_column(String(16))  # command, channel or direct
    chat_id: Mapped[str] = mapped_column(PlatformId)
    message_id: Mapped[str | None] = mapped_column(PlatformId, nullable=True)
    team: Mapped[str | None] = mapped_column(String(32), nullable=True)
    priority: Mapped[str] = mapped_column(String(16), default="normal")
    status: Mapped[str] = mapped_column(String(16), default="open")
    assignee_id: Mapped[str | None] = mapped_column(PlatformId, nullable=True)
    assignee_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    escalated: Mapped[bool] = mapped_column(default=False)
    staff_chat_id: Mapped[str | None] = mapped_column(PlatformId, nullable=True)
    staff_thread_id: Mapped[str | None] = mapped_column(PlatformId, nullable=True)
    staff_message_id: Mapped[str | None] = mapped_column(PlatformId, nullable=True)
    clock_kind: Mapped[str | None] = mapped_column(String(16), nullable=True)
    clock_round: Mapped[int] = mapped_column(Integer, default=0)
    clock_warn_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    clock_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    clock_left_s: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    first_response_work_s: Mapped[int | None] = mapped_column(Integer, nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    rating: Mapped[int | None] = mapped_column(Integer, nullable=True)


class TicketMessage(Base):
    """What was said on a ticket, by the member, staff or the bot (`side`)."""

    __tablename__ = "support_messages"
    __table_args__ = (Index(None, "ticket_id", "id"),)

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("support_tickets.id", ondelete="CASCADE"))
    side: Mapped[str] = mapped_column(String(16))  # member, staff or bot
    author_id: Mapped[str] = mapped_column(PlatformId)
    author_name: Mapped[str] = mapped_column(String(200), default="")
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class TicketEvent(Base):
    """A status change, assignment, escalation, SLA warning or breach, or rating.

    `key` makes an effect happen once: a timer that runs twice after a restart finds its
    event already written and sends nothing.
    """

    __tablename__ = "support_events"
    __table_args__ = (UniqueConstraint("key"), Index(None, "ticket_id", "at"))

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("support_tickets.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(String(200), default="")
    actor_id: Mapped[str | None] = mapped_column(PlatformId, nullable=True)
    key: Mapped[str | None] = mapped_column(String(100), nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class FaqOutcome(Base):
    """An FAQ answer shown to a member and what came of it: shown, helped or not_helped."""

    __tablename__ = "support_faq_outcomes"
    __table_args__ = (Index(None, "community_id", "at"),)

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    member_id: Mapped[str] = mapped_column(PlatformId)
    entry: Mapped[str] = mapped_column(String(64))
    query: Mapped[str] = mapped_column(Text)
    chat_id: Mapped[str] = mapped_column(PlatformId)
    message_id: Mapped[str | None] = mapped_column(PlatformId, nullable=True)
    outcome: Mapped[str] = mapped_column(String(16), default="shown")
    ticket_id: Mapped[int | None] = mapped_column(RowId, nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class FaqClick(Base):
    """How often each FAQ link was opened (a plain counter for the metrics)."""

    __tablename__ = "support_faq_clicks"

    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True
    )
    entry: Mapped[str] = mapped_column(String(64), primary_key=True)
    link: Mapped[int] = mapped_column(Integer, primary_key=True)
    clicks: Mapped[int] = mapped_column(Integer, default=0)


class SafetyNotice(Base):
    """When a member last got a help-route reply on a topic (once per member, topic, period)."""

    __tablename__ = "support_safety_notices"

    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[str] = mapped_column(PlatformId, primary_key=True)
    topic: Mapped[str] = mapped_column(String(32), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
