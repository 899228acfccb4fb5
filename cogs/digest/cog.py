"""Weekly digest: the week's best answers, the hero, polls and ideas, the next AMA, a teaser.

Published by a durable weekly job, once per community per ISO week (`digest_issues` is the
claim); `/digest_preview` shows admins exactly what would go out now, privately.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from babel.dates import format_interval
from sqlalchemy import select, update

from bot.channels import RitualChannel
from bot.core.actions import SendMessage
from bot.core.cogs import Cog, job, listen
from bot.core.commands import Rest, command
from bot.core.context import Context
from bot.core.errors import CommandError
from bot.core.events import Event
from bot.core.permissions import Level
from bot.core.published import Period
from bot.core.refs import ChatRef, CommunityRef
from bot.db.dialect import insert_for
from bot.i18n import t
from bot.scheduler import JobRun
from bot.services import Services
from bot.weekly import CommunityJob, WeeklyJob, community_from, local_date, week_of
from cogs.digest.models import DigestIssue, DigestState
from cogs.digest.providers import Teaser
from cogs.digest.rules import DigestRules

log = logging.getLogger(__name__)

# The next steps a digest offers (its locale key, the command it names), in this order.
STEP_COMMANDS = (("ideas", "ideas"), ("support", "help_request"))


class Digest(Cog):
    name = "digest"
    uses = frozenset(
        {
            "actions",
            "channels",
            "clock",
            "commands",
            "config",
            "directory",
            "published",
            "rules",
            "scheduler",
            "sessions",
        }
    )

    def __init__(self, services: Services) -> None:
        self.services = services
        self.weekly = WeeklyJob(
            services,
            "digest.publish",
            lambda: self.rules.schedule,
            channel=RitualChannel(services, "digest", lambda ref: self.rules.chat_for(ref)),
            posts=lambda: self.rules.enabled,
        )
        self.teaser = Teaser(services.sessions)

    @property
    def rules(self) -> DigestRules:
        return self.services.rules.current.get(DigestRules)

    def about_here(self, locale: str) -> str | None:
        return t(locale, "digest.about") if self.rules.enabled else None

    async def load(self) -> None:
        self.services.published.sections.add("teaser", self.teaser)
        await self.weekly.arm_known()
        self.services.rules.on_change(self.weekly.check_channels)

    async def unload(self) -> None:
        self.services.rules.off_change(self.weekly.check_channels)
        self.services.published.sections.remove("teaser", only=self.teaser)

    @listen(Event, group=-10)
    async def on_any(self, ctx: Context) -> None:
        await self.weekly.ensure_quietly(ctx.community.ref)

    async def compose(self, ref: CommunityRef, end: datetime) -> str:
        """The digest of the seven days before `end`, sections in the rule file's order."""
        rules = self.rules
        settings = self.services.config.community(ref)
        start = end - timedelta(days=7)
        period = Period(
            ref=ref,
            community_id=await self.services.directory.id_for(ref),
            locale=settings.locale,
            timezone=settings.timezone,
            start=start,
            end=end,
            limit=rules.top_questions,
        )
        first = local_date(start, settings.timezone)
        last = local_date(end - timedelta(seconds=1), settings.timezone)
        # "Jan 4 – 11", "4–11 янв.": the locale's own way of writing a span of days.
        dates = format_interval(first, last, "MMMd", locale=settings.locale)
        parts = [t(settings.locale, "digest.header", dates=dates)]
        found = False
        for name in rules.sections:
            section = self.services.published.sections.get(name)
            if section is None:
                continue
            try:
                text = await section(period)
            except Exception:
                log.exception("digest section %s failed; left out", name)
                continue
            if text:
                parts.append(text)
                found = True
        if not found:
            parts.append(t(settings.locale, "digest.quiet"))
        steps = [t(settings.locale, f"digest.next_{key}") for key in self._steps(ref)]
        parts.append("\n".join([*steps, t(settings.locale, "digest.footer")]))
        return "\n\n".join(parts)

    def _steps(self, ref: CommunityRef) -> list[str]:
        """The next steps the digest offers here: voting on ideas, asking support; each only
        where its command is registered and its feature switched on (never a dead command)."""
        return [key for key, name in STEP_COMMANDS if self._offered(ref, name)]

    def _offered(self, ref: CommunityRef, name: str) -> bool:
        found = self.services.commands.get(name)
        return found is not None and self.services.config.feature_on(ref, found[0].cog)

    def next_step(self, ref: CommunityRef) -> str:
        """The digest's next step for the metrics: a command it names, else its footer's
        question (reply to the digest)."""
        return "command" if self._steps(ref) else "question"

    @command(level=Level.ADMIN)
    async def digest_preview(self, ctx: Context) -> None:
        """Show the next digest as it stands now, to the admin only: the same week it will cover."""
        ref = ctx.community.ref
        text = await self.compose(ref, self.weekly.due_after(ref, self.services.clock.now()))
        await ctx.send_text(f"{ctx.t('digest.preview')}\n\n{text}", private=True)

    @command(level=Level.ADMIN)
    async def digest_next(self, ctx: Context, topic: Rest) -> None:
        """Set the teaser of next week's topic shown at the end of the digest."""
        limit = self.rules.max_teaser_length
        text = " ".join(topic.split())
        if len(text) > limit:
            raise CommandError("digest.errors.too_long", limit=limit)
        community_id = await self.services.directory.id_for(ctx.community.ref)
        values = {
            "teaser": text,
            "set_by": ctx.actor.user.id,
            "set_at": self.services.clock.now(),
        }
        async with self.services.sessions.begin() as session:
            stmt = insert_for(session, DigestState).values(community_id=community_id, **values)
            await session.execute(
                stmt.on_conflict_do_update(index_elements=["community_id"], set_=values)
            )
        await ctx.reply("digest.next.done", private=True, text=text)

    @job("digest.publish", payload=CommunityJob, when_off="handler")
    async def publish(self, run: JobRun) -> None:
        ref = community_from(run)
        try:
            if not self.services.config.feature_on(ref, self.name):
                log.info("digest is off in %s: no digest this week", ref)
            elif self.rules.enabled:
                await self.publish_week(ref, run.due_at)
        finally:
            await self.weekly.schedule_after(ref, max(run.due_at, self.services.clock.now()))

    async def publish_week(self, ref: CommunityRef, due_at: datetime) -> None:
        """Post the digest for `due_at`'s week, at most once; then clear the used teaser.

        The week's `digest_issues` row is claimed as `sending` with the composed text, then
        marked `sent` with the message id. A run that finds it still `sending` (the last one
        crashed or the platform refused) sends the stored text again; a crash in the instant
        between the platform accepting it and our commit can post it twice, which we prefer
        to losing the week's digest (at least once).
        """
        settings = self.services.config.community(ref)
        if not self.services.actions.supports(ref.platform, SendMessage):
            log.warning("no %s adapter running; digest for %s skipped", ref.platform, ref)
            return
        community_id = await self.services.directory.id_for(ref)
        week = week_of(local_date(due_at, settings.timezone))
        this_week = (DigestIssue.community_id == community_id) & (DigestIssue.week == week)
        async with self.services.sessions() as session:
            issue = await session.scalar(select(DigestIssue).where(this_week))
        if issue is None:
            text = await self.compose(ref, due_at)
            assert self.weekly.channel is not None
            chat_id = (await self.weekly.channel.chat(ref)).id
            async with self.services.sessions.begin() as session:
                await session.execute(
                    insert_for(session, DigestIssue)
                    .values(
                        community_id=community_id,
                        week=week,
                        text=text,
                        chat_id=chat_id,
                        published_at=self.services.clock.now(),
                        status="sending",
                    )
                    .on_conflict_do_nothing()
                )
            async with self.services.sessions() as session:
                issue = await session.scalar(select(DigestIssue).where(this_week))
        if issue is None or issue.status == "sent":
            return  # this week's digest is out already
        chat = ChatRef(ref.platform, issue.chat_id, ref)
        assert self.weekly.channel is not None
        result = await self.weekly.channel.send(
            ref, chat, issue.text, post=f"{ref}:{week.isoformat()}", next_step=self.next_step(ref)
        )
        async with self.services.sessions.begin() as session:
            await session.execute(
                update(DigestIssue)
                .where(this_week)
                .values(status="sent", message_id=result.message.id if result.message else None)
            )
            # The teaser announced "next week"; an admin sets a fresh one for the week after.
            await session.execute(
                update(DigestState)
                .where(
                    DigestState.community_id == community_id,
                    DigestState.set_at <= issue.published_at,
                )
                .values(teaser="")
            )
