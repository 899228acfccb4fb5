"""AMA: members ask and upvote, moderators hide, merge and answer; the schedule runs itself.

Everything timed is a durable job: `ama.top` posts the top questions `lead_minutes` before the
start, `ama.summary` closes the session and lists what was answered, and `ama.weekly` opens
next week's session when `auto_weekly` is on.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot import similarity
from bot.channels import RitualChannel
from bot.core.actions import Button, SendDirect, SendMessage
from bot.core.cogs import Cog, job, listen
from bot.core.commands import Rest, command
from bot.core.context import Context
from bot.core.dispatch import StopPropagation
from bot.core.errors import ActionRefused, CommandError, UnsupportedAction
from bot.core.events import (
    ButtonPressed,
    CommandInvoked,
    Event,
    MessageCreated,
    ReactionAdded,
    ReactionRemoved,
)
from bot.core.ids import button_ids
from bot.core.permissions import Level
from bot.core.refs import ChatRef, CommunityRef, MessageRef, UserRef
from bot.i18n import t
from bot.scheduler import Job, JobRun
from bot.services import Services
from bot.weekly import CommunityJob, WeeklyJob, community_from, next_weekly
from cogs.ama.jobs import SessionJob
from cogs.ama.published import AmaPublished
from cogs.ama.rules import AmaRules
from cogs.ama.store import AmaStore, OpenSession, Ranked
from cogs.ama.when import BadWhen, format_moment, parse_when

log = logging.getLogger(__name__)

UPVOTE_PREFIX = "ama:up:"
SPLIT_PREFIX = "ama:split:"  # under the "merged" notice: the asker undoes the merge


class Ama(Cog):
    name = "ama"
    uses = frozenset(
        {"actions", "clock", "config", "directory", "published", "rules", "scheduler", "sessions"}
    )

    def __init__(self, services: Services) -> None:
        self.services = services
        self.store = AmaStore(services.sessions)
        self.published = AmaPublished(services.sessions)
        self.weekly = WeeklyJob(
            services,
            "ama.weekly",
            lambda: self.rules.schedule,
            lead=lambda: timedelta(hours=self.rules.auto_open_hours_before),
            channel=RitualChannel(services, "ama", lambda ref: self.rules.chat_for(ref)),
            posts=lambda: self.rules.enabled and self.rules.auto_weekly,
        )
        # The open session per community, loaded once and kept in step by this cog's writes.
        self._open: dict[CommunityRef, OpenSession | None] = {}

    @property
    def rules(self) -> AmaRules:
        return self.services.rules.current.get(AmaRules)

    def about_here(self, locale: str) -> str | None:
        return t(locale, "ama.about") if self.rules.enabled else None

    async def load(self) -> None:
        self.published.attach(self.services.published)
        await self.weekly.arm_known()
        self.services.rules.on_change(self.weekly.check_channels)

    async def unload(self) -> None:
        self.services.rules.off_change(self.weekly.check_channels)
        self.published.detach(self.services.published)

    # -- helpers ----------------------------------------------------------------------------

    def _timezone(self, ref: CommunityRef) -> str:
        return self.services.config.community(ref).timezone

    def _locale(self, ref: CommunityRef) -> str:
        return self.services.config.community(ref).locale

    async def _session(self, ref: CommunityRef) -> OpenSession | None:
        if ref not in self._open:
            community_id = await self.services.directory.id_for(ref)
            self._open[ref] = await self.store.open_session(community_id)
        return self._open[ref]

    async def _send(
        self, chat: ChatRef, text: str, next_step: str | None = None
    ) -> MessageRef | None:
        """Post `text`; `next_step` is what it asks of members, for the metrics (SendMessage)."""
        if not self.services.actions.supports(chat.platform, SendMessage):
            log.warning("no adapter for %s; AMA post skipped", chat.platform)
            return None
        result = await self.services.actions.execute(
            SendMessage(chat=chat, text=text, next_step=next_step)
        )
        return result.message

    # -- first sight of a community arms the weekly job -------------------------------------

    @listen(Event, group=-10)
    async def on_any(self, ctx: Context) -> None:
        await self.weekly.ensure_quietly(ctx.community.ref)

    # -- opening and closing ----------------------------------------------------------------

    @command(level=Level.MODERATOR)
    async def ama_open(self, ctx: Context, topic: Rest) -> None:
        """Open an AMA: `/ama_open [when] <topic>`; without a time, the next default slot."""
        rules = self.rules
        if not rules.enabled:
            raise CommandError("ama.errors.disabled")
        ref = ctx.community.ref
        current = await self._session(ref)
        if current is not None:
            raise CommandError("ama.errors.already_open", id=current.id, topic=current.topic)
        now = self.services.clock.now()
        try:
            starts, text = parse_when(topic, now, self._timezone(ref), rules.schedule)
        except BadWhen as exc:
            raise CommandError("ama.errors.bad_when", value=exc.value) from None
        except ValueError:
            raise CommandError("ama.errors.bad_when", value=topic.split()[0]) from None
        if not text:
            raise CommandError("ama.errors.no_topic")
        if starts <= now:
            raise CommandError("ama.errors.past")
        await self.open_session(ref, ctx.event.chat, text[:500], starts, str(ctx.actor.user.id))

    async def open_session(
        self, ref: CommunityRef, chat: ChatRef, topic: str, starts: datetime, opened_by: str
    ) -> int:
        """Create the session, announce it and schedule its top list and summary."""
        rules = self.rules
        now = self.services.clock.now()
        community_id = await self.services.directory.id_for(ref)
        ends = starts + timedelta(minutes=rules.duration_minutes)
        top_at = max(now, starts - timedelta(minutes=rules.lead_minutes))

        def jobs(new_id: int) -> list[Job]:
            payload = SessionJob(session=new_id)
            return [
                Job("ama.top", top_at, payload, f"ama.top:{new_id}"),
                Job("ama.summary", ends, payload, f"ama.summary:{new_id}"),
            ]

        # The jobs commit with the session, before the announcement is posted: a crash during
        # the post can no longer leave an AMA that never closes and blocks the next one.
        sid = await self.store.create_session(
            community_id, topic, chat.id, starts, ends, opened_by, now, then=jobs
        )
        self.services.scheduler.wake()
        locale = self._locale(ref)
        text = t(
            locale,
            "ama.announce",
            id=sid,
            topic=topic,
            when=format_moment(locale, starts, self._timezone(ref)),
            top=rules.top_count,
        )
        message = await self._send(chat, text, next_step="command")  # "Ask with /ask"
        announcement = message.id if message is not None else None
        await self.store.set_announcement(sid, announcement)
        self._open[ref] = OpenSession(sid, topic, chat.id, announcement, starts)
        return sid

    @command(level=Level.MODERATOR)
    async def ama_close(self, ctx: Context) -> None:
        """Close the open AMA now and post the summary of what was answered."""
        current = await self._session(ctx.community.ref)
        if current is None:
            raise CommandError("ama.errors.no_session")
        await self.services.scheduler.cancel(f"ama.top:{current.id}")
        await self.services.scheduler.cancel(f"ama.summary:{current.id}")
        await self._summarise(current.id)

    # -- questions --------------------------------------------------------------------------

    @command()
    async def ask(self, ctx: Context, question: Rest) -> None:
        """Ask a question for the open AMA; near-duplicates are merged."""
        await self._ask(ctx, question)

    @listen(MessageCreated, group=20)
    async def on_reply(self, ctx: Context[MessageCreated]) -> None:
        """A reply to the AMA announcement in its chat counts as a question."""
        event = ctx.event
        if event.reply_to is None or ctx.actor.is_bot:
            return
        current = await self._session(ctx.community.ref)
        if (
            current is None
            or current.announcement_id is None
            or event.reply_to.id != current.announcement_id
            or event.reply_to.chat.id != current.chat_id
        ):
            return
        try:
            await self._ask(ctx, event.text)
        except CommandError as exc:
            await ctx.send_text(ctx.t(exc.key, **exc.params), private=True)

    async def _ask(self, ctx: Context, question: str) -> None:
        rules = self.rules
        ref = ctx.community.ref
        current = await self._session(ref)
        if current is None or not rules.enabled:
            raise CommandError("ama.errors.no_session")
        text = " ".join(question.split())
        if len(text) > rules.max_question_length:
            raise CommandError("ama.errors.too_long", limit=rules.max_question_length)
        words = similarity.words(text)
        if not words:
            raise CommandError("ama.errors.empty")
        user = ctx.actor.user.id
        now = self.services.clock.now()
        candidates = await self.store.candidates(current.id)
        twin = similarity.closest(words, candidates, rules.duplicate_threshold)
        if twin is not None:
            if await self.store.is_asker(twin, user):
                await ctx.reply("ama.ask.already", private=True, id=twin)
                return
            own = await self.store.add_merged_question(
                current.id, user, ctx.actor.name, text, words, ctx.event.chat.id, now, twin
            )
            votes = await self.store.votes(twin)
            # Similar words can still ask something else: the asker may undo the merge.
            separate = Button(ctx.t("ama.ask.separate"), f"{SPLIT_PREFIX}{own}")
            await ctx.reply(
                "ama.ask.merged", private=True, buttons=(separate,), id=twin, own=own, votes=votes
            )
            return
        qid = await self.store.add_question(
            current.id, user, ctx.actor.name, text, words, ctx.event.chat.id, now
        )
        await self._post_question(ctx, current, qid, ctx.actor.name, text)

    async def _post_question(
        self, ctx: Context, current: OpenSession, qid: int, name: str, text: str
    ) -> None:
        result = await ctx.reply(
            "ama.ask.posted",
            buttons=(Button(ctx.t("ama.ask.upvote"), f"{UPVOTE_PREFIX}{qid}"),),
            id=qid,
            name=name,
            question=text,
        )
        if result.message is not None:
            await self.store.set_question_message(qid, result.message.chat.id, result.message.id)
            current.question_messages[(result.message.chat.id, result.message.id)] = qid

    @listen(ButtonPressed, group=20)
    async def on_separate(self, ctx: Context[ButtonPressed]) -> None:
        """The asker says their merged question is not the same: it is posted on its own."""
        event = ctx.event
        ids = button_ids(event.custom_id, SPLIT_PREFIX, 1)
        if ids is None:
            return
        (qid,) = ids
        row = await self.store.question(qid)
        current = await self._session(ctx.community.ref)
        if row is None or row.author_id != ctx.actor.user.id:
            await ctx.reply("ama.separate.not_yours", private=True)
            raise StopPropagation
        merged_into = row.merged_into
        if (
            current is None
            or row.session_id != current.id
            or not await self.store.split(qid, self.services.clock.now())
        ):
            await ctx.reply("ama.separate.gone", private=True, id=qid)
            raise StopPropagation
        await ctx.reply("ama.separate.done", private=True, id=qid, was=merged_into)
        await self._post_question(ctx, current, qid, row.author_name, row.text)
        raise StopPropagation

    # -- votes ------------------------------------------------------------------------------

    @listen(ButtonPressed, group=20)
    async def on_button(self, ctx: Context[ButtonPressed]) -> None:
        event = ctx.event
        ids = button_ids(event.custom_id, UPVOTE_PREFIX, 1)
        if ids is None:
            return  # not an upvote, or a forged id no question can have
        (qid,) = ids
        target = await self._votable(qid)
        if target is None:
            await ctx.reply("ama.vote.closed", private=True, id=qid)
            return
        counted = await self.store.vote(target, ctx.actor.user.id, self.services.clock.now())
        votes = await self.store.votes(target)
        key = "ama.vote.counted" if counted else "ama.vote.already"
        await ctx.reply(key, private=True, id=target, votes=votes)

    @listen(ReactionAdded, group=20)
    async def on_reaction(self, ctx: Context) -> None:
        qid = await self._reacted_question(ctx)
        if qid is not None and (target := await self._votable(qid)) is not None:
            await self.store.vote(target, ctx.actor.user.id, self.services.clock.now())

    @listen(ReactionRemoved, group=20)
    async def on_unreaction(self, ctx: Context) -> None:
        qid = await self._reacted_question(ctx)
        if qid is not None and (target := await self._votable(qid)) is not None:
            await self.store.unvote(target, ctx.actor.user.id)

    async def _reacted_question(self, ctx: Context) -> int | None:
        event = ctx.event
        assert isinstance(event, ReactionAdded | ReactionRemoved)
        if event.emoji not in self.rules.upvote_emoji or ctx.actor.is_bot:
            return None
        current = await self._session(ctx.community.ref)
        if current is None:
            return None
        return current.question_messages.get((event.message.chat.id, event.message.id))

    async def _votable(self, qid: int) -> int | None:
        """The question a vote for `qid` lands on (a merged one's target), if still open."""
        for _ in range(5):
            question = await self.store.question(qid)
            if question is None:
                return None
            if question.status == "merged" and question.merged_into is not None:
                qid = question.merged_into
                continue
            session = await self.store.get_session(question.session_id)
            if session is None or session.status != "open" or question.status == "hidden":
                return None
            return qid
        return None

    # -- moderation -------------------------------------------------------------------------

    async def _own_question(self, ctx: Context, qid: int) -> int:
        question = await self.store.question(qid)
        community_id = await self.services.directory.id_for(ctx.community.ref)
        session = await self.store.get_session(question.session_id) if question else None
        if question is None or session is None or session.community_id != community_id:
            raise CommandError("ama.errors.no_question", id=qid)
        return question.session_id

    @command(level=Level.MODERATOR)
    async def ama_hide(self, ctx: Context, question: int) -> None:
        """Hide a question from the lists (spam, off-topic); answered ones stay in the summary."""
        await self._own_question(ctx, question)
        if not await self.store.hide(question):
            raise CommandError("ama.errors.hide_answered", id=question)
        await ctx.reply("ama.hide.done", private=True, id=question)

    @command(level=Level.MODERATOR)
    async def ama_merge(self, ctx: Context, question: int, into: int) -> None:
        """Merge a duplicate into another question: askers and votes move over."""
        source_session = await self._own_question(ctx, question)
        target_session = await self._own_question(ctx, into)
        target = await self.store.question(into)
        if (
            question == into
            or source_session != target_session
            or target is None
            or target.status in ("merged", "hidden")
        ):
            raise CommandError("ama.errors.bad_merge", id=question, into=into)
        await self.store.merge(question, into)
        votes = await self.store.votes(into)
        await ctx.reply("ama.merge.done", private=True, id=question, into=into, votes=votes)

    @command(level=Level.MODERATOR)
    async def ama_answer(self, ctx: Context, question: int, answer: Rest = "") -> None:
        """Mark a question answered: reply to the answer message, or type the answer after the
        number and it is posted in the chat. Its askers are told, once."""
        await self._own_question(ctx, question)
        row = await self.store.question(question)
        if row is not None and row.status == "merged" and row.merged_into is not None:
            question = row.merged_into  # the duplicate's askers were moved onto its target
            row = await self.store.question(question)
        if row is None:
            raise CommandError("ama.errors.no_question", id=question)
        if row.status == "answered":
            raise CommandError("ama.errors.already_answered", id=question)
        event = ctx.event
        assert isinstance(event, CommandInvoked)
        text = " ".join(answer.split())
        answered_by: str | None
        if event.reply_to is not None:
            where: MessageRef | None = event.reply_to
            chat = event.reply_to.chat
            answered_by = event.reply_to_author.id if event.reply_to_author is not None else None
            text = ""  # the answer is the replied-to message
        elif text:
            chat = event.chat
            answered_by = str(ctx.actor.user.id)
            where = await self._send(
                chat, ctx.t("ama.answer.posted", id=question, question=row.text, answer=text)
            )
        else:
            raise CommandError(
                "ama.errors.need_answer",
                id=question,
                usage=f"/ama_answer {question} <{ctx.t('core.params.answer')}>",
            )
        now = self.services.clock.now()
        message_id = where.id if where is not None else None
        if not await self.store.answer(question, chat.id, message_id, answered_by, now):
            raise CommandError("ama.errors.already_answered", id=question)
        await ctx.reply("ama.answer.done", private=True, id=question)
        await self._notify_askers(ctx, question, chat, where, text)

    async def _notify_askers(
        self, ctx: Context, qid: int, chat: ChatRef, answer: MessageRef | None, text: str
    ) -> None:
        question = await self.store.question(qid)
        if question is None:
            return
        askers = await self.store.askers(qid)
        leftover: list[str] = []
        if ctx.supports(SendDirect):
            for user_id, name in askers:
                if text:
                    direct = ctx.t(
                        "ama.answer.direct_text", id=qid, question=question.text, answer=text
                    )
                else:
                    direct = ctx.t("ama.answer.direct", id=qid, question=question.text)
                try:
                    await ctx.act(
                        SendDirect(
                            user=UserRef(ctx.actor.user.platform, user_id),
                            text=direct,
                        )
                    )
                except (ActionRefused, UnsupportedAction):
                    leftover.append(name or user_id)
        else:
            leftover = [name or user_id for user_id, name in askers]
        if leftover:
            # Names as plain text, never mentions: the answer is pointed at, nobody is pinged.
            await ctx.act(
                SendMessage(
                    chat=chat,
                    text=ctx.t(
                        "ama.answer.public",
                        id=qid,
                        question=question.text,
                        names=", ".join(leftover),
                    ),
                    reply_to=answer,
                )
            )

    # -- scheduled work ---------------------------------------------------------------------

    @job("ama.top", payload=SessionJob)
    async def post_top(self, run: JobRun) -> None:
        """Before the session: the top questions by votes (ties: the older first)."""
        sid = run.payload_as(SessionJob).session
        session = await self.store.get_session(sid)
        if session is None or session.status != "open":
            return
        ref = await self._ref_of(session.community_id)
        if ref is None:
            return
        self.services.config.require_on(ref, self.name)

        async def post() -> None:
            # claim_top only records when: the keyed effect is what keeps it to one post.
            ranked = await self.store.ranked(sid)
            await self._send(
                ChatRef(ref.platform, session.chat_id, ref),
                self._top_text(ref, session.topic, session.starts_at, ranked),
                next_step="command",  # vote, or ask with /ask
            )
            await self.store.claim_top(sid, self.services.clock.now())

        await self.services.scheduler.once(f"ama:top:{sid}", post)

    def _top_text(
        self, ref: CommunityRef, topic: str, starts: datetime, ranked: list[Ranked]
    ) -> str:
        locale = self._locale(ref)
        when = format_moment(locale, starts, self._timezone(ref))
        if not ranked:
            return t(locale, "ama.top.empty", topic=topic, when=when)
        lines = [t(locale, "ama.top.header", topic=topic, when=when)]
        for rank, item in enumerate(ranked[: self.rules.top_count], start=1):
            lines.append(
                t(
                    locale,
                    "ama.top.line",
                    rank=rank,
                    id=item.id,
                    question=item.text,
                    name=item.author_name,
                    votes=item.votes,
                )
            )
        lines.append(t(locale, "ama.top.next_step"))
        return "\n".join(lines)

    @job("ama.summary", payload=SessionJob)
    async def post_summary(self, run: JobRun) -> None:
        """After the session: close it and list what was answered."""
        sid = run.payload_as(SessionJob).session
        session = await self.store.get_session(sid)
        ref = await self._ref_of(session.community_id) if session is not None else None
        if ref is not None:  # switched off here: the session stays open until AMAs are back on
            self.services.config.require_on(ref, self.name)
        await self._summarise(sid)

    async def _summarise(self, sid: int) -> None:
        """Close the session (idempotent) and post its summary once, as a keyed effect.

        Closing is not the claim: a crash between the close and the post must still post.
        """
        session = await self.store.get_session(sid)
        if session is None:
            return
        await self.store.close(sid, self.services.clock.now())
        ref = await self._ref_of(session.community_id)
        if ref is None:
            return
        cached = self._open.get(ref)
        if cached is not None and cached.id == sid:
            self._open[ref] = None
        locale = self._locale(ref)

        async def post() -> None:
            answered = await self.store.ranked(sid, ("answered",))
            waiting = await self.store.ranked(sid, ("open",))
            if answered:
                lines = [t(locale, "ama.summary.header", topic=session.topic, count=len(answered))]
                lines += [
                    t(locale, "ama.summary.line", id=a.id, question=a.text, votes=a.votes)
                    for a in answered
                ]
            else:
                lines = [t(locale, "ama.summary.none", topic=session.topic)]
            if waiting:
                lines.append(t(locale, "ama.summary.unanswered", count=len(waiting)))
            lines.append(t(locale, "ama.summary.next_step"))
            chat = ChatRef(ref.platform, session.chat_id, ref)
            await self._send(chat, "\n".join(lines), next_step="question")

        await self.services.scheduler.once(f"ama:summary:{sid}", post)

    @job("ama.weekly", payload=CommunityJob, when_off="handler")
    async def weekly_open(self, run: JobRun) -> None:
        """With `auto_weekly`, open next slot's session; then arm next week's run."""
        ref = community_from(run)
        rules = self.rules
        try:
            if not self.services.config.feature_on(ref, self.name):
                log.info("ama is off in %s: no automatic AMA this week", ref)
            elif rules.enabled and rules.auto_weekly and await self._session(ref) is None:
                now = self.services.clock.now()
                starts = run.due_at + timedelta(hours=rules.auto_open_hours_before)
                if starts <= now:  # the bot was down past the slot: take the next one
                    starts = next_weekly(now, rules.schedule, self._timezone(ref))
                locale = self._locale(ref)
                topic = (
                    rules.default_topic.get(locale)
                    if rules.default_topic
                    else t(locale, "ama.default_topic")
                )
                assert self.weekly.channel is not None
                chat = await self.weekly.channel.chat(ref)
                await self.open_session(ref, chat, topic, starts, "kenes")
        finally:
            await self.weekly.schedule_after(ref, max(run.due_at, self.services.clock.now()))

    async def _ref_of(self, community_id: int) -> CommunityRef | None:
        return await self.weekly.community_ref(community_id)
