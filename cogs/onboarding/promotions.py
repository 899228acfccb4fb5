"""The role path: daily promotions, `/role` and `/roles`."""

from __future__ import annotations

import logging

from bot.core.actions import SendMessage
from bot.core.cogs import job
from bot.core.commands import command
from bot.core.context import Context
from bot.core.errors import CommandError
from bot.core.refs import ChatRef, CommunityRef, UserRef
from bot.i18n import t
from bot.rules.models import in_locale
from bot.scheduler import JobRun, NoPayload
from cogs.onboarding.base import Act
from cogs.onboarding.jobs import PROMOTIONS_JOB
from cogs.onboarding.path import climb, needs_text, progress_lines, progress_of
from cogs.onboarding.posters import Posters
from cogs.onboarding.rules import OnboardingRules

log = logging.getLogger(__name__)


class Promotions(Posters):
    """Moves members up the path of roles and shows their progress."""

    async def _schedule_promotions(self) -> None:
        hour = self._rules().promotion.hour
        await self.services.scheduler.daily(PROMOTIONS_JOB, hour, 0, key="onboarding:promotions")

    @job(PROMOTIONS_JOB, payload=NoPayload)
    async def on_promotions(self, run: JobRun) -> None:
        """Daily: move members up the path where every threshold is met, and say so."""
        await self.services.activity.flush()
        await self.flush()
        for community_id, community in await self.store.communities():
            if not self.services.config.feature_on(community, self.name):
                log.info("onboarding is off in %s: no promotions there today", community)
                continue
            await self._promote_members(self.services.actions.execute, community_id, community)
        await self._schedule_promotions()

    async def _promote_members(
        self, act: Act, community_id: int, community: CommunityRef, only: str | None = None
    ) -> int:
        rules, locale, now = self._rules(), self._locale(community), self.services.clock.now()
        promoted = 0
        for row, totals in await self.store.progress_rows(community_id, only):
            progress = progress_of(
                row.joined_at,
                totals.first_seen,
                now,
                totals.messages,
                totals.helpful,
                totals.reactions_received,
            )
            rank = rules.rank(row.role)
            reached = climb(rules, rank, progress)
            if reached == rank or not row.chat_id:
                continue
            role = rules.roles[reached]
            await self.store.set_fields(community_id, row.user_id, role=role.id, role_since=now)
            user = UserRef(community.platform, row.user_id)
            await self._swap_platform_role(act, community, user, rules.roles[rank], role)
            # The post's next step: /role towards the next role, or at the top a newcomer's
            # question to answer.
            if reached + 1 < len(rules.roles):
                after = rules.roles[reached + 1].name.get(locale)
                hint, step = t(locale, "onboarding.next.role", role=after), "command"
            else:
                hint, step = t(locale, "onboarding.next.top"), "question"
            text = t(
                locale,
                "onboarding.promoted",
                name=row.name or row.user_id,
                role=role.name.get(locale),
                grants=role.grants.get(locale),
                next=hint,
            )
            chat = ChatRef(community.platform, row.chat_id, community)
            await act(SendMessage(chat=chat, text=text, next_step=step))
            promoted += 1
        return promoted

    @command()
    async def role(self, ctx: Context, member: UserRef | None = None) -> None:
        """A member's role on the path and their progress to the next one."""
        target = member or ctx.actor.user
        # Only this member's pending counts: their progress is exact, nobody else waits.
        await self.services.activity.flush_member(ctx.community.ref, target)
        await self.flush(only=(ctx.community.ref, target.id))
        community_id = await self.services.directory.id_for(ctx.community.ref)
        rows = await self.store.progress_rows(community_id, target.id)
        if not rows:
            raise CommandError("onboarding.role.not_found", user=target.id)
        row, totals = rows[0]
        rules, locale = ctx.rules.get(OnboardingRules), ctx.locale
        progress = progress_of(
            row.joined_at,
            totals.first_seen,
            self.services.clock.now(),
            totals.messages,
            totals.helpful,
            totals.reactions_received,
        )
        rank = rules.rank(row.role)
        current = rules.roles[rank]
        name = row.name or target.id
        lines = [
            ctx.t(
                "onboarding.role.header",
                name=name,
                role=current.name.get(locale),
                grants=current.grants.get(locale),
            )
        ]
        if rank + 1 < len(rules.roles):
            following = rules.roles[rank + 1]
            lines.append(ctx.t("onboarding.role.progress", role=following.name.get(locale)))
            lines.extend(progress_lines(locale, following, progress))
            lines.append(ctx.t("onboarding.role.next_step"))
        else:
            lines.append(ctx.t("onboarding.role.top"))
        await ctx.send_text("\n".join(lines))

    @command()
    async def roles(self, ctx: Context) -> None:
        """The path of roles in this community: what each needs and what it grants."""
        rules, locale = ctx.rules.get(OnboardingRules), ctx.locale
        lines = [ctx.t("onboarding.roles.header")]
        for number, role in enumerate(rules.roles, start=1):
            lines.append(f"{number}. {role.name.get(locale)}: {role.grants.get(locale)}")
            if role.is_free:
                lines.append("   " + ctx.t("onboarding.roles.start"))
            else:
                lines.append(
                    "   " + ctx.t("onboarding.roles.needs", needs=needs_text(locale, role))
                )
            if role.platform_role:
                platform_role = in_locale(role.platform_role, ctx.locale)
                lines.append("   " + ctx.t("onboarding.roles.platform", role=platform_role))
        lines.append(ctx.t("onboarding.roles.footer"))
        await ctx.send_text("\n".join(lines))
