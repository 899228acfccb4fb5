"""`/fban`, `/funban` and `/fbanlist`: a federation's bans, for its admins to give and lift."""

from __future__ import annotations

from bot.core.commands import Rest, command
from bot.core.context import Context
from bot.core.errors import CommandError
from bot.core.permissions import Level
from bot.core.refs import UserRef
from bot.scheduler import Job
from cogs.federation.base import FederationBase, who
from cogs.federation.jobs import BanPlacement
from cogs.federation.store import LIFT_JOB, NewBan, lift_key

MAX_LISTED = 20


class BanCommands(FederationBase):
    """The ban commands; the fan-out jobs they stage do the banning."""

    async def fed_admin_guard(self, ctx: Context) -> str | None:
        """Only the admins of this community's federation may ban for it (the core asks)."""
        community_id = await self.services.directory.id_for(ctx.community.ref)
        federation = await self.store.membership(community_id)
        if federation is None:
            return "federation.errors.none_here"
        if not await self.store.is_admin(federation, ctx.actor.user):
            return "federation.errors.not_fed_admin"
        return None

    @command(level=Level.MODERATOR, guard="fed_admin_guard")
    async def fban(self, ctx: Context, member: UserRef | None = None, reason: Rest = "") -> None:
        """Ban a member in every community of this community's federation."""
        words = reason.split()
        target = self._target(ctx, member, words)
        why = " ".join(words) or ctx.t("federation.no_reason")
        if target == ctx.actor.user:
            raise CommandError("federation.errors.self")
        _, federation = await self._here(ctx)
        if await self.store.is_admin(federation, target):
            raise CommandError("federation.errors.fed_admin_target", user=str(target))
        name = await self.services.activity.display_name(ctx.community.ref, target)
        places = await self.store.places(federation.id)
        now = self.services.clock.now()
        ban = NewBan(federation.id, target, name, why, "fban", ctx.actor.name, now)
        number, new = await self.store.add_ban(ban, [p.community_id for p in places])
        if not new:
            raise CommandError("federation.errors.already_banned", user=name, number=number)
        self.services.scheduler.wake()
        await ctx.reply(
            "federation.fbanned", number=number, user=name, fed=federation.name, count=len(places)
        )
        await self.federation_log(
            federation, "federation.log.fban", number=number, user=f"{name} ({target})",
            by=ctx.actor.name, reason=why, count=len(places),
        )  # fmt: skip

    @command(level=Level.MODERATOR, guard="fed_admin_guard")
    async def funban(self, ctx: Context, member: UserRef | None = None, rest: Rest = "") -> None:
        """Lift a federation ban everywhere it applied."""
        target = self._target(ctx, member, rest.split())
        _, federation = await self._here(ctx)
        ban = await self.store.active_ban(federation.id, target)
        if ban is None:
            raise CommandError("federation.errors.not_banned", user=str(target))
        now = self.services.clock.now()
        lifts = [
            Job(LIFT_JOB, now, BanPlacement(ban=ban.id, community=a.community_id),
                lift_key(ban.id, a.community_id))
            for a in await self.store.applications(ban.id)
            if a.state == "applied"
        ]  # fmt: skip
        await self.store.lift(ban.id, ctx.actor.name, now, lifts)
        self.services.scheduler.wake()
        await ctx.reply("federation.funbanned", number=ban.id, user=who(ban), count=len(lifts))
        await self.federation_log(
            federation, "federation.log.funban", number=ban.id, user=who(ban), by=ctx.actor.name
        )

    @command(level=Level.MODERATOR)
    async def fbanlist(self, ctx: Context) -> None:
        """The bans in force in this community's federation (the latest ones)."""
        _, federation = await self._here(ctx)
        count = await self.store.count_bans(federation.id)
        if count == 0:
            await ctx.reply("federation.banlist_empty", fed=federation.name)
            return
        bans = await self.store.bans(federation.id)
        lines = [ctx.t("federation.banlist_head", fed=federation.name, count=count)]
        for ban in bans[-MAX_LISTED:]:
            when = self.services.config.community(ctx.community.ref).local(ban.created_at)
            lines.append(
                ctx.t(
                    "federation.banlist_line", number=ban.id, user=who(ban), reason=ban.reason,
                    when=when.strftime("%Y-%m-%d"),
                )
            )  # fmt: skip
        await ctx.send_text("\n".join(lines))
