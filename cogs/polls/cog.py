"""Polls: a question with a deadline, votes stored one by one, results posted at close."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from bot.core.actions import Action, ActionResult, Button, SendMessage, SendPoll
from bot.core.cogs import Cog, job, listen
from bot.core.commands import Rest, command
from bot.core.context import Context
from bot.core.dispatch import StopPropagation
from bot.core.errors import CommandError
from bot.core.events import (
    ButtonPressed,
    CommandInvoked,
    PollAnswered,
    ReactionAdded,
    ReactionRemoved,
)
from bot.core.ids import button_ids
from bot.core.permissions import Level
from bot.core.published import PollRequest
from bot.core.refs import ChatRef, CommunityRef, MessageRef
from bot.i18n import t
from bot.scheduler import Job, JobRun
from bot.services import Services
from cogs.polls.jobs import CLOSE_JOB, CloseJob
from cogs.polls.models import Poll
from cogs.polls.published import PollsPublished
from cogs.polls.results import render
from cogs.polls.rules import PollRules
from cogs.polls.store import PollStore
from cogs.polls.syntax import Kind, PollSpec, parse_poll

log = logging.getLogger(__name__)

BUTTON_PREFIX = "poll:"
# The longest close a platform enforces on its own native poll (Telegram: 600 s); longer
# polls stay open on the platform and are closed by our durable job.
NATIVE_OPEN_FOR_MAX = timedelta(seconds=600)
Act = Callable[[Action], Awaitable[ActionResult]]
ReactKey = tuple[str, str, str]  # platform, chat id, message id


def _close_key(poll_id: int) -> str:
    return f"polls:close:{poll_id}"


def _plain(emoji: str) -> str:
    return emoji.replace("\ufe0f", "")


class Polls(Cog):
    name = "polls"
    uses = frozenset(
        {
            "activity",
            "actions",
            "clock",
            "config",
            "directory",
            "published",
            "rules",
            "scheduler",
            "sessions",
        }
    )

    def about_here(self, locale: str) -> str | None:
        return t(locale, "polls.about")

    def __init__(self, services: Services) -> None:
        self.services = services
        self.store = PollStore(services.sessions)
        self.published = PollsPublished(services.sessions, self.start_for)
        # Open reaction polls by message, so an ordinary reaction costs a dict lookup, not a
        # query; a poll leaves the map when it closes.
        self._reaction_polls: dict[ReactKey, int] = {}

    async def unload(self) -> None:
        self.published.detach(self.services.published)

    async def load(self) -> None:
        self.published.attach(self.services.published)
        for poll in await self.store.open_reaction_polls():
            if poll.message_id is not None:
                self._reaction_polls[(poll.platform, poll.chat_id, poll.message_id)] = poll.id

    # -- starting a poll --------------------------------------------------------------------

    @command()
    async def poll(self, ctx: Context, question: Rest) -> None:
        """Start a poll: `/poll 2h Question? | option | option --multi --public`."""
        await self._start(ctx, "poll", question)

    @command()
    async def quiz(self, ctx: Context, question: Rest) -> None:
        """Start a quiz: `/quiz 1m Question? | wrong | *right --explain Why.`."""
        await self._start(ctx, "quiz", question)

    @command()
    async def ab(self, ctx: Context, question: Rest) -> None:
        """Ask an A/B question: `/ab 30s Which one? | first | second`."""
        await self._start(ctx, "ab", question)

    @command()
    async def reactpoll(self, ctx: Context, question: Rest) -> None:
        """A poll answered with emoji reactions: `/reactpoll 1d Question? | 👍 yes | 👎 no`."""
        await self._start(ctx, "react", question)

    async def _start(self, ctx: Context, kind: Kind, rest: str) -> None:
        event = ctx.event
        # The raw text keeps quotes and spacing that the generic Rest tokenizer would drop.
        raw = event.args if isinstance(event, CommandInvoked) and not event.options else rest
        rules = ctx.rules.get(PollRules)
        spec = parse_poll(raw or rest, kind, rules, ctx.locale)
        anonymous = rules.anonymous if spec.anonymous is None else spec.anonymous
        if kind == "react":
            mode = "reactions"
        elif (
            rules.native
            and not spec.buttons
            and (not anonymous or rules.native_anonymous)
            and ctx.supports(SendPoll)
        ):
            mode = "native"
        else:
            mode = "buttons"
        now = self.services.clock.now()
        community = ctx.community.ref
        scheduler = self.services.scheduler

        def close_job(new_id: int) -> list[Job]:
            return [Job(CLOSE_JOB, now + spec.duration, CloseJob(poll=new_id), _close_key(new_id))]

        # The close job commits with the poll, before the platform is asked to post it: a
        # crash during the post can no longer leave a poll that never closes.
        poll_id = await self.store.create(
            then=close_job,
            community_id=await self.services.directory.id_for(community),
            platform=community.platform,
            community_ext=community.id,
            chat_id=event.chat.id,
            kind=kind,
            mode=mode,
            question=spec.question,
            options=list(spec.options),
            emojis=[_plain(e) for e in spec.emojis],
            multiple=spec.multiple,
            anonymous=anonymous,
            correct_option=spec.correct,
            explanation=spec.explanation,
            created_by=ctx.actor.user.id,
            created_at=now,
            closes_at=now + spec.duration,
            status="open",
        )
        scheduler.wake()
        try:
            message_id, native_id = await self._post(ctx, poll_id, spec, mode, anonymous)
        except BaseException:
            await self.store.set_fields(poll_id, status="failed")
            await scheduler.cancel(_close_key(poll_id))
            raise
        await self.store.set_fields(poll_id, message_id=message_id, native_poll_id=native_id)
        if mode == "reactions" and message_id is not None:
            self._reaction_polls[(community.platform, event.chat.id, message_id)] = poll_id

    async def start_for(self, request: PollRequest) -> int:
        """An anonymous button poll another feature starts (through `published.polls`);
        closed and counted like any other, its close job stored with it."""
        now = self.services.clock.now()
        chat = request.chat
        community = chat.community

        def close_job(new_id: int) -> list[Job]:
            due = now + request.duration
            return [Job(CLOSE_JOB, due, CloseJob(poll=new_id), _close_key(new_id))]

        poll_id = await self.store.create(
            then=close_job,
            community_id=await self.services.directory.id_for(community),
            platform=community.platform,
            community_ext=community.id,
            chat_id=chat.id,
            kind="poll",
            mode="buttons",
            question=request.question,
            options=list(request.options),
            emojis=[],
            multiple=False,
            anonymous=True,
            correct_option=None,
            explanation="",
            created_by=request.by,
            created_at=now,
            closes_at=now + request.duration,
            status="open",
        )
        self.services.scheduler.wake()
        locale = self.services.config.community(community).locale
        lines = [request.question]
        lines += [f"{i}. {option}" for i, option in enumerate(request.options, start=1)]
        lines.append(t(locale, "polls.footer.buttons_poll", id=poll_id, closes=request.duration))
        buttons = tuple(
            Button(label=option, custom_id=f"{BUTTON_PREFIX}{poll_id}:{i}")
            for i, option in enumerate(request.options)
        )
        try:
            result = await self.services.actions.execute(
                SendMessage(chat=chat, text="\n".join(lines), buttons=buttons, next_step="poll")
            )
        except BaseException:
            await self.store.set_fields(poll_id, status="failed")
            await self.services.scheduler.cancel(_close_key(poll_id))
            raise
        await self.store.set_fields(
            poll_id, message_id=result.message.id if result.message else None
        )
        return poll_id

    async def _post(
        self, ctx: Context, poll_id: int, spec: PollSpec, mode: str, anonymous: bool
    ) -> tuple[str | None, str | None]:
        chat, locale = ctx.event.chat, ctx.locale
        closes = spec.duration
        if mode == "native":
            result = await ctx.act(
                SendPoll(
                    chat=chat,
                    question=spec.question,
                    options=spec.options,
                    multiple=spec.multiple,
                    anonymous=anonymous,
                    correct_option=spec.correct,
                    explanation=spec.explanation,
                    open_for=spec.duration if spec.duration <= NATIVE_OPEN_FOR_MAX else None,
                )
            )
            note = t(locale, f"polls.footer.native_{spec.kind}", id=poll_id, closes=closes)
            await ctx.act(SendMessage(chat=chat, text=note))
            message_id = result.message.id if result.message else None
            return message_id, result.poll_id
        lines = [spec.question]
        if mode == "reactions":
            lines.extend(spec.options)
            lines.append(t(locale, "polls.footer.reactions", id=poll_id, closes=closes))
            buttons: tuple[Button, ...] = ()
        else:
            if spec.kind == "ab":
                lines.extend(spec.options)  # already labelled "A. ", "B. "
            else:
                lines.extend(f"{i}. {option}" for i, option in enumerate(spec.options, start=1))
            how = "multi" if spec.multiple else spec.kind
            lines.append(t(locale, f"polls.footer.buttons_{how}", id=poll_id, closes=closes))
            buttons = tuple(
                Button(label=option, custom_id=f"{BUTTON_PREFIX}{poll_id}:{i}")
                for i, option in enumerate(spec.options)
            )
        if not anonymous:
            lines.append(t(locale, "polls.footer.public"))
        result = await ctx.act(
            SendMessage(chat=chat, text="\n".join(lines), buttons=buttons, next_step="poll")
        )
        return (result.message.id if result.message else None), None

    # -- votes ------------------------------------------------------------------------------

    @listen(ButtonPressed)
    async def on_button(self, ctx: Context[ButtonPressed]) -> None:
        event = ctx.event
        ids = button_ids(event.custom_id, BUTTON_PREFIX, 2)
        if ids is None:
            return  # not a poll button, or forged ids no poll can have
        poll_id, option = ids
        poll = await self.store.get(poll_id)
        if poll is None or (poll.platform, poll.community_ext) != (
            ctx.community.ref.platform,
            ctx.community.ref.id,
        ):
            return  # not ours: a poll number from another community
        if poll.status != "open":
            await ctx.reply("polls.vote.closed", private=True, id=poll_id)
            raise StopPropagation
        if not 0 <= option < len(poll.options):
            await ctx.reply("polls.vote.no_option", private=True, id=poll_id)
            raise StopPropagation
        await self._vote(ctx, poll, option)
        raise StopPropagation

    def _count_vote(self, ctx: Context) -> None:
        """A vote is activity: the core ledger counts it (in memory, written in batches)."""
        ledger, ref = self.services.activity, ctx.community.ref
        ledger.add(ref, ctx.actor.user.id, ledger.day_of(ref, ctx.event.at), "votes")

    async def _vote(self, ctx: Context, poll: Poll, option: int) -> None:
        user, name, now = ctx.actor.user, ctx.actor.name, self.services.clock.now()
        if poll.kind == "quiz":
            if await self.store.choices(poll.id, user.id):
                await ctx.reply("polls.vote.quiz_once", private=True)
                return
            self._count_vote(ctx)
            await self.store.vote(poll.id, user.id, name, now, set_to={option})
            await self._quiz_feedback(ctx, poll, option)
            return
        self._count_vote(ctx)
        if poll.multiple:
            if option in await self.store.choices(poll.id, user.id):
                chosen = await self.store.vote(poll.id, user.id, name, now, remove=option)
            else:
                chosen = await self.store.vote(poll.id, user.id, name, now, add=option)
        else:
            chosen = await self.store.vote(poll.id, user.id, name, now, set_to={option})
        if chosen:
            picked = ", ".join(poll.options[i] for i in sorted(chosen))
            await ctx.reply("polls.vote.counted", private=True, options=picked)
        else:
            await ctx.reply("polls.vote.withdrawn", private=True)

    async def _quiz_feedback(self, ctx: Context, poll: Poll, option: int) -> None:
        assert poll.correct_option is not None
        right = poll.options[poll.correct_option]
        key = "polls.vote.quiz_right" if option == poll.correct_option else "polls.vote.quiz_wrong"
        text = ctx.t(key, option=right)
        if poll.explanation:
            text = f"{text}\n{poll.explanation}"
        await ctx.send_text(text, private=True)

    @listen(PollAnswered)
    async def on_native_answer(self, ctx: Context[PollAnswered]) -> None:
        event = ctx.event
        poll = await self.store.by_native(ctx.community.ref.platform, event.poll_id)
        if poll is None:
            return
        if poll.status != "open":
            await ctx.reply("polls.vote.closed", private=True, id=poll.id)
            return
        size = len(poll.options)
        user, now = ctx.actor.user, self.services.clock.now()
        if poll.kind == "quiz" and await self.store.choices(poll.id, user.id):
            return  # a quiz answer is final; the platform does not let it change either
        # No private feedback here: a native quiz shows right/wrong and the explanation itself
        # (SendPoll carries it), and a message per answer would spoil the quiz in a group chat.
        self._count_vote(ctx)
        name = ctx.actor.name
        if event.added is not None or event.removed is not None:
            # One answer changed (Discord): apply exactly that to the stored vote, which
            # remembers answers given before a restart that the adapter has forgotten.
            if event.added is not None and 0 <= event.added < size:
                if poll.multiple:
                    await self.store.vote(poll.id, user.id, name, now, add=event.added)
                else:
                    await self.store.vote(poll.id, user.id, name, now, set_to={event.added})
            if event.removed is not None:
                await self.store.vote(poll.id, user.id, name, now, remove=event.removed)
            return
        options = {o for o in event.options if 0 <= o < size}
        if not poll.multiple and len(options) > 1:
            options = {min(options)}
        await self.store.vote(poll.id, user.id, name, now, set_to=options)

    @listen(ReactionAdded)
    async def on_reaction(self, ctx: Context) -> None:
        await self._reaction(ctx, added=True)

    @listen(ReactionRemoved)
    async def on_unreaction(self, ctx: Context) -> None:
        await self._reaction(ctx, added=False)

    async def _reaction(self, ctx: Context, *, added: bool) -> None:
        event = ctx.event
        assert isinstance(event, ReactionAdded | ReactionRemoved)
        key = (event.chat.platform, event.message.chat.id, event.message.id)
        poll_id = self._reaction_polls.get(key)
        if poll_id is None or ctx.actor.is_bot:
            return
        poll = await self.store.get(poll_id)
        if poll is None:
            return
        if poll.status != "open":
            if added:
                await ctx.reply("polls.vote.closed", private=True, id=poll.id)
            return
        emoji = _plain(event.emoji)
        if emoji not in poll.emojis:
            return
        option = poll.emojis.index(emoji)
        # Every present reaction is kept; the tally derives the vote (single choice: the most
        # recent one still there), so taking back 🎉 leaves the earlier 👍 counted.
        user, name, now = ctx.actor.user, ctx.actor.name, self.services.clock.now()
        await self.store.react(poll.id, user.id, name, now, option, present=added)

    # -- closing ----------------------------------------------------------------------------

    @job(CLOSE_JOB, payload=CloseJob)
    async def on_close(self, run: JobRun) -> None:
        poll_id = run.payload_as(CloseJob).poll
        poll = await self.store.get(poll_id)
        if poll is not None:  # switched off here: the poll stays open until polls are back on
            ref = CommunityRef(poll.platform, poll.community_ext)
            self.services.config.require_on(ref, self.name)
        await self.close(poll_id, self.services.actions.execute)

    async def close(self, poll_id: int, act: Act) -> bool:
        """Close the poll and post its results; idempotent (a re-run posts nothing twice).

        `status` closed stops the votes; the results post is a keyed effect of the scheduler:
        a refusal leaves it to the retry, a crash inside the post leaves it posted at most
        once (`results_message_id` records the message when the platform answered).
        """
        poll = await self.store.close(poll_id, self.services.clock.now())
        if poll is not None and poll.message_id is not None:
            # A closed poll's reactions are ordinary reactions again; the map only holds open ones.
            self._reaction_polls.pop((poll.platform, poll.chat_id, poll.message_id), None)
        if poll is None or poll.status != "closed" or poll.results_message_id is not None:
            return False
        community = CommunityRef(poll.platform, poll.community_ext)
        chat = ChatRef(poll.platform, poll.chat_id, community)
        locale = self.services.config.community(community).locale
        width = self.services.rules.current.get(PollRules).bar_width
        text = render(poll, await self.store.tally(poll), locale, width)
        reply_to = MessageRef(chat, poll.message_id) if poll.message_id else None

        async def post() -> None:
            # Its next step: "reply and say why you chose it" (polls.results.next_step).
            message = SendMessage(chat=chat, text=text, reply_to=reply_to, next_step="question")
            result = await act(message)
            posted = result.message.id if result.message else "sent"
            await self.store.set_fields(poll_id, results_message_id=posted)

        # Keyed, so a run resumed after a crash inside the post never posts the results twice.
        return await self.services.scheduler.once(f"polls:results:{poll_id}", post)

    @command()
    async def poll_close(self, ctx: Context, poll: int) -> None:
        """Close a poll now and post its results (its author's own poll, or any as moderator)."""
        found = await self.store.get(poll)
        if found is None or (found.platform, found.community_ext) != (
            ctx.community.ref.platform,
            ctx.community.ref.id,
        ):
            raise CommandError("polls.close.unknown", id=poll)
        # Open to members so an author can end their own poll early; anyone else's needs
        # moderator rank (checked here, after the poll is known: fails closed on a mismatch).
        if ctx.actor.level < Level.MODERATOR and found.created_by != ctx.actor.user.id:
            raise CommandError("polls.close.not_yours", id=poll)
        if found.status != "open":
            raise CommandError("polls.close.already", id=poll)
        key = _close_key(poll)
        try:
            await self.close(poll, ctx.act)
        except Exception:
            # Closed but the results are not out: the close job (left armed until they are
            # sent, so even a crash here loses nothing) posts them, brought forward to now.
            await self.services.scheduler.schedule(
                CLOSE_JOB, self.services.clock.now(), CloseJob(poll=poll), key=key
            )
            raise
        await self.services.scheduler.cancel(key)
