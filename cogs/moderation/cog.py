"""The moderation cog: wires the stage, the rule compiler, expiry jobs and slow-mode."""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.core.actions import SendMessage, SetSlowMode, Unban, Unrestrict
from bot.core.admission import admission
from bot.core.cogs import Cog, job, listen
from bot.core.context import Context
from bot.core.dispatch import StopPropagation
from bot.core.events import ButtonPressed, PollAnswered, ReactionAdded, ReactionRemoved
from bot.core.permissions import Level
from bot.core.refs import ChatRef, CommunityRef, UserRef
from bot.i18n import t
from bot.rules.loader import RuleProblem
from bot.scheduler import JobRun
from bot.services import Services
from cogs.moderation.commands import ModerationCommands
from cogs.moderation.enforce import (
    UNBAN_JOB,
    UNMUTE_JOB,
    CaseExpiry,
    Enforcer,
    SlowmodeEnd,
    Target,
)
from cogs.moderation.manipulation import VoteBursts
from cogs.moderation.published import ModerationPublished
from cogs.moderation.recent import RecentIndex
from cogs.moderation.rules import ModerationRules
from cogs.moderation.stage import ModerationStage
from cogs.moderation.store import ModerationStore

log = logging.getLogger(__name__)

SLOWMODE_JOB = "moderation.slowmode_end"
MAX_PROBLEM_LINES = 20


def slowmode_key(chat: ChatRef) -> str:
    return f"{SLOWMODE_JOB}:{chat.community}:{chat.id}"


class Moderation(ModerationCommands, Cog):
    name = "moderation"
    uses = frozenset(
        {
            "actions",
            "activity",
            "channels",
            "clock",
            "config",
            "directory",
            "published",
            "rules",
            "scheduler",
            "sessions",
            "shared",
        }
    )

    def __init__(self, services: Services) -> None:
        self.services = services
        self.store = ModerationStore(services.sessions)
        self.enforcer = Enforcer(services, self.store)
        self.published = ModerationPublished(services.sessions, self.enforcer, self.rules)
        self.recent = RecentIndex(services.sessions, services.directory, services.clock)
        self.stage = ModerationStage(self.enforcer, self.set_slowmode, self.store, self.recent)
        self.enforcer.on_deleted.append(self.stage.forget)
        self.enforcer.on_deleted.append(self.recent.forget)
        self.bursts = VoteBursts()
        self._active = False

    async def load(self) -> None:
        self.published.attach(self.services.published)
        self.services.rules.on_problems(self._report_problems)
        self._active = True
        self.recent.start()
        await self.stage.prefetch_joins(self.rules().limits.links.newcomer_hours)
        for platform, community, chat_id, seconds in await self.store.emulated_slowmodes():
            chat = ChatRef(platform, chat_id, CommunityRef(platform, community))
            self.stage.channel(chat).slow_seconds = seconds
        for pending in await self.services.scheduler.pending(UNMUTE_JOB):
            expiry = pending.payload_as(CaseExpiry)
            where = CommunityRef(expiry.platform, expiry.community)
            self.enforcer.muted[(where, expiry.user)] = pending.due_at

    @admission(ButtonPressed, ReactionAdded, ReactionRemoved, PollAnswered)
    async def muted_do_not_vote(self, ctx: Context) -> bool:
        """A muted member's buttons, reactions and poll answers count for nothing while muted."""
        return not self.enforcer.is_muted(ctx.community.ref, ctx.actor.user)

    @listen(ButtonPressed, group=-9)
    @listen(ReactionAdded, group=-9)
    @listen(PollAnswered, group=-9)
    async def vote_bursts(self, ctx: Context) -> None:
        """A member who joins and at once votes in a burst: the votes from the burst on count
        for nothing (later handlers never see them) and the moderators are told once."""
        rules = self.rules().manipulation
        if not rules.enabled or ctx.actor.level >= Level.MODERATOR or ctx.actor.is_bot:
            return
        event = ctx.event
        key = (ctx.community.ref, ctx.actor.user.id)
        if self.bursts.discounted(key, event.at):
            raise StopPropagation
        joined = self.stage.newcomers.seen_join(key)
        if joined is None:
            return  # not a known recent join: no lookup on every reaction of every member
        if not self.bursts.vote(key, joined, event.at, rules):
            return
        reason = ctx.t(
            "moderation.reasons.manipulation",
            count=rules.votes,
            window=timedelta(seconds=rules.seconds),
            joined=timedelta(minutes=rules.join_minutes),
        )
        await self.enforcer.enforce(
            Target(ctx.community.ref, ctx.actor.user, ctx.actor.name, event.chat),
            rules.act,
            rule="manipulation",
            reason=reason,
            points=rules.points,
            rules=self.rules(),
        )
        raise StopPropagation

    async def unload(self) -> None:
        self._active = False
        self.published.detach(self.services.published)
        await self.recent.stop()

    def rules(self) -> ModerationRules:
        return self.services.rules.current.get(ModerationRules)

    def about_here(self, locale: str) -> str | None:
        return t(locale, "moderation.about")

    def communities(self) -> set[CommunityRef]:
        """Communities to tell about rule problems: configured ones and those seen since start."""
        known = {community for community, _ in self.stage.channels}
        for key in self.services.config.communities:
            platform, _, ident = key.partition(":")
            known.add(CommunityRef(platform, ident))
        return known

    async def _report_problems(self, problems: list[RuleProblem]) -> None:
        if not self._active:
            return
        for community in sorted(self.communities(), key=str):
            locale = self.enforcer.locale(community)
            lines = [t(locale, "moderation.log.rules_rejected", count=len(problems))]
            lines += [f"- {p}" for p in problems[:MAX_PROBLEM_LINES]]
            await self.enforcer.mod_log(community, "\n".join(lines))

    # -- slow-mode ---------------------------------------------------------------------------

    async def set_slowmode(
        self, chat: ChatRef, seconds: int, lasting: timedelta | None, by: UserRef | None
    ) -> None:
        """Native slow-mode where the platform has it, else emulated by the stage."""
        services = self.services
        community_id = await services.directory.id_for(chat.community)
        native = services.actions.supports(chat.platform, SetSlowMode)
        if native and await self.enforcer.execute(SetSlowMode(chat=chat, seconds=seconds)):
            native = False  # refused: emulate rather than leave the channel unprotected
        state = self.stage.channel(chat)
        state.slow_seconds = 0 if native else seconds
        state.last_post.clear()
        until = services.clock.now() + lasting if lasting else None
        await self.store.set_slowmode(community_id, chat.id, seconds, native, until)
        if until is not None:
            payload = SlowmodeEnd(platform=chat.platform, community=chat.community.id, chat=chat.id)
            await services.scheduler.schedule(SLOWMODE_JOB, until, payload, key=slowmode_key(chat))
        else:
            await services.scheduler.cancel(slowmode_key(chat))
        locale = self.enforcer.locale(chat.community)
        if lasting is not None:
            text = t(
                locale,
                "moderation.slowmode.on_for",
                interval=timedelta(seconds=seconds),
                duration=lasting,
            )
        else:
            text = t(locale, "moderation.slowmode.on", interval=timedelta(seconds=seconds))
        await self.enforcer.execute(SendMessage(chat=chat, text=text))
        mode = (
            t(locale, "moderation.slowmode_mode.native")
            if native
            else t(locale, "moderation.slowmode_mode.emulated")
        )
        line = t(
            locale,
            "moderation.log.slowmode",
            chat=chat.id,
            interval=timedelta(seconds=seconds),
            mode=mode,
            by=await self.enforcer.who(chat.community, by),
        )
        await self.enforcer.mod_log(chat.community, line)

    async def lift_slowmode(self, chat: ChatRef, by: UserRef | None) -> bool:
        """Turn slow-mode off; False when there was none."""
        community_id = await self.services.directory.id_for(chat.community)
        row = await self.store.clear_slowmode(community_id, chat.id)
        state = self.stage.channel(chat)
        was_emulated = state.slow_seconds > 0
        state.slow_seconds = 0
        await self.services.scheduler.cancel(slowmode_key(chat))
        if row is None and not was_emulated:
            return False
        if row is not None and row.native:
            await self.enforcer.execute(SetSlowMode(chat=chat, seconds=0))
        locale = self.enforcer.locale(chat.community)
        await self.enforcer.execute(
            SendMessage(chat=chat, text=t(locale, "moderation.slowmode.off"))
        )
        who = await self.enforcer.who(chat.community, by)
        line = t(locale, "moderation.log.slowmode_off", chat=chat.id, by=who)
        await self.enforcer.mod_log(chat.community, line)
        return True

    # -- durable expiry ----------------------------------------------------------------------

    @job(SLOWMODE_JOB, payload=SlowmodeEnd, when_off="run")
    async def slowmode_ends(self, run: JobRun) -> None:
        await self.lift_slowmode(run.payload_as(SlowmodeEnd).chat_ref, None)

    @job(UNMUTE_JOB, payload=CaseExpiry, when_off="run")
    async def mute_ends(self, run: JobRun) -> None:
        await self._case_ends(run, Unrestrict)

    @job(UNBAN_JOB, payload=CaseExpiry, when_off="run")
    async def ban_ends(self, run: JobRun) -> None:
        await self._case_ends(run, Unban)

    async def _case_ends(self, run: JobRun, lift: type[Unrestrict | Unban]) -> None:
        """A timed mute or ban ran out: lift it and say so in the moderators' log.

        Both are keyed effects of the case, so a run resumed after a crash does neither twice;
        lifting is repeatable (the same end state), the log line is not.
        """
        payload = run.payload_as(CaseExpiry)
        community = CommunityRef(payload.platform, payload.community)
        user = UserRef(community.platform, payload.user)
        case = payload.case
        scheduler = self.services.scheduler

        async def lift_it() -> None:
            await self.enforcer.execute(
                lift(community=community, user=user, reason=f"case {case} ended")
            )

        async def log_it() -> None:
            name = await self.services.activity.display_name(community, user)
            line = t(
                self.enforcer.locale(community),
                "moderation.log.expired",
                case=case,
                user=f"{name} ({user.id})",
            )
            await self.enforcer.mod_log(community, line)

        await scheduler.once(f"{run.kind}:{case}:lift", lift_it, repeatable=True)
        await scheduler.once(f"{run.kind}:{case}:log", log_it)
