"""Hero of the week: signals from thanks, reactions and helpful replies; a weekly announcement.

A helpful answer is a reply by Y to X that X later thanks (a thank-you reply) or reacts to.
Signals are counted by the core activity ledger (in memory, written in batches); the
announcement is a durable weekly job keyed per ISO week, and each week's result is kept in
`hero_weeks`.
"""

from __future__ import annotations

import logging
from collections import OrderedDict, deque
from datetime import date, datetime, timedelta

from bot.channels import RitualChannel
from bot.core.actions import GrantRole, RevokeRole, SendMessage
from bot.core.cogs import Cog, job, listen
from bot.core.commands import Rest, command
from bot.core.context import Context
from bot.core.errors import ActionRefused, CommandError, UnsupportedAction
from bot.core.events import Event, MessageCreated, ReactionAdded
from bot.core.published import Period
from bot.core.refs import CommunityRef, UserRef
from bot.i18n import t
from bot.rules.models import in_locale
from bot.scheduler import JobRun
from bot.services import Services
from bot.weekly import CommunityJob, WeeklyJob, community_from, local_date, week_of, zone
from cogs.heroes.phrases import COMPILED_KEY, ThanksMatcher
from cogs.heroes.published import HeroesPublished
from cogs.heroes.rules import HeroRules
from cogs.heroes.scoring import reasons_text, score
from cogs.heroes.signals import AMA_ANSWER, BOT, IDEA_SHIPPED, STAFF, UGC_FEATURED
from cogs.heroes.store import HeroStore

log = logging.getLogger(__name__)

# Replies waiting for the asker's thanks or reaction; old ones drop off the far end.
PENDING_REPLIES = 20_000


class Heroes(Cog):
    name = "heroes"
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
        self.store = HeroStore(services.sessions)
        self.published = HeroesPublished(services.sessions)
        self.ledger = services.activity
        self.weekly = WeeklyJob(
            services,
            "heroes.announce",
            lambda: self.rules.schedule,
            channel=RitualChannel(services, "heroes", lambda ref: self.rules.chat_for(ref)),
            posts=lambda: self.rules.enabled,
        )
        # (community, chat id, message id) of a reply -> (replier, asker)
        self._replies: OrderedDict[tuple[CommunityRef, str, str], tuple[str, str]] = OrderedDict()
        # (community, asker, helper) -> when the asker last credited that helper
        self._helped: OrderedDict[tuple[CommunityRef, str, str], datetime] = OrderedDict()
        # (community, giver) -> recent (time, receiver) thanks, for the rate limits
        self._given: dict[tuple[CommunityRef, str], deque[tuple[datetime, str]]] = {}
        self._given_swept: datetime | None = None

    @property
    def rules(self) -> HeroRules:
        return self.services.rules.current.get(HeroRules)

    def about_here(self, locale: str) -> str | None:
        return t(locale, "heroes.about") if self.rules.enabled else None

    async def load(self) -> None:
        self.published.attach(self.services.published)
        await self.weekly.arm_known()
        self.services.rules.on_change(self.weekly.check_channels)

    async def unload(self) -> None:
        self.published.detach(self.services.published)
        self.services.rules.off_change(self.weekly.check_channels)

    def _day(self, ref: CommunityRef, at: datetime) -> date:
        return local_date(at, self.services.config.community(ref).timezone)

    # -- signals ----------------------------------------------------------------------------

    @listen(Event, group=-10)
    async def on_any(self, ctx: Context) -> None:
        """Arm the weekly job for a new community (the core ledger notes staff and bots)."""
        await self.weekly.ensure_quietly(ctx.community.ref)

    @listen(MessageCreated, group=20)
    async def on_message(self, ctx: Context[MessageCreated]) -> None:
        event = ctx.event
        asker = event.reply_to_author
        me = ctx.actor.user
        if asker is None or asker == me or ctx.actor.is_bot or not self.rules.enabled:
            return
        ref = ctx.community.ref
        self._replies[(ref, event.chat.id, event.message.id)] = (me.id, asker.id)
        if len(self._replies) > PENDING_REPLIES:
            self._replies.popitem(last=False)
        matcher = ctx.rules.compiled.get(COMPILED_KEY)
        if not isinstance(matcher, ThanksMatcher) or not matcher.matches(event.text):
            return
        day = self._day(ref, event.at)
        if self._allow_thanks(ref, me.id, asker.id, event.at) is None:
            self.ledger.add(ref, asker.id, day, "thanks_received")
        if event.reply_to is not None:
            # A thank-you is a usefulness signal for the message it answers.
            self.ledger.useful(ref, event.reply_to.chat.id, event.reply_to.id)
            self._helpful(ref, event.at, event.reply_to.chat.id, event.reply_to.id, me.id)

    @listen(ReactionAdded, group=20)
    async def on_reaction(self, ctx: Context) -> None:
        """A reaction by the asker to a reply makes it a helpful answer (the core ledger
        counts the reaction received itself)."""
        event = ctx.event
        assert isinstance(event, ReactionAdded)
        target = event.message_author
        if target is None or target == ctx.actor.user or ctx.actor.is_bot:
            return
        ref = ctx.community.ref
        self._helpful(ref, event.at, event.message.chat.id, event.message.id, ctx.actor.user.id)

    def _helpful(
        self, ref: CommunityRef, at: datetime, chat: str, message: str, asker: str
    ) -> None:
        """The asker acknowledged a reply to them: one helpful answer for its author, once.

        The same asker credits the same helper at most once per cooldown, so two friends
        cannot farm points by replying and reacting to each other all day.
        """
        pending = self._replies.pop((ref, chat, message), None)
        if pending is None or pending[1] != asker:
            if pending is not None:
                self._replies[(ref, chat, message)] = pending
            return
        helper = pending[0]
        cooldown = timedelta(minutes=self.rules.same_receiver_cooldown_minutes)
        last = self._helped.get((ref, asker, helper))
        if last is not None and at - last < cooldown:
            return
        self._helped[(ref, asker, helper)] = at
        if len(self._helped) > PENDING_REPLIES:
            self._helped.popitem(last=False)
        self.ledger.add(ref, helper, self._day(ref, at), "helpful_answers")

    def _allow_thanks(
        self, ref: CommunityRef, giver: str, receiver: str, at: datetime
    ) -> str | None:
        """None when this thanks counts (and is recorded); else the key of the reason why not."""
        rules = self.rules
        if giver == receiver:
            return "heroes.thanks.self"
        self._forget_old_thanks(at)
        recent = self._given.setdefault((ref, giver), deque())
        while recent and at - recent[0][0] >= timedelta(days=1):
            recent.popleft()
        if len(recent) >= rules.thanks_per_day:
            return "heroes.thanks.daily_limit"
        cooldown = timedelta(minutes=rules.same_receiver_cooldown_minutes)
        if any(who == receiver and at - when < cooldown for when, who in recent):
            return "heroes.thanks.too_soon"
        recent.append((at, receiver))
        return None

    def _forget_old_thanks(self, at: datetime) -> None:
        """At most once a day, drop thanks older than the day the limits look back on, and
        the givers left with none, so the map holds only today's givers."""
        if self._given_swept is not None and at - self._given_swept < timedelta(days=1):
            return
        self._given_swept = at
        for key in list(self._given):
            recent = self._given[key]
            while recent and at - recent[0][0] >= timedelta(days=1):
                recent.popleft()
            if not recent:
                del self._given[key]

    @command()
    async def thanks(self, ctx: Context, member: UserRef, reason: Rest = "") -> None:
        """Thank a member; it counts toward their hero-of-the-week score."""
        if not self.rules.enabled:
            raise CommandError("heroes.errors.disabled")
        ref = ctx.community.ref
        refused = self._allow_thanks(ref, ctx.actor.user.id, member.id, ctx.event.at)
        if refused is not None:
            raise CommandError(refused, limit=self.rules.thanks_per_day)
        self.ledger.add(ref, member.id, self._day(ref, ctx.event.at), "thanks_received")
        name = await self.ledger.display_name(ref, member)
        if reason:
            await ctx.reply(
                "heroes.thanks.done_reason", giver=ctx.actor.name, name=name, reason=reason
            )
        else:
            await ctx.reply("heroes.thanks.done", giver=ctx.actor.name, name=name)

    # -- the weekly announcement ------------------------------------------------------------

    @job("heroes.announce", payload=CommunityJob, when_off="handler")
    async def announce(self, run: JobRun) -> None:
        ref = community_from(run)
        try:
            if not self.services.config.feature_on(ref, self.name):
                log.info("heroes is off in %s: no hero post this week", ref)
            elif self.rules.enabled:
                await self.announce_week(ref, run.due_at)
        finally:
            await self.weekly.schedule_after(ref, max(run.due_at, self.services.clock.now()))

    async def announce_week(self, ref: CommunityRef, due_at: datetime) -> None:
        """Pick and announce the hero of the seven local days before `due_at`'s day, once.

        Delivery is a small state machine on the week's `hero_weeks` row: claimed as `sending`,
        sent, then `sent` with the message id. A run that finds the week still `sending` (the
        last one crashed or the platform refused) sends the stored result again. A crash in
        the instant between the platform accepting the message and our commit can therefore
        post it twice: at least once, because a lost ritual is worse than a repeated one.
        """
        settings = self.services.config.community(ref)
        if not self.services.actions.supports(ref.platform, SendMessage):
            log.warning("no %s adapter running; hero of the week for %s skipped", ref.platform, ref)
            return
        community_id = await self.services.directory.id_for(ref)
        week = week_of(local_date(due_at, settings.timezone))
        row = await self.store.week(community_id, week)
        if row is None:
            await self._claim_week(ref, community_id, due_at)
            row = await self.store.week(community_id, week)
        if row is None or row.status == "sent":
            return
        locale = settings.locale
        if row.user_id is None:
            text = t(locale, "heroes.announce.none")
        else:
            text = t(
                locale,
                "heroes.announce.hero",
                name=row.name or row.user_id,
                reasons=reasons_text(locale, row.reasons),
                score=row.score,
                role=row.role,
            )
        # The post's next step, like every bot post's: thanking a helper with /thanks.
        text = f"{text}\n{t(locale, 'heroes.announce.next_step')}"
        assert self.weekly.channel is not None
        result = await self.weekly.channel.post(
            ref, text, post=f"{ref}:{week.isoformat()}", next_step="command"
        )
        # Handing the role over is idempotent on the platform, so it goes before `sent`.
        await self._hand_over_role(ref, community_id, week, row.user_id, row.role)
        sent = result.message.id if result.message else "sent"
        await self.store.mark_sent(community_id, week, sent)

    async def _hand_over_role(
        self, ref: CommunityRef, community_id: int, week: date, hero: str | None, role: str
    ) -> None:
        """Give the hero's platform role to this week's hero and take it from last week's."""
        actions = self.services.actions
        if not role or not actions.supports(ref.platform, GrantRole):
            return
        reason = t(self.services.config.community(ref).locale, "heroes.role_reason")
        previous = await self.store.previous_hero(community_id, week)
        changes: list[GrantRole | RevokeRole] = []
        if previous is not None and previous != hero:
            user = UserRef(ref.platform, previous)
            changes.append(RevokeRole(community=ref, user=user, role=role, reason=reason))
        if hero is not None:
            user = UserRef(ref.platform, hero)
            changes.append(GrantRole(community=ref, user=user, role=role, reason=reason))
        for change in changes:
            try:
                await actions.execute(change)
            except (ActionRefused, UnsupportedAction) as exc:
                log.warning("hero role for %s not changed: %s", ref, exc)

    async def _tally(self, name: str, period: Period) -> list[str]:
        """A count another feature publishes (AMA answers, moderation cases); none if absent."""
        tally = self.services.published.tallies.get(name)
        return [] if tally is None else await tally(period)

    async def _claim_week(self, ref: CommunityRef, community_id: int, due_at: datetime) -> None:
        """Score the week and store its result as `sending` (a no-op if another run did)."""
        rules = self.rules
        settings = self.services.config.community(ref)
        await self.ledger.flush()
        day = local_date(due_at, settings.timezone)
        week = week_of(day)
        first, last = day - timedelta(days=7), day - timedelta(days=1)
        counts, names = await self.store.week_counts(community_id, first, last)
        tz = zone(settings.timezone)
        start = datetime.combine(first, datetime.min.time(), tzinfo=tz)
        end = datetime.combine(day, datetime.min.time(), tzinfo=tz)
        period = Period(ref, community_id, settings.locale, settings.timezone, start, end)
        # Counts other features publish: AMA answers, ideas shipped (one per author), featured
        # posts and challenge results (the content feature's UGC).
        for signal in (AMA_ANSWER, IDEA_SHIPPED, UGC_FEATURED):
            for user_id in await self._tally(signal, period):
                mine = counts.setdefault(user_id, {})
                mine[signal] = mine.get(signal, 0) + 1
        excluded = {
            user_id
            for user_id, signals in counts.items()
            if (rules.exclude_moderators and signals.get(STAFF))
            or (rules.exclude_bots and signals.get(BOT))
            or (
                rules.exclude_moderators
                and self.services.config.configured_level(UserRef(ref.platform, user_id)) > 0
            )
        }
        # Only members seen posting can win: the bot's own posts (AMA questions, digests)
        # collect reactions too, and the bot is never an event's author to be marked.
        members = await self.store.members(community_id, sorted(counts))
        excluded |= {
            user_id
            for user_id in counts
            if user_id not in members or (rules.exclude_bots and members[user_id][1])
        }
        previous = await self.store.previous_hero(community_id, week)
        if previous is not None and not rules.allow_repeat:
            excluded.add(previous)
        penalties = await self._tally("moderation_case", period)
        ranked = [
            c
            for c in score(counts, rules.weights, penalties, excluded)
            if c.score >= rules.min_score
        ]
        hero = ranked[0] if ranked else None
        name = ""
        if hero is not None:
            name = names.get(hero.user_id) or members[hero.user_id][0] or hero.user_id
        role_until = due_at + timedelta(days=7)
        await self.store.claim_week(
            community_id,
            week,
            {
                "user_id": hero.user_id if hero else None,
                "name": name,
                "score": hero.score if hero else 0.0,
                "reasons": dict(hero.counts) if hero else {},
                # The title in the community's language, kept with the week as it was given.
                "role": in_locale(rules.role, settings.locale) if hero else "",
                "role_until": role_until if hero else None,
                "announced_at": self.services.clock.now(),
            },
        )

    @command()
    async def heroes(self, ctx: Context) -> None:
        """The heroes of the last weeks, newest first."""
        community_id = await self.services.directory.id_for(ctx.community.ref)
        weeks = await self.store.history(community_id, self.rules.history_weeks)
        if not weeks:
            await ctx.reply("heroes.history.empty")
            return
        lines = [ctx.t("heroes.history.header")]
        for row in weeks:
            week = row.week  # a date: the catalogue writes it the locale's way
            if row.user_id is None:
                lines.append(ctx.t("heroes.history.nobody", week=week))
            else:
                lines.append(
                    ctx.t(
                        "heroes.history.line",
                        week=week,
                        name=row.name or row.user_id,
                        score=row.score,
                        reasons=reasons_text(ctx.locale, row.reasons),
                    )
                )
        await ctx.send_text("\n".join(lines))
