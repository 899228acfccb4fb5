"""Stand-in cogs for Discord tests: commands that act the way feature cogs do."""

from __future__ import annotations

from datetime import timedelta

from bot.core.actions import Ban, Restrict
from bot.core.cogs import Cog
from bot.core.commands import Rest, command
from bot.core.context import Context
from bot.core.permissions import Level
from bot.core.refs import MessageRef, UserRef


class Moderation(Cog):
    """Stand-in moderation commands, acting the way the moderation cog does."""

    name = "testmod"

    @command(level=Level.MODERATOR)
    async def ban(
        self, ctx: Context, member: UserRef, duration: timedelta | None = None, reason: Rest = ""
    ) -> None:
        await ctx.act(
            Ban(community=ctx.community.ref, user=member, duration=duration, reason=reason)
        )
        await ctx.send_text(f"{member.id} is banned. @everyone")

    @command(level=Level.MODERATOR)
    async def mute(self, ctx: Context, member: UserRef, duration: timedelta) -> None:
        await ctx.act(Restrict(community=ctx.community.ref, user=member, duration=duration))

    @command(level=Level.ADMIN)
    async def purge(self, ctx: Context, count: int, since: MessageRef | None = None) -> None:
        ctx.state["purge"] = (count, since)
