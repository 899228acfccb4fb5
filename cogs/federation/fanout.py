"""The fan-out: each ban applied (and lifted) in each community once, and imported bans."""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.core.actions import Ban, Unban
from bot.core.cogs import job
from bot.core.errors import ActionRefused, UnsupportedAction
from bot.core.permissions import Level
from bot.core.published import SanctionOutcome, SanctionRequest
from bot.core.refs import CommunityRef, UserRef
from bot.i18n import t
from bot.scheduler import JobRun, stage
from cogs.federation.banlist import IMPORT_JOB
from cogs.federation.base import FederationBase
from cogs.federation.jobs import BanPlacement, ImportedBan
from cogs.federation.models import Federation, FederationBan
from cogs.federation.store import APPLY_JOB, LIFT_JOB, apply_job

log = logging.getLogger(__name__)


class BanFanOut(FederationBase):
    """Stages what each community is owed and runs those jobs; each effect under a key."""

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
