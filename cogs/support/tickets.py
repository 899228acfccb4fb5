"""A ticket's life: opened, followed up by the member, answered by staff, finished."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.core.actions import Button
from bot.core.context import Context
from bot.core.errors import CommandError
from bot.core.refs import CommunityRef, MessageRef
from bot.i18n import t
from cogs.support.desk import PREFIX
from cogs.support.models import Ticket
from cogs.support.routing import priority_for, team_for
from cogs.support.sla import deadline, resume
from cogs.support.sla_clock import SlaClock
from cogs.support.store import ACTIVE


class TicketFlow(SlaClock):
    """The steps every way into the desk shares (commands, channels, DMs, buttons)."""

    async def open_ticket(
        self,
        ctx: Context,
        text: str,
        via: str,
        *,
        chat_id: str | None = None,
        message_id: str | None = None,
        team: str | None = None,
    ) -> Ticket:
        """Store the ticket, start its first-response clock, post it to staff, acknowledge."""
        ref = ctx.community.ref
        now = self.services.clock.now()
        event = ctx.event
        message = getattr(event, "message", None)
        team = team or team_for(self.rules, text)  # a named category first, then keywords
        priority = priority_for(self.rules, text, team)
        target = self.rules.targets.of(priority).get("first_response")
        when = deadline(self._hours(ref), now, target, self.rules.warn_share)
        resolution = deadline(
            self._hours(ref),
            now,
            self.rules.targets.of(priority).get("resolution"),
            self.rules.warn_share,
        )
        ticket = await self.store.create(
            lambda ticket_id: [
                *self._timers(ref, ticket_id, 1, when),
                *self._timers(ref, ticket_id, 1, resolution, "resolution"),
            ],
            now,
            community_id=await self.services.directory.id_for(ref),
            member_id=ctx.actor.user.id,
            member_name=ctx.actor.name,
            text=text,
            via=via,
            chat_id=chat_id or event.chat.id,
            message_id=message_id or (message.id if isinstance(message, MessageRef) else None),
            team=team,
            priority=priority,
            status="open",
            escalated=False,
            clock_kind="first_response",
            clock_round=1,
            clock_warn_at=when.warn_at,
            clock_due_at=when.due_at,
            resolve_round=1,
            resolve_due_at=resolution.due_at,
            created_at=now,
        )
        # Asking is activity: the core ledger counts it (in memory, written in batches).
        ledger = self.services.activity
        ledger.add(ref, ctx.actor.user.id, ledger.day_of(ref, now), "questions")
        self.services.scheduler.wake()
        locale = self._locale(ref)
        staff_chat = self._staff_chat(ref)
        team_row = self.rules.teams.get(team) if team else None
        thread = await self._open_topic(staff_chat, ticket)
        posted = await self._send(
            staff_chat,
            t(
                locale,
                "support.staff.new",
                id=str(ticket.id),
                member=ticket.member_name,
                priority=t(locale, f"support.priority.{ticket.priority}"),
                team=team_row.name.get(locale) if team_row else t(locale, "support.no_team"),
                text=text,
                due=self._moment(ref, when.due_at),
            ),
            thread_id=thread,
        )
        if posted is not None:
            await self.store.update(
                ticket.id,
                staff_chat_id=posted.chat.id,
                staff_message_id=posted.id,
                staff_thread_id=thread,
            )
        ack = t(
            locale,
            "support.ack",
            id=str(ticket.id),
            target=target,
            due=self._moment(ref, when.due_at),
        )
        close = Button(t(locale, "support.close_button"), f"{PREFIX}close:{ticket.id}")
        if not self._hours(ref).is_open(now):
            ack += "\n" + t(locale, "support.ack_closed")
        await self._to_member(ref, ticket, ack, (close,))
        return ticket

    async def _member_adds(self, ref: CommunityRef, ticket: Ticket, name: str, text: str) -> None:
        """A member's follow-up: relayed to staff; the next-response clock starts or resumes."""
        now = self.services.clock.now()
        await self.store.add_message(ticket.id, "member", ticket.member_id, name, text, now)
        locale = self._locale(ref)
        await self._to_staff(
            ref, ticket,
            t(locale, "support.staff.member_wrote", id=str(ticket.id), member=name, text=text),
        )  # fmt: skip
        if ticket.status == "pending":
            await self.store.change(
                ticket.id, "status", now, actor=ticket.member_id, detail="open", status="open"
            )
            ticket.status = "open"
            await self._resume_resolution(ref, ticket)
            kind = ticket.clock_kind or "next_response"
            if ticket.clock_left_s is not None:
                when = resume(
                    self._hours(ref),
                    now,
                    timedelta(seconds=ticket.clock_left_s),
                    self._target(ticket, kind),
                    self.rules.warn_share,
                )
                await self._arm(ref, ticket, kind, when)
                return
            await self._start_clock(ref, ticket, kind)
        elif ticket.clock_kind is None:
            await self._start_clock(ref, ticket, "next_response")

    async def _staff_reply(self, ctx: Context, ticket: Ticket, text: str) -> None:
        """Relay a staff answer; the first one is the first response, and the clock stops."""
        if ticket.status not in ACTIVE:
            raise CommandError("support.errors.not_active", id=str(ticket.id))
        ref = await self._ref_of(ticket)
        now = self.services.clock.now()
        actor = ctx.actor
        await self.store.add_message(ticket.id, "staff", actor.user.id, actor.name, text, now)
        values: dict[str, Any] = {}
        if ticket.assignee_id is None:
            values.update(assignee_id=ctx.actor.user.id, assignee_name=ctx.actor.name)
        if ticket.first_response_at is None:
            work = self._hours(ref).between(ticket.created_at, now)
            values.update(first_response_at=now, first_response_work_s=int(work.total_seconds()))
            await self.store.change(
                ticket.id, "first_response", now, actor=ctx.actor.user.id, **values
            )
        elif values:
            await self.store.update(ticket.id, **values)
        if ticket.status == "open":
            await self._stop_clock(ref, ticket)
        locale = self._locale(ref)
        await self._to_member(
            ref,
            ticket,
            t(locale, "support.member.reply", id=str(ticket.id), agent=actor.name, text=text),
        )
        await ctx.reply("support.staff.sent", private=True, id=str(ticket.id))

    async def _finish(self, ref: CommunityRef, ticket: Ticket, status: str, actor: str) -> None:
        now = self.services.clock.now()
        await self._stop_clock(ref, ticket)
        left = await self._stop_resolution(ref, ticket)
        await self.store.change(
            ticket.id,
            "status",
            now,
            actor=actor,
            detail=status,
            status=status,
            resolved_at=now,
            resolved_in_time=None if left is None else left >= 0,
        )
        locale = self._locale(ref)
        buttons = (
            Button("👍", f"{PREFIX}rate:{ticket.id}:up"),
            Button("👎", f"{PREFIX}rate:{ticket.id}:down"),
        )
        key = "support.member.resolved" if status == "resolved" else "support.member.closed"
        await self._to_member(ref, ticket, t(locale, key, id=str(ticket.id)), buttons)
