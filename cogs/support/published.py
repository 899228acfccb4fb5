"""What the support desk publishes for other features: the period's dialogue for the metrics.

First response times are working seconds as the desk measures them (`first_response_work_s`);
a question still unanswered has waited the working time since it was asked.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.published import Dialogue, Period, Published, Question
from cogs.support.models import FaqOutcome, Ticket
from cogs.support.rules import SupportRules
from cogs.support.sla import WorkingHours


class SupportPublished:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        rules: Callable[[], SupportRules],
        now: Callable[[], datetime],
    ) -> None:
        self._sessions = sessions
        self._rules = rules
        self._now = now

    def attach(self, published: Published) -> None:
        published.dialogue.add("support", self.dialogue)

    def detach(self, published: Published) -> None:
        published.dialogue.remove("support", only=self.dialogue)

    async def dialogue(self, period: Period) -> Dialogue:
        """Tickets opened in the period, and FAQ answers in it that the member said helped."""
        rules = self._rules()
        hours: WorkingHours = rules.hours.working_hours(period.timezone)
        now = min(self._now(), period.end)
        async with self._sessions() as session:
            tickets = (
                await session.scalars(
                    select(Ticket).where(
                        Ticket.community_id == period.community_id,
                        Ticket.created_at >= period.start,
                        Ticket.created_at < period.end,
                    )
                )
            ).all()
            helped = await session.scalar(
                select(func.count()).where(
                    FaqOutcome.community_id == period.community_id,
                    FaqOutcome.at >= period.start,
                    FaqOutcome.at < period.end,
                    FaqOutcome.outcome == "helped",
                )
            )
        questions = []
        for ticket in tickets:
            target = rules.targets.of(ticket.priority).get("first_response")
            answered = ticket.first_response_work_s
            waited = (
                answered
                if answered is not None
                else int(
                    hours.between(ticket.created_at, max(now, ticket.created_at)).total_seconds()
                )
            )
            questions.append(
                Question(
                    asked_at=ticket.created_at,
                    first_response_s=answered,
                    waited_s=waited,
                    target_s=int(target.total_seconds()),
                    finished=ticket.status in ("resolved", "closed"),
                    escalated=ticket.escalated,
                    rating=ticket.rating,
                )
            )
        return Dialogue(tuple(questions), int(helped or 0))
