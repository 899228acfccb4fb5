"""Carry out a moderation decision: ladder, case row, platform actions, notice, log line.

Automatic rule hits and moderators' commands both come through `Enforcer.enforce`, so every
action is recorded the same way: the case is committed first, then the platform acts, then
the member is told which rule applied and why, and the moderators' log channel gets a line.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict

from bot.core.acting import as_bot
from bot.core.actions import (
    Action,
    Ban,
    DeleteMessage,
    Kick,
    Restrict,
    SendDirect,
    SendMessage,
    Unrestrict,
)
from bot.core.errors import ActionRefused, UnsupportedAction
from bot.core.refs import ChatRef, CommunityRef, MessageRef, UserRef
from bot.i18n import LOCALES, t
from bot.scheduler import Job
from bot.services import Services
from cogs.moderation.labels import action_label, rule_label
from cogs.moderation.ladder import crossed, stronger
from cogs.moderation.models import AUTO
from cogs.moderation.rules import ActionSpec, ModerationRules
from cogs.moderation.store import ModerationStore, NewCase

log = logging.getLogger(__name__)

TIMED = ("mute", "ban")
UNMUTE_JOB = "moderation.unmute"
UNBAN_JOB = "moderation.unban"


@dataclass(frozen=True, slots=True)
class Target:
    """Who is acted on, where, and (for automatic actions) which message."""

    community: CommunityRef
    user: UserRef
    name: str
    chat: ChatRef | None = None
    message: MessageRef | None = None
    interaction_id: str | None = None  # a slash command the platform lets us answer privately


@dataclass(frozen=True, slots=True)
class Outcome:
    case_id: int
    action: ActionSpec
    escalated: bool
    failed: str | None = None
    # The platform refused the action itself (not just a side effect such as the notice):
    # the case is recorded as refused and nobody is told it happened.
    refused: bool = False


class CaseExpiry(BaseModel):
    """The payload of a timed case's end (moderation.unmute / moderation.unban)."""

    model_config = ConfigDict(frozen=True)

    platform: str
    community: str
    user: str
    case: int


class SlowmodeEnd(BaseModel):
    """The payload of a timed slow-mode's end (moderation.slowmode_end): the channel."""

    model_config = ConfigDict(frozen=True)

    platform: str
    community: str
    chat: str

    @property
    def chat_ref(self) -> ChatRef:
        return ChatRef(self.platform, self.chat, CommunityRef(self.platform, self.community))


def expiry_key(kind: str, community: CommunityRef, user: UserRef) -> str:
    return f"{kind}:{community}:{user.id}"


class Enforcer:
    """Applies actions for the moderation cog (stage, commands and jobs)."""

    def __init__(self, services: Services, store: ModerationStore) -> None:
        self.services = services
        self.store = store
        # Told of every message the bot deleted, so /purge never counts one twice.
        self.on_deleted: list[Callable[[MessageRef], None]] = []
        # Who is muted now, and until when (None: until lifted). Votes and reactions of a muted
        # member do not count; rebuilt at start from the pending unmute jobs.
        self.muted: dict[tuple[CommunityRef, str], datetime | None] = {}

    def is_muted(self, community: CommunityRef, user: UserRef) -> bool:
        key = (community, user.id)
        if key not in self.muted:
            return False
        until = self.muted[key]
        if until is not None and until <= self.services.clock.now():
            del self.muted[key]
            return False
        return True

    def locale(self, community: CommunityRef) -> str:
        return self.services.config.community(community).locale

    async def who(self, community: CommunityRef, moderator: UserRef | None) -> str:
        """How the mod log names whoever acted: a moderator's display name, or Kenes itself."""
        if moderator is None:
            return t(self.locale(community), "moderation.log.auto")
        return await self.services.activity.display_name(community, moderator)

    async def execute(self, action: Action) -> str | None:
        """Perform one action; the reason it was not done, or None when it was."""
        try:
            await self.services.actions.execute(action)
        except (ActionRefused, UnsupportedAction) as exc:
            log.warning("moderation action not done: %s", exc)
            return str(exc)
        if isinstance(action, DeleteMessage):
            for listener in self.on_deleted:
                listener(action.message)
        elif isinstance(action, Restrict):
            until = self.services.clock.now() + action.duration if action.duration else None
            self.muted[(action.community, action.user.id)] = until
        elif isinstance(action, Unrestrict):
            self.muted.pop((action.community, action.user.id), None)
        return None

    async def enforce(
        self,
        target: Target,
        action: ActionSpec,
        *,
        rule: str,
        reason: str,
        points: int,
        rules: ModerationRules,
        moderator: UserRef | None = None,
    ) -> Outcome:
        """Escalate by the ladder, write the case, act, tell the member, log the line."""
        community_id = await self.services.directory.id_for(target.community)
        now = self.services.clock.now()
        effective, escalated = action, False
        if points > 0:
            before = await self.store.strikes(community_id, target.user.id, now, rules.ladder)
            step = crossed(before, before + points, rules.ladder)
            effective = stronger(action, step)
            escalated = effective is not action and effective != action
        timed = effective.kind in ("mute", "ban") and effective.duration is not None
        expires = now + effective.duration if timed and effective.duration else None

        def expiry(case_id: int) -> list[Job]:
            if expires is None:
                return []
            kind = UNMUTE_JOB if effective.kind == "mute" else UNBAN_JOB
            payload = CaseExpiry(
                platform=target.community.platform,
                community=target.community.id,
                user=target.user.id,
                case=case_id,
            )
            return [Job(kind, expires, payload, expiry_key(kind, target.community, target.user))]

        # The expiry commits with the case, before the platform is asked to mute or ban: a
        # crash inside that call can no longer make a timed mute permanent.
        case_id = await self.store.add_case(
            NewCase(
                community_id=community_id,
                user_id=target.user.id,
                user_name=target.name,
                action=effective.kind,
                rule=rule,
                reason=reason,
                points=points,
                created_at=now,
                chat_id=target.chat.id if target.chat else None,
                expires_at=expires,
                moderator_id=moderator.id if moderator else AUTO,
                link=self.services.actions.message_link(target.message) if target.message else None,
            ),
            then=expiry,
        )
        if expires is not None:
            self.services.scheduler.wake()
        if moderator is None:
            # Decided by Kenes (a rule, the ladder), maybe inside a member's own slash command:
            # the platform must check the bot's rank, never the invoking member's.
            with as_bot():
                failed, refused = await self._perform(
                    target, effective, case_id, reason, rule, rules
                )
        else:
            failed, refused = await self._perform(target, effective, case_id, reason, rule, rules)
        if refused:
            await self.store.mark_refused(case_id, failed or "")
        by = await self.who(target.community, moderator)
        await self.mod_log(
            target.community,
            self._log_line(
                target, effective, case_id, rule, reason, by, escalated, failed, refused
            ),
        )
        return Outcome(case_id, effective, escalated, failed, refused)

    async def _perform(
        self,
        target: Target,
        action: ActionSpec,
        case_id: int,
        reason: str,
        rule: str,
        rules: ModerationRules,
    ) -> tuple[str | None, bool]:
        """Act; the reason something was not done, and whether the action itself was refused."""
        audit = f"case {case_id}: {rule}"
        failed = None
        if action.removes and target.message is not None:
            failed = await self.execute(DeleteMessage(message=target.message, reason=audit))
        if action.kind == "delete" and failed is not None:
            return failed, True  # removing the message was the whole action
        # Tell them before a kick or ban (afterwards the platform may not let us reach them);
        # after a mute, so a refused mute is never announced to them.
        early = action.kind in ("kick", "ban")
        if early:
            await self.notify(target, action, reason, rule, rules)
        member: Action | None = None
        if action.kind == "mute":
            member = Restrict(
                community=target.community, user=target.user, duration=action.duration, reason=audit
            )
        elif action.kind == "kick":
            member = Kick(community=target.community, user=target.user, reason=audit)
        elif action.kind == "ban":
            member = Ban(
                community=target.community, user=target.user, duration=action.duration, reason=audit
            )
        refused = None
        if member is not None:
            refused = await self.execute(member)
            if refused is not None and action.duration is not None and action.kind in TIMED:
                # Nothing to lift: the expiry staged with the case is dropped.
                kind = UNMUTE_JOB if action.kind == "mute" else UNBAN_JOB
                await self.services.scheduler.cancel(
                    expiry_key(kind, target.community, target.user)
                )
            failed = refused or failed
        if refused is not None:
            if early:
                await self.notify(target, action, reason, rule, rules, not_done=True)
            return failed, True
        if not early:
            await self.notify(target, action, reason, rule, rules)
        return failed, False

    async def notify(
        self,
        target: Target,
        action: ActionSpec,
        reason: str,
        rule: str,
        rules: ModerationRules,
        *,
        not_done: bool = False,
    ) -> None:
        """Tell the member privately where possible, else briefly in the chat.

        `not_done` corrects an earlier notice of a kick or ban the platform then refused.
        """
        if action.kind == "log":
            return
        settings = self.services.config.community(target.community)
        duration = action.duration
        # A timed restriction says when it ends, on the community's clock with the zone named.
        until = settings.local(self.services.clock.now() + duration) if duration else None
        unexplained = reason in {t(other, "moderation.reasons.manual") for other in LOCALES}

        def compose(locale: str) -> str:
            label = rule_label(locale, rule, rules)
            # "Rule: moderator's decision. Why: decided by a moderator." says nothing twice.
            why = "" if unexplained else t(locale, "moderation.notice_why.text", reason=reason)
            if not_done:
                return t(locale, "moderation.notice.not_done", action=action_label(locale, action))
            if action.kind == "delete":
                return t(locale, "moderation.notice.delete", rule=label, why=why)
            if action.kind == "warn":
                return t(locale, "moderation.notice.warn", rule=label, why=why)
            if action.kind == "mute" and duration is not None:
                return t(
                    locale,
                    "moderation.notice.mute",
                    rule=label,
                    why=why,
                    duration=duration,
                    until=until,
                )
            if action.kind == "mute":
                return t(locale, "moderation.notice.mute_open", rule=label, why=why)
            if action.kind == "kick":
                return t(locale, "moderation.notice.kick", rule=label, why=why)
            if action.duration is not None:
                return t(
                    locale,
                    "moderation.notice.ban_for",
                    rule=label,
                    why=why,
                    duration=duration,
                    until=until,
                )
            return t(locale, "moderation.notice.ban", rule=label, why=why)

        # What only the member sees (a private reply, a DM) is in the language they chose with
        # /lang; what falls back to the chat is in the community's.
        text = compose(self.services.config.person_locale(target.user) or settings.locale)
        if target.interaction_id is not None and target.chat is not None:
            private = SendMessage(
                chat=target.chat,
                text=text,
                ephemeral_to=target.user,
                interaction_id=target.interaction_id,
            )
            if await self.execute(private) is None:
                return
        platform = target.community.platform
        direct = self.services.actions.supports(platform, SendDirect)
        if direct and await self.execute(SendDirect(user=target.user, text=text)) is None:
            return
        if target.chat is not None:
            await self.execute(
                SendMessage(
                    chat=target.chat,
                    text=f"{target.name}: {compose(settings.locale)}",
                    delete_after=timedelta(seconds=rules.notice_seconds),
                )
            )

    def _log_line(
        self,
        target: Target,
        action: ActionSpec,
        case_id: int,
        rule: str,
        reason: str,
        by: str,
        escalated: bool,
        failed: str | None,
        refused: bool = False,
    ) -> str:
        locale = self.locale(target.community)
        what = action_label(locale, action)
        line = t(
            locale,
            "moderation.log.case",
            case=case_id,
            action=what,
            user=f"{target.name} ({target.user.id})",
            by=by,
            rule=rule_label(locale, rule),
            reason=reason,
        )
        if target.chat is not None:
            line += " " + t(locale, "moderation.log.where", chat=target.chat.id)
        if escalated:
            line += " " + t(locale, "moderation.log.escalated")
        if refused:
            line += " " + t(locale, "moderation.log.refused", error=failed or "")
        elif failed:
            line += " " + t(locale, "moderation.log.failed", error=failed)
        return line

    async def mod_log(self, community: CommunityRef, line: str) -> None:
        """Post a line to the community's moderators' log channel (and the bot's log)."""
        log.info("[%s] %s", community, line)
        chat = await self.services.channels.chat(community, "log_channel")
        if chat is not None:
            await self.execute(SendMessage(chat=chat, text=line))
