"""FAQ answering: the answer offered before a ticket, its buttons, and `/faq`."""

from __future__ import annotations

from bot.core.actions import Button
from bot.core.commands import Rest, command
from bot.core.context import Context
from bot.core.errors import CommandError
from bot.core.refs import MessageRef
from bot.i18n import t
from cogs.support.desk import PREFIX
from cogs.support.faq import Hit
from cogs.support.routing import category
from cogs.support.tickets import TicketFlow


class FaqAnswers(TicketFlow):
    """Offers FAQ answers and acts on their yes/no and link buttons."""

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
        team, text = category(self.rules, outcome.query)
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
