"""Escalation: handing a ticket to a team and paging its on-call member."""

from __future__ import annotations

from bot.core.actions import SendDirect
from bot.core.commands import Rest, command
from bot.core.context import Context
from bot.core.errors import CommandError
from bot.core.permissions import Level
from bot.core.refs import ChatRef, CommunityRef, UserRef
from bot.i18n import t
from cogs.support.desk import DeskBase
from cogs.support.models import Ticket
from cogs.support.rules import Team
from cogs.support.staff import TEAM


class Escalation(DeskBase):
    """`/escalate`, and the hand-over an SLA breach makes on its own."""

    @command(level=Level.MODERATOR, team=TEAM)
    async def escalate(self, ctx: Context, target: Rest = "") -> None:
        """Hand a ticket to a team: `/escalate [ticket] [team]` (its topic's team by default)."""
        words = target.split()
        number = int(words.pop(0)) if words and words[0].isdecimal() else None
        team = words[0] if words else None
        found = await self._ticket(ctx, number)
        ref = await self._ref_of(found)
        name = (team or found.team or self.rules.breach_team or "").casefold()
        chosen = self.rules.teams.get(name)
        if chosen is None:
            raise CommandError(
                "support.errors.no_team",
                name=name or "-",
                names=", ".join(sorted(self.rules.teams)) or "-",
            )
        await self._escalate(ref, found, name, chosen, actor=ctx.actor, auto=False)

    async def _escalate(
        self,
        ref: CommunityRef,
        ticket: Ticket,
        name: str,
        team: Team,
        *,
        actor: object,
        auto: bool,
    ) -> None:
        now = self.services.clock.now()
        actor_id = getattr(getattr(actor, "user", None), "id", None)
        await self.store.change(
            ticket.id, "escalated", now, actor=actor_id, detail=name, escalated=True, team=name
        )
        locale = self._locale(ref)
        shift = team.on_call(now.astimezone(self._hours(ref).zone))
        on_call = t(locale, "support.nobody")
        if shift is not None:
            on_call = shift.name or shift.member.split(":", 1)[1]
        text = t(
            locale,
            "support.escalated_auto" if auto else "support.escalated",
            id=str(ticket.id),
            team=team.name.get(locale),
            by=getattr(actor, "name", ""),
            member=ticket.member_name,
            text=ticket.text,
            on_call=on_call,
        )
        await self._send(ChatRef(ref.platform, team.chat, ref), text)
        if not auto:
            await self._send(self._staff_chat(ref), text)
        if shift is not None:
            platform, _, user = shift.member.partition(":")
            if platform == ref.platform and self.services.actions.supports(platform, SendDirect):
                await self.services.actions.execute(
                    SendDirect(
                        user=UserRef(platform, user),
                        text=t(
                            locale, "support.paged", id=str(ticket.id), team=team.name.get(locale)
                        ),
                    )
                )
