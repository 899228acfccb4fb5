"""Moderators' and members' commands: warn, mute, kick, ban, purge, slow-mode, cases, reports."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from bot.core.actions import Button, DeleteMessage, Unban, Unrestrict
from bot.core.cogs import listen
from bot.core.commands import Rest, command
from bot.core.context import Context
from bot.core.dispatch import StopPropagation
from bot.core.durations import MAX_DAYS, DurationError, duration_words, parse_duration
from bot.core.errors import CommandError
from bot.core.events import ButtonPressed, CommandInvoked
from bot.core.ids import parse_id
from bot.core.permissions import Level
from bot.core.refs import ChatRef, MessageRef, UserRef
from bot.i18n import format_moment, zone_name
from cogs.moderation.enforce import UNBAN_JOB, UNMUTE_JOB, Enforcer, Target, expiry_key
from cogs.moderation.labels import action_label, case_action_label, rule_label
from cogs.moderation.models import AUTO, ModCase, ModReport
from cogs.moderation.rules import ActionSpec, ModerationRules, parse_action
from cogs.moderation.spam import HAM_FILE, SPAM_FILE, add_sample, samples_dir

if TYPE_CHECKING:
    from bot.services import Services
    from cogs.moderation.recent import RecentIndex
    from cogs.moderation.stage import ModerationStage
    from cogs.moderation.store import ModerationStore

MANUAL = "manual"
REPORT = "report:"  # custom_id prefix of the queue's buttons: report:<verb>:<number>
REPORT_VERBS = ("resolve", "dismiss", "warn", "delete")
MAX_QUEUE_SHOWN = 20
MAX_REPORT_BUTTONS = 20  # Discord allows 25 buttons under a message; 5 reports × 4
MAX_PURGE = 100
MAX_SLOWMODE = 21600


class ModerationCommands:
    """Command methods of the moderation cog (mixed into `Moderation`)."""

    services: Services
    store: ModerationStore
    enforcer: Enforcer
    stage: ModerationStage
    recent: RecentIndex

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
        self,
        ctx: Context,
        member: UserRef,
        action: ActionSpec,
        reason: str,
        points: int = 0,
        message: MessageRef | None = None,
    ) -> None:
        await self._guard(ctx, member)
        why = reason or ctx.t("moderation.reasons.manual")
        name = await self._name(ctx, member)
        outcome = await self.enforcer.enforce(
            Target(ctx.community.ref, member, name, ctx.event.chat, message=message),
            action,
            rule=MANUAL,
            reason=why,
            points=points,
            rules=self.rules(),
            moderator=ctx.actor.user,
        )
        what = action_label(ctx.locale, outcome.action)
        if outcome.refused:
            # Nothing happened: no public "Case #1: … banned", only what really happened.
            await ctx.reply(
                "moderation.done.refused",
                private=True,
                case=outcome.case_id,
                action=what,
                user=name,
                error=outcome.failed or "",
            )
            return
        await ctx.reply("moderation.done.case", case=outcome.case_id, action=what, user=name)
        if outcome.failed:
            await ctx.reply("moderation.done.failed", private=True, error=outcome.failed)
            return
        # Acting on the member answers every open report about them.
        community_id = await self.services.directory.id_for(ctx.community.ref)
        closed = await self.store.close_reports_about(
            community_id, member.id, ctx.actor.user.id, self.services.clock.now()
        )
        if closed:
            numbers = ", ".join(f"#{n}" for n in closed)
            count = len(closed)
            await ctx.reply(
                "moderation.reports.acted", private=True, reports=numbers, user=name, count=count
            )
            line = ctx.t(
                "moderation.log.reports_acted", reports=numbers, by=ctx.actor.name, count=count
            )
            await self.enforcer.mod_log(ctx.community.ref, line)

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
        chat = ctx.event.chat
        community_id = await self.services.directory.id_for(ctx.community.ref)
        found = await self.recent.latest(community_id, chat, count)
        # Platforms refuse to let bots delete old messages; say so instead of failing each.
        window = self.services.actions.deletable_for(chat.platform)
        now = self.services.clock.now()
        deleted = too_old = refused = 0
        for item in found:
            if window is not None and now - item.at >= window:
                too_old += 1
            elif await self.enforcer.execute(DeleteMessage(message=item.message, reason="purge")):
                refused += 1
            else:
                deleted += 1
        lines = [ctx.t("moderation.purge.deleted", count=deleted)]
        if too_old and window is not None:
            lines.append(
                ctx.t(
                    "moderation.purge.too_old",
                    count=too_old,
                    platform=chat.platform.capitalize(),
                    limit=window,
                )
            )
        if refused:
            lines.append(ctx.t("moderation.purge.refused", count=refused))
        if len(found) < count:
            lines.append(ctx.t("moderation.purge.unknown", count=count - len(found)))
        await ctx.send_text("\n".join(lines), private=True)

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
        if found is None:  # /case shows pardoned cases too: only "no such case" is true here
            raise CommandError("moderation.errors.no_such_case", case=number)
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
            found = await self.store.case(community_id, number)
            if found is None:
                raise CommandError("moderation.errors.no_such_case", case=number)
            raise CommandError("moderation.errors.already_pardoned", case=number)
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
        earlier = await self.store.reported_before(
            community_id, ctx.actor.user.id, message.chat.id, message.id
        )
        if earlier is not None:
            raise CommandError("moderation.errors.report_again", report=earlier)
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

    # -- teaching the spam check -------------------------------------------------------------

    def _replied(self, ctx: Context) -> tuple[MessageRef, UserRef, str]:
        """The message a /spam or /notspam replies to, its author and its text."""
        event = ctx.event
        assert isinstance(event, CommandInvoked)
        if event.reply_to is None or event.reply_to_author is None:
            raise CommandError("moderation.errors.spam_reply")
        recent = self.stage.channel(event.reply_to.chat).recent
        text = next((r.text for r in recent if r.ref == event.reply_to), "")
        if not text.strip():
            raise CommandError("moderation.errors.spam_unknown")
        return event.reply_to, event.reply_to_author, text

    async def _learn(self, name: str, text: str) -> None:
        """Add a sample to the rules folder and retrain now (no restart, no waiting for the
        file watcher); the next message already meets the new model."""
        ruleset = self.services.rules.current
        add_sample(samples_dir(ruleset), name, text)
        await self.services.rules.reload()

    @command(level=Level.MODERATOR)
    async def spam(self, ctx: Context) -> None:
        """Reply to a message: it is spam (removed, the author acted on per the ladder, learnt)."""
        message, author, text = self._replied(ctx)
        await self._guard(ctx, author)
        rules = self.rules().spam
        await self.enforcer.execute(DeleteMessage(message=message, reason="spam"))
        self.stage.forget(message)
        self.stage.history.pop((ctx.community.ref, author.id), None)
        name = await self._name(ctx, author)
        outcome = await self.enforcer.enforce(
            Target(ctx.community.ref, author, name, message.chat, None),
            rules.act if rules.act.kind != "delete" else parse_action("log"),
            rule="spam",
            reason=ctx.t("moderation.reasons.spam_taught"),
            points=rules.points,
            rules=self.rules(),
            moderator=ctx.actor.user,
        )
        await self._learn(SPAM_FILE, text)
        await ctx.reply("moderation.done.spam", private=True, case=outcome.case_id, user=name)

    @command(level=Level.MODERATOR)
    async def notspam(self, ctx: Context) -> None:
        """Reply to a message: it is not spam (learnt as ham, its author trusted again)."""
        _message, author, text = self._replied(ctx)
        rules = self.rules().spam
        self.stage.history[(ctx.community.ref, author.id)] = rules.trusted_messages
        await self._learn(HAM_FILE, text)
        await ctx.reply("moderation.done.notspam", private=True, user=await self._name(ctx, author))

    @command(level=Level.MODERATOR)
    async def reports(self, ctx: Context) -> None:
        """The open reports queue; buttons resolve, dismiss or act on the first ones."""
        community = ctx.community.ref
        community_id = await self.services.directory.id_for(community)
        queue = await self.store.open_reports(community_id)
        if not queue:
            await ctx.reply("moderation.reports.none")
            return
        lines = [ctx.t("moderation.reports.header", count=len(queue))]
        buttons: list[Button] = []
        for r in queue[:MAX_QUEUE_SHOWN]:
            reporter = await self._name(ctx, UserRef(community.platform, r.reporter_id))
            target = r.target_user_id
            user = await self._name(ctx, UserRef(community.platform, target)) if target else "?"
            lines.append(
                ctx.t(
                    "moderation.reports.line",
                    report=r.id,
                    by=reporter,
                    user=user,
                    excerpt=r.excerpt[:80],
                )
            )
            if len(buttons) < MAX_REPORT_BUTTONS:
                buttons += [
                    Button(
                        ctx.t(f"moderation.reports.button_{verb}", report=r.id),
                        f"{REPORT}{verb}:{r.id}",
                    )
                    for verb in REPORT_VERBS
                    if target or verb in ("resolve", "dismiss")
                ]
        lines.append(ctx.t("moderation.reports.how"))
        await ctx.send_text("\n".join(lines), buttons=tuple(buttons))

    @command(level=Level.MODERATOR)
    async def report_resolve(self, ctx: Context, number: int, note: Rest = "") -> None:
        """Close a report as handled."""
        await self._close_report(ctx, number, "resolved", note)

    @command(level=Level.MODERATOR)
    async def report_dismiss(self, ctx: Context, number: int, note: Rest = "") -> None:
        """Close a report as needing no action."""
        await self._close_report(ctx, number, "dismissed", note)

    async def _close_report(self, ctx: Context, number: int, status: str, note: str) -> None:
        community_id = await self.services.directory.id_for(ctx.community.ref)
        now = self.services.clock.now()
        if not await self.store.close_report(community_id, number, status, ctx.actor.user.id, now):
            raise CommandError("moderation.errors.no_report", report=number)
        await ctx.reply(f"moderation.reports.{status}", report=number)
        line = ctx.t(f"moderation.log.report_{status}", report=number, by=ctx.actor.name)
        if note:
            line += f": {note}"
        await self.enforcer.mod_log(ctx.community.ref, line)

    @listen(ButtonPressed)
    async def on_report_button(self, ctx: Context[ButtonPressed]) -> None:
        """A moderator's button under the /reports queue: resolve, dismiss, warn or delete."""
        event = ctx.event
        if not event.custom_id.startswith(REPORT):
            return
        verb, _, number = event.custom_id.removeprefix(REPORT).partition(":")
        report_id = parse_id(number)
        if verb not in REPORT_VERBS or report_id is None:
            return
        if ctx.actor.level < Level.MODERATOR:
            await ctx.reply("moderation.errors.moderators_only", private=True)
            raise StopPropagation
        try:
            await self._report_button(ctx, verb, report_id)
        except CommandError as exc:
            await ctx.send_text(ctx.t(exc.key, **exc.params), private=True)
        raise StopPropagation

    async def _report_button(self, ctx: Context, verb: str, report_id: int) -> None:
        if verb == "resolve":
            await self._close_report(ctx, report_id, "resolved", "")
            return
        if verb == "dismiss":
            await self._close_report(ctx, report_id, "dismissed", "")
            return
        community = ctx.community.ref
        community_id = await self.services.directory.id_for(community)
        report = await self.store.report(community_id, report_id)
        if report is None or report.status != "open" or report.target_user_id is None:
            raise CommandError("moderation.errors.no_report", report=report_id)
        member = UserRef(community.platform, report.target_user_id)
        why = ctx.t("moderation.reasons.reported", report=report_id)
        if verb == "warn":
            points = self.rules().ladder.manual_warn_points
            await self._apply(ctx, member, parse_action("warn"), why, points)
        else:  # delete the reported message, with a case like any removal
            where = ChatRef(community.platform, report.chat_id, community)
            message = MessageRef(where, report.message_id) if report.message_id else None
            await self._apply(ctx, member, parse_action("delete"), why, message=message)

    def _local(self, ctx: Context, moment: datetime) -> datetime:
        # SQLite hands back naive datetimes; they were stored in UTC.
        aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        return ctx.community.settings.local(aware)

    async def _describe(self, ctx: Context, row: ModCase, part: str = "") -> str:
        # One case names its zone; a list names it once in its header ("short" here).
        when = format_moment(self._local(ctx, row.created_at), ctx.locale, part)
        action = case_action_label(ctx.locale, row.action, row.created_at, row.expires_at)
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
        if row.refused is not None:
            text += " " + ctx.t("moderation.cases.refused", error=row.refused)
        if row.pardoned:
            text += " " + ctx.t("moderation.cases.pardoned")
        return text
