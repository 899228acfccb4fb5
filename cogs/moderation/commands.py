"""Moderators' and members' commands: warn, mute, kick, ban, purge, slow-mode, cases, reports."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from bot.core.actions import DeleteMessage, Unban, Unrestrict
from bot.core.commands import Rest, command
from bot.core.context import Context
from bot.core.durations import MAX_DAYS, DurationError, duration_words, parse_duration
from bot.core.errors import CommandError
from bot.core.events import CommandInvoked
from bot.core.permissions import Level
from bot.core.refs import ChatRef, MessageRef, UserRef
from bot.db.models_moderation import AUTO, ModCase, ModReport
from bot.i18n import format_moment, zone_name
from bot.rules.moderation_models import ActionSpec, ModerationRules, parse_action
from cogs.moderation.enforce import UNBAN_JOB, UNMUTE_JOB, Enforcer, Target, expiry_key
from cogs.moderation.labels import action_label, rule_label

if TYPE_CHECKING:
    from bot.services import Services
    from cogs.moderation.stage import ModerationStage
    from cogs.moderation.store import ModerationStore

MANUAL = "manual"
MAX_PURGE = 100
MAX_SLOWMODE = 21600


class ModerationCommands:
    """Command methods of the moderation cog (mixed into `Moderation`)."""

    services: Services
    store: ModerationStore
    enforcer: Enforcer
    stage: ModerationStage

    def rules(self) -> ModerationRules:  # pragma: no cover - provided by the cog
        raise NotImplementedError

    async def set_slowmode(
        self, chat: ChatRef, seconds: int, lasting: timedelta | None, by: UserRef | None
    ) -> None:  # pragma: no cover - provided by the cog
        raise NotImplementedError

    async def lift_slowmode(self, chat: ChatRef, by: UserRef | None) -> bool:  # pragma: no cover
        raise NotImplementedError

    # -- helpers -----------------------------------------------------------------------------

    async def _guard(self, ctx: Context, member: UserRef) -> None:
        """Moderators may not act on members at or above their own level (themselves included).

        The level is asked of the platform now (not remembered from past messages, which a
        demotion or a silent admin would defeat); when it cannot tell, refuse (fail closed).
        """
        if member == ctx.actor.user:
            raise CommandError("moderation.errors.hierarchy", user=await self._name(ctx, member))
        level = await ctx.services.actions.level_of(ctx.community.ref, member)
        if level is None:
            raise CommandError("moderation.errors.unknown_rank", user=await self._name(ctx, member))
        if level >= ctx.actor.level:
            raise CommandError("moderation.errors.hierarchy", user=await self._name(ctx, member))

    async def _name(self, ctx: Context, member: UserRef) -> str:
        """The member's display name (a Telegram id like `22` tells moderators nothing)."""
        return await self.services.activity.display_name(ctx.community.ref, member)

    async def _apply(
        self, ctx: Context, member: UserRef, action: ActionSpec, reason: str, points: int = 0
    ) -> None:
        await self._guard(ctx, member)
        why = reason or ctx.t("moderation.reasons.manual")
        name = await self._name(ctx, member)
        outcome = await self.enforcer.enforce(
            Target(ctx.community.ref, member, name, ctx.event.chat),
            action,
            rule=MANUAL,
            reason=why,
            points=points,
            rules=self.rules(),
            moderator=ctx.actor.user,
        )
        what = action_label(ctx.locale, outcome.action)
        await ctx.reply("moderation.done.case", case=outcome.case_id, action=what, user=name)
        if outcome.failed:
            await ctx.reply("moderation.done.failed", private=True, error=outcome.failed)

    async def _lifted(self, ctx: Context, member: UserRef, kind: str, job_kind: str) -> None:
        community = ctx.community.ref
        await self.services.scheduler.cancel(expiry_key(job_kind, community, member))
        await self.enforcer.enforce(
            Target(community, member, await self._name(ctx, member), ctx.event.chat),
            ActionSpec("log"),
            rule=kind,
            reason=ctx.t("moderation.reasons.lifted", action=rule_label(ctx.locale, kind)),
            points=0,
            rules=self.rules(),
            moderator=ctx.actor.user,
        )

    # -- commands ----------------------------------------------------------------------------

    @command(level=Level.MODERATOR)
    async def warn(self, ctx: Context, member: UserRef, reason: Rest = "") -> None:
        """Warn a member; the points count towards the escalation ladder."""
        points = self.rules().ladder.manual_warn_points
        await self._apply(ctx, member, parse_action("warn"), reason, points)

    @command(level=Level.MODERATOR)
    async def mute(
        self, ctx: Context, member: UserRef, duration: timedelta, reason: Rest = ""
    ) -> None:
        """Mute a member for a while; the mute ends on time, even across restarts."""
        await self._apply(ctx, member, ActionSpec("mute", duration), reason)

    async def _require_in_force(self, ctx: Context, member: UserRef, kind: str) -> None:
        """Refuse to lift what is not there: a "lifted" case for nothing misleads the log."""
        community = ctx.community.ref
        if kind == "mute" and self.enforcer.is_muted(community, member):
            return  # muted by us since start, e.g. by the ladder without a timed case
        community_id = await self.services.directory.id_for(community)
        now = self.services.clock.now()
        if await self.store.in_force(community_id, member.id, kind, now) is None:
            key = "not_muted" if kind == "mute" else "not_banned"
            raise CommandError(f"moderation.errors.{key}", user=await self._name(ctx, member))

    @command(level=Level.MODERATOR)
    async def unmute(self, ctx: Context, member: UserRef) -> None:
        """Lift a mute early."""
        await self._guard(ctx, member)
        await self._require_in_force(ctx, member, "mute")
        community = ctx.community.ref
        error = await self.enforcer.execute(
            Unrestrict(community=community, user=member, reason=f"by {ctx.actor.user.id}")
        )
        if error:  # still restricted: no "lifted" case, and the expiry job stays to retry
            await ctx.reply("moderation.done.failed", private=True, error=error)
            return
        await self._lifted(ctx, member, "unmute", UNMUTE_JOB)
        await ctx.reply("moderation.done.unmuted", user=await self._name(ctx, member))

    @command(level=Level.MODERATOR)
    async def kick(self, ctx: Context, member: UserRef, reason: Rest = "") -> None:
        """Remove a member (they may join again)."""
        await self._apply(ctx, member, parse_action("kick"), reason)

    @command(level=Level.MODERATOR)
    async def ban(self, ctx: Context, member: UserRef, reason: Rest = "") -> None:
        """Ban a member, for good or for a while when the reason starts with a duration."""
        words = reason.split(" ")
        taken = duration_words(words) if words[0][:1].isdigit() else 0
        head = " ".join(words[:taken]) if taken else words[0]
        rest = " ".join(words[max(taken, 1) :])
        duration: timedelta | None = None
        if head[:1].isdigit():
            # `/ban @bob 10` meant ten somethings: a permanent ban with reason "10" is never
            # what a moderator wants, so a number without a unit (or `10x`) is refused.
            if head.isdigit():
                raise CommandError("moderation.errors.ban_duration", value=head)
            try:
                duration = parse_duration(head)
            except DurationError as exc:
                if exc.problem == "zero":
                    raise CommandError(
                        "core.errors.zero_duration", value=head, usage="/ban"
                    ) from None
                if exc.problem == "long":
                    raise CommandError(
                        "core.errors.long_duration",
                        value=head,
                        longest=timedelta(days=MAX_DAYS),
                        usage="/ban",
                    ) from None
                raise CommandError("moderation.errors.ban_duration", value=head) from None
            reason = rest
        await self._apply(ctx, member, ActionSpec("ban", duration), reason)

    @command(level=Level.MODERATOR)
    async def unban(self, ctx: Context, member: UserRef) -> None:
        """Lift a ban."""
        # The same rank check as /unmute: a moderator must not lift an admin's ban (a member
        # who left or was banned from the server is only a member to the platform now).
        await self._guard(ctx, member)
        await self._require_in_force(ctx, member, "ban")
        community = ctx.community.ref
        error = await self.enforcer.execute(
            Unban(community=community, user=member, reason=f"by {ctx.actor.user.id}")
        )
        if error:  # still restricted: no "lifted" case, and the expiry job stays to retry
            await ctx.reply("moderation.done.failed", private=True, error=error)
            return
        await self._lifted(ctx, member, "unban", UNBAN_JOB)
        await ctx.reply("moderation.done.unbanned", user=await self._name(ctx, member))

    @command(level=Level.MODERATOR)
    async def purge(self, ctx: Context, count: int) -> None:
        """Delete the last messages in this channel."""
        if not 1 <= count <= MAX_PURGE:
            raise CommandError("moderation.errors.purge_range", max=MAX_PURGE)
        recent = self.stage.channel(ctx.event.chat).recent
        removed = 0
        while recent and removed < count:
            item = recent.pop()
            if await self.enforcer.execute(DeleteMessage(message=item.ref, reason="purge")):
                continue
            removed += 1
        await ctx.reply("moderation.done.purged", private=True, count=removed)

    @command(level=Level.MODERATOR)
    async def slowmode(self, ctx: Context, seconds: str) -> None:
        """Set slow-mode in this channel (`30`, `2m`) or turn it `off`."""
        chat = ctx.event.chat
        if seconds.lower() in ("off", "0"):
            if not await self.lift_slowmode(chat, ctx.actor.user):
                await ctx.reply("moderation.slowmode.none", private=True)
            return
        try:
            value = (
                int(seconds) if seconds.isdigit() else int(parse_duration(seconds).total_seconds())
            )
        except ValueError:
            raise CommandError("moderation.errors.slowmode_value", max=MAX_SLOWMODE) from None
        if not 1 <= value <= MAX_SLOWMODE:
            raise CommandError("moderation.errors.slowmode_value", max=MAX_SLOWMODE)
        await self.set_slowmode(chat, value, None, ctx.actor.user)

    @command(level=Level.MODERATOR)
    async def case(self, ctx: Context, number: int) -> None:
        """Show one case."""
        community_id = await self.services.directory.id_for(ctx.community.ref)
        found = await self.store.case(community_id, number)
        if found is None:
            raise CommandError("moderation.errors.no_case", case=number)
        await ctx.send_text(await self._describe(ctx, found))

    @command(level=Level.MODERATOR)
    async def cases(self, ctx: Context, member: UserRef) -> None:
        """List a member's latest cases."""
        community_id = await self.services.directory.id_for(ctx.community.ref)
        found = await self.store.cases_of(community_id, member.id)
        if not found:
            await ctx.reply("moderation.cases.none", user=await self._name(ctx, member))
            return
        zone = zone_name(self._local(ctx, found[0].created_at), ctx.locale)
        lines = [ctx.t("moderation.cases.header", user=await self._name(ctx, member), zone=zone)]
        lines += [await self._describe(ctx, row, "short") for row in found]
        await ctx.send_text("\n".join(lines))

    @command(level=Level.MODERATOR)
    async def pardon(self, ctx: Context, number: int) -> None:
        """Pardon a case: its points stop counting towards the ladder."""
        community_id = await self.services.directory.id_for(ctx.community.ref)
        if not await self.store.pardon(community_id, number, ctx.actor.user.id):
            raise CommandError("moderation.errors.no_case", case=number)
        await ctx.reply("moderation.done.pardoned", case=number)
        line = ctx.t("moderation.log.pardoned", case=number, by=ctx.actor.name)
        await self.enforcer.mod_log(ctx.community.ref, line)

    @command(level=Level.MODERATOR)
    async def strikes(self, ctx: Context, member: UserRef) -> None:
        """A member's current points and the next step of the ladder."""
        ladder = self.rules().ladder
        community_id = await self.services.directory.id_for(ctx.community.ref)
        now = self.services.clock.now()
        total = await self.store.strikes(community_id, member.id, now, ladder)
        upcoming = next((s for s in ladder.steps if s.points > total), None)
        name = await self._name(ctx, member)
        if upcoming is None:
            await ctx.reply("moderation.strikes.top", user=name, points=total)
        else:
            await ctx.reply(
                "moderation.strikes.next",
                user=name,
                points=total,
                step=upcoming.points,
                action=action_label(ctx.locale, upcoming.action),
            )

    @command()
    async def report(self, ctx: Context, message: MessageRef, reason: Rest = "") -> None:
        """Report a message to the moderators (reply to it)."""
        event = ctx.event
        assert isinstance(event, CommandInvoked)
        if event.reply_to_author == ctx.actor.user:
            raise CommandError("moderation.errors.report_self")
        community_id = await self.services.directory.id_for(ctx.community.ref)
        recent = self.stage.channel(message.chat).recent
        excerpt = next((r.text for r in recent if r.ref == message), "")
        target = event.reply_to_author
        report_id = await self.store.add_report(
            ModReport(
                community_id=community_id,
                reporter_id=ctx.actor.user.id,
                target_user_id=target.id if target else None,
                chat_id=message.chat.id,
                message_id=message.id,
                excerpt=excerpt[:300],
                reason=reason[:500],
                status="open",
                created_at=self.services.clock.now(),
            )
        )
        line = ctx.t(
            "moderation.log.report",
            report=report_id,
            by=ctx.actor.name,
            user=await self.services.activity.display_name(ctx.community.ref, target)
            if target
            else "?",
            chat=message.chat.id,
            excerpt=excerpt[:200],
            reason=reason or "-",
        )
        await self.enforcer.mod_log(ctx.community.ref, line)
        await ctx.reply("moderation.done.reported", private=True, report=report_id)

    @command(level=Level.MODERATOR)
    async def reports(self, ctx: Context) -> None:
        """The open reports queue."""
        community_id = await self.services.directory.id_for(ctx.community.ref)
        queue = await self.store.open_reports(community_id)
        if not queue:
            await ctx.reply("moderation.reports.none")
            return
        lines = [ctx.t("moderation.reports.header", count=len(queue))]
        for r in queue[:20]:
            lines.append(
                ctx.t(
                    "moderation.reports.line",
                    report=r.id,
                    by=r.reporter_id,
                    user=r.target_user_id or "?",
                    excerpt=r.excerpt[:80],
                )
            )
        await ctx.send_text("\n".join(lines))

    def _local(self, ctx: Context, moment: datetime) -> datetime:
        # SQLite hands back naive datetimes; they were stored in UTC.
        aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        return ctx.community.settings.local(aware)

    async def _describe(self, ctx: Context, row: ModCase, part: str = "") -> str:
        # One case names its zone; a list names it once in its header ("short" here).
        when = format_moment(self._local(ctx, row.created_at), ctx.locale, part)
        if row.action in ("unmute", "unban"):
            action = rule_label(ctx.locale, row.action)
        elif row.action in ("mute", "ban") and row.expires_at is not None:
            # The case keeps when it ends, not how long it was: a timed ban is not "for good".
            lasted = row.expires_at - row.created_at
            action = action_label(ctx.locale, ActionSpec(row.action, lasted))
        else:
            action = ctx.t(f"moderation.actions.{row.action}")
        if row.moderator_id == AUTO:
            by = ctx.t("moderation.log.auto")
        else:
            by = await self._name(ctx, UserRef(ctx.community.ref.platform, row.moderator_id))
        text = ctx.t(
            "moderation.cases.line",
            case=row.id,
            when=when,
            action=action,
            user=row.user_name or row.user_id,
            by=by,
            rule=rule_label(ctx.locale, row.rule),
            points=row.points,
            reason=row.reason,
        )
        if row.pardoned:
            text += " " + ctx.t("moderation.cases.pardoned")
        return text
