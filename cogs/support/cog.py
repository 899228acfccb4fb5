"""The support desk: tickets with an SLA clock, staff replies relayed both ways, FAQ first.

A ticket's running target (first response, then next response after each member message) is
kept on its row; its warning and breach are durable jobs keyed by ticket and stage, and each
effect is written as a keyed `support_events` row before it is sent, so a restart neither loses
nor doubles a notice. Staff are the `support` team (`staff.py`): a staff role, listed members
and, unless switched off, moderators, per community; the core checks it for every staff command.
DMs on real platforms are routed to one of the member's communities by `direct.py`.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any, Literal

from bot.core.actions import Button, OpenThread, SendDirect, SendMessage
from bot.core.cogs import Cog, job, listen
from bot.core.commands import Rest, command
from bot.core.context import Context
from bot.core.dispatch import StopPropagation
from bot.core.errors import ActionRefused, CommandError
from bot.core.events import ButtonPressed, MessageCreated
from bot.core.ids import parse_id
from bot.core.permissions import Level
from bot.core.refs import ChatRef, CommunityRef, MessageRef, UserRef
from bot.db.models import Community as CommunityRow
from bot.i18n import t
from bot.scheduler import Job, JobRun
from bot.services import Services
from cogs.support.dialogue import SupportDialogue
from cogs.support.direct import PICK, DirectDesk
from cogs.support.faq import FAQ_INDEX, FaqIndex, FaqRules, Hit
from cogs.support.figures import figures
from cogs.support.jobs import SlaTimer
from cogs.support.models import Ticket
from cogs.support.published import SupportPublished
from cogs.support.reports import SupportReports
from cogs.support.rules import PRIORITIES, WEEKDAYS, SupportRules, Team
from cogs.support.safety import SafetyWatch
from cogs.support.sla import Deadline, WorkingHours, deadline, resume
from cogs.support.staff import TEAM, is_staff
from cogs.support.store import ACTIVE, SupportStore

log = logging.getLogger(__name__)

SLA_JOB = "support.sla"
PREFIX = "support:"
RATINGS = {"up": 5, "down": 1}


class Support(Cog):
    name = "support"
    prefix = PREFIX
    uses = frozenset(
        {
            "activity",
            "actions",
            "clock",
            "config",
            "directory",
            "links",
            "private",
            "published",
            "rules",
            "scheduler",
            "sessions",
            "teams",
        }
    )

    def __init__(self, services: Services) -> None:
        self.services = services
        self.store = SupportStore(services.sessions)
        self.safety = SafetyWatch(services, self.store)
        self.published = SupportPublished(services)
        self.reports = SupportReports(services.sessions)
        self.dialogue = SupportDialogue(services.sessions, lambda: self.rules, services.clock.now)
        self.direct = DirectDesk(self)

    async def load(self) -> None:
        self.published.attach(self.services.published)
        self.reports.attach(self.services.published)
        self.dialogue.attach(self.services.published)
        self.services.teams.add(TEAM, lambda ctx: is_staff(self.rules, self._served(ctx), ctx))

    async def unload(self) -> None:
        self.published.detach(self.services.published)
        self.reports.detach(self.services.published)
        self.dialogue.detach(self.services.published)
        self.services.teams.remove(TEAM)

    @property
    def rules(self) -> SupportRules:
        return self.services.rules.current.get(SupportRules)

    @property
    def faq_rules(self) -> FaqRules:
        return self.services.rules.current.get(FaqRules)

    def faq_index(self) -> FaqIndex:
        index = self.services.rules.current.compiled.get(FAQ_INDEX)
        assert isinstance(index, FaqIndex), "the FAQ index is compiled when the cog loads"
        return index

    # -- helpers ------------------------------------------------------------------------------

    def _locale(self, ref: CommunityRef) -> str:
        return self.services.config.community(ref).locale

    def _hours(self, ref: CommunityRef) -> WorkingHours:
        return self.rules.hours.working_hours(self.services.config.community(ref).timezone)

    def _moment(self, ref: CommunityRef, at: datetime) -> str:
        """`Monday 12.01 at 10:55` in the community's language and working-hours zone."""
        locale = self._locale(ref)
        local = at.astimezone(self._hours(ref).zone)
        return t(
            locale,
            "support.moment",
            weekday=t(locale, f"support.weekdays.{WEEKDAYS[local.weekday()]}"),
            date=local.strftime("%d.%m"),
            time=local.strftime("%H:%M"),
        )

    def _staff_chat(self, ref: CommunityRef) -> ChatRef:
        return ChatRef(ref.platform, self.rules.staff_chat_for(str(ref)), ref)

    async def _send(
        self,
        chat: ChatRef,
        text: str,
        *,
        reply_to: MessageRef | None = None,
        buttons: tuple[Button, ...] = (),
        thread_id: str | None = None,
    ) -> MessageRef | None:
        if not self.services.actions.supports(chat.platform, SendMessage):
            log.warning("no adapter for %s; support message skipped", chat.platform)
            return None
        result = await self.services.actions.execute(
            SendMessage(
                chat=chat, text=text, reply_to=reply_to, buttons=buttons, thread_id=thread_id
            )
        )
        return result.message

    async def _to_staff(self, ref: CommunityRef, ticket: Ticket, text: str) -> None:
        """Post about a ticket where staff follow it: its topic, or under its staff post."""
        chat = ChatRef(
            ref.platform, ticket.staff_chat_id or self.rules.staff_chat_for(str(ref)), ref
        )
        if ticket.staff_thread_id is not None:
            await self._send(chat, text, thread_id=ticket.staff_thread_id)
            return
        post = MessageRef(chat, ticket.staff_message_id) if ticket.staff_message_id else None
        await self._send(chat, text, reply_to=post)

    async def _open_topic(self, chat: ChatRef, ticket: Ticket) -> str | None:
        """A thread of its own for the ticket where the platform has them (a forum topic)."""
        if not self.services.actions.supports(chat.platform, OpenThread):
            return None
        title = f"#{ticket.id} {ticket.member_name}: {ticket.text}"
        try:
            result = await self.services.actions.execute(OpenThread(chat=chat, title=title))
        except ActionRefused as exc:  # not a forum: staff get plain posts instead
            log.info("no topic for ticket #%d in %s: %s", ticket.id, chat.id, exc.reason)
            return None
        return result.message.id if result.message is not None else None

    async def _to_member(
        self, ref: CommunityRef, ticket: Ticket, text: str, buttons: tuple[Button, ...] = ()
    ) -> None:
        """Tell the member where they asked: a DM for a DM ticket, else a reply in that chat."""
        if ticket.via == "direct":
            await self.services.actions.execute(
                SendDirect(user=UserRef(ref.platform, ticket.member_id), text=text, buttons=buttons)
            )
            return
        chat = ChatRef(ref.platform, ticket.chat_id, ref)
        origin = MessageRef(chat, ticket.message_id) if ticket.message_id else None
        await self._send(chat, text, reply_to=origin, buttons=buttons)

    async def _ticket(self, ctx: Context, number: int | None) -> Ticket:
        """The ticket a staff command names, or the one its message replies to."""
        ticket: Ticket | None = None
        if number is not None:
            ticket = await self.store.get(number)
        else:
            event = ctx.event
            thread = getattr(event, "thread_id", None)
            reply_to = getattr(event, "reply_to", None)
            # A command inside the ticket's thread: a forum topic, or a thread that is a chat.
            ticket = await self.store.by_thread(
                event.chat.id, thread if isinstance(thread, str) else None
            )
            if ticket is None and isinstance(reply_to, MessageRef):
                ticket = await self.store.by_staff_message(reply_to.chat.id, reply_to.id)
            if ticket is None:
                raise CommandError("support.errors.which_ticket")
        community_id = await self.services.directory.id_for(ctx.community.ref)
        # Staff work on a community's tickets from its own chats or from its staff chat (on
        # Telegram a separate supergroup, which is a community of its own).
        if ticket is None or (
            ticket.community_id != community_id and ticket.staff_chat_id != ctx.event.chat.id
        ):
            raise CommandError("support.errors.no_ticket", id=str(number))
        return ticket

    def _served(self, ctx: Context) -> CommunityRef:
        """The community a command speaks of: the one a staff chat serves when it is run there
        (on Telegram a separate supergroup, mapped in `staff_chats`), else the chat's own."""
        ref = ctx.community.ref
        chat = ctx.event.chat.id
        for key, staff_chat in self.rules.staff_chats.items():
            platform, _, external = key.partition(":")
            if staff_chat == chat and platform == ref.platform and external != ref.id:
                return CommunityRef(platform, external)
        return ref

    async def _ref_of(self, ticket: Ticket) -> CommunityRef:
        """The community a ticket belongs to (staff may be acting from another chat)."""
        async with self.services.sessions() as session:
            row = await session.get(CommunityRow, ticket.community_id)
        assert row is not None, "a ticket's community row is kept while the ticket is"
        return CommunityRef(row.platform, row.external_id)

    def _category(self, text: str) -> tuple[str | None, str]:
        """`billing My invoice…`: a first word naming a team (its id or its name in any
        language) routes the ticket; anything else, or a word with nothing after it, is text."""
        word, _, rest = text.strip().partition(" ")
        folded = word.casefold()
        if not rest.strip():
            return None, text
        for name, team in self.rules.teams.items():
            names = {name, team.name.en, team.name.ru or "", team.name.kk or ""}
            if folded in {n.casefold() for n in names if n}:
                return name, rest.strip()
        return None, text

    def _team_for(self, text: str) -> str | None:
        folded = text.casefold()
        for name, team in self.rules.teams.items():
            if any(word.casefold() in folded for word in team.keywords):
                return name
        return None

    def _priority_for(self, text: str, team: str | None) -> str:
        folded = text.casefold()
        for priority in reversed(PRIORITIES):  # the most urgent keyword wins
            if any(w.casefold() in folded for w in self.rules.priority_keywords.get(priority, ())):
                return priority
        routed = self.rules.teams[team].priority if team in self.rules.teams else None
        return routed or self.rules.default_priority

    # -- the SLA clock --------------------------------------------------------------------------

    def _target(self, ticket: Ticket, kind: str) -> timedelta:
        return self.rules.targets.of(ticket.priority).get(kind)

    def _timers(self, ref: CommunityRef, ticket_id: int, round_: int, when: Deadline) -> list[Job]:
        """The warning and breach jobs of one run of the clock, keyed so a re-arm moves them."""
        return _sla_jobs(ref, ticket_id, round_, when, None, f"{SLA_JOB}:{ticket_id}")

    def _resolve_timers(
        self, ref: CommunityRef, ticket_id: int, round_: int, when: Deadline
    ) -> list[Job]:
        """The resolution target's warning and breach jobs: a clock of its own per ticket."""
        key = f"{SLA_JOB}:{ticket_id}:resolution"
        return _sla_jobs(ref, ticket_id, round_, when, "resolution", key)

    async def _arm_resolution(self, ref: CommunityRef, ticket: Ticket, when: Deadline) -> None:
        """Store the resolution due time and its two timers, in one transaction."""
        round_ = ticket.resolve_round + 1
        await self.store.update(
            ticket.id,
            jobs=self._resolve_timers(ref, ticket.id, round_, when),
            now=self.services.clock.now(),
            resolve_round=round_,
            resolve_due_at=when.due_at,
            resolve_left_s=None,
        )
        self.services.scheduler.wake()
        if when.warn_at is None:
            await self.services.scheduler.cancel(f"{SLA_JOB}:{ticket.id}:resolution:warning")
        ticket.resolve_round, ticket.resolve_due_at, ticket.resolve_left_s = (
            round_,
            when.due_at,
            None,
        )

    async def _stop_resolution(
        self, ref: CommunityRef, ticket: Ticket, *, pause: bool = False
    ) -> int | None:
        """Stop the resolution clock; with `pause`, keep the working time it had left."""
        left: int | None = None
        if ticket.resolve_due_at is not None:
            now = self.services.clock.now()
            left = int(self._hours(ref).between(now, ticket.resolve_due_at).total_seconds())
            if now > ticket.resolve_due_at:
                left = -1
        elif ticket.resolve_left_s is not None:
            left = ticket.resolve_left_s
        await self.store.update(
            ticket.id,
            resolve_due_at=None,
            resolve_left_s=left if pause else None,
            resolve_round=ticket.resolve_round + 1,
        )
        for stage in ("warning", "breach"):
            await self.services.scheduler.cancel(f"{SLA_JOB}:{ticket.id}:resolution:{stage}")
        ticket.resolve_round += 1
        ticket.resolve_due_at, ticket.resolve_left_s = None, left if pause else None
        return left

    async def _resume_resolution(self, ref: CommunityRef, ticket: Ticket) -> None:
        """After pending: the resolution clock goes on with the working time it had left."""
        if ticket.resolve_left_s is None:
            return
        when = resume(
            self._hours(ref),
            self.services.clock.now(),
            timedelta(seconds=max(ticket.resolve_left_s, 0)),
            self._target(ticket, "resolution"),
            self.rules.warn_share,
        )
        await self._arm_resolution(ref, ticket, when)

    async def _arm(self, ref: CommunityRef, ticket: Ticket, kind: str, when: Deadline) -> None:
        """Store the running target on the ticket and its two timers, in one transaction."""
        round_ = ticket.clock_round + 1
        await self.store.update(
            ticket.id,
            jobs=self._timers(ref, ticket.id, round_, when),
            now=self.services.clock.now(),
            clock_kind=kind,
            clock_round=round_,
            clock_warn_at=when.warn_at,
            clock_due_at=when.due_at,
            clock_left_s=None,
        )
        self.services.scheduler.wake()
        if when.warn_at is None:  # an older warning would find a newer round and do nothing
            await self.services.scheduler.cancel(f"{SLA_JOB}:{ticket.id}:warning")
        ticket.clock_kind, ticket.clock_round, ticket.clock_left_s = kind, round_, None
        ticket.clock_warn_at, ticket.clock_due_at = when.warn_at, when.due_at

    async def _start_clock(self, ref: CommunityRef, ticket: Ticket, kind: str) -> Deadline:
        now = self.services.clock.now()
        when = deadline(self._hours(ref), now, self._target(ticket, kind), self.rules.warn_share)
        await self._arm(ref, ticket, kind, when)
        return when

    async def _stop_clock(self, ref: CommunityRef, ticket: Ticket, *, pause: bool = False) -> None:
        """Stop the running target; with `pause`, keep the working time it had left."""
        left: int | None = None
        if pause and ticket.clock_due_at is not None:
            now = self.services.clock.now()
            left = int(self._hours(ref).between(now, ticket.clock_due_at).total_seconds())
        await self.store.update(
            ticket.id,
            clock_kind=ticket.clock_kind if pause else None,
            clock_warn_at=None,
            clock_due_at=None,
            clock_left_s=left,
            clock_round=ticket.clock_round + 1,
        )
        for stage in ("warning", "breach"):
            await self.services.scheduler.cancel(f"{SLA_JOB}:{ticket.id}:{stage}")

    @job(SLA_JOB, payload=SlaTimer)
    async def on_sla(self, run: JobRun) -> None:
        """A warning or breach timer; stale rounds (the clock moved since) do nothing."""
        timer = run.payload_as(SlaTimer)
        ticket = await self.store.get(timer.ticket)
        stage, ref = timer.stage, timer.ref
        if timer.target == "resolution":
            if (
                ticket is None
                or ticket.status != "open"
                or ticket.resolve_round != timer.round
                or ticket.resolve_due_at is None
            ):
                return
            key = f"sla:{ticket.id}:resolution:{ticket.resolve_round}:{stage}"
            until = ticket.resolve_due_at
            await self.services.scheduler.once(
                f"support.{key}",
                lambda: self._sla_notice(ref, ticket, stage, key, "resolution", until),
            )
            return
        if (
            ticket is None
            or ticket.status != "open"
            or ticket.clock_round != timer.round
            or ticket.clock_kind is None
        ):
            return
        key = f"sla:{ticket.id}:{ticket.clock_round}:{stage}"
        # A keyed effect: a re-run after a crash (or a second instance) sends nothing twice.
        kind, due = ticket.clock_kind, ticket.clock_due_at
        await self.services.scheduler.once(
            f"support.{key}", lambda: self._sla_notice(ref, ticket, stage, key, kind, due)
        )

    async def _sla_notice(
        self,
        ref: CommunityRef,
        ticket: Ticket,
        stage: str,
        key: str,
        clock: str,
        due_at: datetime | None,
    ) -> None:
        now = self.services.clock.now()
        kind = "sla_warning" if stage == "warning" else "sla_breach"
        if not await self.store.change(ticket.id, kind, now, detail=clock, key=key):
            return  # the event is written already: so was its notice
        locale = self._locale(ref)
        target = t(locale, f"support.targets.{clock}")
        due = due_at or now
        if stage == "warning":
            left = self._hours(ref).between(now, due)
            text = t(
                locale,
                "support.sla.warning",
                id=str(ticket.id),
                share=round(self.rules.warn_share * 100),
                target=target,
                due=self._moment(ref, due),
                remaining=left,
                assignee=ticket.assignee_name or t(locale, "support.nobody"),
            )
            await self._send(self._staff_chat(ref), text)
            return
        team_name = ticket.team or self.rules.breach_team
        team = self.rules.teams.get(team_name) if team_name else None
        await self._send(
            self._staff_chat(ref),
            t(
                locale,
                "support.sla.breach",
                id=str(ticket.id),
                target=target,
                due=self._moment(ref, due),
                team=team.name.get(locale) if team else t(locale, "support.no_team"),
            ),
        )
        if team is not None and team_name is not None and not ticket.escalated:
            await self._escalate(ref, ticket, team_name, team, actor=None, auto=True)

    # -- opening a ticket -----------------------------------------------------------------------

    @command(private=True)
    async def help_request(self, ctx: Context, text: Rest) -> None:
        """Ask the team for help: the FAQ answers at once when it can, otherwise a ticket opens."""
        if ctx.event.chat.is_private:  # in a DM: asked in one of the member's communities
            await self.direct.message(ctx, text)
            return
        community_id = await self.services.directory.id_for(ctx.community.ref)
        active = await self.store.active_for(community_id, ctx.actor.user.id)
        if active is not None:
            # One open ticket per member: more words are more detail for the same question.
            await self._member_adds(ctx.community.ref, active, ctx.actor.name, text)
            await ctx.reply("support.added", private=True, id=str(active.id))
            return
        await self._intake(ctx, text, via="command")

    async def direct_question(self, ctx: Context, text: str) -> None:
        """A DM routed to `ctx.community`: more detail for an open ticket, or a new question."""
        community_id = await self.services.directory.id_for(ctx.community.ref)
        active = await self.store.active_for(community_id, ctx.actor.user.id)
        if active is not None:
            await self._member_adds(ctx.community.ref, active, ctx.actor.name, text)
            await ctx.reply("support.added", id=str(active.id))
            return
        await self._intake(ctx, text, via="direct")

    async def _intake(self, ctx: Context, asked: str, via: str) -> None:
        """The FAQ first, else a ticket. `asked` is the text as typed: a first word naming a
        team routes the ticket, and the FAQ is searched without it."""
        rules = self.rules
        if not rules.enabled:
            raise CommandError("support.errors.disabled")
        asked = asked.strip()[: rules.max_ticket_length]
        team, text = self._category(asked)
        faq = self.faq_rules
        if faq.enabled and faq.answer_incoming:
            hit = self.faq_index().answer(text, faq.threshold)
            if hit is not None:
                # The outcome keeps the text as typed, so a "no" opens the ticket in the
                # category the member chose (the keywords are found again from the text).
                await self._offer_faq(ctx, hit, asked)
                return
        await self.open_ticket(ctx, text, via, team=team)

    async def _offer_faq(self, ctx: Context, hit: Hit, query: str) -> None:
        community_id = await self.services.directory.id_for(ctx.community.ref)
        event = ctx.event
        message = getattr(event, "message", None)
        outcome = await self.store.faq_shown(
            community_id=community_id,
            member_id=ctx.actor.user.id,
            entry=hit.entry.id,
            query=query,
            chat_id=event.chat.id,
            message_id=message.id if isinstance(message, MessageRef) else None,
            outcome="shown",
            at=self.services.clock.now(),
        )
        # The answer speaks the language the member asked in (the best variant's language).
        lang = hit.lang
        text = t(lang, "support.faq.answer", answer=hit.entry.answer.get(lang))
        buttons = (
            *self._link_buttons(lang, hit),
            Button(t(lang, "support.faq.yes"), f"{PREFIX}faq:yes:{outcome}"),
            Button(t(lang, "support.faq.no"), f"{PREFIX}faq:no:{outcome}"),
        )
        await ctx.send_text(text + "\n" + t(lang, "support.faq.helped"), buttons=buttons)

    def _link_buttons(self, locale: str, hit: Hit) -> tuple[Button, ...]:
        return tuple(
            Button("📖 " + link.label.get(locale), f"{PREFIX}link:{hit.entry.id}:{index}")
            for index, link in enumerate(hit.entry.links)
        )

    async def open_ticket(
        self,
        ctx: Context,
        text: str,
        via: str,
        *,
        chat_id: str | None = None,
        message_id: str | None = None,
        team: str | None = None,
    ) -> Ticket:
        """Store the ticket, start its first-response clock, post it to staff, acknowledge."""
        ref = ctx.community.ref
        now = self.services.clock.now()
        event = ctx.event
        message = getattr(event, "message", None)
        team = team or self._team_for(text)  # a named category first, then keywords
        priority = self._priority_for(text, team)
        target = self.rules.targets.of(priority).get("first_response")
        when = deadline(self._hours(ref), now, target, self.rules.warn_share)
        resolution = deadline(
            self._hours(ref),
            now,
            self.rules.targets.of(priority).get("resolution"),
            self.rules.warn_share,
        )
        ticket = await self.store.create(
            lambda ticket_id: [
                *self._timers(ref, ticket_id, 1, when),
                *self._resolve_timers(ref, ticket_id, 1, resolution),
            ],
            now,
            community_id=await self.services.directory.id_for(ref),
            member_id=ctx.actor.user.id,
            member_name=ctx.actor.name,
            text=text,
            via=via,
            chat_id=chat_id or event.chat.id,
            message_id=message_id or (message.id if isinstance(message, MessageRef) else None),
            team=team,
            priority=priority,
            status="open",
            escalated=False,
            clock_kind="first_response",
            clock_round=1,
            clock_warn_at=when.warn_at,
            clock_due_at=when.due_at,
            resolve_round=1,
            resolve_due_at=resolution.due_at,
            created_at=now,
        )
        # Asking is activity: the core ledger counts it (in memory, written in batches).
        ledger = self.services.activity
        ledger.add(ref, ctx.actor.user.id, ledger.day_of(ref, now), "questions")
        self.services.scheduler.wake()
        locale = self._locale(ref)
        staff_chat = self._staff_chat(ref)
        team_row = self.rules.teams.get(team) if team else None
        thread = await self._open_topic(staff_chat, ticket)
        posted = await self._send(
            staff_chat,
            t(
                locale,
                "support.staff.new",
                id=str(ticket.id),
                member=ticket.member_name,
                priority=t(locale, f"support.priority.{ticket.priority}"),
                team=team_row.name.get(locale) if team_row else t(locale, "support.no_team"),
                text=text,
                due=self._moment(ref, when.due_at),
            ),
            thread_id=thread,
        )
        if posted is not None:
            await self.store.update(
                ticket.id,
                staff_chat_id=posted.chat.id,
                staff_message_id=posted.id,
                staff_thread_id=thread,
            )
        ack = t(
            locale,
            "support.ack",
            id=str(ticket.id),
            target=target,
            due=self._moment(ref, when.due_at),
        )
        close = Button(t(locale, "support.close_button"), f"{PREFIX}close:{ticket.id}")
        if not self._hours(ref).is_open(now):
            ack += "\n" + t(locale, "support.ack_closed")
        await self._to_member(ref, ticket, ack, (close,))
        return ticket

    # -- member messages ------------------------------------------------------------------------

    @listen(MessageCreated, group=20, private=True)
    async def on_message(self, ctx: Context[MessageCreated]) -> None:
        event = ctx.event
        if ctx.actor.is_bot or not self.rules.enabled:
            return
        if event.chat.is_private:  # a DM on a real platform: which community it is for
            await self.direct.message(ctx, event.text)
            raise StopPropagation
        ref = ctx.community.ref
        if self.services.teams.member(TEAM, ctx):
            # Staff answer in the ticket's forum topic, or by replying to its staff post.
            ticket = await self.store.by_thread(event.chat.id, event.thread_id)
            if ticket is None and event.reply_to is not None:
                replied = event.reply_to
                ticket = await self.store.by_staff_message(replied.chat.id, replied.id)
            if ticket is not None:
                await self._staff_reply(ctx, ticket, event.text)
                raise StopPropagation
        if event.chat.id == self.rules.staff_chat_for(str(ref)):
            return
        if event.direct:
            # A direct message to the bot is a request for help when the community says so.
            if not self.rules.direct_messages:
                return
            via = "direct"
        else:
            if await self.safety.check(ctx, event.text):
                return
            if event.chat.id not in self.rules.support_channels:
                return
            via = "channel"
        community_id = await self.services.directory.id_for(ref)
        active = await self.store.active_for(community_id, ctx.actor.user.id)
        if active is not None:
            await self._member_adds(ref, active, ctx.actor.name, event.text)
            return
        await self._intake(ctx, event.text, via=via)

    async def _member_adds(self, ref: CommunityRef, ticket: Ticket, name: str, text: str) -> None:
        """A member's follow-up: relayed to staff; the next-response clock starts or resumes."""
        now = self.services.clock.now()
        await self.store.add_message(ticket.id, "member", ticket.member_id, name, text, now)
        locale = self._locale(ref)
        await self._to_staff(
            ref, ticket,
            t(locale, "support.staff.member_wrote", id=str(ticket.id), member=name, text=text),
        )  # fmt: skip
        if ticket.status == "pending":
            await self.store.change(
                ticket.id, "status", now, actor=ticket.member_id, detail="open", status="open"
            )
            ticket.status = "open"
            await self._resume_resolution(ref, ticket)
            kind = ticket.clock_kind or "next_response"
            if ticket.clock_left_s is not None:
                when = resume(
                    self._hours(ref),
                    now,
                    timedelta(seconds=ticket.clock_left_s),
                    self._target(ticket, kind),
                    self.rules.warn_share,
                )
                await self._arm(ref, ticket, kind, when)
                return
            await self._start_clock(ref, ticket, kind)
        elif ticket.clock_kind is None:
            await self._start_clock(ref, ticket, "next_response")

    # -- staff ----------------------------------------------------------------------------------

    async def _staff_reply(self, ctx: Context, ticket: Ticket, text: str) -> None:
        """Relay a staff answer; the first one is the first response, and the clock stops."""
        if ticket.status not in ACTIVE:
            raise CommandError("support.errors.not_active", id=str(ticket.id))
        ref = await self._ref_of(ticket)
        now = self.services.clock.now()
        actor = ctx.actor
        await self.store.add_message(ticket.id, "staff", actor.user.id, actor.name, text, now)
        values: dict[str, Any] = {}
        if ticket.assignee_id is None:
            values.update(assignee_id=ctx.actor.user.id, assignee_name=ctx.actor.name)
        if ticket.first_response_at is None:
            work = self._hours(ref).between(ticket.created_at, now)
            values.update(first_response_at=now, first_response_work_s=int(work.total_seconds()))
            await self.store.change(
                ticket.id, "first_response", now, actor=ctx.actor.user.id, **values
            )
        elif values:
            await self.store.update(ticket.id, **values)
        if ticket.status == "open":
            await self._stop_clock(ref, ticket)
        locale = self._locale(ref)
        await self._to_member(
            ref,
            ticket,
            t(locale, "support.member.reply", id=str(ticket.id), agent=actor.name, text=text),
        )
        await ctx.reply("support.staff.sent", private=True, id=str(ticket.id))

    @command(level=Level.MODERATOR, team=TEAM)
    async def reply(self, ctx: Context, ticket: int, text: Rest) -> None:
        """Answer a ticket; the member gets it where they asked."""
        await self._staff_reply(ctx, await self._ticket(ctx, ticket), text)

    @command(level=Level.MODERATOR, team=TEAM)
    async def qr(self, ctx: Context, name: str, ticket: int | None = None) -> None:
        """Answer a ticket with a quick reply from rules/support.toml."""
        found = await self._ticket(ctx, ticket)
        ref = await self._ref_of(found)
        template = self.rules.quick_replies.get(name.casefold())
        if template is None:
            raise CommandError(
                "support.errors.no_quick_reply",
                name=name,
                names=", ".join(sorted(self.rules.quick_replies)) or "-",
            )
        text = template.get(self._locale(ref)).format(
            member=found.member_name, ticket=found.id, agent=ctx.actor.name
        )
        await self._staff_reply(ctx, found, text)

    @command(level=Level.MODERATOR, team=TEAM)
    async def claim(self, ctx: Context, ticket: int | None = None) -> None:
        """Take a ticket: you answer it."""
        found = await self._ticket(ctx, ticket)
        ref = await self._ref_of(found)
        now = self.services.clock.now()
        await self.store.change(
            found.id,
            "claimed",
            now,
            actor=ctx.actor.user.id,
            assignee_id=ctx.actor.user.id,
            assignee_name=ctx.actor.name,
        )
        await self._send(
            self._staff_chat(ref),
            ctx.t("support.staff.claimed", id=str(found.id), agent=ctx.actor.name),
        )

    @command(level=Level.MODERATOR, team=TEAM)
    async def escalate(self, ctx: Context, target: Rest = "") -> None:
        """Hand a ticket to a team: `/escalate [ticket] [team]` (its topic's team by default)."""
        words = target.split()
        number = int(words.pop(0)) if words and words[0].isdecimal() else None
        team = words[0] if words else None
        found = await self._ticket(ctx, number)
        ref = await self._ref_of(found)
        name = (team or found.team or self.rules.breach_team or "").casefold()
        chosen = self.rules.teams.get(name)
        if chosen is None:
            raise CommandError(
                "support.errors.no_team",
                name=name or "-",
                names=", ".join(sorted(self.rules.teams)) or "-",
            )
        await self._escalate(ref, found, name, chosen, actor=ctx.actor, auto=False)

    async def _escalate(
        self,
        ref: CommunityRef,
        ticket: Ticket,
        name: str,
        team: Team,
        *,
        actor: object,
        auto: bool,
    ) -> None:
        now = self.services.clock.now()
        actor_id = getattr(getattr(actor, "user", None), "id", None)
        await self.store.change(
            ticket.id, "escalated", now, actor=actor_id, detail=name, escalated=True, team=name
        )
        locale = self._locale(ref)
        shift = team.on_call(now.astimezone(self._hours(ref).zone))
        on_call = t(locale, "support.nobody")
        if shift is not None:
            on_call = shift.name or shift.member.split(":", 1)[1]
        text = t(
            locale,
            "support.escalated_auto" if auto else "support.escalated",
            id=str(ticket.id),
            team=team.name.get(locale),
            by=getattr(actor, "name", ""),
            member=ticket.member_name,
            text=ticket.text,
            on_call=on_call,
        )
        await self._send(ChatRef(ref.platform, team.chat, ref), text)
        if not auto:
            await self._send(self._staff_chat(ref), text)
        if shift is not None:
            platform, _, user = shift.member.partition(":")
            if platform == ref.platform and self.services.actions.supports(platform, SendDirect):
                await self.services.actions.execute(
                    SendDirect(
                        user=UserRef(platform, user),
                        text=t(
                            locale, "support.paged", id=str(ticket.id), team=team.name.get(locale)
                        ),
                    )
                )

    @command(level=Level.MODERATOR, team=TEAM)
    async def pending(self, ctx: Context, ticket: int | None = None) -> None:
        """Wait for the member: the SLA clock pauses until they write."""
        found = await self._ticket(ctx, ticket)
        ref = await self._ref_of(found)
        if found.status != "open":
            raise CommandError("support.errors.not_open", id=str(found.id))
        now = self.services.clock.now()
        await self._stop_clock(ref, found, pause=found.clock_kind is not None)
        await self._stop_resolution(ref, found, pause=True)
        await self.store.change(
            found.id, "status", now, actor=ctx.actor.user.id, detail="pending", status="pending"
        )
        told = t(self._locale(ref), "support.member.pending", id=str(found.id))
        await self._to_member(ref, found, told)
        await ctx.reply("support.staff.pending", id=str(found.id))

    @command(level=Level.MODERATOR, team=TEAM)
    async def resolve(self, ctx: Context, ticket: int | None = None) -> None:
        """Mark a ticket solved; the member is asked to rate the help."""
        found = await self._ticket(ctx, ticket)
        ref = await self._ref_of(found)
        if found.status not in ACTIVE:
            raise CommandError("support.errors.not_active", id=str(found.id))
        await self._finish(ref, found, "resolved", ctx.actor.user.id)
        await ctx.reply("support.staff.resolved", id=str(found.id))

    async def _finish(self, ref: CommunityRef, ticket: Ticket, status: str, actor: str) -> None:
        now = self.services.clock.now()
        await self._stop_clock(ref, ticket)
        left = await self._stop_resolution(ref, ticket)
        await self.store.change(
            ticket.id,
            "status",
            now,
            actor=actor,
            detail=status,
            status=status,
            resolved_at=now,
            resolved_in_time=None if left is None else left >= 0,
        )
        locale = self._locale(ref)
        buttons = (
            Button("👍", f"{PREFIX}rate:{ticket.id}:up"),
            Button("👎", f"{PREFIX}rate:{ticket.id}:down"),
        )
        key = "support.member.resolved" if status == "resolved" else "support.member.closed"
        await self._to_member(ref, ticket, t(locale, key, id=str(ticket.id)), buttons)

    @command(level=Level.MODERATOR, team=TEAM)
    async def reopen(self, ctx: Context, ticket: int | None = None) -> None:
        """Open a resolved ticket again; the next-response clock starts."""
        found = await self._ticket(ctx, ticket)
        ref = await self._ref_of(found)
        if found.status in ACTIVE:
            raise CommandError("support.errors.already_open", id=str(found.id))
        now = self.services.clock.now()
        await self.store.change(
            found.id,
            "status",
            now,
            actor=ctx.actor.user.id,
            detail="open",
            status="open",
            resolved_at=None,
        )
        await self._start_clock(ref, found, "next_response")
        now = self.services.clock.now()
        await self._arm_resolution(
            ref,
            found,
            deadline(
                self._hours(ref), now, self._target(found, "resolution"), self.rules.warn_share
            ),
        )
        await ctx.reply("support.staff.reopened", id=str(found.id))

    @command(level=Level.MODERATOR, team=TEAM)
    async def priority(self, ctx: Context, ticket: int, level: str) -> None:
        """Change a ticket's priority; its running target is measured again from the start."""
        found = await self._ticket(ctx, ticket)
        ref = await self._ref_of(found)
        wanted = level.casefold()
        if wanted not in PRIORITIES:
            raise CommandError("support.errors.bad_priority", value=level)
        now = self.services.clock.now()
        await self.store.change(
            found.id, "priority", now, actor=ctx.actor.user.id, detail=wanted, priority=wanted
        )
        found.priority = wanted
        if found.status == "open" and found.clock_kind is not None:
            start = found.created_at if found.clock_kind == "first_response" else now
            target = self._target(found, found.clock_kind)
            hours = self._hours(ref)
            when = deadline(hours, start, target, self.rules.warn_share)
            await self._arm(ref, found, found.clock_kind, when)
        if found.status == "open" and found.resolve_due_at is not None:
            target = self._target(found, "resolution")
            when = deadline(self._hours(ref), found.created_at, target, self.rules.warn_share)
            await self._arm_resolution(ref, found, when)
        await ctx.reply(
            "support.staff.priority", id=str(found.id), priority=ctx.t(f"support.priority.{wanted}")
        )

    @command(level=Level.MODERATOR, team=TEAM)
    async def tickets(self, ctx: Context, which: str = "open") -> None:
        """List tickets: open (default), mine or breached."""
        choice = which.casefold()
        if choice not in ("open", "mine", "breached"):
            raise CommandError("support.errors.bad_filter", value=which)
        ref = self._served(ctx)
        community_id = await self.services.directory.id_for(ref)
        rows = await self.store.listing(
            community_id, assignee=ctx.actor.user.id if choice == "mine" else None
        )
        if choice == "breached":
            breached = await self.store.breached_ids(community_id)
            rows = [r for r in rows if r.id in breached]
        if not rows:
            await ctx.reply("support.list.empty", which=ctx.t(f"support.list.{choice}"))
            return
        lines = [ctx.t("support.list.head", which=ctx.t(f"support.list.{choice}"), count=len(rows))]
        for row in rows:
            due = self._moment(ref, row.clock_due_at) if row.clock_due_at else "—"
            lines.append(
                ctx.t(
                    "support.list.line",
                    id=str(row.id),
                    member=row.member_name,
                    status=ctx.t(f"support.status.{row.status}"),
                    priority=ctx.t(f"support.priority.{row.priority}"),
                    assignee=row.assignee_name or ctx.t("support.nobody"),
                    due=due,
                )
            )
        await ctx.send_text("\n".join(lines))

    @command(level=Level.MODERATOR, team=TEAM)
    async def sla(self, ctx: Context) -> None:
        """This week's support figures: response times, SLA share, escalations, FAQ, rating."""
        ref = self._served(ctx)
        hours = self._hours(ref)
        now = self.services.clock.now()
        local = now.astimezone(hours.zone)
        monday = (local - timedelta(days=local.weekday())).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
        community_id = await self.services.directory.id_for(ref)
        rows = await self.store.since(community_id, monday)
        outcomes = await self.store.faq_outcomes_since(community_id, monday)
        await ctx.send_text(figures(self.rules, ctx.locale, rows, outcomes, hours, now))

    # -- buttons and member commands ------------------------------------------------------------

    @command()
    async def rate(self, ctx: Context, ticket: int, score: int) -> None:
        """Rate the help on your resolved ticket, from 1 to 5."""
        if not 1 <= score <= 5:
            raise CommandError("support.errors.bad_rating", value=score)
        await self._rate(ctx, ticket, score)

    async def _rate(self, ctx: Context, number: int, score: int) -> None:
        found = await self.store.get(number)
        community_id = await self.services.directory.id_for(ctx.community.ref)
        if found is None or found.community_id != community_id:
            raise CommandError("support.errors.no_ticket", id=str(number))
        if found.member_id != ctx.actor.user.id:
            raise CommandError("support.errors.not_yours", id=str(number))
        if found.status in ACTIVE:
            raise CommandError("support.errors.rate_later", id=str(number))
        now = self.services.clock.now()
        await self.store.change(
            found.id, "rated", now, actor=ctx.actor.user.id, detail=str(score), rating=score
        )
        await ctx.reply("support.member.thanks", private=True, id=str(found.id))

    @command()
    async def close_ticket(self, ctx: Context, ticket: int | None = None) -> None:
        """Close your own ticket when you no longer need help."""
        community_id = await self.services.directory.id_for(ctx.community.ref)
        found = (
            await self.store.get(ticket)
            if ticket is not None
            else await self.store.active_for(community_id, ctx.actor.user.id)
        )
        if found is None or found.community_id != community_id:
            raise CommandError(
                "support.errors.no_ticket", id=str(ticket) if ticket is not None else "?"
            )
        await self._member_close(ctx, found)

    async def _member_close(self, ctx: Context, found: Ticket) -> None:
        if found.member_id != ctx.actor.user.id:
            raise CommandError("support.errors.not_yours", id=str(found.id))
        if found.status not in ACTIVE:
            raise CommandError("support.errors.not_active", id=str(found.id))
        ref = ctx.community.ref
        await self._finish(ref, found, "closed", ctx.actor.user.id)
        await self._send(
            self._staff_chat(ref),
            ctx.t("support.staff.member_closed", id=str(found.id), member=found.member_name),
        )

    @listen(ButtonPressed, private=True)
    async def on_button(self, ctx: Context[ButtonPressed]) -> None:
        event = ctx.event
        if not event.custom_id.startswith(PREFIX):
            return
        # Ids come back from the platform as text a client may forge: parse_id checks them.
        kind, *args = event.custom_id.removeprefix(PREFIX).split(":")
        number = parse_id(args[0] if kind in ("rate", "close") else args[-1]) if args else None
        try:
            if number is not None and event.chat.is_private:
                # A button in a DM: it acts in the community of its ticket or answer.
                if kind == PICK and len(args) == 1:
                    await self.direct.picked(ctx, number)
                    raise StopPropagation
                inner = await self.direct.button_context(ctx, kind, number)
                if inner is None:
                    raise StopPropagation
                ctx = inner
            if number is None or len(args) > 2:
                pass  # a forged or stale button: nothing to do
            elif kind == "rate" and len(args) == 2 and args[1] in RATINGS:
                await self._rate(ctx, number, RATINGS[args[1]])
            elif kind == "close" and len(args) == 1:
                found = await self.store.get(number)
                if found is not None:
                    await self._member_close(ctx, found)
            elif kind == "faq" and len(args) == 2 and args[0] in ("yes", "no"):
                await self._faq_pressed(ctx, args[0], number)
            elif kind == "link" and len(args) == 2:
                await self._link_pressed(ctx, args[0], number)
        except CommandError as exc:
            await ctx.send_text(ctx.t(exc.key, **exc.params), private=True)
        raise StopPropagation

    async def _faq_pressed(self, ctx: Context, answer: str, outcome_id: int) -> None:
        outcome = await self.store.faq_outcome(outcome_id)
        if outcome is None or outcome.member_id != ctx.actor.user.id:
            raise CommandError("support.errors.not_your_answer")
        if answer == "yes":
            if await self.store.faq_decide(outcome_id, "helped"):
                # Thank them in the language they asked in, as the answer was.
                hits = self.faq_index().search(outcome.query, limit=1)
                lang = hits[0].lang if hits else ctx.locale
                await ctx.send_text(t(lang, "support.faq.glad"), private=True)
            return
        if outcome.outcome != "shown":
            return
        team, text = self._category(outcome.query)
        ticket = await self.open_ticket(
            ctx,
            text,
            "direct" if ctx.event.chat.is_private else "command",
            chat_id=outcome.chat_id,
            message_id=outcome.message_id,
            team=team,
        )
        await self.store.faq_decide(outcome_id, "not_helped", ticket.id)

    async def _link_pressed(self, ctx: Context, entry_id: str, index: int) -> None:
        entry = self.faq_rules.entry(entry_id)
        if entry is None or not 0 <= index < len(entry.links):
            return
        community_id = await self.services.directory.id_for(ctx.community.ref)
        await self.store.click(community_id, entry_id, index)
        link = entry.links[index]
        # The press is counted above; with the web server on, the link itself is tracked too
        # (`/l/<id>`), so the content page sees who went on to open it.
        url = await self.services.links.shorten(community_id, link.url, f"faq:{entry_id}")
        await ctx.reply("support.faq.link", private=True, label=link.label.get(ctx.locale), url=url)

    @command(private=True)
    async def faq(self, ctx: Context, query: Rest = "") -> None:
        """Search the FAQ; without words, list its questions."""
        rules = self.faq_rules
        if not query:
            titles = [
                f"• {(getattr(e.questions, ctx.locale) or e.questions.all())[0]}"
                for e in rules.entries[:20]
            ]
            await ctx.send_text("\n".join([ctx.t("support.faq.list"), *titles]))
            return
        hit = self.faq_index().answer(query, rules.threshold)
        if hit is None:
            await ctx.reply("support.faq.nothing")
            return
        await ctx.send_text(
            t(hit.lang, "support.faq.answer", answer=hit.entry.answer.get(hit.lang)),
            buttons=self._link_buttons(hit.lang, hit),
        )


def _sla_jobs(
    ref: CommunityRef,
    ticket_id: int,
    round_: int,
    when: Deadline,
    target: Literal["resolution"] | None,
    key: str,
) -> list[Job]:
    """The breach job of one run of a clock, and its warning when the target has one."""

    def timer(stage: Literal["warning", "breach"]) -> SlaTimer:
        return SlaTimer(
            platform=ref.platform,
            community=ref.id,
            ticket=ticket_id,
            round=round_,
            stage=stage,
            target=target,
        )

    jobs = [Job(SLA_JOB, when.due_at, timer("breach"), key=f"{key}:breach")]
    if when.warn_at is not None:
        jobs.append(Job(SLA_JOB, when.warn_at, timer("warning"), key=f"{key}:warning"))
    return jobs
