"""The support desk's dialogue for the metrics: the period's questions and FAQ answers.

First response times are working seconds as the desk measures them (`first_response_work_s`);
a question still unanswered has waited the working time since it was asked.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.published import Dialogue, Period, Published, Question
from cogs.support.models import FaqOutcome, Ticket
from cogs.support.rules import SupportRules
from cogs.support.sla import WorkingHours


class SupportDialogue:
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
                await session.execute(
                    select(
                        Ticket.created_at,
                        Ticket.first_response_work_s,
                        Ticket.priority,
                        Ticket.status,
                        Ticket.escalated,
                        Ticket.rating,
                    ).where(
                        Ticket.community_id == period.community_id,
                        Ticket.created_at >= period.start,
                        Ticket.created_at < period.end,
                    )
                )
            ).all()
            helped = (
                await session.scalars(
                    select(FaqOutcome.at).where(
                        FaqOutcome.community_id == period.community_id,
                        FaqOutcome.at >= period.start,
                        FaqOutcome.at < period.end,
                        FaqOutcome.outcome == "helped",
                    )
                )
            ).all()
        questions = []
        for created, answered, priority, status, escalated, rating in tickets:
            target = rules.targets.of(priority).get("first_response")
            if answered is not None:
                waited = answered
            else:
                waited = int(hours.between(created, max(now, created)).total_seconds())
            questions.append(
                Question(
                    asked_at=created,
                    first_response_s=answered,
                    waited_s=waited,
                    target_s=int(target.total_seconds()),
                    finished=status in ("resolved", "closed"),
                    escalated=escalated,
                    rating=rating,
                )
            )
        return Dialogue(tuple(questions), tuple(helped))
