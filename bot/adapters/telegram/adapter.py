"""The Telegram adapter: long polling (or a webhook) in, rate-limited Bot API calls out."""

from __future__ import annotations

import asyncio
import contextvars
import dataclasses
import functools
import logging
import os
import secrets
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from telegram import BotCommand, BotCommandScope, ChatMember, Update
from telegram.error import InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.request import HTTPXRequest

from bot.adapters.base import Adapter, AdapterHost
from bot.adapters.telegram import store
from bot.adapters.telegram.client import POLL_MARGIN, KenesBot
from bot.adapters.telegram.commands_menu import publish
from bot.adapters.telegram.execute import PERFORMERS, Executor
from bot.adapters.telegram.intake import Intake
from bot.adapters.telegram.polling import Poller
from bot.adapters.telegram.ratelimit import Limits, Now, RateLimiter, Sleep
from bot.adapters.telegram.refs import PLATFORM, community_ref
from bot.adapters.telegram.roles import AdminCache, level_of_status
from bot.adapters.telegram.translate import Translator
from bot.adapters.telegram.webhook import WebhookServer
from bot.config import TelegramSection
from bot.core import permalinks
from bot.core.actions import (
    Action,
    ActionResult,
)
from bot.core.errors import ActionRefused, ConfigError
from bot.core.events import Event
from bot.core.permissions import Level
from bot.core.refs import ChatRef, CommunityRef, MessageRef, UserRef
from bot.core.replay import handled_before_maybe
from bot.core.tasks import backoff, bounded, cancel_task

log = logging.getLogger(__name__)
# httpx logs every request URL at INFO, and Bot API URLs contain the token.
logging.getLogger("httpx").setLevel(logging.WARNING)

WATERMARK_FLUSH_SECONDS = 1.0
# Telegram numbers updates anew after a week without any; an older watermark is not trusted.
WATERMARK_MAX_AGE = timedelta(days=6)

# Time for updates in flight to finish at a stop; the rest stays in the inbox.
DRAIN_SECONDS = 4.0
# Marks of handled updates that could not be written are retried with the watermark.
MAX_UNMARKED = 50_000
# Several instances: the per-chat lock in Redis runs out this long after its holder died (a
# live holder renews it), and a waiter gives up waiting after CHAT_LOCK_WAIT (logged).
CHAT_LOCK_LEASE = 10.0
CHAT_LOCK_WAIT = 30.0
# The inbox's handled rows are pruned to their window once in this many watermark saves.
PRUNE_EVERY = 60


@dataclasses.dataclass
class _Handling:
    """The inbox update being handled in this task: its posts are counted as they leave."""

    update_id: int
    already: int  # posts started for it by a run that crashed: skipped this time
    posts: int = 0


_handling: contextvars.ContextVar[_Handling | None] = contextvars.ContextVar(
    "telegram_update_handling", default=None
)

# Bots cannot set a chat's slow mode, and Telegram has no roles a bot can give.


def file_url(base_url: str) -> str:
    """Where files are downloaded from, beside the Bot API (`…/bot` → `…/file/bot`), as on
    api.telegram.org and a local Bot API server."""
    return base_url.removesuffix("/").removesuffix("/bot") + "/file/bot"


class TelegramAdapter(Adapter):
    """One bot account in any number of groups.

    `limits`, `time_source` and `sleep` shape the outgoing rate limiter (tests inject virtual
    time); `poll_timeout` is the long-poll wait in seconds, `read_timeout` the wait for the
    answer to any other call.
    """

    platform = PLATFORM
    has_inbox = True  # the inbox table dedupes updates across restarts, exactly once

    def __init__(
        self,
        token: str,
        section: TelegramSection | None = None,
        *,
        limits: Limits | None = None,
        time_source: Now | None = None,
        sleep: Sleep | None = None,
        poll_timeout: int = 30,
        webhook_secret: str | None = None,
        read_timeout: float = 15.0,
    ) -> None:
        super().__init__()
        for kind, perform in PERFORMERS.items():
            self.handlers.on(kind, functools.partial(self._through_executor, perform))
        self.section = section or TelegramSection()
        self._token = token
        self._limits = limits
        self._time_source = time_source
        self._sleep: Sleep = sleep or asyncio.sleep
        self.poll_timeout = poll_timeout
        self._webhook_secret = webhook_secret
        self._read_timeout = read_timeout
        self._app: AdapterHost | None = None
        self._bot: KenesBot | None = None
        self._executor: Executor | None = None
        self._translator: Translator | None = None
        self._roles: AdminCache | None = None
        self._intake: Intake | None = None
        self._saved = 0
        self._saved_back = False
        self._poller: Poller | None = None
        self._flusher: asyncio.Task[None] | None = None
        self._webhook: WebhookServer | None = None
        self._linked: dict[str, str] = {}  # group → its linked channel ("" when none)
        self._resumed: dict[int, int] = {}  # update id → posts started before a crash
        self._unmarked: set[int] = set()  # handled, but the mark is not written yet
        self._saves = 0

    # -- parts, available once started ---------------------------------------------------

    @property
    def connected(self) -> bool:
        return self._bot is not None

    @property
    def bot(self) -> KenesBot:
        if self._bot is None:
            raise RuntimeError("the Telegram adapter is not started")
        return self._bot

    @property
    def executor(self) -> Executor:
        if self._executor is None:
            raise RuntimeError("the Telegram adapter is not started")
        return self._executor

    @property
    def intake(self) -> Intake:
        if self._intake is None:
            raise RuntimeError("the Telegram adapter is not started")
        return self._intake

    @property
    def roles(self) -> AdminCache:
        if self._roles is None:
            raise RuntimeError("the Telegram adapter is not started")
        return self._roles

    @property
    def app(self) -> AdapterHost:
        if self._app is None:
            raise RuntimeError("the Telegram adapter is not started")
        return self._app

    @property
    def bot_id(self) -> str:
        return str(self.bot.id)

    # -- lifecycle -----------------------------------------------------------------------

    async def start(self, app: AdapterHost) -> None:
        self._app = app
        timeout = self.poll_timeout
        self._bot = KenesBot(
            self._token,
            base_url=self.section.base_url,
            base_file_url=file_url(self.section.base_url),
            request=HTTPXRequest(connection_pool_size=64, read_timeout=self._read_timeout),
            get_updates_request=HTTPXRequest(read_timeout=timeout + POLL_MARGIN),
        )
        await self._initialize()
        limiter = RateLimiter(
            self._limits,
            now=self._time_source,
            sleep=self._sleep,
            shared=app.services.shared,
            scope=f"tg:{self.bot.id}",
        )
        self._executor = Executor(
            self.bot,
            limiter,
            now=app.clock.now,
            locale=self._locale,
            sleep=self._sleep,
            schedule_delete=app.outbound.delete_later,
            on_poll=self._remember_poll,
            on_migrate=self.migrate_chat,
            before_post=self._before_post,
        )
        self._translator = Translator(self.bot.id, self.bot.username, app.clock.now)
        self._roles = AdminCache(
            self._administrators, self.section.admin_refresh_seconds, self._time_source
        )
        self._saved = await store.load_offset(
            app.services.sessions, self.bot_id, since=app.clock.now() - WATERMARK_MAX_AGE
        )
        # A webhook spreads updates over connections and instances, in no order: the inbox's
        # primary key dedupes them there, not a watermark.
        webhook = self.section.mode == "webhook"
        self._intake = Intake(
            self._handle,
            self._translator.lane,
            self._saved,
            ordered=not webhook,
            # Several instances behind one webhook: a chat's later update waits for its
            # earlier ones stored at another instance (one indexed read per update).
            gate=self._earlier_elsewhere if webhook and app.services.shared else None,
        )
        await self._resume()
        await self.publish_commands()
        if self.section.mode == "webhook":
            secret = (
                self._webhook_secret
                or os.environ.get(self.section.webhook_secret_env)
                or secrets.token_urlsafe(32)
            )
            self._webhook = WebhookServer(
                self.bot, self.intake, self.executor, self.section, secret, self._persist
            )
            await self._webhook.start()
        else:
            await self.executor.call("DeleteWebhook", None, self._delete_webhook)
            self._poller = Poller(
                self.bot,
                self.intake,
                wait=self.poll_timeout,
                sleep=self._sleep,
                on_reset=self._numbered_anew,
                persist=self._persist,
            )
            self._poller.start()
        # One small write a second at most, never one per update; and a last one at stop.
        self._flusher = asyncio.create_task(self._flush_loop(), name="telegram-watermark")
        log.info("Telegram: @%s started (%s)", self.bot.username, self.section.mode)

    async def _initialize(self) -> None:
        tries = 0
        while True:
            try:
                await self.bot.initialize()
                return
            except InvalidToken:
                # PTB's own message quotes the token; this one must not.
                raise ConfigError(
                    f"Telegram rejected the token in ${self.section.token_env}; "
                    "copy it again from @BotFather"
                ) from None
            except (NetworkError, RetryAfter) as exc:
                tries += 1
                if tries > 8:
                    raise
                delay = backoff(tries)
                log.warning("Telegram unreachable at start (%s); retry in %.1f s", exc, delay)
                await self._sleep(delay)

    async def stop(self) -> None:
        """Stop taking updates, finish those in flight (for a while), store the watermark,
        close the client. Updates not finished stay in the inbox for the next start."""
        if self._poller is not None:
            await self._poller.stop()
            self._poller = None
        if self._webhook is not None:
            await self._webhook.stop()
            self._webhook = None
        await cancel_task(self._flusher, within=0.5)
        self._flusher = None
        if self._intake is not None:
            if not await bounded(self._intake.lanes.drain(), DRAIN_SECONDS, "updates in flight"):
                log.warning(
                    "%d update(s) still running at shutdown are left in the inbox",
                    len(self._intake.running),
                )
                await bounded(self._intake.lanes.cancel(), 0.5, "cancelling updates in flight")
            await bounded(self.save_watermark(), 1.0, "storing the update watermark")
        if self._bot is not None:
            await bounded(self._bot.shutdown(), 1.0, "closing the Telegram client")

    async def _through_executor(
        self, perform: Callable[[Executor, Any], Awaitable[ActionResult]], action: Action
    ) -> ActionResult:
        return await perform(self.executor, action)

    # Bots may delete messages in groups only within 48 hours of sending.
    deletable_for: timedelta | None = timedelta(hours=48)

    async def resolve_channel(self, community: CommunityRef, setting: str) -> ChatRef | None:
        """A group is one chat: "" (the main chat) or a chat id; Telegram chats have no names."""
        wanted = setting.strip()
        if not wanted:
            return ChatRef(PLATFORM, community.id, community)
        if wanted.lstrip("-").isdigit():
            return ChatRef(PLATFORM, wanted, community)
        return None

    def message_link(self, message: MessageRef) -> str | None:
        """`t.me/<username>/<id>` in a public group whose username an update showed lately,
        else `t.me/c/<id>/<id>` (bot/core/permalinks.py)."""
        public = self._translator.public if self._translator is not None else None
        username = public.get(message.chat.id) if public is not None else None
        return permalinks.message_link(message, username)

    async def community_name(self, community: CommunityRef) -> str | None:
        """The group's title, from getChat (asked only when a member picks a community)."""
        if self._executor is None or community.is_private:
            return None
        try:
            chat = await self.bot.get_chat(int(community.id))
        except TelegramError:
            log.info("no title for %s", community, exc_info=True)
            return None
        return chat.title

    async def platform_level(self, community: CommunityRef, user: UserRef) -> Level | None:
        """The member's standing now, from getChatMember (never a cached guess)."""
        if self._executor is None or community.is_private:
            return None
        if user.id.startswith("-"):
            return await self._sender_chat_level(community, user.id)

        async def request(chat_id: int) -> ChatMember:
            return await self.bot.get_chat_member(chat_id, int(user.id))

        try:
            found = await self.executor.call("GetChatMember", community.id, request)
        except ActionRefused as exc:
            cause = str(exc.__cause__ or "").lower()
            if "user not found" in cause or "participant_id_invalid" in cause:
                return Level.MEMBER  # not in the group: nobody to protect
            return None
        except TelegramError:
            return None
        return level_of_status(found.status)

    async def _sender_chat_level(self, community: CommunityRef, chat: str) -> Level | None:
        """A chat posting as itself: the group itself (an anonymous admin) and the group's
        linked channel speak for its staff; any other channel has no rank in the group."""
        group = self.executor.chat_id(community.id)
        if chat in (community.id, group):
            return Level.MODERATOR
        linked = self._linked.get(group)
        if linked is None:

            async def request(chat_id: int) -> int | None:
                return await self.bot.linked_chat_id(chat_id)

            try:
                found = await self.executor.call("GetChat", group, request)
            except (ActionRefused, TelegramError):
                return None  # cannot tell whether it is the group's own channel: fail closed
            linked = self._linked[group] = str(found) if found is not None else ""
        return Level.MODERATOR if chat == linked else Level.MEMBER

    # -- incoming ------------------------------------------------------------------------

    @property
    def inbox(self) -> str:
        """This bot's name in the inbox table."""
        return f"{PLATFORM}:{self.bot_id}"

    async def _persist(self, batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return await store.inbox_store(
            self.app.services.sessions,
            self.inbox,
            batch,
            self._now(),
            self.app.scheduler.instance,
            lane_of=self._lane_of_raw,
        )

    def _lane_of_raw(self, raw: dict[str, Any]) -> str:
        assert self._translator is not None
        try:
            return self._translator.lane(Update.de_json(raw, self.bot))
        except Exception:  # unreadable: handled (and given up) in its own lane
            return "misc"

    async def _earlier_elsewhere(self, lane: str, update_id: int) -> bool:
        """Whether an earlier update of `lane` is stored and unfinished but not here: one
        another instance holds (or a dead one held, until a survivor takes it over)."""
        earlier = await store.inbox_earlier(self.app.services.sessions, self.inbox, lane, update_id)
        here = self.intake.running
        return any(seq not in here for seq in earlier)

    async def _resume(self) -> None:
        """Hand the updates stored but not handled by the last run to the intake again: this
        instance's own, never those another live instance is handling."""
        await store.inbox_forget_handled(
            self.app.services.sessions, self.inbox, before=self._now() - WATERMARK_MAX_AGE
        )
        stored = await store.inbox_claim(
            self.app.services.sessions, self.inbox, self.app.scheduler.instance, self._now()
        )
        await self._take(stored)
        if stored:
            log.warning(
                "handling %d update(s) received but not handled before the last stop",
                len(stored),
            )

    async def _keep_claims(self) -> None:
        """Renew this instance's claim on the updates it holds, and take over those of an
        instance that died (its claim ran out): each is handled once, by the one that claims it."""
        sessions, now = self.app.services.sessions, self._now()
        instance = self.app.scheduler.instance
        await store.inbox_renew(sessions, self.inbox, instance, now)
        orphans = await store.inbox_claim(sessions, self.inbox, instance, now, own=False)
        orphans = [o for o in orphans if o.update_id not in self.intake.running]
        if orphans:
            log.warning("taking over %d update(s) of an instance that stopped", len(orphans))
            await self._take(orphans)

    async def _take(self, stored: list[store.Stored]) -> None:
        given_up: list[int] = []
        for item in stored:
            try:
                update = Update.de_json(item.raw, self.bot)
            except Exception:
                log.exception("stored update %s cannot be read; skipped", item.update_id)
                given_up.append(item.update_id)
                continue
            self._resumed[item.update_id] = item.sent
            self.intake.offer(update)
        if given_up:
            await store.inbox_handled(self.app.services.sessions, self.inbox, given_up, self._now())

    async def _handle(self, update: Update) -> None:
        """Handle one update from the inbox, then mark it handled there."""
        update_id = update.update_id
        # Taken from the inbox at a start or from a dead instance: may have been handled before.
        again = update_id in self._resumed
        token = _handling.set(_Handling(update_id, self._resumed.pop(update_id, 0)))
        try:
            shared = self.app.services.shared
            if shared is None:
                with handled_before_maybe(again):
                    await self._process(update)
            else:
                # Several instances: another may hold an update of this chat right now (the
                # webhook spreads a chat's updates); one chat's updates never run side by side.
                assert self._translator is not None
                lane = f"tg:{self.bot_id}:lane:{self._translator.lane(update)}"
                async with shared.lock(lane, CHAT_LOCK_LEASE, CHAT_LOCK_WAIT):
                    with handled_before_maybe(again):
                        await self._process(update)
        except asyncio.CancelledError:
            raise  # stopped part-way: left unhandled, the next start handles it
        except Exception:
            log.exception("handling update %s failed", update_id)
        finally:
            _handling.reset(token)
        try:
            await store.inbox_handled(
                self.app.services.sessions, self.inbox, [update_id], self._now()
            )
        except Exception as exc:
            # Its posts are counted, so a re-run after a crash would not repeat them.
            log.warning("could not mark update %s handled yet: %s", update_id, exc)
            if len(self._unmarked) < MAX_UNMARKED:
                self._unmarked.add(update_id)

    async def _before_post(self) -> bool:
        """Count a post of the update being handled; False if a crashed run posted it."""
        handling = _handling.get()
        if handling is None:
            return True  # not from an update (a scheduled job): jobs key their own effects
        number = handling.posts
        handling.posts += 1
        if number < handling.already:
            return False
        try:
            await store.inbox_sending(
                self.app.services.sessions, self.inbox, handling.update_id, number + 1
            )
        except Exception as exc:
            log.warning("could not record a post for update %s: %s", handling.update_id, exc)
        return True

    async def save_watermark(self) -> None:
        if self._unmarked:
            marks = sorted(self._unmarked)
            await store.inbox_handled(self.app.services.sessions, self.inbox, marks, self._now())
            self._unmarked.difference_update(marks)
        mark = self.intake.watermark
        if mark > self._saved or self._saved_back:
            back = self._saved_back
            await store.save_offset(
                self.app.services.sessions, self.bot_id, mark, self._now(), back=back
            )
            self._saved = mark
            self._saved_back = False
            self._saves += 1
            if self._saves % PRUNE_EVERY == 1:
                await store.inbox_prune(self.app.services.sessions, self.inbox)

    async def _numbered_anew(self) -> None:
        """Telegram restarted update ids below the watermark: store the lower one too."""
        if self._translator is not None:
            self._translator.epoch = self.intake.resets
        self._saved_back = True
        try:
            await store.inbox_forget_handled(self.app.services.sessions, self.inbox)
            await self.save_watermark()
        except SQLAlchemyError as exc:  # the flush loop stores it later
            log.warning("could not store the update watermark yet: %s", exc.__class__.__name__)

    def _now(self) -> datetime:
        return self.app.clock.now()

    async def _delete_webhook(self, _: int) -> bool:
        # Polling and a webhook exclude each other; pending updates stay queued at Telegram.
        return await self.bot.delete_webhook(drop_pending_updates=False)

    async def _flush_loop(self) -> None:
        while True:
            await asyncio.sleep(WATERMARK_FLUSH_SECONDS)
            try:
                await self._keep_claims()
                await self.save_watermark()
            except SQLAlchemyError as exc:
                # e.g. SQLite busy under a heavy burst: the next tick (or the stop) stores it.
                log.warning("could not store the update watermark yet: %s", exc.__class__.__name__)
            except Exception:
                log.exception("could not store the update watermark")

    async def _process(self, update: Update) -> None:
        """One update, in its chat's lane: bookkeeping first, then the core events."""
        assert self._translator is not None
        message = update.message
        if message is not None and message.migrate_to_chat_id:
            await self.migrate_chat(str(message.chat.id), str(message.migrate_to_chat_id))
            return
        if message is not None and message.migrate_from_chat_id:
            await self.migrate_chat(str(message.migrate_from_chat_id), str(message.chat.id))
            return
        if update.chat_member is not None:
            self.roles.observe(update.chat_member)
        if update.my_chat_member is not None:
            self._bot_status(update)
            return
        answer = update.poll_answer
        if answer is not None and answer.poll_id not in self._translator.poll_chats:
            chat = await store.poll_chat(self.app.services.sessions, answer.poll_id)
            if chat is not None:
                self._translator.poll_chats[answer.poll_id] = chat
        try:
            for event in self._translator.translate(update):
                await self.app.handle(await self._with_level(event))
        finally:
            if update.callback_query is not None:
                await self.executor.answer_button(update.callback_query.id)

    async def _with_level(self, event: Event) -> Event:
        author = event.author
        if author.user.id.startswith("-"):
            return event  # posted as a chat (anonymous admin, channel): level set already
        level = await self.roles.level(event.chat.id, author.user.id)
        if level <= author.platform_level:
            return event
        return dataclasses.replace(event, author=dataclasses.replace(author, platform_level=level))

    def _bot_status(self, update: Update) -> None:
        change = update.my_chat_member
        assert change is not None
        status = change.new_chat_member.status
        chat = str(change.chat.id)
        if status == ChatMember.ADMINISTRATOR:
            log.info("Telegram: I am an administrator in %s now", chat)
        elif status in (ChatMember.LEFT, ChatMember.BANNED):
            log.info("Telegram: I was removed from %s", chat)
        else:
            log.warning(
                "Telegram: I am a %s in %s; make me an administrator with delete, ban, "
                "restrict and pin rights so moderation works",
                status,
                chat,
            )
        self.roles.invalidate(chat)
        self._linked.pop(chat, None)

    async def migrate_chat(self, old: str, new: str) -> None:
        """A group became a supergroup: its community keeps its members and history."""
        app = self.app
        if old in self.executor.migrated:
            return
        self.executor.migrated[old] = new
        self.roles.move(old, new)
        self._linked.pop(old, None)
        await app.services.activity.flush()  # counts under the old id land before the move
        await app.services.directory.move(community_ref(old), community_ref(new))
        await store.rename_chat(app.services.sessions, PLATFORM, old, new)
        if str(community_ref(old)) in app.config.communities:
            log.warning(
                "config: rename [communities.%r] to [communities.%r]; the group moved",
                str(community_ref(old)),
                str(community_ref(new)),
            )

    # -- helpers for the executor --------------------------------------------------------

    def _locale(self, chat: str | None) -> str:
        config = self.app.config
        if chat is None or not chat.startswith("-"):
            return config.defaults.locale
        return config.community(community_ref(chat)).locale

    async def _administrators(self, chat: str) -> tuple[ChatMember, ...]:
        async def request(chat_id: int) -> tuple[ChatMember, ...]:
            return await self.bot.get_chat_administrators(chat_id)

        admins = await self.executor.call("GetChatAdministrators", chat, request)
        if self._translator is not None:
            for admin in admins:  # so `@username` of a quiet admin resolves too
                self._translator.members.learn(admin.user)
        return admins

    async def _remember_poll(self, poll_id: str, message: MessageRef) -> None:
        assert self._translator is not None
        self._translator.poll_chats[poll_id] = message.chat.id
        await store.remember_poll(
            self.app.services.sessions, poll_id, message.chat.id, message.id, self._now()
        )

    async def publish_commands(self) -> int:
        """Publish the `/` menu; a failure is logged, never fatal."""

        async def send(
            commands: Sequence[BotCommand], scope: BotCommandScope, language: str | None
        ) -> object:
            async def request(_: int) -> bool:
                return await self.bot.set_my_commands(commands, scope=scope, language_code=language)

            return await self.executor.call("SetMyCommands", None, request)

        try:
            return await publish(self.app.commands.all(), self.app.config.defaults.locale, send)
        except (ActionRefused, TelegramError) as exc:
            log.warning("could not publish the command menu: %s", exc)
            return 0
