"""`/fed`: making, joining, leaving and running a federation, its admins and linked accounts."""

from __future__ import annotations

import base64
import secrets
from datetime import timedelta

from bot.core.commands import Rest, command
from bot.core.context import Context
from bot.core.errors import CommandError
from bot.core.permissions import Level
from bot.core.refs import UserRef
from cogs.federation.base import digest, who
from cogs.federation.fanout import BanFanOut
from cogs.federation.models import MEMBER, SUBSCRIBER, Federation
from cogs.federation.store import APPLY_JOB

MAX_NAME = 64
# The seed of the console's join codes (see `Federations.__init__`).
CONSOLE_SEED = 17


class FedCommands(BanFanOut):
    """The `/fed` subcommands; joining or subscribing stages the bans a community missed."""

    def _new_code(self, platform: str) -> str:
        """A join code: 96 random bits, URL-safe (16 characters), not guessable, used once."""
        if platform == "console":
            raw = self._console_codes.getrandbits(96).to_bytes(12, "big")
            return base64.urlsafe_b64encode(raw).decode()
        return secrets.token_urlsafe(12)

    @command(level=Level.ADMIN)
    async def fed(
        self, ctx: Context, action: str = "", member: UserRef | None = None, rest: Rest = ""
    ) -> None:
        """Federations: new, code, join, leave, admin, unadmin, log, subscribe, unsubscribe,
        link, optout, info."""
        words = rest.split()
        handlers = {
            "new": self._new,
            "code": self._code,
            "join": self._join,
            "leave": self._leave,
            "log": self._log_here,
            "subscribe": self._subscribe,
            "unsubscribe": self._unsubscribe,
            "optout": self._optout,
            "info": self._info,
        }
        if action in ("admin", "unadmin", "link"):
            await self._people(ctx, action, member, words)
        elif action in handlers:
            await handlers[action](ctx, rest.strip())
        else:
            raise CommandError("federation.errors.usage")

    async def _new(self, ctx: Context, name: str) -> None:
        if not name or len(name) > MAX_NAME:
            raise CommandError("federation.errors.bad_name", longest=MAX_NAME)
        community_id = await self.services.directory.id_for(ctx.community.ref)
        current = await self.store.membership(community_id)
        if current is not None:
            raise CommandError("federation.errors.already_in", fed=current.name)
        now = self.services.clock.now()
        number = await self.store.create(name, ctx.actor.user, community_id, now)
        await ctx.reply("federation.created", fed=name, number=number)

    async def _code(self, ctx: Context, _args: str) -> None:
        _, federation = await self._here(ctx)
        await self._require_fed_admin(ctx, federation)
        code = self._new_code(ctx.community.ref.platform)
        now = self.services.clock.now()
        lifetime = timedelta(minutes=self.rules().code_minutes)
        await self.store.add_code(federation.id, digest(code), now, now + lifetime)
        await ctx.reply(
            "federation.code", private=True, fed=federation.name, code=code, lifetime=lifetime
        )

    async def _join(self, ctx: Context, code: str) -> None:
        if not code:
            raise CommandError("federation.errors.need_code")
        community_id = await self.services.directory.id_for(ctx.community.ref)
        current = await self.store.membership(community_id)
        if current is not None:
            raise CommandError("federation.errors.already_in", fed=current.name)
        now = self.services.clock.now()
        number, problem = await self.store.redeem(digest(code), community_id, now)
        if number is None:
            raise CommandError(f"federation.errors.code_{problem}")
        federation = await self.store.get(number)
        assert federation is not None
        await self.store.enter(number, community_id, MEMBER, now)
        staged = await self.catch_up_community(number, community_id)
        await ctx.reply("federation.joined", fed=federation.name, count=staged)
        await self.federation_log(
            federation, "federation.log.joined", community=str(ctx.community.ref)
        )
        self.services.scheduler.wake()

    async def _leave(self, ctx: Context, _args: str) -> None:
        community_id, federation = await self._here(ctx)
        await self.store.leave(federation.id, community_id, self.services.clock.now())
        await ctx.reply("federation.left", fed=federation.name)
        await self.federation_log(
            federation, "federation.log.left", community=str(ctx.community.ref)
        )

    async def _log_here(self, ctx: Context, _args: str) -> None:
        community_id, federation = await self._here(ctx)
        await self._require_fed_admin(ctx, federation)
        await self.store.set_log(federation.id, community_id, ctx.event.chat.id)
        await ctx.reply("federation.log_set", fed=federation.name)

    async def _subscribe(self, ctx: Context, number: str) -> None:
        federation = await self._federation_named(number)
        community_id = await self.services.directory.id_for(ctx.community.ref)
        current = await self.store.membership(community_id)
        if current is not None and current.id == federation.id:
            raise CommandError("federation.errors.already_in", fed=current.name)
        await self.store.enter(federation.id, community_id, SUBSCRIBER, self.services.clock.now())
        staged = await self.catch_up_community(federation.id, community_id)
        await ctx.reply("federation.subscribed", fed=federation.name, count=staged)
        self.services.scheduler.wake()

    async def _unsubscribe(self, ctx: Context, number: str) -> None:
        federation = await self._federation_named(number)
        community_id = await self.services.directory.id_for(ctx.community.ref)
        if federation.id not in await self.store.subscriptions(community_id):
            raise CommandError("federation.errors.not_subscribed", fed=federation.name)
        await self.store.leave(federation.id, community_id, self.services.clock.now())
        await ctx.reply("federation.unsubscribed", fed=federation.name)

    async def _federation_named(self, number: str) -> Federation:
        federation = None
        if number.strip().lstrip("#").isdigit():
            federation = await self.store.get(int(number.strip().lstrip("#")))
        if federation is None:
            raise CommandError("federation.errors.unknown", value=number or "?")
        return federation

    async def _people(
        self, ctx: Context, action: str, member: UserRef | None, words: list[str]
    ) -> None:
        _, federation = await self._here(ctx)
        first = self._target(ctx, member, words)
        now = self.services.clock.now()
        if action == "link":
            await self._require_fed_admin(ctx, federation)
            second = self._target(ctx, None, words)
            count = await self.store.link(federation.id, first, second)
            await ctx.reply("federation.linked", first=str(first), second=str(second), count=count)
            await self.federation_log(
                federation, "federation.log.linked", first=str(first), second=str(second),
                by=ctx.actor.name,
            )  # fmt: skip
            return
        await self._require_owner(ctx, federation)
        if action == "admin":
            await self.store.add_admin(federation.id, first, now)
            await ctx.reply("federation.admin_added", user=str(first), fed=federation.name)
        else:
            if not await self.store.remove_admin(federation.id, first):
                raise CommandError("federation.errors.not_an_admin", user=str(first))
            await ctx.reply("federation.admin_removed", user=str(first), fed=federation.name)

    async def _optout(self, ctx: Context, rest: str) -> None:
        number, _, reason = rest.partition(" ")
        reason = reason.strip()
        if not number.lstrip("#").isdigit():
            raise CommandError("federation.errors.optout_usage")
        if not reason:
            raise CommandError("federation.errors.optout_reason")
        community_id = await self.services.directory.id_for(ctx.community.ref)
        ban = await self.store.ban(int(number.lstrip("#")))
        if ban is None or await self.store.place(ban.federation_id, community_id) is None:
            raise CommandError("federation.errors.unknown_ban", number=number)
        federation = await self.store.get(ban.federation_id)
        assert federation is not None
        before = await self.store.application(ban.id, community_id)
        now = self.services.clock.now()
        await self.store.record(
            ban.id, community_id, "opted_out", now, detail=reason[:1000], replace=True
        )
        await self.services.scheduler.cancel(f"{APPLY_JOB}:{ban.id}:{community_id}")
        community = ctx.community.ref
        user = UserRef(ban.platform, ban.user_id)
        if before is not None and before.state == "applied" and user.platform == community.platform:
            await self._lift_one(community, user, ban, ctx.actor.name)
        line = ctx.t(
            "federation.log.opted_out", number=ban.id, user=who(ban), by=ctx.actor.name,
            reason=reason,
        )  # fmt: skip
        await self.community_log(community, line)
        await self.federation_log(
            federation, "federation.log.opted_out_fed", number=ban.id, user=who(ban),
            community=str(community), by=ctx.actor.name, reason=reason,
        )  # fmt: skip
        await ctx.reply("federation.opted_out", number=ban.id, user=who(ban))

    async def _info(self, ctx: Context, _args: str) -> None:
        _community_id, federation = await self._here(ctx)
        places = await self.store.places(federation.id)
        listed = ", ".join(
            str(p.ref) + ("" if p.mode == MEMBER else f" ({ctx.t('federation.read_only')})")
            for p in places
        )
        count = await self.store.count_bans(federation.id)
        await ctx.reply(
            "federation.info", fed=federation.name, number=federation.id, places=listed,
            count=count,
        )  # fmt: skip
