"""The support desk: tickets with an SLA clock, staff replies relayed both ways, FAQ first.

A ticket's running target (first response, then next response after each member message) is
kept on its row; its warning and breach are durable jobs keyed by ticket and stage, and each
effect is written as a keyed `support_events` row before it is sent, so a restart neither loses
nor doubles a notice. Staff are the `support` team (`staff.py`): a staff role, listed members
and, unless switched off, moderators, per community; the core checks it for every staff command.
DMs on real platforms are routed to one of the member's communities by `direct.py`.

The cog is made of parts, each in a file named for what it holds, layered so each part uses only
those before it: `desk.py` (rules, posting, finding the ticket), `escalation.py`, `sla_clock.py`
(timers and their job), `tickets.py` (a ticket's life; `routing.py` picks its team and
priority), `faq_answers.py`, then `member_commands.py` and `team_commands.py`. This file wires
them: set-up, and the listeners that route a message or a button press to the part that handles
it.
"""

from __future__ import annotations

from bot.core.cogs import Cog, listen
from bot.core.context import Context
from bot.core.dispatch import StopPropagation
from bot.core.errors import CommandError
from bot.core.events import ButtonPressed, MessageCreated
from bot.core.ids import parse_id
from bot.services import Services
from cogs.support.desk import PREFIX
from cogs.support.dialogue import SupportDialogue
from cogs.support.direct import PICK, DirectDesk
from cogs.support.member_commands import MemberCommands
from cogs.support.published import SupportPublished
from cogs.support.reports import SupportReports
from cogs.support.safety import SafetyWatch
from cogs.support.staff import TEAM, is_staff
from cogs.support.store import SupportStore
from cogs.support.team_commands import TeamCommands

RATINGS = {"up": 5, "down": 1}


class Support(MemberCommands, TeamCommands, Cog):
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
        self.reports = SupportReports(services.sessions, lambda: self.rules)
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
