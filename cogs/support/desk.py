"""What every part of the support desk stands on: its rules, where to post, which ticket."""

from __future__ import annotations

import logging
from datetime import datetime

from bot.core.actions import Button, OpenThread, SendDirect, SendMessage
from bot.core.context import Context
from bot.core.errors import ActionRefused, CommandError
from bot.core.refs import ChatRef, CommunityRef, MessageRef, UserRef
from bot.db.models import Community as CommunityRow
from bot.i18n import t
from bot.services import Services
from cogs.support.faq import FAQ_INDEX, FaqIndex, FaqRules
from cogs.support.models import Ticket
from cogs.support.rules import WEEKDAYS, SupportRules
from cogs.support.sla import WorkingHours
from cogs.support.store import SupportStore

log = logging.getLogger(__name__)

PREFIX = "support:"


class DeskBase:
    """The desk's shared helpers (the `Support` cog is made of this and the parts above it)."""

    services: Services
    store: SupportStore

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
