"""The CAS check: a newcomer (on joining, or at a first message) looked up in CAS, off the
message path, and sanctioned through moderation when listed."""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.core.actions import Ban
from bot.core.cogs import listen
from bot.core.context import Context
from bot.core.errors import ActionRefused, UnsupportedAction
from bot.core.events import MemberJoined, MessageCreated
from bot.core.permissions import Level
from bot.core.published import SanctionRequest
from bot.core.refs import CommunityRef, UserRef
from bot.i18n import t
from cogs.federation.base import FederationBase
from cogs.federation.cas import Verdict
from cogs.federation.rules import CasRules

log = logging.getLogger(__name__)

# Members whose first message was checked since start; bounded, oldest forgotten first.
MAX_FIRST_SEEN = 50_000


class CasCheck(FederationBase):
    """Newcomers checked against CAS; lookups bounded in number (`Lookups`) and in memory."""

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
