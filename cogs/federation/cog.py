"""The federation cog: /fed, /fban, /funban, /fbanlist, the fan-out jobs and the CAS check.

A ban is a row plus one keyed job per community, written in one transaction; each job applies
the ban in its community through moderation's published sanction (its ladder, its case, its log
line) under a keyed effect, so a re-run after a crash never bans or writes a case twice. A
community whose platform is not connected keeps its job, re-armed later and at every start.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import random
import re
import secrets
from datetime import timedelta

from bot.core.actions import Ban, SendMessage, Unban
from bot.core.cogs import Cog, job, listen
from bot.core.commands import Rest, command
from bot.core.context import Context
from bot.core.errors import ActionRefused, CommandError, UnsupportedAction
from bot.core.events import MemberJoined, MessageCreated
from bot.core.permissions import Level
from bot.core.published import SanctionOutcome, SanctionRequest
from bot.core.refs import ChatRef, CommunityRef, UserRef
from bot.i18n import t
from bot.scheduler import Job, JobRun, stage
from bot.services import Services
from cogs.federation.banlist import IMPORT_JOB
from cogs.federation.cas import CasClient, Lookups, Verdict
from cogs.federation.jobs import BanPlacement, ImportedBan
from cogs.federation.models import MEMBER, SUBSCRIBER, Federation, FederationBan
from cogs.federation.rules import CasRules, FederationRules
from cogs.federation.store import (
    APPLY_JOB,
    LIFT_JOB,
    FederationStore,
    NewBan,
    apply_job,
    lift_key,
)

log = logging.getLogger(__name__)

MAX_NAME = 64
MAX_LISTED = 20
# Ids on these platforms are numbers; others (the console) name members by word.
NUMERIC = ("telegram", "discord")
_PLATFORM = re.compile(r"^[a-z]{2,16}$")
# Members whose first message was checked since start; bounded, oldest forgotten first.
MAX_FIRST_SEEN = 50_000
CONSOLE_SEED = 17


def digest(code: str) -> str:
    return hashlib.sha256(code.strip().encode()).hexdigest()


def parse_account(text: str, default_platform: str) -> UserRef | None:
    """`telegram:123`, or a bare id on the command's own platform; None when it is neither."""
    platform, sep, ident = text.strip().partition(":")
    if not sep:
        platform, ident = default_platform, text.strip()
    if not _PLATFORM.match(platform) or not ident or len(ident) > 64 or ":" in ident:
        return None
    if platform in NUMERIC and not ident.lstrip("-").isdigit():
        return None
    return UserRef(platform, ident)


class Federations(Cog):
    name = "federation"
    uses = frozenset(
        {
            "actions",
            "activity",
            "clock",
            "config",
            "directory",
            "published",
            "rules",
            "scheduler",
            "sessions",
        }
    )

    def __init__(self, services: Services) -> None:
        self.services = services
        self.store = FederationStore(services.sessions)
        self.cas = CasClient(services.clock)
        self.lookups = Lookups()
        self._first_seen: dict[tuple[str, str], None] = {}
        # The console is a local simulation whose transcripts must replay to the same output,
        # so its codes come from a fixed seed; every real platform's from `secrets`.
        self._console_codes = random.Random(CONSOLE_SEED)

    def _new_code(self, platform: str) -> str:
        """A join code: 96 random bits, URL-safe (16 characters), not guessable, used once."""
        if platform == "console":
            raw = self._console_codes.getrandbits(96).to_bytes(12, "big")
            return base64.urlsafe_b64encode(raw).decode()
        return secrets.token_urlsafe(12)

    async def load(self) -> None:
        await self.catch_up()

    async def unload(self) -> None:
        await self.lookups.cancel()
        await self.cas.close()

    def about_here(self, locale: str) -> str | None:
        return t(locale, "federation.about")

    def rules(self) -> FederationRules:
        return self.services.rules.current.get(FederationRules)

    def cas_rules(self) -> CasRules:
        return self.services.rules.current.get(CasRules)

    # -- helpers -----------------------------------------------------------------------------

    def locale(self, community: CommunityRef) -> str:
        return self.services.config.community(community).locale

    async def community_log(self, community: CommunityRef, line: str) -> None:
        """A line in the community's moderators' log channel (and the bot's log)."""
        log.info("[%s] %s", community, line)
        channel = self.services.config.community(community).log_channel
        if channel:
            await self._send(ChatRef(community.platform, channel, community), line)

    async def federation_log(self, federation: Federation, key: str, **params: object) -> None:
        """A line in the federation's own log channel, in that community's language."""
        if federation.log_community_id is None or federation.log_chat_id is None:
            log.info("[federation %d] %s %s", federation.id, key, params)
            return
        where = await self.store.community_ref(federation.log_community_id)
        if where is None:
            return
        line = t(self.locale(where), key, fed=federation.name, **params)
        log.info("[federation %d] %s", federation.id, line)
        await self._send(ChatRef(where.platform, federation.log_chat_id, where), line)

    async def _send(self, chat: ChatRef, text: str) -> None:
        try:
            await self.services.actions.execute(SendMessage(chat=chat, text=text))
        except (ActionRefused, UnsupportedAction) as exc:
            log.warning("federation log line not posted in %s: %s", chat, exc)

    async def _here(self, ctx: Context) -> tuple[int, Federation]:
        community_id = await self.services.directory.id_for(ctx.community.ref)
        federation = await self.store.membership(community_id)
        if federation is None:
            raise CommandError("federation.errors.none_here")
        return community_id, federation

    async def fed_admin_guard(self, ctx: Context) -> str | None:
        """Only the admins of this community's federation may ban for it (the core asks)."""
        community_id = await self.services.directory.id_for(ctx.community.ref)
        federation = await self.store.membership(community_id)
        if federation is None:
            return "federation.errors.none_here"
        if not await self.store.is_admin(federation, ctx.actor.user):
            return "federation.errors.not_fed_admin"
        return None

    async def _require_owner(self, ctx: Context, federation: Federation) -> None:
        user = ctx.actor.user
        if (federation.owner_platform, federation.owner_id) != (user.platform, user.id):
            raise CommandError("federation.errors.not_owner", fed=federation.name)

    async def _require_fed_admin(self, ctx: Context, federation: Federation) -> None:
        if not await self.store.is_admin(federation, ctx.actor.user):
            raise CommandError("federation.errors.not_fed_admin", name="fed")

    def _target(self, ctx: Context, member: UserRef | None, words: list[str]) -> UserRef:
        if member is not None:
            return member
        if words:
            found = parse_account(words.pop(0), ctx.community.ref.platform)
            if found is not None:
                return found
        raise CommandError("federation.errors.need_account")

    # -- /fed --------------------------------------------------------------------------------

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
            "federation.log.opted_out", number=ban.id, user=_who(ban), by=ctx.actor.name,
            reason=reason,
        )  # fmt: skip
        await self.community_log(community, line)
        await self.federation_log(
            federation, "federation.log.opted_out_fed", number=ban.id, user=_who(ban),
            community=str(community), by=ctx.actor.name, reason=reason,
        )  # fmt: skip
        await ctx.reply("federation.opted_out", number=ban.id, user=_who(ban))

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

    # -- /fban, /funban, /fbanlist -----------------------------------------------------------

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
        await ctx.reply("federation.funbanned", number=ban.id, user=_who(ban), count=len(lifts))
        await self.federation_log(
            federation, "federation.log.funban", number=ban.id, user=_who(ban), by=ctx.actor.name
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
                    "federation.banlist_line", number=ban.id, user=_who(ban), reason=ban.reason,
                    when=when.strftime("%Y-%m-%d"),
                )
            )  # fmt: skip
        await ctx.send_text("\n".join(lines))

    # -- fan-out -----------------------------------------------------------------------------

    async def catch_up(self) -> int:
        """Stage what every community missed (at start): keyed, so nothing is staged twice."""
        staged = 0
        for federation_id, community_id in await self.store.active_places():
            staged += await self.catch_up_community(federation_id, community_id)
        if staged:
            log.info("federation: %d ban(s) to apply that communities missed", staged)
            self.services.scheduler.wake()
        return staged

    async def catch_up_community(self, federation_id: int, community_id: int) -> int:
        missing = await self.store.missing(federation_id, community_id, self.rules().catch_up_batch)
        return await self.store.stage_applies(
            ((ban, community_id) for ban in missing), self.services.clock.now()
        )

    @job(APPLY_JOB, payload=BanPlacement)
    async def apply(self, run: JobRun) -> None:
        """Apply one ban in one community, once."""
        placement = run.payload_as(BanPlacement)
        ban_id, community_id = placement.ban, placement.community
        ban = await self.store.ban(ban_id)
        if ban is None or ban.lifted_at is not None:
            return
        place = await self.store.place(ban.federation_id, community_id)
        if place is None:
            return  # left the federation: future bans stop here, past ones stay
        if await self.store.application(ban_id, community_id) is not None:
            return
        community = place.ref
        if not self.services.actions.supports(community.platform, Ban):
            # Not connected now: try again later (and at every start), keeping the key.
            due = self.services.clock.now() + timedelta(minutes=self.rules().retry_minutes)
            async with self.services.scheduler.transaction() as session:
                await stage(
                    session, apply_job(ban_id, community_id, due), self.services.clock.now()
                )
            log.info("federation ban #%d waits for %s to be connected", ban_id, community)
            return
        banned = UserRef(ban.platform, ban.user_id)
        linked = await self.store.accounts(ban.federation_id, banned)
        accounts = [a for a in linked if a.platform == community.platform]
        federation = await self.store.get(ban.federation_id)
        assert federation is not None
        if not accounts:
            now = self.services.clock.now()
            await self.store.record(ban_id, community_id, "elsewhere", now)
            return
        for account in accounts:
            # The rank of the target, asked of the platform now: a community's own moderators
            # are not banned by its federation (fail closed: unknown means not a member here,
            # which a ban in advance is for).
            level = await self.services.actions.level_of(community, account)
            if level is not None and level >= Level.MODERATOR:
                detail = f"{account} is a {level.label} here"
                now = self.services.clock.now()
                await self.store.record(ban_id, community_id, "refused", now, detail=detail)
                line = t(self.locale(community), "federation.log.staff", number=ban_id,
                         user=f"{ban.user_name or account.id} ({account})")  # fmt: skip
                await self.community_log(community, line)
                return

            async def perform(account: UserRef = account) -> None:
                outcome = await self._sanction(community, account, ban, federation)
                state = "refused" if outcome.refused else "applied"
                await self.store.record(
                    ban_id, community_id, state, self.services.clock.now(),
                    case_id=outcome.case_id, detail=outcome.failed or "",
                )  # fmt: skip

            key = f"federation.ban:{ban_id}:{community_id}:{account.platform}:{account.id}"
            await self.services.scheduler.once(key, perform)
        # A run that found its effect started but unfinished (a crash inside the platform call)
        # did not redo it; say so instead of leaving the ban looking unapplied.
        await self.store.record(
            ban_id, community_id, "interrupted", self.services.clock.now(),
            detail="a crash interrupted the ban; it may have happened",
        )  # fmt: skip

    async def _sanction(
        self, community: CommunityRef, user: UserRef, ban: FederationBan, federation: Federation
    ) -> SanctionOutcome:
        locale = self.locale(community)
        reason = t(
            locale, "federation.reason", fed=federation.name, number=ban.id, reason=ban.reason
        )
        name = ban.user_name if user.id == ban.user_id else user.id
        sanction = self.services.published.sanctions.get("moderation")
        if sanction is not None:
            request = SanctionRequest(community, user, name, "ban", "federation", reason)
            return await sanction(request)
        # Moderation is not loaded here: ban through the core's action path and log it.
        refused = None
        try:
            await self.services.actions.execute(Ban(community=community, user=user, reason=reason))
        except (ActionRefused, UnsupportedAction) as exc:
            refused = str(exc)
        key = "federation.log.applied_refused" if refused else "federation.log.applied"
        await self.community_log(
            community,
            t(locale, key, user=f"{name} ({user.id})", reason=reason, error=refused or ""),
        )
        return SanctionOutcome(0, refused is not None, refused)

    @job(LIFT_JOB, payload=BanPlacement)
    async def lift(self, run: JobRun) -> None:
        placement = run.payload_as(BanPlacement)
        ban_id, community_id = placement.ban, placement.community
        ban = await self.store.ban(ban_id)
        community = await self.store.community_ref(community_id)
        if ban is None or community is None:
            return
        if not self.services.actions.supports(community.platform, Unban):
            raise UnsupportedAction(community.platform, "Unban")  # retried by the scheduler
        for account in await self.store.accounts(
            ban.federation_id, UserRef(ban.platform, ban.user_id)
        ):
            if account.platform != community.platform:
                continue

            async def perform(account: UserRef = account) -> None:
                await self._lift_one(community, account, ban, ban.lifted_by or "")

            key = f"federation.lift:{ban_id}:{community_id}:{account.platform}:{account.id}"
            await self.services.scheduler.once(key, perform)
        await self.store.record(
            ban_id, community_id, "lifted", self.services.clock.now(), replace=True
        )

    async def _lift_one(
        self, community: CommunityRef, user: UserRef, ban: FederationBan, by: str
    ) -> None:
        locale = self.locale(community)
        try:
            await self.services.actions.execute(
                Unban(community=community, user=user, reason=f"federation ban #{ban.id} lifted")
            )
        except (ActionRefused, UnsupportedAction) as exc:
            log.warning("federation unban not done in %s: %s", community, exc)
        sanction = self.services.published.sanctions.get("moderation")
        reason = t(locale, "federation.lifted_reason", number=ban.id, by=by)
        name = ban.user_name if user.id == ban.user_id else user.id
        if sanction is not None:
            # A note whose rule is `unban`: moderation then knows the ban is no longer in force.
            await sanction(SanctionRequest(community, user, name, "log", "unban", reason))
        else:
            await self.community_log(community, reason)

    @job(IMPORT_JOB, payload=ImportedBan)
    async def import_ban(self, run: JobRun) -> None:
        """A ban from an imported list, applied in one community through moderation, once."""
        payload = run.payload_as(ImportedBan)
        community, user = payload.where, payload.account
        if not self.services.actions.supports(community.platform, Ban):
            raise UnsupportedAction(community.platform, "Ban")  # retried by the scheduler
        locale = self.locale(community)
        reason = t(locale, "federation.import_reason", source=payload.source,
                   reason=payload.reason)  # fmt: skip
        name = payload.name or user.id

        async def perform() -> None:
            sanction = self.services.published.sanctions.get("moderation")
            if sanction is not None:
                await sanction(SanctionRequest(community, user, name, "ban", "import", reason))
                return
            await self.services.actions.execute(Ban(community=community, user=user, reason=reason))
            await self.community_log(community, f"{name} ({user.id}): {reason}")

        await self.services.scheduler.once(f"{IMPORT_JOB}:{community}:{user.id}", perform)

    # -- CAS ---------------------------------------------------------------------------------

    @listen(MemberJoined, group=-5)
    async def on_join(self, ctx: Context) -> None:
        self._check_later(ctx, first_message=False)

    @listen(MessageCreated, group=-5)
    async def on_first_message(self, ctx: Context) -> None:
        event = ctx.event
        assert isinstance(event, MessageCreated)
        if event.direct:
            return
        self._check_later(ctx, first_message=True)

    def _check_later(self, ctx: Context, *, first_message: bool) -> None:
        rules = self.cas_rules()
        community, user = ctx.community.ref, ctx.actor.user
        if not rules.enabled or community.platform not in rules.platforms:
            return
        if ctx.actor.is_bot or ctx.actor.level >= Level.MODERATOR:
            return
        key = (str(community), user.id)
        if first_message and (not rules.check_first_message or key in self._first_seen):
            return
        self._first_seen[key] = None
        while len(self._first_seen) > MAX_FIRST_SEEN:
            self._first_seen.pop(next(iter(self._first_seen)))
        work = self._check(community, user, ctx.actor.name, rules)
        if not self.lookups.start(work, rules.max_in_flight):
            log.warning("CAS: too many lookups at once; %s in %s let in unchecked", user, community)

    async def _check(
        self, community: CommunityRef, user: UserRef, name: str, rules: CasRules
    ) -> None:
        verdict = await self.cas.check(user.id, rules)
        if verdict.listed is False:
            return
        locale = self.locale(community)
        if verdict.listed:
            await self._cas_hit(community, user, name, rules, verdict)
            return
        if verdict.error == "breaker open":
            log.info("CAS breaker open: %s in %s let in unchecked", user, community)
            return
        if rules.on_error == "mute":
            hold = timedelta(minutes=rules.hold_minutes)
            reason = t(locale, "federation.cas_hold", error=verdict.error or "", duration=hold)
            await self._cas_sanction(community, user, name, "mute", reason, hold)
            return
        line = t(locale, "federation.log.cas_error", user=f"{name} ({user.id})",
                 error=verdict.error or "")  # fmt: skip
        await self.community_log(community, line)

    async def _cas_hit(
        self, community: CommunityRef, user: UserRef, name: str, rules: CasRules, verdict: Verdict
    ) -> None:
        locale = self.locale(community)
        reason = t(locale, "federation.cas_reason", count=verdict.offenses)
        await self._cas_sanction(community, user, name, rules.action, reason, None)

    async def _cas_sanction(
        self,
        community: CommunityRef,
        user: UserRef,
        name: str,
        kind: str,
        reason: str,
        duration: timedelta | None,
    ) -> None:
        sanction = self.services.published.sanctions.get("moderation")
        assert kind in ("ban", "mute", "log")
        if sanction is not None:
            await sanction(
                SanctionRequest(community, user, name, kind, "cas", reason, duration)  # type: ignore[arg-type]
            )
            return
        if kind == "ban":
            try:
                await self.services.actions.execute(
                    Ban(community=community, user=user, reason=reason)
                )
            except (ActionRefused, UnsupportedAction) as exc:
                log.warning("CAS ban not done in %s: %s", community, exc)
        await self.community_log(community, f"CAS: {name} ({user.id}): {reason}")


def _who(ban: FederationBan) -> str:
    name = ban.user_name or ban.user_id
    return f"{name} ({ban.platform}:{ban.user_id})"
