"""The support team's commands: reply, claim, pending, resolve, reopen, priority, lists, figures."""

from __future__ import annotations

from datetime import timedelta

from bot.core.commands import Rest, command
from bot.core.context import Context
from bot.core.errors import CommandError
from bot.core.permissions import Level
from bot.i18n import t
from cogs.support.figures import figures
from cogs.support.rules import PRIORITIES
from cogs.support.sla import deadline
from cogs.support.staff import TEAM
from cogs.support.store import ACTIVE
from cogs.support.tickets import TicketFlow


class TeamCommands(TicketFlow):
    """Staff commands (the core checks the `support` team for each)."""

    @command(level=Level.MODERATOR, team=TEAM)
    async def reply(self, ctx: Context, ticket: int, text: Rest) -> None:
        """Answer a ticket; the member gets it where they asked."""
        await self._staff_reply(ctx, await self._ticket(ctx, ticket), text)

    @command(level=Level.MODERATOR, team=TEAM)
    async def qr(self, ctx: Context, name: str, ticket: int | None = None) -> None:
        """Answer a ticket with a quick reply from rules/support.toml."""
        found = await self._ticket(ctx, ticket)
        ref = await self._ref_of(found)
        template = self.rules.quick_replies.get(name.casefold())
        if template is None:
            raise CommandError(
                "support.errors.no_quick_reply",
                name=name,
                names=", ".join(sorted(self.rules.quick_replies)) or "-",
            )
        text = template.get(self._locale(ref)).format(
            member=found.member_name, ticket=found.id, agent=ctx.actor.name
        )
        await self._staff_reply(ctx, found, text)

    @command(level=Level.MODERATOR, team=TEAM)
    async def claim(self, ctx: Context, ticket: int | None = None) -> None:
        """Take a ticket: you answer it."""
        found = await self._ticket(ctx, ticket)
        ref = await self._ref_of(found)
        now = self.services.clock.now()
        await self.store.change(
            found.id,
            "claimed",
            now,
            actor=ctx.actor.user.id,
            assignee_id=ctx.actor.user.id,
            assignee_name=ctx.actor.name,
        )
        await self._send(
            self._staff_chat(ref),
            ctx.t("support.staff.claimed", id=str(found.id), agent=ctx.actor.name),
        )

    @command(level=Level.MODERATOR, team=TEAM)
    async def pending(self, ctx: Context, ticket: int | None = None) -> None:
        """Wait for the member: the SLA clock pauses until they write."""
        found = await self._ticket(ctx, ticket)
        ref = await self._ref_of(found)
        if found.status != "open":
            raise CommandError("support.errors.not_open", id=str(found.id))
        now = self.services.clock.now()
        await self._stop_clock(ref, found, pause=found.clock_kind is not None)
        await self._stop_resolution(ref, found, pause=True)
        await self.store.change(
            found.id, "status", now, actor=ctx.actor.user.id, detail="pending", status="pending"
        )
        told = t(self._locale(ref), "support.member.pending", id=str(found.id))
        await self._to_member(ref, found, told)
        await ctx.reply("support.staff.pending", id=str(found.id))

    @command(level=Level.MODERATOR, team=TEAM)
    async def resolve(self, ctx: Context, ticket: int | None = None) -> None:
        """Mark a ticket solved; the member is asked to rate the help."""
        found = await self._ticket(ctx, ticket)
        ref = await self._ref_of(found)
        if found.status not in ACTIVE:
            raise CommandError("support.errors.not_active", id=str(found.id))
        await self._finish(ref, found, "resolved", ctx.actor.user.id)
        await ctx.reply("support.staff.resolved", id=str(found.id))

    @command(level=Level.MODERATOR, team=TEAM)
    async def reopen(self, ctx: Context, ticket: int | None = None) -> None:
        """Open a resolved ticket again; the next-response clock starts."""
        found = await self._ticket(ctx, ticket)
        ref = await self._ref_of(found)
        if found.status in ACTIVE:
            raise CommandError("support.errors.already_open", id=str(found.id))
        now = self.services.clock.now()
        await self.store.change(
            found.id,
            "status",
            now,
            actor=ctx.actor.user.id,
            detail="open",
            status="open",
            resolved_at=None,
        )
        await self._start_clock(ref, found, "next_response")
        now = self.services.clock.now()
        await self._arm_resolution(
            ref,
            found,
            deadline(
                self._hours(ref), now, self._target(found, "resolution"), self.rules.warn_share
            ),
        )
        await ctx.reply("support.staff.reopened", id=str(found.id))

    @command(level=Level.MODERATOR, team=TEAM)
    async def priority(self, ctx: Context, ticket: int, level: str) -> None:
        """Change a ticket's priority; its running target is measured again from the start."""
        found = await self._ticket(ctx, ticket)
        ref = await self._ref_of(found)
        wanted = level.casefold()
        if wanted not in PRIORITIES:
            raise CommandError("support.errors.bad_priority", value=level)
        now = self.services.clock.now()
        await self.store.change(
            found.id, "priority", now, actor=ctx.actor.user.id, detail=wanted, priority=wanted
        )
        found.priority = wanted
        if found.status == "open" and found.clock_kind is not None:
            start = found.created_at if found.clock_kind == "first_response" else now
            target = self._target(found, found.clock_kind)
            hours = self._hours(ref)
            when = deadline(hours, start, target, self.rules.warn_share)
            await self._arm(ref, found, found.clock_kind, when)
        if found.status == "open" and found.resolve_due_at is not None:
            target = self._target(found, "resolution")
            when = deadline(self._hours(ref), found.created_at, target, self.rules.warn_share)
            await self._arm_resolution(ref, found, when)
        await ctx.reply(
            "support.staff.priority", id=str(found.id), priority=ctx.t(f"support.priority.{wanted}")
        )

    @command(level=Level.MODERATOR, team=TEAM)
    async def tickets(self, ctx: Context, which: str = "open") -> None:
        """List tickets: open (default), mine or breached."""
        choice = which.casefold()
        if choice not in ("open", "mine", "breached"):
            raise CommandError("support.errors.bad_filter", value=which)
        ref = self._served(ctx)
        community_id = await self.services.directory.id_for(ref)
        rows = await self.store.listing(
            community_id, assignee=ctx.actor.user.id if choice == "mine" else None
        )
        if choice == "breached":
            breached = await self.store.breached_ids(community_id)
            rows = [r for r in rows if r.id in breached]
        if not rows:
            await ctx.reply("support.list.empty", which=ctx.t(f"support.list.{choice}"))
            return
        lines = [ctx.t("support.list.head", which=ctx.t(f"support.list.{choice}"), count=len(rows))]
        for row in rows:
            due = self._moment(ref, row.clock_due_at) if row.clock_due_at else "—"
            lines.append(
                ctx.t(
                    "support.list.line",
                    id=str(row.id),
                    member=row.member_name,
                    status=ctx.t(f"support.status.{row.status}"),
                    priority=ctx.t(f"support.priority.{row.priority}"),
                    assignee=row.assignee_name or ctx.t("support.nobody"),
                    due=due,
                )
            )
        await ctx.send_text("\n".join(lines))

    @command(level=Level.MODERATOR, team=TEAM)
    async def sla(self, ctx: Context) -> None:
        """This week's support figures: response times, SLA share, escalations, FAQ, rating."""
        ref = self._served(ctx)
        hours = self._hours(ref)
        now = self.services.clock.now()
        local = now.astimezone(hours.zone)
        monday = (local - timedelta(days=local.weekday())).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
        community_id = await self.services.directory.id_for(ref)
        rows = await self.store.since(community_id, monday)
        outcomes = await self.store.faq_outcomes_since(community_id, monday)
        await ctx.send_text(figures(self.rules, ctx.locale, rows, outcomes, hours, now))
