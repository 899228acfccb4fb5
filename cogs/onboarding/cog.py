"""Onboarding: newcomers are welcomed, pass a gate, and grow along a path of roles."""

from __future__ import annotations

import logging
import re
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.actions import (
    Action,
    ActionResult,
    Button,
    DeleteMessage,
    GrantRole,
    Kick,
    Restrict,
    RevokeRole,
    SendMessage,
    Unrestrict,
)
from bot.core.admission import admission
from bot.core.cogs import Cog, job, listen
from bot.core.commands import command
from bot.core.context import Context
from bot.core.dispatch import StopPropagation
from bot.core.errors import ActionRefused, CommandError, UnsupportedAction
from bot.core.events import (
    ButtonPressed,
    CommandInvoked,
    MemberJoined,
    MemberLeft,
    MessageCreated,
    PollAnswered,
    ReactionAdded,
)
from bot.core.permissions import Level
from bot.core.refs import ChatRef, CommunityRef, MessageRef, UserRef
from bot.i18n import t
from bot.rules.models import CommunityRules, in_locale
from bot.scheduler import JobRun, NoPayload
from bot.services import Services
from cogs.onboarding.jobs import PROMOTIONS_JOB, TIMEOUT_JOB, GateTimeout
from cogs.onboarding.path import (
    CompiledOnboarding,
    climb,
    needs_text,
    plain_emoji,
    progress_lines,
    progress_of,
)
from cogs.onboarding.published import OnboardingPublished
from cogs.onboarding.rules import OnboardingRules, Role, normalise_answer
from cogs.onboarding.store import OnboardingStore, Poster

log = logging.getLogger(__name__)

ACCEPT_PREFIX = "onboarding:accept:"
LINK = re.compile(r"(?:https?://|www\.|t\.me/|discord\.gg/)\S+", re.IGNORECASE)
FLUSH_AT = 500  # pending poster records before a batch write
FLUSH_EVERY = timedelta(minutes=5)  # or this old, so a crash loses little
Act = Callable[[Action], Awaitable[ActionResult]]
Key = tuple[CommunityRef, str]
WELCOMES_KEPT = 50  # welcomes remembered per community for cleaning (older ones stay)
ANYONE = "*"  # the accept button of the shared raid-mode welcome
RAID_NOTICE_LIFE = timedelta(minutes=1)
KNOWN_FOR = timedelta(days=1)  # how long a poster counts as recorded before we refresh them
KNOWN_MAX = 100_000  # and at most this many, however busy the day


@dataclass(slots=True)
class _Gate:
    method: str
    status: str


class Onboarding(Cog):
    name = "onboarding"
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
        }
    )

    def __init__(self, services: Services) -> None:
        self.services = services
        self.store = OnboardingStore(services.sessions)
        self.published = OnboardingPublished(services.sessions)
        self._gated: dict[Key, _Gate] = {}
        self._raids: set[CommunityRef] = set()
        self._joins: dict[CommunityRef, deque[datetime]] = {}
        # Where members were last seen posting (name, chat), written in batches; their
        # reactions and helpful marks are counted by the core activity ledger.
        self._posters: dict[Key, Poster] = {}
        # Members seen posting lately, oldest first: their name and chat are recorded once a
        # day at most, and members quiet for longer drop out (the map does not grow forever).
        self._known: OrderedDict[Key, datetime] = OrderedDict()
        self._bumped_since: datetime | None = None
        # Welcomes still on screen, newest last: an older one is deleted once its newcomer is
        # through the gate ("clean welcome"), so the chat keeps one welcome, not one per join.
        self._welcomes: dict[CommunityRef, deque[tuple[str, MessageRef]]] = {}
        # When the shared raid-mode welcome was last posted: a join wave gets one, not 20.
        self._raid_welcomed: dict[CommunityRef, datetime] = {}

    async def load(self) -> None:
        self.published.attach(self.services.published)
        for gated in await self.store.gated():
            self._gated[(gated.community, gated.user_id)] = _Gate(gated.method, gated.status)
        self._raids = set(await self.store.raids())
        await self._schedule_promotions()

    async def unload(self) -> None:
        self.published.detach(self.services.published)
        await self.flush()

    # -- helpers ----------------------------------------------------------------------------

    def _rules(self) -> OnboardingRules:
        return self.services.rules.current.get(OnboardingRules)

    def about_here(self, locale: str) -> str | None:
        return t(locale, "onboarding.about")

    def _compiled(self) -> CompiledOnboarding:
        found = self.services.rules.current.compiled.get("onboarding")
        assert isinstance(found, CompiledOnboarding)
        return found

    def _locale(self, community: CommunityRef) -> str:
        return self.services.config.community(community).locale

    def is_raid(self, community: CommunityRef) -> bool:
        return community in self._raids

    async def _try(self, act: Act, action: Action) -> bool:
        """Do `action` where the platform can; a refusal is logged, never fatal to the ritual."""
        if not self.services.actions.supports(action.platform, type(action)):
            return False
        try:
            await act(action)
        except (ActionRefused, UnsupportedAction) as exc:
            log.warning("onboarding: %s", exc)
            return False
        return True

    async def _swap_platform_role(
        self, act: Act, community: CommunityRef, user: UserRef, old: Role | None, new: Role
    ) -> None:
        """Give the platform role that goes with `new` and take back the one of `old`, if any."""
        locale = self._locale(community)
        reason = t(locale, "onboarding.reason.role", role=new.id)
        # A role named per language is the one in the community's language on the platform.
        previous = in_locale(old.platform_role, locale) if old and old.platform_role else None
        wanted = in_locale(new.platform_role, locale) if new.platform_role else None
        if previous and previous != wanted:
            await self._try(
                act, RevokeRole(community=community, user=user, role=previous, reason=reason)
            )
        if wanted:
            await self._try(
                act, GrantRole(community=community, user=user, role=wanted, reason=reason)
            )

    async def _announce(self, act: Act, chat: ChatRef, text: str) -> None:
        """Post in the chat, and in the moderators' log channel when one is configured."""
        await act(SendMessage(chat=chat, text=text))
        target = await self.services.channels.chat(chat.community, "log_channel")
        if target is not None and target.id != chat.id:
            await self._try(act, SendMessage(chat=target, text=text))

    # -- joining and the gate ---------------------------------------------------------------

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
            self._gated[(community, user.id)] = _Gate(method, "pending")
            await self.services.scheduler.schedule(
                TIMEOUT_JOB,
                now + limit,
                GateTimeout(platform=community.platform, community=community.id,
                            chat=event.chat.id, user=user.id, name=ctx.actor.name),
                key=_timeout_key(community, user.id),
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
        posted = await ctx.act(
            SendMessage(chat=event.chat, text="\n\n".join(parts), buttons=buttons)
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
        await ctx.act(SendMessage(chat=ctx.event.chat, text=text, buttons=buttons))

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

    @listen(MemberLeft)
    async def on_leave(self, ctx: Context) -> None:
        key = (ctx.community.ref, ctx.actor.user.id)
        if self._gated.pop(key, None) is not None:
            await self.services.scheduler.cancel(_timeout_key(*key))
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
            await _notice(ctx, ctx.t("onboarding.removed_held"))
        elif gate.method == "question":
            await self._check_answer(ctx, event, rules)
        else:
            await _notice(ctx, ctx.t("onboarding.removed_button"))
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
        await _notice(ctx, ctx.t(key))
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
        await _notice(ctx, ctx.t("onboarding.wrong_answer", left=left, question=question))

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
        await self.services.scheduler.cancel(_timeout_key(community, user.id))
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
        await act(SendMessage(chat=chat, text=text))
        await self._clean_welcomes(act, community)
        await self._promote_members(act, community_id, community, only=user.id)

    async def _fail(
        self, act: Act, community: CommunityRef, chat: ChatRef, user_id: str, name: str
    ) -> None:
        """Time ran out (or too many wrong answers): kick, or hold until a moderator approves."""
        rules, locale = self._rules(), self._locale(community)
        user = UserRef(community.platform, user_id)
        community_id = await self.services.directory.id_for(community)
        await self.services.scheduler.cancel(_timeout_key(community, user_id))
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
        self._gated[(community, user_id)] = _Gate(gate.method if gate else "button", "held")
        await self.store.set_fields(community_id, user_id, status="held")
        await self._try(act, Restrict(community=community, user=user, duration=None, reason=reason))
        text = t(locale, "onboarding.failed_hold", name=name, user=user_id)
        await act(SendMessage(chat=chat, text=text, delete_after=self._notice_life(community)))
        await self._clean_welcomes(act, community)

    def _notice_life(self, community: CommunityRef) -> timedelta | None:
        """In raid mode "did not pass" notices go away by themselves: 20 of them are noise."""
        return RAID_NOTICE_LIFE if self.is_raid(community) else None

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

    # -- raid guard -------------------------------------------------------------------------

    async def _watch_for_raid(self, ctx: Context, rules: OnboardingRules) -> None:
        community = ctx.community.ref
        if not rules.raid.enabled or self.is_raid(community):
            return
        now = self.services.clock.now()
        joins = self._joins.setdefault(community, deque())
        joins.append(now)
        while joins and now - joins[0] > rules.raid.window:
            joins.popleft()
        if len(joins) >= rules.raid.joins:
            joins.clear()
            text = ctx.t(
                "onboarding.raid.on_auto",
                joins=rules.raid.joins,
                window=rules.raid.window,
            )
            await self._set_raid(ctx.act, ctx.event.chat, True, text, "auto")

    async def _set_raid(self, act: Act, chat: ChatRef, active: bool, text: str, why: str) -> None:
        community = chat.community
        community_id = await self.services.directory.id_for(community)
        await self.store.set_raid(community_id, active, self.services.clock.now(), why)
        if active:
            self._raids.add(community)
        else:
            self._raids.discard(community)
            self._joins.pop(community, None)
        await self._announce(act, chat, text)

    async def _block_links(self, ctx: Context, event: MessageCreated) -> bool:
        """In raid mode a member's link is removed; True when it was."""
        if not self.is_raid(ctx.community.ref) or ctx.actor.level >= Level.MODERATOR:
            return False
        if not ctx.rules.get(OnboardingRules).raid.block_links or not LINK.search(event.text):
            return False
        reason = ctx.t("onboarding.reason.link")
        await self._try(ctx.act, DeleteMessage(message=event.message, reason=reason))
        await _notice(ctx, ctx.t("onboarding.raid.link_removed"))
        return True

    @command(level=Level.MODERATOR)
    async def raidmode(self, ctx: Context, state: str) -> None:
        """Switch raid mode on or off by hand (it switches on by itself on a join wave)."""
        wanted = state.strip().lower()
        if wanted not in ("on", "off"):
            raise CommandError("onboarding.raid.usage")
        active = wanted == "on"
        if active == self.is_raid(ctx.community.ref):
            await ctx.reply(
                "onboarding.raid.already_on" if active else "onboarding.raid.already_off"
            )
            return
        key = "onboarding.raid.on_manual" if active else "onboarding.raid.off"
        await self._set_raid(ctx.act, ctx.event.chat, active, ctx.t(key, name=ctx.actor.name), "")

    # -- the role path ----------------------------------------------------------------------

    async def _poster(self, key: Key, name: str, chat_id: str) -> None:
        if self._bumped_since is None:
            self._bumped_since = self.services.clock.now()
        self._posters[key] = Poster(name, chat_id)
        self._remember(key)
        started = self._bumped_since
        overdue = self.services.clock.now() - started >= FLUSH_EVERY
        if len(self._posters) >= FLUSH_AT or overdue:
            await self.flush()

    def _remember(self, key: Key) -> None:
        now = self.services.clock.now()
        self._known[key] = now
        self._known.move_to_end(key)
        while self._known:
            oldest = next(iter(self._known.values()))
            if now - oldest < KNOWN_FOR and len(self._known) <= KNOWN_MAX:
                break
            self._known.popitem(last=False)

    @listen(ReactionAdded, group=5)
    async def on_reaction(self, ctx: Context[ReactionAdded]) -> None:
        """A "helpful" emoji on a member's message counts toward their next role (the core
        ledger counts the reaction received itself)."""
        event = ctx.event
        author = event.message_author
        if author is None or author == ctx.actor.user or ctx.actor.is_bot:
            return
        if plain_emoji(event.emoji) in self._compiled().helpful:
            ledger, ref = self.services.activity, ctx.community.ref
            ledger.add(ref, author.id, ledger.day_of(ref, event.at), "helpful_marks")

    async def flush(self, only: Key | None = None) -> None:
        """Write where members were last seen posting, gathered since the last flush.

        With `only`, just that member's (a member command must not write everyone's).
        """
        if only is not None:
            mine = self._posters.pop(only, None)
            posters = {only: mine} if mine is not None else {}
        elif self._posters:
            posters, self._posters, self._bumped_since = self._posters, {}, None
        else:
            posters = {}
        if not posters:
            return
        try:
            by_id = {
                (await self.services.directory.id_for(ref), user_id): poster
                for (ref, user_id), poster in posters.items()
            }
            await self.store.add_posters(by_id)
        except Exception:
            for key, poster in posters.items():  # keep them for the next try
                self._posters.setdefault(key, poster)
            raise

    async def _schedule_promotions(self) -> None:
        now = self.services.clock.now()
        due = now.replace(hour=self._rules().promotion.hour, minute=0, second=0, microsecond=0)
        if due <= now:
            due += timedelta(days=1)
        # One key per day: a run can schedule the next day without colliding with itself.
        key = f"onboarding:promotions:{due.date().isoformat()}"
        await self.services.scheduler.schedule(PROMOTIONS_JOB, due, NoPayload(), key=key)

    @job(PROMOTIONS_JOB, payload=NoPayload)
    async def on_promotions(self, run: JobRun) -> None:
        """Daily: move members up the path where every threshold is met, and say so."""
        await self.services.activity.flush()
        await self.flush()
        for community_id, community in await self.store.communities():
            if not self.services.config.feature_on(community, self.name):
                log.info("onboarding is off in %s: no promotions there today", community)
                continue
            await self._promote_members(self.services.actions.execute, community_id, community)
        await self._schedule_promotions()

    async def _promote_members(
        self, act: Act, community_id: int, community: CommunityRef, only: str | None = None
    ) -> int:
        rules, locale, now = self._rules(), self._locale(community), self.services.clock.now()
        promoted = 0
        for row, totals in await self.store.progress_rows(community_id, only):
            progress = progress_of(
                row.joined_at,
                totals.first_seen,
                now,
                totals.messages,
                totals.helpful,
                totals.reactions_received,
            )
            rank = rules.rank(row.role)
            reached = climb(rules, rank, progress)
            if reached == rank or not row.chat_id:
                continue
            role = rules.roles[reached]
            await self.store.set_fields(community_id, row.user_id, role=role.id, role_since=now)
            user = UserRef(community.platform, row.user_id)
            await self._swap_platform_role(act, community, user, rules.roles[rank], role)
            if reached + 1 < len(rules.roles):
                after = rules.roles[reached + 1].name.get(locale)
                hint = t(locale, "onboarding.next.role", role=after)
            else:
                hint = t(locale, "onboarding.next.top")
            text = t(
                locale,
                "onboarding.promoted",
                name=row.name or row.user_id,
                role=role.name.get(locale),
                grants=role.grants.get(locale),
                next=hint,
            )
            chat = ChatRef(community.platform, row.chat_id, community)
            await act(SendMessage(chat=chat, text=text))
            promoted += 1
        return promoted

    @command()
    async def role(self, ctx: Context, member: UserRef | None = None) -> None:
        """A member's role on the path and their progress to the next one."""
        target = member or ctx.actor.user
        # Only this member's pending counts: their progress is exact, nobody else waits.
        await self.services.activity.flush_member(ctx.community.ref, target)
        await self.flush(only=(ctx.community.ref, target.id))
        community_id = await self.services.directory.id_for(ctx.community.ref)
        rows = await self.store.progress_rows(community_id, target.id)
        if not rows:
            raise CommandError("onboarding.role.not_found", user=target.id)
        row, totals = rows[0]
        rules, locale = ctx.rules.get(OnboardingRules), ctx.locale
        progress = progress_of(
            row.joined_at,
            totals.first_seen,
            self.services.clock.now(),
            totals.messages,
            totals.helpful,
            totals.reactions_received,
        )
        rank = rules.rank(row.role)
        current = rules.roles[rank]
        name = row.name or target.id
        lines = [
            ctx.t(
                "onboarding.role.header",
                name=name,
                role=current.name.get(locale),
                grants=current.grants.get(locale),
            )
        ]
        if rank + 1 < len(rules.roles):
            following = rules.roles[rank + 1]
            lines.append(ctx.t("onboarding.role.progress", role=following.name.get(locale)))
            lines.extend(progress_lines(locale, following, progress))
            lines.append(ctx.t("onboarding.role.next_step"))
        else:
            lines.append(ctx.t("onboarding.role.top"))
        await ctx.send_text("\n".join(lines))

    @command()
    async def roles(self, ctx: Context) -> None:
        """The path of roles in this community: what each needs and what it grants."""
        rules, locale = ctx.rules.get(OnboardingRules), ctx.locale
        lines = [ctx.t("onboarding.roles.header")]
        for number, role in enumerate(rules.roles, start=1):
            lines.append(f"{number}. {role.name.get(locale)}: {role.grants.get(locale)}")
            if role.is_free:
                lines.append("   " + ctx.t("onboarding.roles.start"))
            else:
                lines.append(
                    "   " + ctx.t("onboarding.roles.needs", needs=needs_text(locale, role))
                )
            if role.platform_role:
                platform_role = in_locale(role.platform_role, ctx.locale)
                lines.append("   " + ctx.t("onboarding.roles.platform", role=platform_role))
        lines.append(ctx.t("onboarding.roles.footer"))
        await ctx.send_text("\n".join(lines))


async def _notice(ctx: Context, text: str) -> None:
    """A private word to the actor whose message was just removed (so no reply to it)."""
    await ctx.act(SendMessage(chat=ctx.event.chat, text=text, ephemeral_to=ctx.actor.user))


def _timeout_key(community: CommunityRef, user_id: str) -> str:
    return f"onboarding:timeout:{community}:{user_id}"
