"""What moderation publishes for other features: the tally of cases that still count, its
sanction (a ban or mute with a case, the member's notice and the log line) and its ban list."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.published import (
    BanRecord,
    Case,
    MemberAt,
    Period,
    Published,
    SanctionOutcome,
    SanctionRequest,
    Table,
)
from cogs.moderation.enforce import Enforcer, Target
from cogs.moderation.labels import case_action_label, rule_label
from cogs.moderation.models import ModCase
from cogs.moderation.rules import ActionSpec, ModerationRules

# Cases that say a member broke a rule; notes ("log") and lifted mutes/bans are not penalties.
PENALISED = ("delete", "warn", "mute", "kick", "ban")
NAME = "moderation"


class ModerationPublished:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        enforcer: Enforcer | None = None,
        rules: Callable[[], ModerationRules] | None = None,
    ) -> None:
        self._sessions = sessions
        self._enforcer = enforcer
        self._rules = rules
        self._reports = {
            "moderation.by_rule": self.by_rule,
            "moderation.by_week": self.by_week,
            "moderation.recent": self.recent,
        }

    def attach(self, published: Published) -> None:
        published.tallies.add("moderation_case", self.cases)
        published.checks.add("muted", self.muted)
        if self._enforcer is not None:
            published.sanctions.add(NAME, self.sanction)
        published.ban_lists.add(NAME, self.bans)
        published.cases.add(NAME, self.case_list)
        for name, report in self._reports.items():
            published.reports.add(name, report)

    def detach(self, published: Published) -> None:
        published.tallies.remove("moderation_case", only=self.cases)
        published.checks.remove("muted", only=self.muted)
        published.sanctions.remove(NAME, only=self.sanction)
        published.ban_lists.remove(NAME, only=self.bans)
        published.cases.remove(NAME, only=self.case_list)
        for name, report in self._reports.items():
            published.reports.remove(name, only=report)

    async def case_list(self, period: Period) -> list[Case]:
        """Each case in the period that still counts, with its rule ("" for a manual one)."""
        async with self._sessions() as session:
            rows = await session.execute(
                select(ModCase.created_at, ModCase.rule).where(
                    ModCase.community_id == period.community_id,
                    ModCase.created_at >= period.start,
                    ModCase.created_at < period.end,
                    ModCase.pardoned.is_(False),
                    ModCase.action.in_(PENALISED),
                )
            )
            return [Case(at, rule or "") for at, rule in rows]

    async def cases(self, period: Period) -> list[str]:
        """One user id per case in the period that still counts (a penalty, not pardoned)."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(ModCase.user_id).where(
                    ModCase.community_id == period.community_id,
                    ModCase.created_at >= period.start,
                    ModCase.created_at < period.end,
                    ModCase.pardoned.is_(False),
                    ModCase.action.in_(PENALISED),
                )
            )
            return list(rows)

    async def muted(self, member: MemberAt) -> bool:
        """Whether a mute is in force on the member at `member.at` (lifted or run out: no).

        The latest mute or its lifting (a note whose rule is "unmute") decides, as in
        `ModerationStore.in_force`.
        """
        async with self._sessions() as session:
            latest = await session.scalar(
                select(ModCase)
                .where(
                    ModCase.community_id == member.community_id,
                    ModCase.user_id == member.user_id,
                    (ModCase.action == "mute") | (ModCase.rule == "unmute"),
                )
                .order_by(ModCase.id.desc())
                .limit(1)
            )
        if latest is None or latest.action != "mute" or latest.refused is not None:
            return False
        return latest.expires_at is None or latest.expires_at > member.at

    async def sanction(self, request: SanctionRequest) -> SanctionOutcome:
        """Act through the ladder and the case log, as Kenes (not as the member who asked):
        the case is written first, the member told, the community's log channel gets a line."""
        assert self._enforcer is not None
        assert self._rules is not None
        outcome = await self._enforcer.enforce(
            Target(request.community, request.user, request.name),
            ActionSpec(request.kind, request.duration),
            rule=request.rule,
            reason=request.reason,
            points=0,
            rules=self._rules(),
        )
        return SanctionOutcome(outcome.case_id, outcome.refused, outcome.failed)

    async def bans(self, community_id: int) -> list[BanRecord]:
        """The bans in force: each member's latest ban or lifting decides, oldest first."""
        async with self._sessions() as session:
            rows = (
                await session.scalars(
                    select(ModCase)
                    .where(
                        ModCase.community_id == community_id,
                        (ModCase.action == "ban") | (ModCase.rule == "unban"),
                        ModCase.refused.is_(None),
                    )
                    .order_by(ModCase.id)
                )
            ).all()
        latest: dict[str, ModCase] = {}
        for row in rows:
            latest[row.user_id] = row
        return [
            BanRecord(row.user_id, row.user_name, row.reason, row.created_at, row.rule)
            for row in latest.values()
            if row.action == "ban" and row.expires_at is None
        ]

    def _in(self, period: Period) -> tuple[Any, ...]:
        return (
            ModCase.community_id == period.community_id,
            ModCase.created_at >= period.start,
            ModCase.created_at < period.end,
            ModCase.action.in_(PENALISED),
        )

    async def by_rule(self, period: Period) -> Table:
        """Cases in the period per rule, most first ("" is a case a moderator gave no rule)."""
        cases = func.count()
        async with self._sessions() as session:
            rows = (
                await session.execute(
                    select(ModCase.rule, cases)
                    .where(*self._in(period))
                    .group_by(ModCase.rule)
                    .order_by(cases.desc(), ModCase.rule)
                )
            ).all()
        # Built-in rules by their name in the page's language ("manual" reads "moderator's
        # decision"); an admin's list keeps its id, which is what admins edit.
        return Table(
            ("rule", "cases"), tuple((rule_label(period.locale, rule), n) for rule, n in rows)
        )

    async def by_week(self, period: Period) -> Table:
        """Cases per community-local week of the period (weeks without cases show 0)."""
        async with self._sessions() as session:
            moments = list(
                await session.scalars(select(ModCase.created_at).where(*self._in(period)))
            )
        counts = Counter(period.week_of(moment) for moment in moments)
        return Table(("week", "cases"), tuple((w.isoformat(), counts[w]) for w in period.weeks()))

    async def recent(self, period: Period) -> Table:
        """The period's latest cases (at most `period.limit`), newest first."""
        async with self._sessions() as session:
            rows = (
                await session.execute(
                    select(
                        ModCase.id,
                        ModCase.created_at,
                        ModCase.action,
                        ModCase.rule,
                        ModCase.user_name,
                        ModCase.reason,
                        ModCase.pardoned,
                        ModCase.link,
                        ModCase.expires_at,
                    )
                    .where(*self._in(period))
                    .order_by(ModCase.created_at.desc(), ModCase.id.desc())
                    .limit(period.limit)
                )
            ).all()
        return Table(
            ("case", "at", "action", "rule", "member", "reason", "pardoned", "link"),
            tuple(
                (
                    case,
                    at,
                    case_action_label(period.locale, action, at, expires),
                    rule_label(period.locale, rule),
                    member,
                    reason,
                    pardoned,
                    link,
                )
                for case, at, action, rule, member, reason, pardoned, link, expires in rows
            ),
        )
