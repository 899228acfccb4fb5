"""The support desk's reports for the dashboard: open tickets, breaches, first responses."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from sqlalchemy import distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.published import Period, Published, Table
from bot.i18n import t
from cogs.support.models import Ticket, TicketEvent
from cogs.support.rules import SupportRules

ACTIVE = ("open", "pending")
# Upper bounds (working seconds) of the first-response buckets the support page plots.
FRT_BUCKETS = (("under_15m", 900), ("15m_1h", 3600), ("1h_4h", 14400), ("4h_1d", 86400))
OPEN_LIMIT = 50


class SupportReports:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], rules: Callable[[], SupportRules]
    ) -> None:
        self._sessions = sessions
        self._rules = rules  # read per report: team names follow a reloaded support.toml
        self._reports = {
            "support.open": self.open_tickets,
            "support.frt": self.first_responses,
            "support.summary": self.summary,
            "support.by_week": self.by_week,
        }

    def attach(self, published: Published) -> None:
        for name, report in self._reports.items():
            published.reports.add(name, report)

    def detach(self, published: Published) -> None:
        for name, report in self._reports.items():
            published.reports.remove(name, only=report)

    async def open_tickets(self, period: Period) -> Table:
        """Tickets open or pending now (oldest first), with whether each breached its SLA.

        The team is its name from the support rules in the page's language; a team no longer
        in the rules shows its id (the ticket keeps it)."""
        breached = (
            select(TicketEvent.ticket_id)
            .where(TicketEvent.kind == "sla_breach")
            .correlate(None)
            .scalar_subquery()
        )
        async with self._sessions() as session:
            rows = (
                await session.execute(
                    select(
                        Ticket.id,
                        Ticket.status,
                        Ticket.priority,
                        Ticket.team,
                        Ticket.created_at,
                        Ticket.clock_due_at,
                        Ticket.id.in_(breached),
                    )
                    .where(Ticket.community_id == period.community_id, Ticket.status.in_(ACTIVE))
                    .order_by(Ticket.created_at, Ticket.id)
                    .limit(OPEN_LIMIT)
                )
            ).all()
        teams = self._rules().teams

        def team_name(team: str | None) -> str:
            found = teams.get(team) if team else None
            return found.name.get(period.locale) if found is not None else team or ""

        return Table(
            ("ticket", "status", "priority", "team", "opened", "due", "breached"),
            # Status and priority as the desk says them in chat, in the page's language.
            tuple(
                (
                    i,
                    t(period.locale, f"support.status.{s}"),
                    t(period.locale, f"support.priority.{p}"),
                    team_name(team),
                    c,
                    d,
                    bool(b),
                )
                for i, s, p, team, c, d, b in rows
            ),
        )

    async def first_responses(self, period: Period) -> Table:
        """Tickets opened in the period by first-response time in working hours (a histogram)."""
        async with self._sessions() as session:
            values = list(
                await session.scalars(
                    select(Ticket.first_response_work_s).where(
                        Ticket.community_id == period.community_id,
                        Ticket.created_at >= period.start,
                        Ticket.created_at < period.end,
                    )
                )
            )
        counts = dict.fromkeys([name for name, _ in FRT_BUCKETS] + ["over_1d", "none"], 0)
        for seconds in values:
            if seconds is None:
                counts["none"] += 1
                continue
            name = next((n for n, top in FRT_BUCKETS if seconds < top), "over_1d")
            counts[name] += 1
        return Table(("bucket", "tickets"), tuple(counts.items()))

    async def summary(self, period: Period) -> Table:
        """Tickets opened, resolved and breached in the period."""
        in_period = (
            Ticket.community_id == period.community_id,
            Ticket.created_at >= period.start,
            Ticket.created_at < period.end,
        )
        async with self._sessions() as session:
            opened = await session.scalar(select(func.count()).where(*in_period))
            resolved = await session.scalar(
                select(func.count()).where(*in_period, Ticket.status == "resolved")
            )
            breached = await session.scalar(
                select(func.count(distinct(TicketEvent.ticket_id)))
                .join(Ticket, Ticket.id == TicketEvent.ticket_id)
                .where(*in_period, TicketEvent.kind == "sla_breach")
            )
        return Table(
            ("figure", "value"),
            (("opened", opened or 0), ("resolved", resolved or 0), ("breached", breached or 0)),
        )

    async def by_week(self, period: Period) -> Table:
        """Tickets opened per community-local week of the period, and how many breached."""
        breached = select(TicketEvent.ticket_id).where(TicketEvent.kind == "sla_breach")
        async with self._sessions() as session:
            rows = (
                await session.execute(
                    select(Ticket.created_at, Ticket.id.in_(breached.scalar_subquery())).where(
                        Ticket.community_id == period.community_id,
                        Ticket.created_at >= period.start,
                        Ticket.created_at < period.end,
                    )
                )
            ).all()
        opened = Counter(period.week_of(at) for at, _ in rows)
        late = Counter(period.week_of(at) for at, was in rows if was)
        return Table(
            ("week", "opened", "breached"),
            tuple((w.isoformat(), opened[w], late[w]) for w in period.weeks()),
        )
