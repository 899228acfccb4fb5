"""The moderation pipeline stage: checks every message, edit, command and join before handlers.

Hot path: one normalisation, one automaton pass, a few RE2 searches, one ring-buffer update.
Nothing is written to the database unless a rule was broken (and a rule that only logs, with no
points, writes nothing: its hits are counted in memory and reported once per window). When the
stage removes a message or refuses a command it does not call the next handler, so nothing
else sees (or counts, or runs) it.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from bot.core.actions import DeleteMessage, SendMessage
from bot.core.context import Context
from bot.core.events import CommandInvoked, MemberJoined, MessageCreated, MessageEdited
from bot.core.permissions import Level
from bot.core.pipeline import Handler
from bot.core.refs import ChatRef, CommunityRef, MessageRef, UserRef
from bot.rules.normalise import Normalised, normalise
from cogs.moderation.checks import (
    Violation,
    WorkMeter,
    content_checks,
    domains,
    exempt,
    matched_words,
    strongest,
)
from cogs.moderation.enforce import Enforcer, Target
from cogs.moderation.labels import action_label
from cogs.moderation.limits import Limiter, Shape, SharedLimiter
from cogs.moderation.matcher import CompiledModeration
from cogs.moderation.newcomers import Newcomers
from cogs.moderation.recent import RecentIndex
from cogs.moderation.rules import DuplicateLimit, FloodLimit, MentionLimit
from cogs.moderation.spam import SpamModel, SpamVerdict
from cogs.moderation.store import ModerationStore

log = logging.getLogger(__name__)

RECENT_PER_CHAT = 200
# Characters of a recent message kept: /report quotes them, /spam and /notspam learn from them.
RECENT_TEXT = 2000
MAX_TRIPPED = 50_000
# Members whose clean messages are counted (for the spam check's newcomers and trusted).
MAX_HISTORY = 200_000
# Log-only hits (no points) of one member are reported at most once per this window.
NOTE_WINDOW = timedelta(minutes=10)
# Commands whose text only moderators read: a member reporting an insult quotes it, and must
# not be punished for that (their pace still counts towards the flood limit).
TO_MODERATORS_ONLY = frozenset({"report"})
# How often the in-memory maps are pruned of entries no window needs any more.
PRUNE_INTERVAL = timedelta(minutes=10)
# Sets slow-mode in a chat for a while (None: until lifted), by a moderator or automatically.
SlowmodeHook = Callable[[ChatRef, int, timedelta | None, UserRef | None], Awaitable[None]]
LEVELS = {"moderator": Level.MODERATOR, "admin": Level.ADMIN}


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the stage decided about one event (kept in `ctx.state["moderation"]`)."""

    action: str = "allow"
    rules: tuple[str, ...] = ()
    reason: str = ""
    case_id: int | None = None
    dry_run: bool = False
    spam: SpamVerdict | None = None  # the spam score and its signals, when it was computed


@dataclass(slots=True)
class Recent:
    """A recent message, for /purge and /report."""

    ref: MessageRef
    user_id: str
    text: str


@dataclass
class ChannelState:
    """Per-channel memory: recent messages, rule hits (for auto slow-mode), emulated slow-mode."""

    recent: deque[Recent] = field(default_factory=lambda: deque(maxlen=RECENT_PER_CHAT))
    hits: deque[datetime] = field(default_factory=lambda: deque(maxlen=1000))
    slow_seconds: int = 0
    last_post: dict[str, datetime] = field(default_factory=dict)


class ModerationStage:
    """Installed in the pipeline's `moderation` slot by the moderation cog."""

    def __init__(
        self,
        enforcer: Enforcer,
        slowmode: SlowmodeHook,
        store: ModerationStore | None = None,
        index: RecentIndex | None = None,
    ) -> None:
        self.enforcer = enforcer
        self.index = index
        self.slowmode = slowmode
        self.store = store
        self.limiter = Limiter()
        # Several instances count each member's messages in Redis; one instance keeps the
        # in-memory rings (no network round trip per message).
        shared = enforcer.services.shared
        self.shared_limiter = SharedLimiter(shared) if shared is not None else None
        self.channels: dict[tuple[CommunityRef, str], ChannelState] = {}
        # Join times: read at start for the newcomer window, then every join seen, so a
        # newcomer stays one across a restart without a query on their first message.
        self.newcomers = Newcomers(self._joined_many if store is not None else None)
        # Log-only hits per member: when the window's line was posted, and hits since.
        self.noted: dict[tuple[CommunityRef, str], tuple[datetime, int]] = {}
        self._pruned_at: datetime | None = None
        # When a member last tripped each limit: messages already in flight when the mute
        # lands are removed quietly instead of piling up cases (and ladder points).
        self.tripped: dict[tuple[CommunityRef, str, str], datetime] = {}
        self._limits_of: object = None
        self._shape: Shape | None = None
        # Clean messages per member since start: a newcomer's first ones are checked hardest,
        # members with enough of them are trusted by the spam check. In memory (bounded): after
        # a restart everyone starts as a member of unknown standing (the default threshold).
        self.history: dict[tuple[CommunityRef, str], int] = {}
        self.work = WorkMeter()

    def channel(self, chat: ChatRef) -> ChannelState:
        key = (chat.community, chat.id)
        state = self.channels.get(key)
        if state is None:
            state = self.channels[key] = ChannelState()
        return state

    def forget(self, message: MessageRef) -> None:
        """Drop a deleted message from its channel's recent messages."""
        state = self.channels.get((message.chat.community, message.chat.id))
        if state is not None and any(item.ref == message for item in state.recent):
            kept = [item for item in state.recent if item.ref != message]
            state.recent = deque(kept, maxlen=state.recent.maxlen)

    async def __call__(self, handler: Handler, ctx: Context) -> None:
        event = ctx.event
        compiled = ctx.rules.compiled.get("moderation")
        if isinstance(compiled, CompiledModeration):
            self._prune(event.at, compiled)
            if isinstance(event, MessageCreated | MessageEdited | CommandInvoked):
                if isinstance(event, CommandInvoked):
                    verdict = await self.check_command(ctx, compiled)
                else:
                    verdict = await self.check_message(ctx, compiled)
                ctx.state["moderation"] = verdict
                if verdict.action != "allow" and not verdict.dry_run and verdict.action != "log":
                    return  # removed: later stages and handlers (and commands) never see it
            elif isinstance(event, MemberJoined):
                self.newcomers.add((event.community, event.author.user.id), event.at)
                ctx.state["moderation"] = await self.check_name(ctx, compiled)
        await handler(ctx)

    def _exempt(self, ctx: Context, compiled: CompiledModeration) -> bool:
        rules = compiled.rules
        return (
            ctx.actor.is_bot
            or ctx.actor.level >= LEVELS[rules.exempt_level]
            or exempt(rules.exempt, ctx.event.author.roles, ctx.event.chat.id)
        )

    async def check_message(self, ctx: Context, compiled: CompiledModeration) -> Verdict:
        event = ctx.event
        assert isinstance(event, MessageCreated | MessageEdited)
        chat_state = self.channel(event.chat)
        user_id = event.author.user.id
        if isinstance(event, MessageCreated):
            # The text stays in memory only (report excerpts, /spam and /notspam samples); the
            # index keeps ids and times.
            chat_state.recent.append(Recent(event.message, user_id, event.text[:RECENT_TEXT]))
            if self.index is not None:
                self.index.add(event.message, user_id, event.at)
        if self._exempt(ctx, compiled):
            return Verdict()
        rules = compiled.rules
        if isinstance(event, MessageCreated) and chat_state.slow_seconds:
            early = self._too_early(chat_state, user_id, event.at)
            if early is not None:
                await self._slow_notice(ctx, event, early, rules.notice_seconds)
                return Verdict("delete", ("slowmode",), "slow-mode")
        text = event.text
        normal = normalise(text)
        hosts = domains(text)  # once: the newcomer, link and spam checks all read it
        newcomer = await self._newcomer(ctx, compiled, hosts)
        violations = content_checks(
            compiled,
            text,
            normal,
            event.author.roles,
            event.chat.id,
            ctx.locale,
            newcomer,
            self.work,
            hosts,
        )
        if isinstance(event, MessageCreated):
            skeleton = normal.text
            long_enough = len(skeleton) - 2 >= compiled.rules.limits.duplicates.min_length
            text_hash = (hash(skeleton) & 0xFFFFFF or 1) if long_enough else 0
            violations.extend(await self._limits(ctx, compiled, text_hash, len(event.mentions)))
        else:
            # Each edit costs a full check like a message: edits count towards the flood limit
            # (not duplicates: fixing a typo twice is normal), so nobody can repeat it for free.
            violations.extend(await self._limits(ctx, compiled, 0, len(event.mentions)))
        spam = await self._spam(ctx, compiled, text, normal, violations, hosts)
        if not violations:
            if isinstance(event, MessageCreated):
                self._clean(event.community, user_id)
            return Verdict(spam=spam)
        verdict = await self._act(ctx, compiled, event.message, violations)
        return replace(verdict, spam=spam)

    def _clean(self, community: CommunityRef, user_id: str) -> None:
        key = (community, user_id)
        if len(self.history) >= MAX_HISTORY and key not in self.history:
            self.history.clear()  # rare: losing the counts only makes members "unknown" again
        self.history[key] = self.history.get(key, 0) + 1

    async def _spam(
        self,
        ctx: Context,
        compiled: CompiledModeration,
        text: str,
        normal: Normalised,
        violations: list[Violation],
        hosts: list[str],
    ) -> SpamVerdict | None:
        """The learned spam score (cogs/moderation/spam.py), unless the member is trusted."""
        rules = compiled.rules.spam
        model = ctx.rules.compiled.get("spam")
        event = ctx.event
        if not rules.enabled or not isinstance(model, SpamModel) or not text.strip():
            return None
        if exempt(rules.exempt, event.author.roles, event.chat.id):
            return None
        clean = self.history.get((event.community, event.author.user.id), 0)
        if clean >= rules.trusted_messages:
            return None
        hours = compiled.rules.limits.links.newcomer_hours
        newcomer = clean < rules.newcomer_messages and await self._joined_within(ctx, hours)
        verdict = model.judge(
            text,
            normal,
            newcomer_link=newcomer and bool(hosts),
            forwarded=isinstance(event, MessageCreated) and event.forwarded,
        )
        community = f"{event.community.platform}:{event.community.id}"
        threshold = rules.threshold_for(community, newcomer)
        if not newcomer:  # members: never below the cut-off measured on held-out ham
            threshold = max(threshold, model.cutoff)
        if verdict.score >= threshold:
            reason = ctx.t(
                "moderation.reasons.spam",
                score=round(verdict.score, 2),
                signals=", ".join(verdict.fired) or "-",
            )
            dry = rules.dry_run_for(community)
            violations.append(Violation("spam", rules.act, rules.points, dry, reason))
        return verdict

    async def _joined_within(self, ctx: Context, hours: int) -> bool:
        if not hours:
            return False
        event = ctx.event
        window = timedelta(hours=hours)
        user_id = event.author.user.id
        # A group that moved since start (upgraded to a supergroup) keeps its newcomers: their
        # joins were seen under its old ref.
        for old in self.enforcer.services.directory.moved_into(event.community):
            joined = self.newcomers.known.get((old, user_id))
            if joined is not None:
                return event.at - joined < window
        return await self.newcomers.joined_within((event.community, user_id), event.at, window)

    async def prefetch_joins(self, hours: int) -> None:
        """Read the joins inside the newcomer window once, at start (see newcomers.py).

        Not when several instances share the communities: another one may see a join, so each
        first message is looked up (batched) as before.
        """
        if self.store is None or self.enforcer.services.shared is not None:
            return
        since = self.enforcer.services.clock.now() - timedelta(hours=hours)
        rows = await self.store.joins_since(since, self.newcomers.cap + 1)
        self.newcomers.prefetched(rows, since)

    async def _joined_many(
        self, community: CommunityRef, user_ids: list[str]
    ) -> dict[str, datetime]:
        assert self.store is not None
        community_id = await self.enforcer.services.directory.id_for(community)
        return await self.store.joined_many(community_id, user_ids)

    async def check_command(self, ctx: Context, compiled: CompiledModeration) -> Verdict:
        """A command's free text (arguments, slash-command option values) and its pace.

        Commands make the bot post what members typed (`/thanks`, `/poll`), so they meet the
        same content rules as messages, and count towards the flood limit like messages.
        """
        event = ctx.event
        assert isinstance(event, CommandInvoked)
        if self._exempt(ctx, compiled):
            return Verdict()
        text = "\n".join([event.args, *event.options.values()]).strip()
        violations: list[Violation] = []
        if text and event.name not in TO_MODERATORS_ONLY:
            hosts = domains(text)
            newcomer = await self._newcomer(ctx, compiled, hosts)
            violations = content_checks(
                compiled,
                text,
                normalise(text),
                event.author.roles,
                event.chat.id,
                ctx.locale,
                newcomer,
                self.work,
                hosts,
            )
        # Repeating a command is normal (`/strikes`, `/help`): count pace and mentions only.
        violations.extend(await self._limits(ctx, compiled, 0, len(event.mentions)))
        if not violations:
            return Verdict()
        return await self._act(ctx, compiled, event.message, violations)

    async def _newcomer(self, ctx: Context, compiled: CompiledModeration, hosts: list[str]) -> bool:
        """Whether the author joined within the newcomer window (looked up only for links:
        `hosts` are the message's)."""
        hours = compiled.rules.limits.links.newcomer_hours
        if not hosts:
            return False
        return await self._joined_within(ctx, hours)

    async def _limits(
        self, ctx: Context, compiled: CompiledModeration, text_hash: int, mentions: int
    ) -> list[Violation]:
        limits = compiled.rules.limits
        if self._limits_of is not limits or self._shape is None:
            self._shape = self.limiter.configure(limits)
            self._limits_of = limits
        event = ctx.event
        roles, chat_id = event.author.roles, event.chat.id
        args = (
            event.community,
            event.author.user.id,
            event.at.timestamp(),
            text_hash,
            mentions,
            self._shape,
        )
        if self.shared_limiter is not None:
            broken = await self.shared_limiter.check(*args)
        else:
            broken = self.limiter.check(*args)
        found = []
        for kind in broken:
            rule: FloodLimit | DuplicateLimit | MentionLimit
            if kind == "flood":
                rule = limits.flood
                reason = ctx.t(
                    "moderation.reasons.flood",
                    count=limits.flood.messages,
                    window=timedelta(seconds=rule.seconds),
                )
            elif kind == "duplicates":
                rule = limits.duplicates
                reason = ctx.t("moderation.reasons.duplicates", count=limits.duplicates.count)
            else:
                rule = limits.mentions
                reason = ctx.t("moderation.reasons.mentions")
            if exempt(rule.exempt, roles, chat_id):
                continue
            key = (event.community, event.author.user.id, kind)
            last = self.tripped.get(key)
            repeat = last is not None and event.at - last < timedelta(seconds=rule.seconds)
            if not repeat:
                if len(self.tripped) > MAX_TRIPPED:
                    self.tripped.clear()
                self.tripped[key] = event.at
            found.append(Violation(kind, rule.act, rule.points, rule.dry_run, reason, repeat))
        return found

    async def _act(
        self,
        ctx: Context,
        compiled: CompiledModeration,
        message: MessageRef | None,
        violations: list[Violation],
    ) -> Verdict:
        rules = compiled.rules
        event = ctx.event
        dry = rules.dry_run or all(v.dry_run for v in violations)
        real = [v for v in violations if not v.dry_run and not rules.dry_run]
        names = tuple(v.rule for v in violations)
        if dry:
            action = strongest(violations)
            reason = "; ".join(v.reason for v in violations)
            line = ctx.t(
                "moderation.log.dry_run",
                action=action_label(ctx.locale, action),
                user=f"{ctx.actor.name} ({ctx.actor.user.id})",
                rule=", ".join(names),
                reason=reason,
            )
            await self.enforcer.mod_log(event.community, line)
            return Verdict(action.kind, names, reason, dry_run=True)
        action = strongest(real)
        reason = "; ".join(v.reason for v in real)
        if all(v.repeat for v in real) and action.removes:
            if message is not None:
                await self.enforcer.execute(
                    DeleteMessage(message=message, reason=f"repeat: {reason}")
                )
            return Verdict("delete", names, reason)
        if action.kind == "log" and not any(v.points for v in real):
            await self._note(ctx, ", ".join(v.rule for v in real), reason)
            return Verdict("log", names, reason)
        outcome = await self.enforcer.enforce(
            Target(
                event.community,
                ctx.actor.user,
                ctx.actor.name,
                event.chat,
                message,
                event.interaction_id if isinstance(event, CommandInvoked) else None,
            ),
            action,
            rule=", ".join(v.rule for v in real),
            reason=reason,
            points=sum(v.points for v in real),
            rules=rules,
        )
        if outcome.action.removes:
            await self._count_hit(event.chat, event.at, compiled)
        return Verdict(outcome.action.kind, names, reason, outcome.case_id)

    async def _note(self, ctx: Context, rule: str, reason: str) -> None:
        """A log-only hit: no case, no commit; one mod-log line per member per window."""
        event = ctx.event
        key = (event.community, ctx.actor.user.id)
        noted = self.noted.get(key)
        if noted is not None and event.at - noted[0] < NOTE_WINDOW:
            self.noted[key] = (noted[0], noted[1] + 1)
            return
        line = ctx.t(
            "moderation.log.noted",
            user=f"{ctx.actor.name} ({ctx.actor.user.id})",
            rule=rule,
            reason=reason,
        )
        if noted is not None and noted[1]:
            line += " " + ctx.t("moderation.log.noted_more", count=noted[1])
        self.noted[key] = (event.at, 0)
        await self.enforcer.mod_log(event.community, line)

    def _prune(self, now: datetime, compiled: CompiledModeration) -> None:
        """Drop map entries older than the longest window they matter for (every few minutes)."""
        if self._pruned_at is not None and now - self._pruned_at < PRUNE_INTERVAL:
            return
        self._pruned_at = now
        rules = compiled.rules
        newcomer = timedelta(hours=rules.limits.links.newcomer_hours)
        # Database answers are re-read after a while, so a join flushed late is not missed.
        self.newcomers.prune(now, newcomer)
        # Hits not yet reported are kept for the member's next line (for a day at most).
        self.noted = {
            k: (at, count)
            for k, (at, count) in self.noted.items()
            if now - at < NOTE_WINDOW or (count and now - at < timedelta(days=1))
        }
        longest = max(
            rules.limits.flood.seconds,
            rules.limits.duplicates.seconds,
            rules.limits.mentions.seconds,
        )
        self.tripped = {
            k: at for k, at in self.tripped.items() if now - at < timedelta(seconds=longest)
        }
        for state in self.channels.values():
            wait = timedelta(seconds=state.slow_seconds)
            state.last_post = {u: at for u, at in state.last_post.items() if now - at < wait}

    async def check_name(self, ctx: Context, compiled: CompiledModeration) -> Verdict:
        """A newcomer's display name against the stop-words (no message to remove)."""
        names = compiled.rules.names
        if not names.enabled or self._exempt(ctx, compiled):
            return Verdict()
        normal = normalise(ctx.actor.name)
        hits = compiled.words.scan(normal)
        if not hits:
            return Verdict()
        word = matched_words(ctx.actor.name, normal, hits[0])
        reason = ctx.t("moderation.reasons.name", word=word)
        violation = Violation("names", names.act, names.points, names.dry_run, reason)
        return await self._act(ctx, compiled, None, [violation])

    def _too_early(self, state: ChannelState, user_id: str, at: datetime) -> int | None:
        last = state.last_post.get(user_id)
        wait = timedelta(seconds=state.slow_seconds)
        if last is not None and at - last < wait:
            return int((wait - (at - last)).total_seconds()) + 1
        state.last_post[user_id] = at
        return None

    async def _slow_notice(
        self, ctx: Context, event: MessageCreated, wait: int, notice_seconds: int
    ) -> None:
        enforcer = self.enforcer
        await enforcer.execute(DeleteMessage(message=event.message, reason="slow-mode"))
        text = ctx.t("moderation.slowmode.wait", name=ctx.actor.name, wait=timedelta(seconds=wait))
        await enforcer.execute(
            SendMessage(chat=event.chat, text=text, delete_after=timedelta(seconds=notice_seconds))
        )

    async def _count_hit(self, chat: ChatRef, at: datetime, compiled: CompiledModeration) -> None:
        auto = compiled.rules.slowmode.auto
        if not auto.enabled:
            return
        state = self.channel(chat)
        if state.slow_seconds:
            return
        state.hits.append(at)
        window = timedelta(seconds=auto.window_seconds)
        recent = sum(1 for when in state.hits if at - when <= window)
        if recent >= auto.violations:
            state.hits.clear()
            await self.slowmode(chat, auto.seconds, timedelta(minutes=auto.minutes), None)
