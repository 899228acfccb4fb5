"""Members' side of the desk: asking for help, rating the help, closing their own ticket."""

from __future__ import annotations

from bot.core.commands import Rest, command
from bot.core.context import Context
from bot.core.errors import CommandError
from cogs.support.direct import DirectDesk
from cogs.support.faq_answers import FaqAnswers
from cogs.support.models import Ticket
from cogs.support.routing import category
from cogs.support.store import ACTIVE


class MemberCommands(FaqAnswers):
    """Commands for members; a question goes to the FAQ first, then to a ticket."""

    direct: DirectDesk

    @command(private=True)
    async def help_request(self, ctx: Context, text: Rest) -> None:
        """Ask the team for help: the FAQ answers at once when it can, otherwise a ticket opens."""
        if ctx.event.chat.is_private:  # in a DM: asked in one of the member's communities
            await self.direct.message(ctx, text)
            return
        community_id = await self.services.directory.id_for(ctx.community.ref)
        active = await self.store.active_for(community_id, ctx.actor.user.id)
        if active is not None:
            # One open ticket per member: more words are more detail for the same question.
            await self._member_adds(ctx.community.ref, active, ctx.actor.name, text)
            await ctx.reply("support.added", private=True, id=str(active.id))
            return
        await self._intake(ctx, text, via="command")

    async def direct_question(self, ctx: Context, text: str) -> None:
        """A DM routed to `ctx.community`: more detail for an open ticket, or a new question."""
        community_id = await self.services.directory.id_for(ctx.community.ref)
        active = await self.store.active_for(community_id, ctx.actor.user.id)
        if active is not None:
            await self._member_adds(ctx.community.ref, active, ctx.actor.name, text)
            await ctx.reply("support.added", id=str(active.id))
            return
        await self._intake(ctx, text, via="direct")

    async def _intake(self, ctx: Context, asked: str, via: str) -> None:
        """The FAQ first, else a ticket. `asked` is the text as typed: a first word naming a
        team routes the ticket, and the FAQ is searched without it."""
        rules = self.rules
        if not rules.enabled:
            raise CommandError("support.errors.disabled")
        asked = asked.strip()[: rules.max_ticket_length]
        team, text = category(self.rules, asked)
        faq = self.faq_rules
        if faq.enabled and faq.answer_incoming:
            hit = self.faq_index().answer(text, faq.threshold)
            if hit is not None:
                # The outcome keeps the text as typed, so a "no" opens the ticket in the
                # category the member chose (the keywords are found again from the text).
                await self._offer_faq(ctx, hit, asked)
                return
        await self.open_ticket(ctx, text, via, team=team)

    @command()
    async def rate(self, ctx: Context, ticket: int, score: int) -> None:
        """Rate the help on your resolved ticket, from 1 to 5."""
        if not 1 <= score <= 5:
            raise CommandError("support.errors.bad_rating", value=score)
        await self._rate(ctx, ticket, score)

    async def _rate(self, ctx: Context, number: int, score: int) -> None:
        found = await self.store.get(number)
        community_id = await self.services.directory.id_for(ctx.community.ref)
        if found is None or found.community_id != community_id:
            # Members cannot run /tickets: the staff's "/tickets lists the open ones" misleads.
            raise CommandError("support.errors.no_ticket_yours", id=str(number))
        if found.member_id != ctx.actor.user.id:
            raise CommandError("support.errors.not_yours", id=str(number))
        if found.status in ACTIVE:
            raise CommandError("support.errors.rate_later", id=str(number))
        now = self.services.clock.now()
        await self.store.change(
            found.id, "rated", now, actor=ctx.actor.user.id, detail=str(score), rating=score
        )
        await ctx.reply("support.member.thanks", private=True, id=str(found.id))

    @command()
    async def close_ticket(self, ctx: Context, ticket: int | None = None) -> None:
        """Close your own ticket when you no longer need help."""
        community_id = await self.services.directory.id_for(ctx.community.ref)
        found = (
            await self.store.get(ticket)
            if ticket is not None
            else await self.store.active_for(community_id, ctx.actor.user.id)
        )
        if found is None or found.community_id != community_id:
            if ticket is None:  # not "no ticket #?": the member has none open
                raise CommandError("support.errors.no_open_ticket")
            raise CommandError("support.errors.no_ticket_yours", id=str(ticket))
        await self._member_close(ctx, found)

    async def _member_close(self, ctx: Context, found: Ticket) -> None:
        if found.member_id != ctx.actor.user.id:
            raise CommandError("support.errors.not_yours", id=str(found.id))
        if found.status not in ACTIVE:
            raise CommandError("support.errors.not_active", id=str(found.id))
        ref = ctx.community.ref
        await self._finish(ref, found, "closed", ctx.actor.user.id)
        await self._send(
            self._staff_chat(ref),
            ctx.t("support.staff.member_closed", id=str(found.id), member=found.member_name),
        )
