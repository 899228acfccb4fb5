"""Content: the team's posts planned, checked and scheduled; debates, challenges, the UGC showcase.

A post is drafted (`/post new myth …`, `/post draft` as a reply, or in `rules/content.toml`),
given a next step, checked and scheduled. Scheduling commits the post's links and its publish
job in one transaction; the job posts to every community the post goes to (linked communities
on other platforms too), each post and poll a keyed effect, so a restart neither loses nor
doubles one.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from datetime import datetime, timedelta
from typing import Any

from bot.channels import RitualChannel, tell_admins
from bot.core.actions import Button, FetchFile, SendImage, SendMessage, StartThread
from bot.core.cogs import Cog, job, listen
from bot.core.commands import Rest, command
from bot.core.context import Context
from bot.core.dispatch import StopPropagation
from bot.core.errors import ActionRefused, CommandError
from bot.core.events import Attachment, ButtonPressed, CommandInvoked, MessageCreated
from bot.core.ids import button_ids, parse_id
from bot.core.permissions import Level
from bot.core.published import PollRequest
from bot.core.refs import ChatRef, CommunityRef, MessageRef
from bot.i18n import format_moment, t
from bot.rules.models import WeeklySlot
from bot.scheduler import Job, JobRun
from bot.services import Services
from bot.weekly import local_date, zone
from bot.when import BadWhen, parse_when
from cogs.content.checklist import (
    ASKS,
    Finding,
    Target,
    all_text,
    body,
    check_length,
    languages,
    missing_language,
    problems,
    rhythm,
)
from cogs.content.discussions import Discussions
from cogs.content.folder import COMPILED as FOLDER_COMPILED
from cogs.content.folder import FolderPosts
from cogs.content.jobs import (
    CHALLENGE_CLOSE,
    DEBATE_CLOSE,
    PUBLISH,
    ChallengeClose,
    DebateClose,
    PublishJob,
)
from cogs.content.links import find_links, tracked_url, with_utm
from cogs.content.media import KINDS, Media, MediaError, MediaStore, check_name, read_limited
from cogs.content.models import ContentPost
from cogs.content.published import ContentPublished
from cogs.content.rules import STEP_KINDS, ContentRules, FilePost
from cogs.content.store import ContentStore

log = logging.getLogger(__name__)

SIGNUP = "content:signup:"
SIDE = "content:side:"
JOIN = "content:join:"
# A post's next step as the metrics count bot posts by kind (bot.core.actions.NEXT_STEPS): a
# sign-up is its button. A poll or thread step also sends its poll or opens its thread.
_METRIC_STEP = {
    "poll": "poll",
    "question": "question",
    "thread": "thread",
    "signup": "buttons",
    "link": "link",
}
# `/post schedule N` without a time: the seed's Friday evening slot.
DEFAULT_SLOT = WeeklySlot(weekday="friday", time="18:00")
# Recent messages remembered for `/post draft` and `/feature` (replies name a message, not
# its text); the oldest is forgotten first.
RECENT_LIMIT = 2000
ACTIONS = (
    "new",
    "draft",
    "text",
    "next",
    "sponsored",
    "media",
    "list",
    "preview",
    "schedule",
    "now",
    "cancel",
    "override",
)
LOCALES = ("kk", "ru", "en")
MAX_OPTIONS = 10
NAME_LIMIT = 100
MEDIA_SEEN_LIMIT = 1000


def _post_key(post_id: int) -> str:
    return f"content:post:{post_id}"


def _ref_of(text: str) -> CommunityRef:
    platform, _, ident = text.partition(":")
    return CommunityRef(platform, ident)


class Content(Cog):
    name = "content"
    uses = frozenset(
        {
            "actions",
            "channels",  # tell_admins: the moderators' log channel
            "clock",
            "config",
            "directory",
            "links",
            "published",
            "rules",
            "scheduler",
            "sessions",
        }
    )

    def __init__(self, services: Services) -> None:
        self.services = services
        self.store = ContentStore(services.sessions)
        self.discussions = Discussions(services.sessions)
        self.media = MediaStore(services.config.bot.data_dir)
        # (path, modified, size) of a rule file's media -> the stored media: a reload does not
        # hash every file again. Bounded like every cache.
        self._media_seen: OrderedDict[tuple[str, int, int], str] = OrderedDict()
        self.published = ContentPublished(self.store, self.discussions)
        self.channel = RitualChannel(services, "content", lambda ref: self.rules.chat_for(ref))
        self._recent: OrderedDict[tuple[str, str, str], tuple[str, str]] = OrderedDict()

    @property
    def rules(self) -> ContentRules:
        return self.services.rules.current.get(ContentRules)

    def about_here(self, locale: str) -> str | None:
        return t(locale, "content.about") if self.rules.enabled else None

    async def load(self) -> None:
        await self.discussions.start(self.services.clock.now())
        self.published.attach(self.services.published)
        self.services.rules.on_change(self.sync_file_posts)
        await self.sync_file_posts()

    async def unload(self) -> None:
        self.services.rules.off_change(self.sync_file_posts)
        self.published.detach(self.services.published)
        await self.discussions.stop()

    # -- what members wrote (for /post draft and /feature) ---------------------------------

    @listen(MessageCreated, group=20)
    async def remember(self, ctx: Context) -> None:
        event = ctx.event
        assert isinstance(event, MessageCreated)
        if event.direct or ctx.actor.is_bot:
            return
        # A reply to a post or a debate, or a message in the thread opened on it.
        self.discussions.heard(event)
        key = (event.chat.platform, event.chat.id, event.message.id)
        self._recent[key] = (event.text, ctx.actor.name)
        self._recent.move_to_end(key)
        while len(self._recent) > RECENT_LIMIT:
            self._recent.popitem(last=False)

    def _replied(self, ctx: Context) -> tuple[MessageRef, str, str]:
        """The replied-to message, its text and its author's name ("" when not seen)."""
        event = ctx.event
        assert isinstance(event, CommandInvoked)
        if event.reply_to is None:
            raise CommandError("content.errors.need_reply", command=f"/{event.name}")
        message = event.reply_to
        text, name = self._recent.get(
            (message.chat.platform, message.chat.id, message.id), ("", "")
        )
        return message, text, name

    # -- /post ------------------------------------------------------------------------------

    @command(level=Level.MODERATOR, files=True)
    async def post(self, ctx: Context, action: str, details: Rest = "") -> None:
        """Plan a post: `/post new myth <text>`, `/post schedule 1 fri 18:00`."""
        event = ctx.event
        # The raw text keeps line breaks and quotes the generic Rest tokenizer would drop.
        raw = event.args if isinstance(event, CommandInvoked) and not event.options else ""
        words = raw.strip().split(None, 1) if raw.strip() else [action, details]
        rest = words[1].strip() if len(words) > 1 else ""
        action = action.casefold()
        if action not in ACTIONS:
            raise CommandError("content.errors.action", action=action, actions=", ".join(ACTIONS))
        if action == "new":
            await self._new(ctx, rest)
        elif action == "draft":
            await self._draft(ctx, rest)
        elif action == "list":
            await self._list(ctx)
        else:
            number, _, rest = rest.partition(" ") if " " in rest else (rest, "", "")
            post = await self._post_here(ctx, number.strip(), action)
            await getattr(self, f"_{action}")(ctx, post, rest.strip())

    async def _post_here(self, ctx: Context, number: str, action: str) -> ContentPost:
        post_id = parse_id(number)
        if post_id is None:
            raise CommandError("content.errors.number", action=action)
        post = await self.store.post(post_id)
        ref = ctx.community.ref
        if post is None or (post.platform, post.community_ext) != (ref.platform, ref.id):
            raise CommandError("content.errors.unknown", id=post_id)
        if action not in ("preview",) and post.status in ("published", "cancelled"):
            raise CommandError(f"content.errors.{post.status}", id=post_id)
        return post

    def _rubric(self, name: str) -> str:
        if name not in self.rules.rubrics:
            raise CommandError(
                "content.errors.rubric", rubric=name, known=", ".join(sorted(self.rules.rubrics))
            )
        return name

    async def _origin(self, ctx: Context, now: datetime) -> dict[str, Any]:
        """The columns a post, a debate and a challenge all start with: where, by whom, when."""
        ref = ctx.community.ref
        return {
            "community_id": await self.services.directory.id_for(ref),
            "platform": ref.platform,
            "community_ext": ref.id,
            "created_by": ctx.actor.user.id,
            "created_at": now,
        }

    def _moment(self, ctx: Context, moment: datetime) -> str:
        """`moment` as the community reads it: its own timezone, the reader's language."""
        return format_moment(moment.astimezone(zone(ctx.community.settings.timezone)), ctx.locale)

    async def _create(
        self, ctx: Context, rubric: str, text: str, *, source_key: str | None = None
    ) -> ContentPost:
        return await self.store.create_post(
            **await self._origin(ctx, self.services.clock.now()),
            rubric=rubric,
            texts={ctx.locale: text} if text else {},
            step_kind=None,
            step={},
            sponsored=False,
            media="",
            alt="",
            status="draft",
            source_key=source_key,
        )

    async def _new(self, ctx: Context, rest: str) -> None:
        name, _, text = rest.partition(" ") if rest else ("", "", "")
        if not name:
            raise CommandError(
                "content.errors.no_rubric", known=", ".join(sorted(self.rules.rubrics))
            )
        rubric = self.rules.rubrics[self._rubric(name.casefold())]
        post = await self._create(ctx, name.casefold(), text.strip())
        title = rubric.title.get(ctx.locale)
        if text.strip():
            await ctx.reply("content.new.drafted", id=post.id, rubric=title)
        else:
            await ctx.reply(
                "content.new.template",
                id=post.id,
                rubric=title,
                template=rubric.template.get(ctx.locale),
            )

    async def _draft(self, ctx: Context, rest: str) -> None:
        _message, text, _name = self._replied(ctx)
        if not text.strip():
            raise CommandError("content.errors.unseen")
        name = rest.split()[0].casefold() if rest.split() else "question"
        self._rubric(name)
        post = await self._create(ctx, name, text.strip())
        title = self.rules.rubrics[name].title.get(ctx.locale)
        await ctx.reply("content.new.drafted", id=post.id, rubric=title)

    async def _back_to_draft(self, post: ContentPost) -> bool:
        """An edit of a scheduled post takes it back to draft: the checklist runs again."""
        if post.status != "scheduled":
            return False
        await self.services.scheduler.cancel(_post_key(post.id))
        await self.store.update_post(post.id, status="draft", due_at=None)
        return True

    async def _edited(self, ctx: Context, post: ContentPost, key: str, **params: object) -> None:
        unscheduled = await self._back_to_draft(post)
        text = ctx.t(key, id=post.id, **params)
        if unscheduled:
            text += "\n" + ctx.t("content.edit.unscheduled", id=post.id)
        await ctx.send_text(text)

    async def _text(self, ctx: Context, post: ContentPost, rest: str) -> None:
        head, _, tail = rest.partition(" ")
        locale, text = (head, tail.strip()) if head in LOCALES else (ctx.locale, rest)
        if not text:
            raise CommandError("content.errors.no_text", id=post.id)
        await self.store.update_post(post.id, texts={**post.texts, locale: text})
        await self._edited(ctx, post, "content.edit.text", language=locale)

    async def _next(self, ctx: Context, post: ContentPost, rest: str) -> None:
        kind, _, detail = rest.partition(" ")
        kind = kind.casefold()
        if kind not in STEP_KINDS:
            raise CommandError("content.errors.step", id=post.id, kinds=", ".join(STEP_KINDS))
        step: dict[str, object] = {}
        if kind == "poll":
            parts = [part.strip() for part in detail.split("|")]
            question, options = parts[0], [p for p in parts[1:] if p]
            if not question or not 2 <= len(options) <= MAX_OPTIONS:
                raise CommandError("content.errors.poll", id=post.id, most=MAX_OPTIONS)
            if self.services.published.polls.get("poll") is None:
                raise CommandError("content.errors.no_polls")
            step = {"question": question, "options": options}
        elif kind == "link":
            url = detail.strip()
            if not find_links(url) or find_links(url)[0] != url:
                raise CommandError("content.errors.link", id=post.id)
            step = {"url": url}
        await self.store.update_post(post.id, step_kind=kind, step=step)
        await self._edited(ctx, post, f"content.edit.step_{kind}")

    async def _sponsored(self, ctx: Context, post: ContentPost, rest: str) -> None:
        off = rest.casefold() in ("off", "no", "нет", "жоқ")
        if not off and self.services.published.ad_labels.get("support") is None:
            raise CommandError("content.errors.no_label")
        await self.store.update_post(post.id, sponsored=not off)
        await self._edited(
            ctx, post, "content.edit.unsponsored" if off else "content.edit.sponsored"
        )

    async def _media(self, ctx: Context, post: ContentPost, rest: str) -> None:
        url, _, alt = rest.partition("|")
        event = ctx.event
        files = event.attachments if isinstance(event, CommandInvoked) else ()
        if not url.strip() and files:
            media, size = await self._attached(ctx, post, files[0])
            await self.store.update_post(post.id, media=str(media), alt=alt.strip())
            kb = max(1, round(size / 1000))
            await self._edited(ctx, post, "content.edit.media_file", name=media.filename, size=kb)
            return
        if not find_links(url.strip()) or find_links(url.strip())[0] != url.strip():
            raise CommandError("content.errors.media", id=post.id)
        await self.store.update_post(post.id, media=url.strip(), alt=alt.strip())
        await self._edited(ctx, post, "content.edit.media")

    async def _attached(
        self, ctx: Context, post: ContentPost, file: Attachment
    ) -> tuple[Media, int]:
        """The file sent with `/post media`, fetched through the platform (at most
        `media_max_mb`) and kept by its hash under the data folder like a rule file's media;
        with its size in bytes."""
        limit = self.rules.media_max_mb * 1_000_000
        try:
            name = check_name(file.filename)
        except MediaError:
            kinds = ", ".join(sorted(KINDS))
            raise CommandError(
                "content.errors.media_kind", id=post.id, name=file.filename, kinds=kinds
            ) from None
        if file.size is not None and file.size > limit:
            raise CommandError(
                "content.errors.media_size",
                id=post.id,
                name=name,
                size=f"{file.size / 1e6:.1f}",
                limit=self.rules.media_max_mb,
            )
        try:
            fetched = await ctx.act(FetchFile(chat=ctx.event.chat, attachment=file, limit=limit))
        except ActionRefused as exc:
            reason = exc.reason
            raise CommandError("content.errors.media_fetch", id=post.id, reason=reason) from None
        data = fetched.data or b""
        if len(data) > limit:  # an adapter that does not bound it: still never stored
            raise CommandError(
                "content.errors.media_size",
                id=post.id,
                name=name,
                size=f"{len(data) / 1e6:.1f}",
                limit=self.rules.media_max_mb,
            )
        return self.media.put(data, name, limit), len(data)

    async def _override(self, ctx: Context, post: ContentPost, rest: str) -> None:
        if ctx.actor.level < Level.ADMIN:
            raise CommandError("content.errors.admin_only")
        if not rest.strip():
            raise CommandError("content.errors.reason", id=post.id)
        await self.store.update_post(
            post.id, override_by=ctx.actor.user.id, override_reason=rest.strip()
        )
        line = t(
            ctx.locale,
            "content.override.logged",
            id=post.id,
            name=ctx.actor.name,
            reason=rest.strip(),
        )
        log.warning("[%s] %s", ctx.community.ref, line)
        log_channel = ctx.community.settings.log_channel
        if log_channel:
            chat = await self.services.actions.resolve_channel(ctx.community.ref, log_channel)
            if chat is not None:
                await ctx.act(SendMessage(chat=chat, text=line))
        await ctx.reply("content.override.done", id=post.id)

    async def _list(self, ctx: Context) -> None:
        community_id = await self.services.directory.id_for(ctx.community.ref)
        posts = await self.store.listing(community_id)
        if not posts:
            await ctx.reply("content.list.empty")
            return
        lines = [ctx.t("content.list.header")]
        for post in posts:
            title = (
                self.rules.rubrics[post.rubric].title.get(ctx.locale)
                if post.rubric in self.rules.rubrics
                else post.rubric
            )
            when = self._moment(ctx, post.due_at) if post.due_at else ""
            key, replies = f"content.list.{post.status}", 0
            if post.status == "published" and post.step_kind in ("question", "thread"):
                replies, _people = await self.discussions.counts(f"post:{post.id}")
                key = "content.list.replies" if replies else key
            lines.append(
                ctx.t(
                    key,
                    id=post.id,
                    rubric=title,
                    when=when,
                    next=ctx.t(f"content.steps.{post.step_kind or 'none'}"),
                    count=replies,
                )
            )
        await ctx.send_text("\n".join(lines))

    async def _preview(self, ctx: Context, post: ContentPost, rest: str) -> None:
        del rest
        target = Target(ctx.community.ref, ctx.locale)
        needed = languages(self._targets(ctx.community.ref), self.rules)
        text = self.render(post, target, needed, [])
        found = self._problems(post, ctx.community.ref)
        lines = [ctx.t("content.preview.header", id=post.id), "", text, ""]
        media = Media.parse(post.media)
        if media is not None:  # uploaded with the post: named here, since the text cannot show it
            lines[-1:-1] = [ctx.t("content.preview.media", name=media.filename, alt=post.alt)]
        if found:
            lines.append(ctx.t("content.preview.problems"))
            lines += [f"• {f.text(ctx.locale)}" for f in found]
        else:
            lines.append(ctx.t("content.preview.ready", id=post.id))
        await ctx.send_text("\n".join(lines), private=True)

    async def _schedule(self, ctx: Context, post: ContentPost, rest: str) -> None:
        now = self.services.clock.now()
        tz = ctx.community.settings.timezone
        try:
            due, leftover = parse_when(rest, now, tz, DEFAULT_SLOT)
        except BadWhen as exc:
            raise CommandError("content.errors.when", value=exc.value) from None
        if leftover:
            raise CommandError("content.errors.when", value=leftover)
        if due <= now:
            raise CommandError("content.errors.past", when=self._moment(ctx, due))
        warnings = await self.plan(post, due, ctx.community.ref)
        lines = [ctx.t("content.schedule.done", id=post.id, when=self._moment(ctx, due))]
        lines += [f"⚠ {w.text(ctx.locale)}" for w in warnings]
        await ctx.send_text("\n".join(lines))

    async def _now(self, ctx: Context, post: ContentPost, rest: str) -> None:
        del rest
        await self.plan(post, self.services.clock.now(), ctx.community.ref)
        await self.publish(post.id)
        await self.services.scheduler.cancel(_post_key(post.id))
        await ctx.reply("content.now.done", private=True, id=post.id)

    async def _cancel(self, ctx: Context, post: ContentPost, rest: str) -> None:
        del rest
        await self.services.scheduler.cancel(_post_key(post.id))
        await self.store.update_post(post.id, status="cancelled")
        await ctx.reply("content.cancel.done", id=post.id)

    # -- checking and scheduling ------------------------------------------------------------

    def _targets(self, ref: CommunityRef) -> list[Target]:
        """Where a post of `ref` goes: the community and those linked to it, in their languages."""
        refs = [_ref_of(r) for r in self.rules.linked_to(str(ref))]
        return [Target(r, self.services.config.community(r).locale) for r in refs]

    def _sla(self, ref: CommunityRef, locale: str) -> str | None:
        provider = self.services.published.sla.get("support")
        return provider(ref, locale) if provider is not None else None

    def _problems(self, post: ContentPost, ref: CommunityRef) -> list[Finding]:
        locale = self.services.config.community(ref).locale
        rubric = self.rules.rubrics.get(post.rubric)
        hint = rubric.hint.get(locale).replace("{id}", str(post.id)) if rubric else ""
        labelling = self.services.published.ad_labels.get("support")
        return problems(post, self.rules, labelling, self._sla(ref, locale), hint)

    async def plan(self, post: ContentPost, due: datetime, ref: CommunityRef) -> list[Finding]:
        """Check `post` and schedule it at `due`; returns rhythm warnings.

        Raises CommandError for a hard error or, unless an admin overrode the checklist, for
        the checklist's problems (all of them, each with how to fix it).
        """
        targets = self._targets(ref)
        needed = languages(targets, self.rules)
        missing_language(post, needed)
        if post.sponsored and self.services.published.ad_labels.get("support") is None:
            raise CommandError("content.errors.no_label")
        if post.step_kind == "poll" and self.services.published.polls.get("poll") is None:
            raise CommandError("content.errors.no_polls")
        found = self._problems(post, ref)
        if found and not post.override_reason:
            locale = self.services.config.community(ref).locale
            raise CommandError(
                "content.check.refused",
                id=post.id,
                problems="\n".join(f"• {f.text(locale)}" for f in found),
            )
        rubric = self.rules.rubrics.get(post.rubric)
        tagged = [
            (url, with_utm(url, self.rules.utm, post.rubric) if self.rules.utm.enabled else url)
            for url in find_links(all_text(post) + " " + str(post.step.get("url", "")))
        ]
        for target in targets:
            check_length(
                post, target.ref, self.render(post, target, needed, [(0, u, g) for u, g in tagged])
            )
        tz = self.services.config.community(ref).timezone
        day = local_date(due, tz)
        start = datetime.combine(day, datetime.min.time(), tzinfo=zone(tz))
        week_before = await self.store.planned_in(
            post.community_id, due - timedelta(days=7), due, post.id
        )
        same_day = await self.store.planned_in(
            post.community_id, start, start + timedelta(days=1), post.id
        )
        before = [
            (
                p.due_at,
                bool(self.rules.rubrics.get(p.rubric) and self.rules.rubrics[p.rubric].heavy),
            )
            for p in week_before
            if p.due_at is not None
        ]
        warnings = rhythm(post, self.rules, bool(rubric and rubric.heavy), before, len(same_day))
        job_ = Job(PUBLISH, due, PublishJob(post=post.id), _post_key(post.id))
        await self.store.schedule(post.id, due, tagged, job_, self.services.clock.now())
        self.services.scheduler.wake()
        post.status, post.due_at = "scheduled", due
        return warnings

    def render(
        self,
        post: ContentPost,
        target: Target,
        needed: list[str],
        links: list[tuple[int, str, str]],
    ) -> str:
        """The post as members of `target` read it: label, text, next step, who answers.

        `links` are (id, link as written, link as shown: tagged, or its `/l/<id>` once published).
        """
        locale = target.locale
        lines: list[str] = []
        if post.sponsored:
            labelling = self.services.published.ad_labels.get("support")
            if labelling is not None:
                lines.append(labelling.label(locale))
        text = body(post, needed) or t(locale, "content.preview.empty")
        # Longest first, so a link that begins another is not replaced inside it.
        for _, url, shown in sorted(links, key=lambda link: -len(link[1])):
            text = text.replace(url, shown)
        lines.append(text)
        if post.media and Media.parse(post.media) is None:  # an address: a link in the text
            lines.append(t(locale, "content.media", url=post.media, alt=post.alt))
        if post.step_kind is not None:
            url = str(post.step.get("url", ""))
            for _, original, shown in links:
                if original == url:
                    url = shown
            lines.append(t(locale, f"content.step.{post.step_kind}", url=url))
        if post.step_kind in ASKS:
            sla = self._sla(target.ref, locale)
            if sla:
                lines.append(sla)
        return "\n".join(lines)

    # -- publishing -------------------------------------------------------------------------

    @job(PUBLISH, payload=PublishJob)
    async def on_publish(self, run: JobRun) -> None:
        post = await self.store.post(run.payload_as(PublishJob).post)
        if post is None:
            return
        # The job names only its row: switched off in /setup, it waits (FeatureOff) and runs
        # when the feature is switched on again (bot/scheduler.py's `resume`).
        self.services.config.require_on(CommunityRef(post.platform, post.community_ext), self.name)
        await self.publish(post.id)

    async def publish(self, post_id: int) -> None:
        """Post to every community the post goes to; each effect once, across restarts."""
        post = await self.store.post(post_id)
        if post is None or post.status != "scheduled":
            return
        ref = CommunityRef(post.platform, post.community_ext)
        targets = self._targets(ref)
        needed = languages(targets, self.rules)
        # Shortened again on a retry: the shortener gives the same `/l/<id>` for the same link.
        links = [
            (
                link.id,
                link.url,
                await tracked_url(self.services.links, post.community_id, post.id, link.tracked),
            )
            for link in await self.store.links(post.id)
        ]
        failed: list[BaseException] = []
        for target in targets:
            try:
                await self._deliver(post, target, needed, links)
            except Exception as exc:  # the others still go out; the job retries this one
                log.exception("post %d not published in %s", post.id, target.ref)
                failed.append(exc)
        if failed:
            raise failed[0]
        await self.store.update_post(
            post.id, status="published", published_at=self.services.clock.now()
        )

    async def _deliver(
        self,
        post: ContentPost,
        target: Target,
        needed: list[str],
        links: list[tuple[int, str, str]],
    ) -> None:
        ref, locale = target.ref, target.locale
        where = str(ref)
        text = self.render(post, target, needed, links)
        buttons: tuple[Button, ...] = ()
        if post.step_kind == "signup":
            buttons = (
                Button(label=t(locale, "content.signup.button"), custom_id=f"{SIGNUP}{post.id}"),
            )

        async def send() -> None:
            chat = await self.channel.chat(ref)
            result = await self.channel.send(
                ref,
                chat,
                text,
                buttons,
                post=f"{where}:{post.id}",
                next_step=_METRIC_STEP.get(post.step_kind or ""),
            )
            message_id = result.message.id if result.message else None
            now = self.services.clock.now()
            await self.store.delivered(post.id, where, chat.id, message_id=message_id, at=now)

        await self.services.scheduler.once(f"content:send:{post.id}:{where}", send)
        delivery = await self.store.delivery(post.id, where)
        if delivery is None:
            return  # a run that crashed inside the post: not posted twice, nothing to follow up
        chat = ChatRef(ref.platform, delivery.chat_id, ref)
        media = Media.parse(post.media)
        if media is not None:
            await self.services.scheduler.once(
                f"content:media:{post.id}:{where}", lambda: self._upload(post, media, chat)
            )
        if post.step_kind == "poll":
            await self.services.scheduler.once(
                f"content:poll:{post.id}:{where}", lambda: self._poll(post, ref, chat, locale)
            )
        if post.step_kind in ("question", "thread") and delivery.message_id is not None:
            posted = MessageRef(chat, delivery.message_id)
            await self.services.scheduler.once(
                f"content:thread:{post.id}:{where}", lambda: self._thread(post, posted, locale)
            )

    async def _upload(self, post: ContentPost, media: Media, chat: ChatRef) -> None:
        """The post's image or document, uploaded under it, its description as alt text."""
        try:
            data = self.media.get(media)
        except MediaError as exc:  # gone from the data folder: the admins hear, the post stays
            locale = self.services.config.community(chat.community).locale
            text = t(locale, "content.errors.media_lost", id=post.id, problem=str(exc))
            await tell_admins(self.services, chat.community, text)
            return
        await self.services.actions.execute(
            SendImage(
                chat=chat,
                image=data,
                filename=media.filename,
                caption=post.alt,
                alt=post.alt,
                document=not media.image,
            )
        )

    async def _poll(self, post: ContentPost, ref: CommunityRef, chat: ChatRef, locale: str) -> None:
        starter = self.services.published.polls.get("poll")
        if starter is None:
            await tell_admins(self.services, ref, t(locale, "content.errors.no_polls"))
            return
        poll_id = await starter(
            PollRequest(
                chat=chat,
                question=str(post.step["question"]),
                options=tuple(str(o) for o in post.step["options"]),
                duration=timedelta(hours=self.rules.poll_hours),
                by=post.created_by,
            )
        )
        await self.store.set_delivery(post.id, str(ref), poll_id=poll_id)

    async def _thread(self, post: ContentPost, posted: MessageRef, locale: str) -> None:
        """Watch the post's replies; for a thread step, open the thread on it first."""
        thread_id = None
        if post.step_kind == "thread" and self.services.actions.supports(
            posted.chat.platform, StartThread
        ):
            title = body(post, [locale]).split("\n", 1)[0][:NAME_LIMIT] or f"#{post.id}"
            opened = await self.services.actions.execute(
                StartThread(message=posted, title=title, text=t(locale, "content.thread.opened"))
            )
            thread_id = opened.message.id if opened.message is not None else None
        chat = posted.chat
        await self.discussions.open(
            f"post:{post.id}", chat.platform, chat.id, posted.id, thread_id,
            self.services.clock.now(),
        )  # fmt: skip

    # -- posts planned in rule files ----------------------------------------------------------

    def _folder(self) -> FolderPosts:
        found = self.services.rules.current.compiled.get(FOLDER_COMPILED)
        return found if isinstance(found, FolderPosts) else FolderPosts()

    async def sync_file_posts(self) -> None:
        """Plan the posts of `rules/content.toml` and `rules/content/posts/*.toml`.

        Each is drafted once per key and scheduled at its time when the checklist passes; an
        edited file updates its post while it is not out yet (the publish job is keyed by the
        post, so it moves, never doubles); a removed file cancels its post. A file skipped for
        its problems leaves its post as it was.
        """
        folder = self._folder()
        for problem in folder.problems:
            log.warning("post file skipped: %s", problem)
        planned = [*self.rules.posts, *folder.posts]
        present: set[tuple[int, str]] = set()
        for post in planned:
            try:
                present.add(await self._sync(post))
            except Exception:
                log.exception("could not plan post %r from the rule files", post.key)
        for community_id, key in await self.store.planned_keys():
            if key in folder.skipped or (community_id, key) in present:
                continue
            await self._drop(community_id, key)

    def _file_media(self, media: str) -> str:
        """A rule file's `media`: an address as it is, a file of the rules folder stored."""
        if not media or media.startswith(("https://", "http://")):
            return media
        path = self.services.rules.directory / media
        try:
            info = path.stat()
        except OSError:
            raise MediaError(f"{media!r} is not in the rules folder: put the file there") from None
        seen = (str(path), info.st_mtime_ns, info.st_size)
        stored = self._media_seen.get(seen)
        if stored is None:
            limit = self.rules.media_max_mb * 1_000_000
            stored = str(self.media.put(read_limited(path, limit), path.name, limit))
            self._media_seen[seen] = stored
            while len(self._media_seen) > MEDIA_SEEN_LIMIT:
                self._media_seen.popitem(last=False)
        return stored

    def _source(self, key: str) -> str:
        if any(post.key == key for post in self.rules.posts):
            return "rules/content.toml"
        return f"rules/content/posts/{key}.toml"

    async def _drop(self, community_id: int, key: str) -> None:
        """A planned post whose file (or [[posts]] entry) is gone: cancelled if not out yet."""
        post = await self.store.by_source(community_id, key)
        if post is None or post.status not in ("draft", "scheduled"):
            return
        await self.services.scheduler.cancel(_post_key(post.id))
        await self.store.update_post(post.id, status="cancelled")
        log.info("post %d (%s) cancelled: its rule file entry was removed", post.id, key)

    async def _sync(self, planned: FilePost) -> tuple[int, str]:
        ref = _ref_of(planned.community)
        community_id = await self.services.directory.id_for(ref)
        step: dict[str, object] = {}
        if planned.next is not None:
            if planned.next.kind == "poll":
                step = {"question": planned.next.question, "options": list(planned.next.options)}
            elif planned.next.kind == "link":
                step = {"url": planned.next.url}
        try:
            media = self._file_media(planned.media)
        except MediaError as exc:
            locale = self.services.config.community(ref).locale
            source = self._source(planned.key)
            text = t(locale, "content.file.media", key=planned.key, source=source)
            await tell_admins(self.services, ref, f"{text}\n{exc}")
            return community_id, planned.key  # left as it was until the file is fixed
        fields: dict[str, object] = {
            "rubric": planned.rubric,
            "texts": dict(planned.text),
            "step_kind": planned.next.kind if planned.next else None,
            "step": step,
            "sponsored": planned.sponsored,
            "media": media,
            "alt": planned.alt,
        }
        now = self.services.clock.now()
        due = planned.at if planned.at is not None and planned.at > now else None
        post = await self.store.by_source(community_id, planned.key)
        if post is None:
            post = await self.store.create_post(
                community_id=community_id,
                platform=ref.platform,
                community_ext=ref.id,
                status="draft",
                created_by="rules",
                created_at=now,
                source_key=planned.key,
                **fields,
            )
        elif post.status not in ("draft", "scheduled"):
            return community_id, planned.key  # out already, or cancelled by a moderator
        elif all(getattr(post, name) == value for name, value in fields.items()) and (
            post.due_at == due or (post.status == "draft" and due is None)
        ):
            return community_id, planned.key  # unchanged: a reload plans nothing again
        else:
            await self._back_to_draft(post)
            await self.store.update_post(post.id, **fields)
            post = await self.store.post(post.id)
            assert post is not None
        if due is None:
            return community_id, planned.key
        try:
            await self.plan(post, due, ref)
        except CommandError as exc:
            locale = self.services.config.community(ref).locale
            line = t(
                locale,
                "content.file.refused",
                key=planned.key,
                id=post.id,
                source=self._source(planned.key),
            )
            await tell_admins(self.services, ref, f"{line}\n{t(locale, exc.key, **exc.params)}")
        return community_id, planned.key

    # -- buttons: sign-ups, debate sides, joining a challenge --------------------------------

    @listen(ButtonPressed)
    async def on_button(self, ctx: Context) -> None:
        event = ctx.event
        assert isinstance(event, ButtonPressed)
        if not event.custom_id.startswith("content:"):
            return
        handled = False
        if (ids := button_ids(event.custom_id, SIGNUP, 1)) is not None:
            handled = await self._signup(ctx, ids[0])
        elif (ids := button_ids(event.custom_id, SIDE, 2)) is not None:
            handled = await self._side(ctx, ids[0], ids[1])
        elif (ids := button_ids(event.custom_id, JOIN, 1)) is not None:
            handled = await self._join(ctx, ids[0])
        if not handled:
            # A forged or stale id: nothing is recorded, and the member is told so.
            await ctx.reply("content.buttons.invalid", private=True)
        raise StopPropagation

    def _here(self, ctx: Context, platform: str, community_ext: str) -> bool:
        ref = ctx.community.ref
        return (platform, community_ext) == (ref.platform, ref.id)

    async def _signup(self, ctx: Context, post_id: int) -> bool:
        post = await self.store.post(post_id)
        if post is None or post.step_kind != "signup" or post.status != "published":
            return False
        delivery = await self.store.delivery(post_id, str(ctx.community.ref))
        if delivery is None:
            return False  # a post that never went out in this community
        name = ctx.actor.name[:NAME_LIMIT]
        new = await self.store.sign_up(
            f"post:{post_id}", ctx.actor.user.id, name, self.services.clock.now()
        )
        count = await self.store.signups(f"post:{post_id}")
        await ctx.reply(
            "content.signup.done" if new else "content.signup.again", private=True, count=count
        )
        return True

    # -- debates ----------------------------------------------------------------------------

    @command(level=Level.MODERATOR)
    async def debate(self, ctx: Context, question: Rest) -> None:
        """Start a for/against debate: `/debate Question? | side A | side B`."""
        event = ctx.event
        raw = event.args if isinstance(event, CommandInvoked) and not event.options else question
        parts = [part.strip() for part in raw.split("|")]
        if len(parts) != 3 or not all(parts) or max(len(p) for p in parts[1:]) > 200:
            raise CommandError("content.errors.debate")
        text_q, side_a, side_b = parts
        now = self.services.clock.now()
        closes = now + timedelta(hours=self.rules.debate_hours)
        debate = await self.store.create_debate(
            closes,
            now,
            **await self._origin(ctx, now),
            chat_id=event.chat.id,
            question=text_q,
            side_a=side_a,
            side_b=side_b,
            status="open",
            closes_at=closes,
        )
        self.services.scheduler.wake()
        text = ctx.t(
            "content.debate.post",
            id=debate.id,
            question=text_q,
            side_a=side_a,
            side_b=side_b,
            closes=self._moment(ctx, closes),
        )
        buttons = (
            Button(label=f"A: {side_a}"[:80], custom_id=f"{SIDE}{debate.id}:0"),
            Button(label=f"B: {side_b}"[:80], custom_id=f"{SIDE}{debate.id}:1"),
        )
        result = await ctx.act(SendMessage(chat=event.chat, text=text, buttons=buttons))
        message_id = result.message.id if result.message else None
        await self.store.set_debate(debate.id, message_id=message_id)
        if result.message is None:
            return
        thread_id = None
        if ctx.supports(StartThread):
            opened = await ctx.act(
                StartThread(
                    message=result.message,
                    title=text_q[:NAME_LIMIT],
                    text=ctx.t("content.thread.opened"),
                )
            )
            thread_id = opened.message.id if opened.message is not None else None
        chat = result.message.chat
        await self.discussions.open(
            f"debate:{debate.id}", chat.platform, chat.id, result.message.id, thread_id, now
        )

    async def _side(self, ctx: Context, debate_id: int, side: int) -> bool:
        debate = await self.store.debate(debate_id)
        if (
            debate is None
            or side not in (0, 1)
            or not self._here(ctx, debate.platform, debate.community_ext)
        ):
            return False
        if debate.status != "open":
            await ctx.reply("content.debate.closed", private=True, id=debate_id)
            return True
        await self.store.pick_side(debate_id, ctx.actor.user.id, side, self.services.clock.now())
        chosen = debate.side_a if side == 0 else debate.side_b
        await ctx.reply("content.debate.picked", private=True, side=chosen)
        return True

    @job(DEBATE_CLOSE, payload=DebateClose)
    async def on_debate_close(self, run: JobRun) -> None:
        debate = await self.store.debate(run.payload_as(DebateClose).debate)
        if debate is None:
            return
        ref = CommunityRef(debate.platform, debate.community_ext)
        self.services.config.require_on(ref, self.name)  # off: the vote waits to be closed
        if debate.status == "open":
            await self.store.set_debate(
                debate.id, status="closed", closed_at=self.services.clock.now()
            )
        a, b = await self.store.sides(debate.id)
        chat = ChatRef(debate.platform, debate.chat_id, ref)
        locale = self.services.config.community(ref).locale
        if a == b:
            verdict = t(locale, "content.debate.tie")
        else:
            verdict = t(
                locale, "content.debate.winner", side=debate.side_a if a > b else debate.side_b
            )
        text = t(
            locale,
            "content.debate.result",
            id=debate.id,
            question=debate.question,
            side_a=debate.side_a,
            side_b=debate.side_b,
            a=a,
            b=b,
            verdict=verdict,
        )
        replies, people = await self.discussions.counts(f"debate:{debate.id}")
        if replies:
            members = t(locale, "content.debate.people", count=people)
            text += "\n" + t(locale, "content.debate.arguments", count=replies, people=members)
        reply = MessageRef(chat, debate.message_id) if debate.message_id else None

        async def post() -> None:
            await self.services.actions.execute(SendMessage(chat=chat, text=text, reply_to=reply))

        await self.services.scheduler.once(f"content:debate_result:{debate.id}", post)

    # -- challenges -------------------------------------------------------------------------

    @command(level=Level.MODERATOR)
    async def challenge(self, ctx: Context, duration: timedelta, title: Rest) -> None:
        """Start a joint challenge: `/challenge 7d Read one guide a day`; members /result."""
        if not title.strip():
            raise CommandError("content.errors.challenge")
        now = self.services.clock.now()
        deadline = now + duration
        challenge = await self.store.create_challenge(
            deadline,
            now,
            **await self._origin(ctx, now),
            chat_id=ctx.event.chat.id,
            title=title.strip(),
            status="open",
            deadline=deadline,
        )
        self.services.scheduler.wake()
        text = ctx.t(
            "content.challenge.post",
            id=challenge.id,
            title=title.strip(),
            deadline=self._moment(ctx, deadline),
        )
        button = Button(label=ctx.t("content.challenge.button"), custom_id=f"{JOIN}{challenge.id}")
        result = await ctx.act(SendMessage(chat=ctx.event.chat, text=text, buttons=(button,)))
        await self.store.set_challenge(
            challenge.id, message_id=result.message.id if result.message else None
        )

    async def _join(self, ctx: Context, challenge_id: int) -> bool:
        challenge = await self.store.challenge(challenge_id)
        if challenge is None or not self._here(ctx, challenge.platform, challenge.community_ext):
            return False
        if challenge.status != "open":
            await ctx.reply("content.challenge.closed", private=True, id=challenge_id)
            return True
        new = await self.store.sign_up(
            f"challenge:{challenge_id}",
            ctx.actor.user.id,
            ctx.actor.name[:NAME_LIMIT],
            self.services.clock.now(),
        )
        await ctx.reply(
            "content.challenge.joined" if new else "content.challenge.again",
            private=True,
            id=challenge_id,
        )
        return True

    @command()
    async def result(self, ctx: Context, text: Rest) -> None:
        """Share your result in the open challenge: `/result 5 km in 31 minutes`."""
        community_id = await self.services.directory.id_for(ctx.community.ref)
        challenge = await self.store.open_challenge(community_id)
        if challenge is None:
            raise CommandError("content.errors.no_challenge")
        now, user = self.services.clock.now(), ctx.actor.user
        # Sharing a result is joining too: the count of participants stays honest.
        await self.store.sign_up(
            f"challenge:{challenge.id}", user.id, ctx.actor.name[:NAME_LIMIT], now
        )
        await self.store.add_result(
            challenge.id, user.id, ctx.actor.name[:NAME_LIMIT], text.strip()[:1000], now
        )
        await ctx.reply("content.challenge.result", id=challenge.id)

    @job(CHALLENGE_CLOSE, payload=ChallengeClose)
    async def on_challenge_close(self, run: JobRun) -> None:
        challenge = await self.store.challenge(run.payload_as(ChallengeClose).challenge)
        if challenge is None:
            return
        ref = CommunityRef(challenge.platform, challenge.community_ext)
        self.services.config.require_on(ref, self.name)  # off: the challenge waits to be closed
        if challenge.status == "open":
            await self.store.set_challenge(challenge.id, status="closed")
        chat = ChatRef(challenge.platform, challenge.chat_id, ref)
        locale = self.services.config.community(ref).locale
        results = await self.store.results(challenge.id)
        joined = await self.store.signups(f"challenge:{challenge.id}")
        names = ", ".join(r.name for r in results)
        key = "content.challenge.summary" if results else "content.challenge.summary_none"
        text = t(
            locale,
            key,
            id=challenge.id,
            title=challenge.title,
            joined=joined,
            count=len(results),
            names=names,
        )

        async def post() -> None:
            await self.services.actions.execute(SendMessage(chat=chat, text=text))

        await self.services.scheduler.once(f"content:challenge_result:{challenge.id}", post)

    # -- UGC showcase -----------------------------------------------------------------------

    @command(level=Level.MODERATOR)
    async def feature(self, ctx: Context) -> None:
        """Reply to a member's post: feature it in the UGC showcase and the weekly digest."""
        event = ctx.event
        assert isinstance(event, CommandInvoked)
        message, text, name = self._replied(ctx)
        author = event.reply_to_author
        if author is None:
            raise CommandError("content.errors.need_reply", command="/feature")
        if author == ctx.actor.user:
            raise CommandError("content.errors.own_post")
        shown = name or author.id
        new = await self.store.feature(
            community_id=await self.services.directory.id_for(ctx.community.ref),
            user_id=author.id,
            name=shown[:NAME_LIMIT],
            chat_id=message.chat.id,
            message_id=message.id,
            excerpt=text[:1000],
            featured_by=ctx.actor.user.id,
            at=self.services.clock.now(),
        )
        if not new:
            raise CommandError("content.errors.featured")
        await ctx.reply("content.feature.done", name=shown)
