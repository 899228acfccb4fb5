"""Welcoming a newcomer: the gate they are to pass, one welcome on screen at a time."""

from __future__ import annotations

from collections import deque
from datetime import datetime

from bot.core.actions import Button, DeleteMessage, Restrict, SendMessage
from bot.core.cogs import listen
from bot.core.context import Context
from bot.core.events import MemberJoined
from bot.core.permissions import Level
from bot.core.refs import CommunityRef
from bot.rules.models import CommunityRules
from cogs.onboarding.base import Act, GateState, timeout_key
from cogs.onboarding.jobs import TIMEOUT_JOB, GateTimeout
from cogs.onboarding.posters import Posters
from cogs.onboarding.raid import RaidGuard
from cogs.onboarding.rules import OnboardingRules

ACCEPT_PREFIX = "onboarding:accept:"
WELCOMES_KEPT = 50  # welcomes remembered per community for cleaning (older ones stay)
ANYONE = "*"  # the accept button of the shared raid-mode welcome


class Welcome(RaidGuard, Posters):
    """The join: a gate started, a welcome posted (one per raid wave), older ones cleaned."""

    @listen(MemberJoined)
    async def on_join(self, ctx: Context) -> None:
        if ctx.actor.is_bot:
            return
        event, rules = ctx.event, ctx.rules.get(OnboardingRules)
        community, user = ctx.community.ref, ctx.actor.user
        await self._watch_for_raid(ctx, rules)
        method = rules.raid.method if self.is_raid(community) else rules.gate.method
        if ctx.actor.level >= Level.MODERATOR:
            method = "none"  # moderators are never gated in their own community
        now = self.services.clock.now()
        limit = rules.gate.time_limit
        community_id = await self.services.directory.id_for(community)
        await self.store.start_gate(
            community_id,
            user.id,
            name=ctx.actor.name,
            chat_id=event.chat.id,
            method=method,
            joined_at=now,
            deadline=None if method == "none" else now + limit,
        )
        self._remember((community, user.id))
        # A plain replace, not str.format: other braces an admin writes stay as they are.
        parts = [rules.welcome.text.get(ctx.locale).replace("{name}", ctx.actor.name)]
        if rules.welcome.show_rules:
            text = ctx.rules.get(CommunityRules).rules.get(ctx.locale).strip()
            parts.append(f"{ctx.t('onboarding.welcome.rules_header')}\n{text}")
        buttons: tuple[Button, ...] = ()
        if method == "none":
            self._gated.pop((community, user.id), None)
            parts.append(ctx.t("onboarding.welcome.next_none"))
        else:
            self._gated[(community, user.id)] = GateState(method, "pending")
            await self.services.scheduler.schedule(
                TIMEOUT_JOB,
                now + limit,
                GateTimeout(platform=community.platform, community=community.id,
                            chat=event.chat.id, user=user.id, name=ctx.actor.name),
                key=timeout_key(community, user.id),
            )  # fmt: skip
            if method == "button":
                # On kick the mute lapses with the time limit; on hold it lasts until approval.
                duration = limit if rules.gate.on_fail == "kick" else None
                reason = ctx.t("onboarding.reason.gate")
                await self._try(ctx.act, Restrict(community=community, user=user,
                                                  duration=duration, reason=reason))  # fmt: skip
                parts.append(ctx.t("onboarding.welcome.next_button", time_limit=limit))
                label = ctx.t("onboarding.accept_button")
                buttons = (Button(label=label, custom_id=f"{ACCEPT_PREFIX}{user.id}"),)
            else:
                assert rules.gate.question is not None  # the rule model guarantees it
                question = rules.gate.question.get(ctx.locale)
                parts.append(
                    ctx.t(
                        "onboarding.welcome.next_question",
                        time_limit=limit,
                        question=question,
                    )
                )
        if self.is_raid(community) and method != "none":
            await self._raid_welcome(ctx, rules, method, now)
            return
        # Every welcome ends with its next step: press the button, or answer (the gate's
        # question, or "say hello and tell us what brings you here").
        step = "buttons" if buttons else "question"
        posted = await ctx.act(
            SendMessage(chat=event.chat, text="\n\n".join(parts), buttons=buttons, next_step=step)
        )
        if posted.message is not None:
            shown = self._welcomes.setdefault(community, deque(maxlen=WELCOMES_KEPT))
            shown.append((user.id, posted.message))
        await self._clean_welcomes(ctx.act, community)

    async def _raid_welcome(
        self, ctx: Context, rules: OnboardingRules, method: str, now: datetime
    ) -> None:
        """In raid mode one short welcome serves every newcomer of the time limit: a join wave
        of 20 accounts gets one message, not 20 welcomes with the whole rule text."""
        community, limit = ctx.community.ref, rules.gate.time_limit
        last = self._raid_welcomed.get(community)
        if last is not None and now - last < limit:
            return
        self._raid_welcomed[community] = now
        buttons: tuple[Button, ...] = ()
        if method == "button":
            label = ctx.t("onboarding.accept_button")
            buttons = (Button(label=label, custom_id=f"{ACCEPT_PREFIX}{ANYONE}"),)
            text = ctx.t("onboarding.raid.welcome_button", time_limit=limit)
        else:
            assert rules.gate.question is not None  # the rule model guarantees it
            question = rules.gate.question.get(ctx.locale)
            text = ctx.t("onboarding.raid.welcome_question", time_limit=limit, question=question)
        step = "buttons" if buttons else "question"
        await ctx.act(SendMessage(chat=ctx.event.chat, text=text, buttons=buttons, next_step=step))

    async def _clean_welcomes(self, act: Act, community: CommunityRef) -> None:
        """Delete welcomes older than the newest whose newcomer is no longer at the gate."""
        shown = self._welcomes.get(community)
        if not shown:
            return
        newest = shown[-1]
        for entry in list(shown)[:-1]:
            user_id, message = entry
            if (community, user_id) in self._gated:
                continue  # their button or question is still needed
            shown.remove(entry)
            await self._try(act, DeleteMessage(message=message, reason="clean welcome"))
        assert shown[-1] == newest
