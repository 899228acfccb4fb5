"""Support storage: each ticket change in its own short transaction, before anyone is told."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.replay import event_write
from bot.db.dialect import insert_for
from bot.scheduler import FollowUps, Job, stage
from cogs.support.models import (
    FaqClick,
    FaqOutcome,
    SafetyNotice,
    Ticket,
    TicketEvent,
    TicketMessage,
)

ACTIVE = ("open", "pending")


class SupportStore:
    """Tickets, their messages and events, FAQ outcomes and clicks, safety notices."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    # -- tickets ------------------------------------------------------------------------------

    async def create(self, follow_ups: FollowUps, now: datetime, **values: Any) -> Ticket:
        """Store a new ticket with its first message, its `opened` event and its SLA timers.

        One transaction (the outbox): a crash after it loses no timer, before it no ticket.
        """
        async with self._sessions.begin() as session:
            mark = await event_write(session, "support.ticket")
            if mark.done and mark.result is not None:
                earlier = await session.get(Ticket, mark.result)
                if earlier is not None:
                    return earlier  # written by a run a crash interrupted: not again
            ticket = Ticket(**values)
            session.add(ticket)
            await session.flush()
            await mark.record(session, ticket.id)
            for job in follow_ups(ticket.id):
                await stage(session, job, now)
            session.add(
                TicketMessage(
                    ticket_id=ticket.id,
                    side="member",
                    author_id=ticket.member_id,
                    author_name=ticket.member_name,
                    text=ticket.text,
                    at=ticket.created_at,
                )
            )
            session.add(
                TicketEvent(
                    ticket_id=ticket.id,
                    kind="opened",
                    detail=ticket.via,
                    actor_id=ticket.member_id,
                    at=ticket.created_at,
                )
            )
        return ticket

    async def get(self, ticket_id: int) -> Ticket | None:
        async with self._sessions() as session:
            return await session.get(Ticket, ticket_id)

    async def active_for(self, community_id: int, member_id: str) -> Ticket | None:
        """The member's newest open or pending ticket in the community."""
        async with self._sessions() as session:
            return await session.scalar(
                select(Ticket)
                .where(
                    Ticket.community_id == community_id,
                    Ticket.member_id == member_id,
                    Ticket.status.in_(ACTIVE),
                )
                .order_by(Ticket.id.desc())
                .limit(1)
            )

    async def by_staff_message(self, chat_id: str, message_id: str) -> Ticket | None:
        """The ticket whose staff post (or staff thread) this is."""
        async with self._sessions() as session:
            return await session.scalar(
                select(Ticket).where(
                    Ticket.staff_chat_id == chat_id,
                    or_(
                        Ticket.staff_message_id == message_id,
                        Ticket.staff_thread_id == message_id,
                    ),
                )
            )

    async def by_thread(self, chat_id: str, thread_id: str | None) -> Ticket | None:
        """The ticket of a thread: a topic inside the staff chat (Telegram, `thread_id`), or a
        thread that is a chat of its own (Discord: the message's chat is the thread)."""
        query = select(Ticket)
        if thread_id is not None:
            query = query.where(
                Ticket.staff_chat_id == chat_id, Ticket.staff_thread_id == thread_id
            )
        else:
            query = query.where(Ticket.staff_thread_id == chat_id)
        async with self._sessions() as session:
            return await session.scalar(query.limit(1))

    async def update(
        self, ticket_id: int, *, jobs: Iterable[Job] = (), now: datetime | None = None,
        **values: Any,
    ) -> None:  # fmt: skip
        """Change the ticket; `jobs` (its new timers) commit with the change or not at all."""
        async with self._sessions.begin() as session:
            await session.execute(update(Ticket).where(Ticket.id == ticket_id).values(**values))
            for job in jobs:
                assert now is not None, "staging jobs needs the time they were staged"
                await stage(session, job, now)

    async def change(
        self,
        ticket_id: int,
        kind: str,
        at: datetime,
        *,
        actor: str | None = None,
        detail: str = "",
        key: str | None = None,
        **values: Any,
    ) -> bool:
        """Update the ticket and write its event in one transaction.

        With a `key`, an event already written under that key makes this a no-op returning
        False: the effect it stands for (a breach notice) has happened already.
        """
        try:
            async with self._sessions.begin() as session:
                session.add(
                    TicketEvent(
                        ticket_id=ticket_id,
                        kind=kind,
                        detail=detail[:200],
                        actor_id=actor,
                        key=key,
                        at=at,
                    )
                )
                await session.flush()
                if values:
                    await session.execute(
                        update(Ticket).where(Ticket.id == ticket_id).values(**values)
                    )
        except IntegrityError:
            return False
        return True

    async def add_message(
        self, ticket_id: int, side: str, author_id: str, author_name: str, text: str, at: datetime
    ) -> None:
        async with self._sessions.begin() as session:
            session.add(
                TicketMessage(
                    ticket_id=ticket_id,
                    side=side,
                    author_id=author_id,
                    author_name=author_name,
                    text=text,
                    at=at,
                )
            )

    async def listing(
        self, community_id: int, *, statuses: tuple[str, ...] = ACTIVE, assignee: str | None = None
    ) -> list[Ticket]:
        query = select(Ticket).where(
            Ticket.community_id == community_id, Ticket.status.in_(statuses)
        )
        if assignee is not None:
            query = query.where(Ticket.assignee_id == assignee)
        async with self._sessions() as session:
            return list((await session.scalars(query.order_by(Ticket.id).limit(50))).all())

    async def breached_ids(self, community_id: int) -> set[int]:
        async with self._sessions() as session:
            rows = await session.scalars(
                select(TicketEvent.ticket_id)
                .join(Ticket, Ticket.id == TicketEvent.ticket_id)
                .where(Ticket.community_id == community_id, TicketEvent.kind == "sla_breach")
            )
            return set(rows.all())

    async def since(self, community_id: int, start: datetime) -> list[Ticket]:
        async with self._sessions() as session:
            rows = await session.scalars(
                select(Ticket).where(
                    Ticket.community_id == community_id, Ticket.created_at >= start
                )
            )
            return list(rows.all())

    # -- FAQ ----------------------------------------------------------------------------------

    async def faq_shown(self, **values: Any) -> int:
        async with self._sessions.begin() as session:
            row = FaqOutcome(**values)
            session.add(row)
            await session.flush()
            return row.id

    async def faq_outcome(self, outcome_id: int) -> FaqOutcome | None:
        async with self._sessions() as session:
            return await session.get(FaqOutcome, outcome_id)

    async def faq_decide(self, outcome_id: int, outcome: str, ticket_id: int | None = None) -> bool:
        """Record yes/no once: only a `shown` answer can be decided (a double press is ignored)."""
        async with self._sessions.begin() as session:
            result = await session.execute(
                update(FaqOutcome)
                .where(FaqOutcome.id == outcome_id, FaqOutcome.outcome == "shown")
                .values(outcome=outcome, ticket_id=ticket_id)
            )
        return bool(getattr(result, "rowcount", 0))

    async def faq_outcomes_since(self, community_id: int, start: datetime) -> list[str]:
        async with self._sessions() as session:
            rows = await session.scalars(
                select(FaqOutcome.outcome).where(
                    FaqOutcome.community_id == community_id, FaqOutcome.at >= start
                )
            )
            return list(rows.all())

    async def click(self, community_id: int, entry: str, link: int) -> None:
        async with self._sessions.begin() as session:
            stmt = insert_for(session, FaqClick).values(
                community_id=community_id, entry=entry, link=link, clicks=1
            )
            await session.execute(
                stmt.on_conflict_do_update(
                    index_elements=["community_id", "entry", "link"],
                    set_={"clicks": FaqClick.clicks + 1},
                )
            )

    async def clicks(self, community_id: int, entry: str, link: int) -> int:
        async with self._sessions() as session:
            row = await session.get(FaqClick, (community_id, entry, link))
            return row.clicks if row else 0

    # -- help routes --------------------------------------------------------------------------

    async def safety_due(
        self, community_id: int, member_id: str, topic: str, now: datetime, quiet_since: datetime
    ) -> bool:
        """Whether the member may get this topic's reply now; if so, it is marked as given."""
        async with self._sessions.begin() as session:
            row = await session.get(SafetyNotice, (community_id, member_id, topic))
            if row is not None and row.at > quiet_since:
                return False
            if row is None:
                session.add(
                    SafetyNotice(
                        community_id=community_id, member_id=member_id, topic=topic, at=now
                    )
                )
            else:
                row.at = now
        return True
