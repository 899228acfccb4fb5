"""The raid guard: raid mode on a join wave or by hand, and links blocked while it lasts."""

from __future__ import annotations

import re
from collections import deque
from datetime import timedelta

from bot.core.actions import DeleteMessage
from bot.core.commands import command
from bot.core.context import Context
from bot.core.errors import CommandError
from bot.core.events import MessageCreated
from bot.core.permissions import Level
from bot.core.refs import ChatRef, CommunityRef
from cogs.onboarding.base import Act, OnboardingBase, notice
from cogs.onboarding.rules import OnboardingRules

LINK = re.compile(r"(?:https?://|www\.|t\.me/|discord\.gg/)\S+", re.IGNORECASE)
RAID_NOTICE_LIFE = timedelta(minutes=1)


class RaidGuard(OnboardingBase):
    """Switches raid mode and applies what it changes."""

    async def _watch_for_raid(self, ctx: Context, rules: OnboardingRules) -> None:
        community = ctx.community.ref
        if not rules.raid.enabled or self.is_raid(community):
            return
        now = self.services.clock.now()
        joins = self._joins.setdefault(community, deque())
        joins.append(now)
        while joins and now - joins[0] > rules.raid.window:
            joins.popleft()
        if len(joins) >= rules.raid.joins:
            joins.clear()
            text = ctx.t(
                "onboarding.raid.on_auto",
                joins=rules.raid.joins,
                window=rules.raid.window,
            )
            await self._set_raid(ctx.act, ctx.event.chat, True, text, "auto")

    async def _set_raid(self, act: Act, chat: ChatRef, active: bool, text: str, why: str) -> None:
        community = chat.community
        community_id = await self.services.directory.id_for(community)
        await self.store.set_raid(community_id, active, self.services.clock.now(), why)
        if active:
            self._raids.add(community)
        else:
            self._raids.discard(community)
            self._joins.pop(community, None)
        await self._announce(act, chat, text)

    async def _block_links(self, ctx: Context, event: MessageCreated) -> bool:
        """In raid mode a member's link is removed; True when it was."""
        if not self.is_raid(ctx.community.ref) or ctx.actor.level >= Level.MODERATOR:
            return False
        if not ctx.rules.get(OnboardingRules).raid.block_links or not LINK.search(event.text):
            return False
        reason = ctx.t("onboarding.reason.link")
        await self._try(ctx.act, DeleteMessage(message=event.message, reason=reason))
        await notice(ctx, ctx.t("onboarding.raid.link_removed"))
        return True

    @command(level=Level.MODERATOR)
    async def raidmode(self, ctx: Context, state: str = "") -> None:
        """Switch raid mode on or off by hand (it switches on by itself on a join wave);
        without a word, say which it is now."""
        wanted = state.strip().lower()
        if not wanted:  # a moderator asking "is it on?" got "Missing state"
            on = self.is_raid(ctx.community.ref)
            await ctx.reply("onboarding.raid.now_on" if on else "onboarding.raid.now_off")
            return
        if wanted not in ("on", "off"):
            raise CommandError("onboarding.raid.usage")
        active = wanted == "on"
        if active == self.is_raid(ctx.community.ref):
            await ctx.reply(
                "onboarding.raid.already_on" if active else "onboarding.raid.already_off"
            )
            return
        key = "onboarding.raid.on_manual" if active else "onboarding.raid.off"
        await self._set_raid(ctx.act, ctx.event.chat, active, ctx.t(key, name=ctx.actor.name), "")

    def _notice_life(self, community: CommunityRef) -> timedelta | None:
        """In raid mode "did not pass" notices go away by themselves: 20 of them are noise."""
        return RAID_NOTICE_LIFE if self.is_raid(community) else None
