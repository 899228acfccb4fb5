"""Questions sent to the bot in a private chat on Telegram or Discord (a DM is no community).

A member's DMs go to the community they belong to: the one they chose before (remembered by the
core, `bot/private.py`), else the only one they are in, else they are asked with one button per
community while their message waits (durably) for the answer. From then on the desk works as in
that community: its FAQ, its working hours and language, its staff chat; staff replies come
back to the DM (`SendDirect`).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Protocol

from bot.core.actions import Button
from bot.core.context import Community, Context
from bot.core.errors import CommandError
from bot.core.refs import CommunityRef
from bot.db.models import Community as CommunityRow
from bot.private import Choice
from bot.services import Services
from cogs.support.rules import SupportRules
from cogs.support.store import SupportStore

PICK = "dm"  # button `support:dm:<community row id>`


class Desk(Protocol):
    """What the DM routing needs of the support desk (the cog)."""

    services: Services
    store: SupportStore
    prefix: str

    @property
    def rules(self) -> SupportRules: ...

    async def direct_question(self, ctx: Context, text: str) -> None: ...


class DirectDesk:
    """Routes a member's DMs to one of their communities' desks."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self.services = desk.services

    def within(self, ctx: Context, ref: CommunityRef) -> Context:
        """The DM's context, speaking for `ref`: its settings, language and rules."""
        return replace(ctx, community=Community(ref, self.services.config.community(ref)))

    async def message(self, ctx: Context, text: str) -> None:
        """A question (or a follow-up) typed in a DM."""
        if not self.desk.rules.direct_messages:
            await ctx.send_text(ctx.t_mine("support.direct.off"))
            return
        user = ctx.actor.user
        private = self.services.private
        choice = await private.chosen(user)
        if choice is None:
            choices = await private.communities_of(user)
            if not choices:
                await ctx.send_text(ctx.t_mine("support.direct.no_community"))
                return
            if len(choices) > 1:
                await private.hold(user, text)
                await self._ask(ctx, choices)
                return
            choice = choices[0]
            await private.choose(user, choice)
        await self.desk.direct_question(self.within(ctx, choice.ref), text)

    async def routed(self, ctx: Context) -> Context:
        """The DM's context for the community its member chose; an error when none yet."""
        choice = await self.services.private.chosen(ctx.actor.user)
        if choice is None:
            choices = await self.services.private.communities_of(ctx.actor.user)
            if len(choices) != 1:
                raise CommandError("support.errors.no_route")
            choice = choices[0]
        return self.within(ctx, choice.ref)

    async def of_row(self, ctx: Context, community_id: int) -> Context | None:
        """The DM's context for the community of a stored row (a ticket, an FAQ answer)."""
        async with self.services.sessions() as session:
            row = await session.get(CommunityRow, community_id)
        if row is None or row.kind != "community":
            return None
        return self.within(ctx, CommunityRef(row.platform, row.external_id))

    async def _ask(self, ctx: Context, choices: list[Choice]) -> None:
        buttons = []
        for choice in choices:
            name = choice.name or await self.services.actions.community_name(choice.ref)
            buttons.append(Button(name or choice.ref.id, f"{self.desk.prefix}{PICK}:{choice.id}"))
        await ctx.send_text(ctx.t_mine("support.direct.which"), buttons=tuple(buttons))

    async def picked(self, ctx: Context, community_id: int) -> None:
        """The member pressed a community's button: remember it, then ask the held question."""
        user = ctx.actor.user
        choices = await self.services.private.communities_of(user)
        choice = next((c for c in choices if c.id == community_id), None)
        if choice is None:  # a forged or stale button: only their own communities count
            raise CommandError("support.errors.not_your_community")
        held = await self.services.private.choose(user, choice)
        inner = self.within(ctx, choice.ref)
        name = choice.name or await self.services.actions.community_name(choice.ref)
        await inner.reply("support.direct.chosen", community=name or choice.ref.id)
        if held:
            await self.desk.direct_question(inner, held)

    async def button_context(self, ctx: Context, kind: str, number: int) -> Context | None:
        """The community a button pressed in a DM acts in: its ticket's or FAQ answer's, the
        chosen one for a link; None for a button that names nothing (forged or stale)."""
        store = self.desk.store
        if kind in ("rate", "close"):
            ticket = await store.get(number)
            return await self.of_row(ctx, ticket.community_id) if ticket is not None else None
        if kind == "faq":
            outcome = await store.faq_outcome(number)
            return await self.of_row(ctx, outcome.community_id) if outcome is not None else None
        if kind == "link":
            return await self.routed(ctx)
        return None
