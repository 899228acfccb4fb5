"""The ideas board: members post and vote, the team moves ideas along and scores them, and a
monthly "you asked — we did" post closes the loop.

Votes are rows written in their own transaction (one per member and idea, by primary key).
The monthly post is a durable job per community, keyed by the month it covers, claimed in
`idea_monthly` and performed as a keyed effect: a restart neither loses nor doubles it.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from datetime import UTC, datetime, timedelta

from babel.dates import format_skeleton
from sqlalchemy import select

from bot import charts, similarity
from bot.channels import RitualChannel
from bot.core.actions import Button, EditMessage, SendDirect, SendImage, SendMessage
from bot.core.cogs import Cog, job, listen
from bot.core.commands import Rest, command
from bot.core.context import Context
from bot.core.dispatch import StopPropagation
from bot.core.errors import ActionRefused, CommandError, UnsupportedAction
from bot.core.events import ButtonPressed, CommandInvoked, Event, MessageCreated
from bot.core.ids import button_ids, parse_id
from bot.core.permissions import Level
from bot.core.published import MemberAt, PollRequest
from bot.core.refs import ChatRef, CommunityRef, MessageRef, UserRef
from bot.db.models import Community as CommunityRow
from bot.i18n import t
from bot.scheduler import Job, JobRun
from bot.services import Services
from bot.weekly import CommunityJob, community_from, community_payload, zone
from cogs.ideas.jobs import CardRefresh
from cogs.ideas.matrix import QUADRANTS, ChartLabels, Dot, parse_score, quadrant
from cogs.ideas.matrix import render as render_matrix
from cogs.ideas.models import Idea
from cogs.ideas.monthly import bounds, label, month_of, next_monthly
from cogs.ideas.published import IdeasPublished
from cogs.ideas.rules import IdeaRules
from cogs.ideas.store import OPEN, STATUSES, IdeaStore, Listed, Tally

log = logging.getLogger(__name__)

UP, DOWN, UNDO, POST = "idea:up:", "idea:down:", "idea:undo:", "idea:post:"
MONTHLY = "ideas.monthly"
SURVEY = "ideas.survey"
CARD = "ideas.card"
# A card shows its votes again at most this often: a burst of presses is one edit per card per
# period (the platforms limit edits too), at the end of the period the press fell in.
CARD_REFRESH = timedelta(seconds=5)
# Cards whose refresh is known to be stored already, so a burst stores it once (bounded).
CARDS_REMEMBERED = 1000
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
# Matrix pictures kept by what they show: asking again without a score changed draws nothing.
PICTURES_KEPT = 16
# The text matrix goes as the picture's caption when it fits every platform's caption
# (Telegram allows 1,024 characters); a longer one follows the picture as a message.
CAPTION_MOST = 1000
# What a moderator may write for each status, besides its own English word.
STATUS_ALIASES = {
    "under_review": "review", "in_progress": "started", "progress": "started", "done": "shipped",
    "merged": "duplicate",
}  # fmt: skip
VIEWS = ("top", "new", "mine", "hot", "matrix")


class Ideas(Cog):
    name = "ideas"
    uses = frozenset(
        {"actions", "clock", "config", "directory", "published", "rules", "scheduler", "sessions"}
    )

    def __init__(self, services: Services) -> None:
        self.services = services
        self.store = IdeaStore(services.sessions)
        self.published = IdeasPublished(services.sessions, lambda: self.rules)
        self.channel = RitualChannel(services, "ideas", lambda ref: self.rules.chat_for(ref))
        self._armed: set[CommunityRef] = set()
        # Recent messages by (platform, chat, message) so a moderator's 💡 reply can capture
        # one: the platforms do not send the replied-to text. Bounded by `remember_messages`.
        self._recent: OrderedDict[tuple[str, str, str], tuple[str, str, str]] = OrderedDict()
        self._refreshing: OrderedDict[int, datetime] = OrderedDict()  # idea id -> refresh due
        self._pictures: OrderedDict[tuple[object, ...], bytes] = OrderedDict()

    @property
    def rules(self) -> IdeaRules:
        return self.services.rules.current.get(IdeaRules)

    def about_here(self, locale: str) -> str | None:
        return t(locale, "ideas.about") if self.rules.enabled else None

    async def load(self) -> None:
        self.published.attach(self.services.published)
        await self._arm_known()

    async def unload(self) -> None:
        self.published.detach(self.services.published)

    # -- helpers ----------------------------------------------------------------------------

    def _settings(self, ref: CommunityRef) -> tuple[str, str]:
        settings = self.services.config.community(ref)
        return settings.locale, settings.timezone

    async def _community_id(self, ctx: Context) -> int:
        return await self.services.directory.id_for(ctx.community.ref)

    async def _idea(self, ctx: Context, number: int) -> Idea:
        idea = await self.store.by_number(await self._community_id(ctx), number)
        if idea is None or idea.status not in STATUSES:
            raise CommandError("ideas.errors.unknown", id=number)
        return idea

    def _status_word(self, word: str, locale: str) -> str | None:
        folded = word.strip().casefold().replace("-", "_")
        folded = STATUS_ALIASES.get(folded, folded)
        if folded in STATUSES:
            return folded
        for status in STATUSES:
            for lang in (locale, "kk", "ru", "en"):
                if t(lang, f"ideas.status.{status}").casefold().replace(" ", "_") == folded:
                    return status
        return None

    # -- posting ----------------------------------------------------------------------------

    @command()
    async def idea(self, ctx: Context, text: Rest = "") -> None:
        """Post an idea: `/idea <title> [| details]`; near-duplicates are offered first."""
        event = ctx.event
        raw = event.args if isinstance(event, CommandInvoked) and not event.options else text
        await self._propose(
            ctx, raw or text, offer=True, author=(ctx.actor.user.id, ctx.actor.name)
        )

    async def _propose(
        self, ctx: Context, text: str, *, offer: bool, author: tuple[str, str]
    ) -> None:
        rules = self.rules
        if not rules.enabled:
            raise CommandError("ideas.errors.disabled")
        title, _, details = text.partition("|")
        title, details = " ".join(title.split()), details.strip()
        words = similarity.words(title)
        if not title or not words:
            raise CommandError("ideas.errors.empty")
        if len(title) < rules.min_title_length:
            raise CommandError("ideas.errors.too_short", least=rules.min_title_length)
        if len(title) > rules.max_title_length:
            raise CommandError("ideas.errors.too_long", most=rules.max_title_length)
        details = details[: rules.max_details_length]
        community_id = await self._community_id(ctx)
        now = self.services.clock.now()
        twins: list[tuple[float, int]] = []
        if offer:
            for idea_id, other in await self.store.candidates(community_id):
                score = similarity.similarity(words, other, stem=True)
                if score >= rules.duplicate_threshold:
                    twins.append((score, idea_id))
        twins.sort(key=lambda pair: (-pair[0], pair[1]))
        idea = await self.store.create(
            community_id,
            title=title,
            details=details,
            tokens=words,
            author_id=author[0],
            author_name=author[1],
            chat_id=ctx.event.chat.id,
            status="draft" if twins else "new",
            at=now,
        )
        if twins:
            await self._offer(ctx, idea, [i for _, i in twins[: rules.offer_count]])
            return
        await self._post_card(ctx, idea)

    async def _offer(self, ctx: Context, draft: Idea, twin_ids: list[int]) -> None:
        lines = [ctx.t_mine("ideas.offer.header")]
        buttons = []
        for idea_id in twin_ids:
            twin = await self.store.get(idea_id)
            if twin is None:  # pragma: no cover - candidates were just read
                continue
            tally = await self.store.tally(twin.id)
            lines.append(
                ctx.t_mine("ideas.offer.line", id=twin.number, title=twin.title, votes=tally.up)
            )
            buttons.append(Button(ctx.t_mine("ideas.offer.vote", id=twin.number), f"{UP}{twin.id}"))
        buttons.append(Button(ctx.t_mine("ideas.offer.post"), f"{POST}{draft.id}"))
        await ctx.send_text("\n".join(lines), buttons=tuple(buttons), private=True)

    @staticmethod
    def _card(
        locale: str, idea: Idea, tally: Tally | None = None
    ) -> tuple[str, tuple[Button, ...]]:
        """The card's text (with its votes once there are any to show) and vote buttons."""
        text = t(locale, "ideas.card", id=idea.number, title=idea.title, name=idea.author_name)
        if idea.details:
            text = f"{text}\n{idea.details}"
        if tally is not None:
            text = f"{text}\n{t(locale, 'ideas.card_votes', votes=tally.up, down=tally.down)}"
        buttons = (
            Button(t(locale, "ideas.buttons.up"), f"{UP}{idea.id}"),
            Button(t(locale, "ideas.buttons.down"), f"{DOWN}{idea.id}"),
            Button(t(locale, "ideas.buttons.undo"), f"{UNDO}{idea.id}"),
        )
        return text, buttons

    async def _post_card(self, ctx: Context, idea: Idea) -> None:
        """The idea's card with its vote buttons, as the answer to what proposed it."""
        text, buttons = self._card(ctx.locale, idea)
        posted = (await ctx.send_text(text, buttons=buttons)).message
        chat = ctx.event.chat
        await self.store.set_message(
            idea.id, posted.chat.id if posted else chat.id, posted.id if posted else None
        )

    @listen(MessageCreated, group=25)
    async def on_message(self, ctx: Context) -> None:
        """A message in an ideas channel becomes an idea; a moderator's 💡 reply captures one."""
        event = ctx.event
        assert isinstance(event, MessageCreated)
        rules = self.rules
        if ctx.actor.is_bot or event.direct or not rules.enabled:
            return
        key = (event.chat.platform, event.chat.id, event.message.id)
        if rules.remember_messages:
            self._recent[key] = (ctx.actor.user.id, ctx.actor.name, event.text)
            while len(self._recent) > rules.remember_messages:
                self._recent.popitem(last=False)
        text = event.text.strip()
        if (
            event.reply_to is not None
            and text == rules.capture_emoji
            and ctx.actor.level >= Level.MODERATOR
        ):
            found = self._recent.get(
                (event.reply_to.chat.platform, event.reply_to.chat.id, event.reply_to.id)
            )
            if found is None:
                await ctx.reply("ideas.errors.capture_unknown", private=True)
                raise StopPropagation
            user_id, name, said = found
            await self._propose_quietly(ctx, said, offer=False, author=(user_id, name))
            raise StopPropagation
        if text and not text.startswith("/") and await self._in_idea_channel(ctx):
            await self._propose_quietly(
                ctx, text, offer=True, author=(ctx.actor.user.id, ctx.actor.name)
            )

    async def _propose_quietly(
        self, ctx: Context, text: str, *, offer: bool, author: tuple[str, str]
    ) -> None:
        try:
            await self._propose(ctx, text, offer=offer, author=author)
        except CommandError as exc:
            await ctx.send_text(ctx.t_mine(exc.key, **exc.params), private=True)

    async def _in_idea_channel(self, ctx: Context) -> bool:
        chat = ctx.event.chat
        for setting in self.rules.idea_channels:
            if setting.lstrip("#") == chat.id:
                return True
            resolved = await self.services.actions.resolve_channel(ctx.community.ref, setting)
            if resolved is not None and resolved.id == chat.id:
                return True
        return False

    # -- votes ------------------------------------------------------------------------------

    @listen(ButtonPressed, group=20)
    async def on_button(self, ctx: Context) -> None:
        event = ctx.event
        assert isinstance(event, ButtonPressed)
        if not event.custom_id.startswith("idea:"):
            return
        for prefix in (UP, DOWN, UNDO, POST):
            ids = button_ids(event.custom_id, prefix, 1)
            if ids is not None:
                break
        else:
            return  # a forged id no idea can have: nothing happens
        idea = await self.store.get(ids[0])
        if idea is None or idea.community_id != await self._community_id(ctx):
            return  # not ours: an idea of another community
        if prefix == POST:
            await self._post_draft(ctx, idea)
        else:
            await self._vote(ctx, idea, {UP: 1, DOWN: -1, UNDO: 0}[prefix])
        raise StopPropagation

    async def _post_draft(self, ctx: Context, idea: Idea) -> None:
        if idea.author_id != ctx.actor.user.id:
            await ctx.reply("ideas.offer.not_yours", private=True)
            return
        if idea.status != "draft":
            await ctx.reply("ideas.offer.done_already", private=True, id=idea.number)
            return
        now = self.services.clock.now()
        if await self.store.set_status(idea, "new", ctx.actor.user.id, now):
            await self._post_card(ctx, idea)

    async def _vote(self, ctx: Context, idea: Idea, value: int) -> None:
        if idea.status == "duplicate" and idea.merged_into is not None:
            target = await self.store.by_number(idea.community_id, idea.merged_into)
            idea = target or idea
        if idea.status not in OPEN:
            status = ctx.t_mine(f"ideas.status.{idea.status}") if idea.status in STATUSES else ""
            await ctx.reply("ideas.vote.closed", private=True, id=idea.number, status=status)
            return
        user, now = ctx.actor.user.id, self.services.clock.now()
        member = MemberAt(idea.community_id, user, now, since=idea.created_at)
        muted = self.services.published.checks.get("muted")
        if muted is not None and await muted(member):
            await ctx.reply("ideas.vote.muted", private=True)
            return
        then = self._refresh(ctx.community.ref, idea, now)
        if value == 0:
            gone = await self.store.unvote(idea.id, user, then, now)
            self._refreshed(idea, then, gone)
            tally = await self.store.tally(idea.id)
            key = "ideas.vote.withdrawn" if gone else "ideas.vote.none"
            await ctx.reply(key, private=True, id=idea.number, votes=tally.up)
            return
        unvetted = self.services.published.checks.get("unvetted")
        counted = unvetted is None or not await unvetted(member)
        changed = await self.store.vote(idea.id, user, ctx.actor.name, value, counted, now, then)
        self._refreshed(idea, then, changed)
        tally = await self.store.tally(idea.id)
        if not counted:
            await ctx.reply("ideas.vote.not_counted", private=True, id=idea.number)
        elif not changed:
            await ctx.reply("ideas.vote.already", private=True, id=idea.number, votes=tally.up)
        else:
            key = "ideas.vote.for" if value > 0 else "ideas.vote.against"
            await ctx.reply(key, private=True, id=idea.number, votes=tally.up, down=tally.down)

    # -- the card's vote count -------------------------------------------------------------

    def _refresh(self, ref: CommunityRef, idea: Idea, now: datetime) -> Job | None:
        """The card's refresh at the end of the period `now` is in; None when one is stored."""
        if idea.message_id is None:
            return None  # a card the platform gave no id for cannot be edited
        periods = (now - _EPOCH) // CARD_REFRESH + 1
        due = _EPOCH + periods * CARD_REFRESH
        if self._refreshing.get(idea.id) == due:
            return None
        payload = CardRefresh(platform=ref.platform, community=ref.id, idea=idea.id)
        return Job(CARD, due, payload, key=f"{CARD}:{idea.id}")

    def _refreshed(self, idea: Idea, then: Job | None, stored: bool) -> None:
        if then is None or not stored:
            return
        self._refreshing[idea.id] = then.due_at
        self._refreshing.move_to_end(idea.id)
        while len(self._refreshing) > CARDS_REMEMBERED:
            self._refreshing.popitem(last=False)
        self.services.scheduler.wake()

    @job(CARD, payload=CardRefresh)
    async def refresh_card(self, run: JobRun) -> None:
        """Show the card's votes as they are now: one edit of the card for a burst of presses."""
        refresh = run.payload_as(CardRefresh)
        ref = refresh.ref
        idea = await self.store.get(refresh.idea)
        if idea is None or idea.message_id is None:
            return
        locale, _ = self._settings(ref)
        text, buttons = self._card(locale, idea, await self.store.tally(idea.id))
        card = MessageRef(ChatRef(ref.platform, idea.chat_id, ref), idea.message_id)
        try:
            await self.services.actions.execute(
                EditMessage(message=card, text=text, buttons=buttons)
            )
        except (ActionRefused, UnsupportedAction) as exc:
            # The card was deleted, or the platform cannot edit: the voters' notes still
            # tell each of them the count.
            log.info("idea card %s not refreshed: %s", idea.number, exc)

    # -- lists ------------------------------------------------------------------------------

    @command()
    async def ideas(self, ctx: Context, view: Rest = "") -> None:
        """List ideas: `/ideas [top|new|mine|hot|matrix|<status>] [page]`."""
        words = view.split()
        page = 1
        if words and (number := parse_id(words[-1])) is not None:
            page, words = max(number, 1), words[:-1]
        if len(words) > 1:
            raise CommandError(
                "ideas.errors.bad_view", value=" ".join(words), views=self._views(ctx)
            )
        word = words[0].casefold() if words else "top"
        rules = self.rules
        community_id = await self._community_id(ctx)
        if word == "matrix":
            text, dots = await self._matrix(ctx, community_id)
            await self._send_matrix(ctx, text, dots)
            return
        size = rules.page_size
        kwargs: dict[str, object] = {"offset": (page - 1) * size, "limit": size}
        if word == "new":
            rows, total = await self.store.listing(community_id, order="new", **kwargs)  # type: ignore[arg-type]
        elif word == "mine":
            rows, total = await self.store.listing(
                community_id,
                statuses=STATUSES,
                author=ctx.actor.user.id,
                **kwargs,  # type: ignore[arg-type]
            )
        elif word == "hot":
            rows, total = await self.store.listing(
                community_id,
                statuses=("new", "review", "planned", "started"),
                quick_wins=(rules.high_impact_from, rules.low_cost_up_to),
                **kwargs,  # type: ignore[arg-type]
            )
        elif word == "top":
            rows, total = await self.store.listing(community_id, **kwargs)  # type: ignore[arg-type]
        elif (status := self._status_word(word, ctx.locale)) is not None:
            rows, total = await self.store.listing(community_id, statuses=(status,), **kwargs)  # type: ignore[arg-type]
        else:
            raise CommandError("ideas.errors.bad_view", value=word, views=self._views(ctx))
        title = (
            ctx.t(f"ideas.list.{word}")
            if word in VIEWS
            else ctx.t("ideas.list.status", status=ctx.t(f"ideas.status.{status}"))
        )
        if not rows:
            await ctx.send_text(
                f"{title}\n{ctx.t('ideas.list.empty' if page == 1 else 'ideas.list.past_end')}"
            )
            return
        pages = (total + size - 1) // size
        lines = [title]
        lines += [self._line(ctx.locale, row) for row in rows]
        if pages > 1:
            more = f"/ideas {word} {page + 1}" if page < pages else ""
            lines.append(ctx.t("ideas.list.page", page=page, pages=pages, more=more).rstrip())
        await ctx.send_text("\n".join(lines))

    def _views(self, ctx: Context) -> str:
        # "new" is a view and a status (`/ideas new` is the view): each word once.
        return ", ".join(dict.fromkeys((*VIEWS, *STATUSES)))

    def _line(self, locale: str, row: Listed) -> str:
        line = t(
            locale,
            "ideas.list.line",
            id=row.number,
            title=row.title,
            name=row.author_name,
            votes=row.tally.up,
            status=t(locale, f"ideas.status.{row.status}"),
        )
        if row.tally.down:
            line += t(locale, "ideas.list.against", down=row.tally.down)
        if row.impact is not None and row.cost is not None:
            line += t(locale, "ideas.list.score", impact=row.impact, cost=row.cost)
        return line

    async def _matrix(self, ctx: Context, community_id: int) -> tuple[str, list[Dot]]:
        """The matrix as text, and its scored ideas for the picture."""
        rules = self.rules
        rows, _ = await self.store.listing(community_id, statuses=OPEN, limit=200)
        by_quadrant: dict[str, list[Listed]] = {q: [] for q in QUADRANTS}
        dots = []
        unscored = 0
        for row in rows:
            where = quadrant(row.impact, row.cost, rules.high_impact_from, rules.low_cost_up_to)
            if where and row.impact is not None and row.cost is not None:
                by_quadrant[where].append(row)
                dots.append(Dot(row.number, row.impact, row.cost, where == "quick_win"))
            else:
                unscored += 1
        lines = [ctx.t("ideas.matrix.header")]
        for where in QUADRANTS:
            ideas = ", ".join(f"#{r.number}" for r in by_quadrant[where]) or "—"
            lines.append(ctx.t(f"ideas.matrix.{where}", ideas=ideas))
        if unscored:
            lines.append(ctx.t("ideas.matrix.unscored", count=unscored))
        return "\n".join(lines), dots

    async def _send_matrix(self, ctx: Context, text: str, dots: list[Dot]) -> None:
        """The matrix as a picture with the text as its caption (what a screen reader reads);
        the text alone where there is nothing to draw or the platform takes no images."""
        if not dots:
            await ctx.send_text(text)
            return
        rules, locale = self.rules, ctx.locale
        key = (locale, rules.high_impact_from, rules.low_cost_up_to, tuple(dots))
        image = self._pictures.get(key)
        if image is None:
            labels = ChartLabels(
                ctx.t("ideas.matrix.chart_title"), ctx.t("ideas.matrix.chart_impact"),
                ctx.t("ideas.matrix.chart_cost"), ctx.t("ideas.matrix.chart_quick"),
            )  # fmt: skip
            image = await charts.draw(
                render_matrix, dots, labels, rules.high_impact_from, rules.low_cost_up_to
            )
            self._pictures[key] = image
            while len(self._pictures) > PICTURES_KEPT:
                self._pictures.popitem(last=False)
        self._pictures.move_to_end(key)
        fits = len(text) <= CAPTION_MOST
        caption = text if fits else ctx.t("ideas.matrix.header")
        chat = ctx.event.chat
        try:
            await ctx.act(SendImage(chat=chat, image=image, filename="ideas-matrix.png",
                                    caption=caption))  # fmt: skip
        except UnsupportedAction:
            fits = False
        if not fits:
            await ctx.send_text(text)

    # -- the team ---------------------------------------------------------------------------

    @command(level=Level.MODERATOR)
    async def idea_status(self, ctx: Context, idea: int, status: str, reason: Rest = "") -> None:
        """Move an idea: review, planned, started, shipped, declined <reason>, duplicate <into>."""
        found = await self._idea(ctx, idea)
        word = self._status_word(status, ctx.locale)
        if word is None:
            raise CommandError(
                "ideas.errors.bad_status", value=status, statuses=", ".join(STATUSES)
            )
        reason = " ".join(reason.split())
        if word == "duplicate":
            into = parse_id(reason.lstrip("#").split()[0]) if reason else None
            if into is None:
                raise CommandError("ideas.errors.need_into", id=idea)
            await self._merge(ctx, found, into)
            return
        if word == "declined" and not reason:
            raise CommandError("ideas.errors.need_reason", id=idea)
        if found.status == "duplicate":
            raise CommandError("ideas.errors.merged", id=idea, into=found.merged_into)
        now = self.services.clock.now()
        if not await self.store.set_status(found, word, ctx.actor.user.id, now, reason):
            raise CommandError(
                "ideas.errors.same_status", id=idea, status=ctx.t(f"ideas.status.{word}")
            )
        await ctx.reply(
            "ideas.status_done", private=True, id=idea, status=ctx.t(f"ideas.status.{word}")
        )
        await self._tell(
            ctx, found, "ideas.told.status", "ideas.told.status_voted", status=word, reason=reason
        )

    @command(level=Level.MODERATOR)
    async def idea_merge(self, ctx: Context, idea: int, into: int) -> None:
        """Merge a duplicate into another idea: its votes and authors move over."""
        await self._merge(ctx, await self._idea(ctx, idea), into)

    async def _merge(self, ctx: Context, source: Idea, into: int) -> None:
        target = await self._idea(ctx, into)
        if source.id == target.id or source.status == "duplicate" or target.status == "duplicate":
            raise CommandError("ideas.errors.bad_merge", id=source.number, into=into)
        # Tell the source's people before they move, so each hears once, about the merge.
        await self.store.merge(source, target, ctx.actor.user.id, self.services.clock.now())
        tally = await self.store.tally(target.id)
        await ctx.reply(
            "ideas.merge_done", private=True, id=source.number, into=into, votes=tally.up
        )
        await self._tell(ctx, target, "ideas.told.merged", source=source.number, votes=tally.up)

    async def _tell(
        self, ctx: Context, idea: Idea, key: str, voter_key: str | None = None, **params: object
    ) -> None:
        """Tell the idea's authors (`key`) and voters (`voter_key`, else `key`), each in their
        language: a DM where possible, else one short post naming them (never a mention)."""
        authors = dict(await self.store.authors(idea.id))
        people: dict[str, tuple[str, str]] = {}
        for user_id, name in (*authors.items(), *await self.store.voters(idea.id)):
            if user_id != ctx.actor.user.id and user_id not in people:
                people[user_id] = (name, key if user_id in authors else voter_key or key)
        platform = ctx.community.ref.platform
        leftover: dict[str, list[str]] = {}
        direct = ctx.supports(SendDirect)
        for user_id, (name, which) in people.items():
            user = UserRef(platform, user_id)
            locale = self.services.config.person_locale(user) or ctx.locale
            try:
                if not direct:
                    raise UnsupportedAction(platform, "SendDirect")
                await ctx.act(SendDirect(user=user, text=self._told(locale, which, idea, params)))
            except (ActionRefused, UnsupportedAction):
                leftover.setdefault(which, []).append(name or user_id)
        for which, names in leftover.items():
            text = self._told(ctx.locale, which, idea, params)
            await ctx.act(
                SendMessage(
                    chat=ChatRef(platform, idea.chat_id, ctx.community.ref),
                    text=ctx.t("ideas.told.public", names=", ".join(names), text=text),
                )
            )

    def _told(self, locale: str, key: str, idea: Idea, params: dict[str, object]) -> str:
        shown = dict(params)
        if "status" in shown:
            shown["status"] = t(locale, f"ideas.status.{shown['status']}")
        text = t(locale, key, id=idea.number, title=idea.title, **shown)
        if params.get("reason"):
            text += "\n" + t(locale, "ideas.told.reason", reason=params["reason"])
        return text

    @command(level=Level.MODERATOR)
    async def idea_score(self, ctx: Context, idea: int, impact: str, cost: str) -> None:
        """Score an idea's impact and cost: 1-5 each, or S/M/L."""
        found = await self._idea(ctx, idea)
        impact_score, cost_score = parse_score(impact), parse_score(cost)
        if impact_score is None or cost_score is None:
            bad = impact if impact_score is None else cost
            raise CommandError("ideas.errors.bad_score", value=bad, id=idea)
        await self.store.score(
            found, impact_score, cost_score, ctx.actor.user.id, self.services.clock.now()
        )
        rules = self.rules
        where = quadrant(impact_score, cost_score, rules.high_impact_from, rules.low_cost_up_to)
        await ctx.reply(
            "ideas.score_done",
            private=True,
            id=idea,
            impact=impact_score,
            cost=cost_score,
            quadrant=ctx.t(f"ideas.quadrant.{where}"),
        )

    # -- the monthly post -------------------------------------------------------------------

    @listen(Event, group=-10)
    async def on_any(self, ctx: Context) -> None:
        """First sight of a community arms its monthly post."""
        try:
            await self._ensure(ctx.community.ref)
        except Exception:
            log.exception("could not arm the monthly ideas post for %s", ctx.community.ref)

    async def _arm_known(self) -> None:
        async with self.services.sessions() as session:
            rows = (
                await session.execute(select(CommunityRow.platform, CommunityRow.external_id))
            ).all()
        for platform, external_id in rows:
            await self._ensure(CommunityRef(platform, external_id))

    async def _ensure(self, ref: CommunityRef) -> None:
        if ref in self._armed:
            return
        await self.services.directory.id_for(ref)
        for kind in (MONTHLY, SURVEY):
            prefix = f"{kind}:{ref}:"
            pending = await self.services.scheduler.pending(kind)
            if not any(job.key and job.key.startswith(prefix) for job in pending):
                await self._schedule_after(ref, self.services.clock.now(), kind)
        self._armed.add(ref)

    async def _schedule_after(
        self, ref: CommunityRef, after: datetime, kind: str = MONTHLY
    ) -> None:
        """Arm the monthly post (keyed by the month it covers) or the survey (by its month)."""
        _, timezone = self._settings(ref)
        if kind == MONTHLY:
            due = next_monthly(after, self.rules.monthly, timezone)
            key = f"{kind}:{ref}:{label(due, timezone)}"
        else:
            due = next_monthly(after, self.rules.survey, timezone)
            key = f"{kind}:{ref}:{month_of(due, timezone)}"
        await self.services.scheduler.schedule(kind, due, community_payload(ref), key=key)
        self._armed.add(ref)

    @job(SURVEY, payload=CommunityJob, when_off="handler")
    async def monthly_survey(self, run: JobRun) -> None:
        """On the survey day: a poll of the most-voted open ideas; then arm next month's."""
        ref = community_from(run)
        _, timezone = self._settings(ref)
        try:
            rules = self.rules
            if (
                rules.enabled
                and rules.survey.enabled
                and self.services.config.feature_on(ref, "ideas")
            ):
                await self._post_survey(ref, month_of(run.due_at, timezone))
        finally:
            await self._schedule_after(ref, max(run.due_at, self.services.clock.now()), SURVEY)

    async def _post_survey(self, ref: CommunityRef, month: str) -> str | None:
        """Post the month's survey once; None when posted, else why not (a message key)."""
        start = self.services.published.polls.get("poll")
        if start is None:
            log.warning("no polls feature loaded: the ideas survey of %s is skipped", ref)
            return "ideas.errors.survey_no_polls"
        community_id = await self.services.directory.id_for(ref)
        if await self.store.survey(community_id, month) is not None:
            return "ideas.errors.survey_done"
        rules = self.rules
        rows, _ = await self.store.listing(community_id, limit=rules.survey.options)
        if len(rows) < 2:
            return "ideas.errors.survey_few"
        locale, _ = self._settings(ref)
        # Button labels stay short on every platform (Discord allows 80 characters).
        options = tuple(f"#{r.number} {r.title}"[:60] for r in rows)
        chat = await self.channel.chat(ref)
        request = PollRequest(
            chat, t(locale, "ideas.survey.question"), options, timedelta(hours=rules.survey.hours)
        )

        async def post() -> None:
            number = await start(request)
            await self.store.add_survey(
                community_id, month, number, [r.number for r in rows], self.services.clock.now()
            )

        done = await self.services.scheduler.once(f"ideas:survey:{community_id}:{month}", post)
        return None if done else "ideas.errors.survey_done"

    @command(level=Level.MODERATOR)
    async def ideas_survey(self, ctx: Context) -> None:
        """Post this month's open survey now (a poll of the most-voted open ideas)."""
        _, timezone = self._settings(ctx.community.ref)
        why = await self._post_survey(
            ctx.community.ref, month_of(self.services.clock.now(), timezone)
        )
        if why is not None:
            raise CommandError(why)

    def _upcoming(self, ref: CommunityRef) -> str:
        """The month the next monthly post covers."""
        _, timezone = self._settings(ref)
        due = next_monthly(self.services.clock.now(), self.rules.monthly, timezone)
        return label(due, timezone)

    @job(MONTHLY, payload=CommunityJob, when_off="handler")
    async def monthly_post(self, run: JobRun) -> None:
        """On the configured day: post last month's "you asked — we did", then arm next month."""
        ref = community_from(run)
        _, timezone = self._settings(ref)
        try:
            if self.rules.enabled and self.services.config.feature_on(ref, "ideas"):
                await self._send_monthly(ref, label(run.due_at, timezone))
        finally:
            await self._schedule_after(ref, max(run.due_at, self.services.clock.now()))

    async def _send_monthly(self, ref: CommunityRef, month: str) -> bool:
        """Post the month's summary once: claimed in the table, performed as a keyed effect."""
        community_id = await self.services.directory.id_for(ref)
        row = await self.store.monthly(community_id, month)
        if row is not None and row.status == "sent":
            return False
        await self.store.claim_monthly(community_id, month)

        async def post() -> None:
            text = await self.monthly_text(ref, month)
            result = await self.channel.post(ref, text, post=f"{ref}:{month}")
            posted = result.message.id if result.message else None
            await self.store.sent_monthly(community_id, month, posted, self.services.clock.now())

        return await self.services.scheduler.once(f"ideas:monthly:{community_id}:{month}", post)

    async def monthly_text(self, ref: CommunityRef, month: str) -> str:
        """The post for `month` as it stands now (the preview shows exactly this)."""
        locale, timezone = self._settings(ref)
        community_id = await self.services.directory.id_for(ref)
        start, end = bounds(month, timezone)
        shipped = await self.store.changed_between(community_id, "shipped", start, end)
        declined = await self.store.changed_between(community_id, "declined", start, end)
        planned, _ = await self.store.listing(
            community_id, statuses=("planned", "started"), limit=self.rules.monthly_planned
        )
        came = await self.store.count_new(community_id, start, end)
        name = format_skeleton("yMMMM", start.astimezone(zone(timezone)), locale=locale)
        lines = [t(locale, "ideas.monthly.header", month=name)]
        if shipped:
            lines.append(t(locale, "ideas.monthly.shipped", count=len(shipped)))
            for idea in shipped:
                names = ", ".join(n or u for u, n in await self.store.authors(idea.id))
                lines.append(
                    t(
                        locale,
                        "ideas.monthly.shipped_line",
                        id=idea.number,
                        title=idea.title,
                        names=names,
                    )
                )
        else:
            lines.append(t(locale, "ideas.monthly.none_shipped"))
        if planned and self.rules.monthly_planned:
            lines.append(t(locale, "ideas.monthly.next"))
            lines += [
                t(locale, "ideas.monthly.next_line", id=p.number, title=p.title, votes=p.tally.up)
                for p in planned
            ]
        lines.append(t(locale, "ideas.monthly.came", count=came))
        row = await self.store.monthly(community_id, month)
        launched = ", ".join(t(locale, "ideas.monthly.ref", id=i.number) for i in shipped) or "—"
        missed = (
            "; ".join(
                f"{t(locale, 'ideas.monthly.ref', id=i.number)} ({i.reason})" for i in declined
            )
            or "—"
        )
        changes = (
            row.retro if row is not None and row.retro else t(locale, "ideas.monthly.no_changes")
        )
        lines.append("")
        lines.append(
            t(locale, "ideas.monthly.retro", launched=launched, missed=missed, changes=changes)
        )
        return "\n".join(lines)

    @command(level=Level.MODERATOR)
    async def ideas_digest_preview(self, ctx: Context) -> None:
        """Show privately the next monthly "you asked — we did" post as it stands now."""
        month = self._upcoming(ctx.community.ref)
        text = await self.monthly_text(ctx.community.ref, month)
        await ctx.send_text(f"{ctx.t('ideas.monthly.preview')}\n\n{text}", private=True)

    @command(level=Level.MODERATOR)
    async def ideas_retro(self, ctx: Context, text: Rest = "") -> None:
        """Write the "what changes" part of the next monthly post's open retro."""
        text = " ".join(text.split())
        if not text:
            raise CommandError("ideas.errors.empty_retro")
        if len(text) > self.rules.max_retro_length:
            raise CommandError("ideas.errors.retro_long", most=self.rules.max_retro_length)
        month = self._upcoming(ctx.community.ref)
        await self.store.set_retro(await self._community_id(ctx), month, text)
        await ctx.reply("ideas.monthly.retro_set", private=True)

    @command(level=Level.MODERATOR)
    async def ideas_digest_send(self, ctx: Context) -> None:
        """Send the next monthly post now (the scheduled one is then skipped, never doubled)."""
        month = self._upcoming(ctx.community.ref)
        if not await self._send_monthly(ctx.community.ref, month):
            raise CommandError("ideas.errors.monthly_sent")
