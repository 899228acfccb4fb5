"""The entry gate: what a gated member may not do yet, passing it, failing it, approval."""

from __future__ import annotations

from bot.core.actions import DeleteMessage, Kick, Restrict, SendMessage, Unrestrict
from bot.core.admission import admission
from bot.core.cogs import job, listen
from bot.core.commands import command
from bot.core.context import Context
from bot.core.dispatch import StopPropagation
from bot.core.errors import CommandError
from bot.core.events import (
    ButtonPressed,
    CommandInvoked,
    MemberLeft,
    MessageCreated,
    PollAnswered,
    ReactionAdded,
)
from bot.core.permissions import Level
from bot.core.refs import ChatRef, CommunityRef, UserRef
from bot.i18n import t
from bot.scheduler import JobRun
from cogs.onboarding.base import Act, GateState, notice, timeout_key
from cogs.onboarding.jobs import TIMEOUT_JOB, GateTimeout
from cogs.onboarding.posters import KNOWN_FOR
from cogs.onboarding.promotions import Promotions
from cogs.onboarding.rules import OnboardingRules, normalise_answer
from cogs.onboarding.welcome import ACCEPT_PREFIX, ANYONE, Welcome


class EntryGate(Welcome, Promotions):
    """Admission checks for gated members, and letting them in or holding them."""

    @listen(MemberLeft)
    async def on_leave(self, ctx: Context) -> None:
        key = (ctx.community.ref, ctx.actor.user.id)
        if self._gated.pop(key, None) is not None:
            await self.services.scheduler.cancel(timeout_key(*key))
            community_id = await self.services.directory.id_for(ctx.community.ref)
            await self.store.set_fields(community_id, ctx.actor.user.id, status="left")

    @admission(MessageCreated)
    async def gate_messages(self, ctx: Context[MessageCreated]) -> bool:
        """Before any handler sees it: a gated member's message is removed (or is the answer);
        in raid mode, so is a new member's link."""
        event = ctx.event
        key = (ctx.community.ref, ctx.actor.user.id)
        seen = self._known.get(key)
        fresh = seen is not None and self.services.clock.now() - seen < KNOWN_FOR
        if not fresh and not ctx.actor.is_bot:
            await self._poster(key, ctx.actor.name, event.chat.id)
        gate = self._gated.get(key)
        if gate is None:
            return not await self._block_links(ctx, event)
        if ctx.actor.level >= Level.MODERATOR:
            return True
        await self._try(ctx.act, DeleteMessage(message=event.message,
                                               reason=ctx.t("onboarding.reason.gate")))  # fmt: skip
        rules = ctx.rules.get(OnboardingRules)
        if gate.status == "held":
            await notice(ctx, ctx.t("onboarding.removed_held"))
        elif gate.method == "question":
            await self._check_answer(ctx, event, rules)
        else:
            await notice(ctx, ctx.t("onboarding.removed_button"))
        return False

    @admission(CommandInvoked)
    async def gate_commands(self, ctx: Context[CommandInvoked]) -> bool:
        """Gated members cannot run commands either (no /poll spam from a raid account)."""
        event = ctx.event
        gate = self._gated.get((ctx.community.ref, ctx.actor.user.id))
        if gate is None or ctx.actor.level >= Level.MODERATOR:
            return True
        if event.message is not None:
            reason = ctx.t("onboarding.reason.gate")
            await self._try(ctx.act, DeleteMessage(message=event.message, reason=reason))
        key = "onboarding.removed_held" if gate.status == "held" else "onboarding.removed_button"
        if gate.method == "question" and gate.status == "pending":
            key = "onboarding.removed_question"
        await notice(ctx, ctx.t(key))
        return False

    async def _check_answer(
        self, ctx: Context, event: MessageCreated, rules: OnboardingRules
    ) -> None:
        community, user = ctx.community.ref, ctx.actor.user
        if normalise_answer(event.text) in self._compiled().answers:
            await self.admit(ctx.act, community, event.chat, user, ctx.actor.name)
            return
        community_id = await self.services.directory.id_for(community)
        attempts = await self.store.count_attempt(community_id, user.id)
        left = rules.gate.max_attempts - attempts
        if left <= 0:
            await self._fail(ctx.act, community, event.chat, user.id, ctx.actor.name)
            return
        assert rules.gate.question is not None
        question = rules.gate.question.get(ctx.locale)
        await notice(ctx, ctx.t("onboarding.wrong_answer", left=left, question=question))

    @admission(ButtonPressed)
    async def gate_buttons(self, ctx: Context[ButtonPressed]) -> bool:
        """Any button but the accept button (a poll vote) waits until the member is in."""
        event = ctx.event
        if event.custom_id.startswith(ACCEPT_PREFIX):
            return True
        gate = self._gated.get((ctx.community.ref, ctx.actor.user.id))
        if gate is None or ctx.actor.level >= Level.MODERATOR:
            return True
        key = "onboarding.removed_held" if gate.status == "held" else "onboarding.not_yet"
        await ctx.reply(key, private=True)
        return False

    # Group -10: the accept press is onboarding's own, handled before any vote counting
    # (moderation's vote-burst check at -9) could take it for a vote.
    @listen(ButtonPressed, group=-10)
    async def on_button(self, ctx: Context[ButtonPressed]) -> None:
        """The accept button: lets the member in."""
        event = ctx.event
        if not event.custom_id.startswith(ACCEPT_PREFIX):
            return
        target = event.custom_id.removeprefix(ACCEPT_PREFIX)
        if target == ANYONE:  # the shared raid-mode welcome: for whoever presses it
            target = ctx.actor.user.id
        if target != ctx.actor.user.id:
            await ctx.reply("onboarding.not_yours", private=True)
            raise StopPropagation
        gate = self._gated.get((ctx.community.ref, target))
        if gate is None:
            await ctx.reply("onboarding.already_in", private=True)
        elif gate.status == "held":
            await ctx.reply("onboarding.held_press", private=True)
        elif gate.method != "button":  # raid mode or question gate: the button is not enough
            await ctx.reply("onboarding.answer_first", private=True)
        else:
            await self.admit(ctx.act, ctx.community.ref, event.chat, ctx.actor.user, ctx.actor.name)
        raise StopPropagation

    @admission(PollAnswered, ReactionAdded)
    async def gate_votes(self, ctx: Context) -> bool:
        """Votes and reactions of gated members are not counted (a raid cannot stuff a poll)."""
        return (ctx.community.ref, ctx.actor.user.id) not in self._gated

    async def admit(
        self, act: Act, community: CommunityRef, chat: ChatRef, user: UserRef, name: str
    ) -> None:
        """Let a member in: lift the mute, record the first role, say so with the next step."""
        key = (community, user.id)
        gate = self._gated.pop(key, None)
        await self.services.scheduler.cancel(timeout_key(community, user.id))
        now = self.services.clock.now()
        community_id = await self.services.directory.id_for(community)
        row = await self.store.get(community_id, user.id)
        rules = self._rules()
        first = rules.roles[0]
        fields: dict[str, object] = {"status": "passed", "passed_at": now}
        if row is None or not row.role:  # a returning member keeps the role they had earned
            fields.update(role=first.id, role_since=now)
        await self.store.set_fields(community_id, user.id, **fields)
        locale = self._locale(community)
        if gate is not None and (gate.method == "button" or gate.status == "held"):
            reason = t(locale, "onboarding.reason.passed")
            await self._try(act, Unrestrict(community=community, user=user, reason=reason))
        role = rules.role(row.role) if row is not None and row.role else None
        role = role or first
        await self._swap_platform_role(act, community, user, None, role)
        text = t(
            locale,
            "onboarding.passed",
            name=name,
            role=role.name.get(locale),
            grants=role.grants.get(locale),
        )
        # Its next step: "introduce yourself in one message".
        await act(SendMessage(chat=chat, text=text, next_step="question"))
        await self._clean_welcomes(act, community)
        await self._promote_members(act, community_id, community, only=user.id)

    async def _fail(
        self, act: Act, community: CommunityRef, chat: ChatRef, user_id: str, name: str
    ) -> None:
        """Time ran out (or too many wrong answers): kick, or hold until a moderator approves."""
        rules, locale = self._rules(), self._locale(community)
        user = UserRef(community.platform, user_id)
        community_id = await self.services.directory.id_for(community)
        await self.services.scheduler.cancel(timeout_key(community, user_id))
        reason = t(locale, "onboarding.reason.timeout")
        if rules.gate.on_fail == "kick" and await self._try(
            act, Kick(community=community, user=user, reason=reason)
        ):
            self._gated.pop((community, user_id), None)
            await self.store.set_fields(community_id, user_id, status="kicked")
            text = t(locale, "onboarding.failed_kick", name=name)
            await act(SendMessage(chat=chat, text=text, delete_after=self._notice_life(community)))
            await self._clean_welcomes(act, community)
            return
        # Holding is also the fallback when the platform refuses the kick: never let them in.
        gate = self._gated.get((community, user_id))
        self._gated[(community, user_id)] = GateState(gate.method if gate else "button", "held")
        await self.store.set_fields(community_id, user_id, status="held")
        await self._try(act, Restrict(community=community, user=user, duration=None, reason=reason))
        text = t(locale, "onboarding.failed_hold", name=name, user=user_id)
        await act(SendMessage(chat=chat, text=text, delete_after=self._notice_life(community)))
        await self._clean_welcomes(act, community)

    @job(TIMEOUT_JOB, payload=GateTimeout)
    async def on_timeout(self, run: JobRun) -> None:
        """The gate's time limit: idempotent, so a re-run after a crash changes nothing."""
        payload = run.payload_as(GateTimeout)
        community, chat = payload.where, payload.chat_ref
        community_id = await self.services.directory.id_for(community)
        row = await self.store.get(community_id, payload.user)
        if row is None or row.status != "pending":
            return
        await self._fail(self.services.actions.execute, community, chat, row.user_id, row.name)

    @command(level=Level.MODERATOR)
    async def approve(self, ctx: Context, member: UserRef) -> None:
        """Let a member in who is still at the gate (or held there after the time limit)."""
        if (ctx.community.ref, member.id) not in self._gated:
            raise CommandError("onboarding.approve.not_gated", user=member.id)
        community_id = await self.services.directory.id_for(ctx.community.ref)
        row = await self.store.get(community_id, member.id)
        name = row.name if row is not None and row.name else member.id
        await self.admit(ctx.act, ctx.community.ref, ctx.event.chat, member, name)
