"""Core actions → Bot API calls, through the rate limiter, with retries and clear refusals.

Every text from an action goes through `markup.render` (escaped for HTML parse mode, `@names`
made inert) so a member's words never render as markup or notify anyone; link previews are
off. A 429 waits `retry_after` and retries; network errors back off and retry; 400/403 become
`ActionRefused` with a reason in the community's language.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar, cast

import httpx
from telegram import (
    Bot,
    ChatPermissions,
    ForumTopic,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    LinkPreviewOptions,
    Message,
    ReplyParameters,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from bot.adapters.base import file_too_big
from bot.adapters.telegram import markup
from bot.adapters.telegram.ratelimit import RateLimiter, Sleep
from bot.adapters.telegram.refs import message_ref
from bot.core.actions import (
    Action,
    ActionResult,
    Ban,
    Button,
    DeleteMessage,
    EditMessage,
    FetchFile,
    Kick,
    OpenThread,
    Pin,
    Restrict,
    SendDirect,
    SendImage,
    SendMessage,
    SendPoll,
    StartThread,
    Unban,
    Unrestrict,
)
from bot.core.errors import ActionRefused
from bot.core.refs import MessageRef
from bot.i18n import t
from bot.telemetry import RATE_LIMITED, RETRIES

log = logging.getLogger(__name__)

CAPTION_LIMIT = 1024  # Telegram's limit for a photo's caption

T = TypeVar("T")

CALLBACK_DATA_LIMIT = 64
# Telegram treats a restriction shorter than 30 s or longer than 366 days as forever. Short ones
# are lengthened to this (with a margin for the request's own travel time); long ones are forever.
MIN_TIMED = timedelta(seconds=35)
MAX_TIMED = timedelta(days=366)
# A reply "only you can see" does not exist in Telegram groups: it is a reply removed after this.
EPHEMERAL_TTL = timedelta(seconds=60)
MAX_RATE_RETRIES = 20
MAX_NETWORK_RETRIES = 8
BACKOFF_START = 0.5
BACKOFF_CAP = 30.0
POLL_OPEN_RANGE = (5, 600)
# Requests open at once. The Bot API allows ~30 messages/s, so a few suffice even at 100 ms a
# round trip, and httpx's connection pool slows down sharply with many requests waiting in it.
MAX_IN_FLIGHT = 8

Locale = Callable[[str | None], str]
Scheduler = Callable[[MessageRef, timedelta], Awaitable[None]]
PollHook = Callable[[str, MessageRef], Awaitable[None]]
MigrateHook = Callable[[str, str], Awaitable[None]]


def callback_data(button: Button) -> str:
    """A button's custom_id as callback data: Telegram allows 1 to 64 bytes."""
    size = len(button.custom_id.encode("utf-8"))
    if not 1 <= size <= CALLBACK_DATA_LIMIT:
        raise ValueError(
            f"button {button.label!r}: custom_id must be 1-{CALLBACK_DATA_LIMIT} bytes "
            f"in UTF-8 for Telegram, got {size}"
        )
    return button.custom_id


def keyboard(buttons: tuple[Button, ...]) -> InlineKeyboardMarkup | None:
    """Up to three buttons side by side; more go one per row so labels stay readable."""
    if not buttons:
        return None
    keys = [InlineKeyboardButton(b.label, callback_data=callback_data(b)) for b in buttons]
    rows = [keys] if len(keys) <= 3 else [[k] for k in keys]
    return InlineKeyboardMarkup(rows)


def until(now: datetime, duration: timedelta | None) -> datetime | None:
    """The `until_date` for a timed restriction or ban; None means forever."""
    if duration is None:
        return None
    if duration > MAX_TIMED:
        log.info("a restriction of %s is longer than Telegram allows: it is forever", duration)
        return None
    return now + max(duration, MIN_TIMED)


_RIGHTS = (
    "not enough rights",
    "have no rights",
    "need administrator rights",
    "chat_admin_required",
    "not an administrator",
    "can't demote",
)
_GONE = ("message to delete not found", "message can't be deleted", "message not found")
_TARGET_ADMIN = (
    "user is an administrator",
    "can't remove chat owner",
    "user_admin_invalid",
    "can't restrict self",
    "administrator of the chat",
)
_NO_DM = ("initiate conversation", "blocked by the user", "user is deactivated")
_NOT_MEMBER = ("bot was kicked", "bot is not a member", "chat not found")


def refusal_reason(locale: str, exc: TelegramError) -> str:
    """A reason a moderator can act on, in their language."""
    text = exc.message.lower()
    if any(s in text for s in _NO_DM):
        return t(locale, "telegram.refused.cannot_dm")
    if any(s in text for s in _RIGHTS):
        return t(locale, "telegram.refused.rights")
    if any(s in text for s in _GONE):
        return t(locale, "telegram.refused.message_gone")
    if any(s in text for s in _TARGET_ADMIN):
        return t(locale, "telegram.refused.target_admin")
    if any(s in text for s in _NOT_MEMBER):
        return t(locale, "telegram.refused.not_member")
    return t(locale, "telegram.refused.other", description=exc.message)


@dataclass
class _Deletes:
    """Deletes asked for in the same instant in one chat, sent as one `deleteMessages`."""

    waiting: list[tuple[int, asyncio.Future[None]]] = field(default_factory=list)
    task: asyncio.Task[None] | None = None


# Asked before each post leaves; False when the post went out before a restart already.
BeforePost = Callable[[], Awaitable[bool]]


class AlreadySent(Exception):
    """A post the inbox says was started for this update before a crash: not sent again."""


class Executor:
    """Performs actions for one bot. `now` is the app clock; `locale` names a chat's language."""

    def __init__(
        self,
        bot: Bot,
        limiter: RateLimiter,
        *,
        now: Callable[[], datetime],
        locale: Locale,
        sleep: Sleep | None = None,
        schedule_delete: Scheduler | None = None,
        on_poll: PollHook | None = None,
        on_migrate: MigrateHook | None = None,
        max_in_flight: int = MAX_IN_FLIGHT,
        before_post: BeforePost | None = None,
    ) -> None:
        self.bot = bot
        self.limiter = limiter
        self._now = now
        self._locale = locale
        self._sleep: Sleep = sleep or asyncio.sleep
        self._schedule_delete = schedule_delete
        self._on_poll = on_poll
        self._on_migrate = on_migrate
        self.migrated: dict[str, str] = {}
        self._deletes: dict[str, _Deletes] = {}
        self._in_flight = asyncio.Semaphore(max_in_flight)
        self._before_post = before_post

    # -- the call wrapper -----------------------------------------------------------------

    def chat_id(self, chat: str) -> str:
        """Follow group → supergroup moves learned so far."""
        while chat in self.migrated:
            chat = self.migrated[chat]
        return chat

    async def call(
        self,
        what: str,
        chat: str | None,
        request: Callable[[int], Awaitable[T]],
        *,
        message: bool = False,
        idempotent: bool = True,
    ) -> T:
        """Run `request(chat_id)` within the limits, retrying 429s, moves and network errors.

        A call that is not `idempotent` (one that posts) is not retried after a timeout once
        the request may have reached Telegram: it may have been done, and again would post twice.
        """
        target = self.chat_id(chat) if chat is not None else None
        rate_tries = network_tries = 0
        while True:
            try:
                async with self.limiter.slot(
                    target, counts_as_message=message, gate=self._in_flight
                ):
                    # Asked as the post leaves (after the rate limit), so a crash while
                    # waiting for a slot is not taken for a post that went out.
                    posted_before = (
                        not idempotent
                        and self._before_post is not None
                        and not await self._before_post()
                    )
                    if posted_before:
                        raise AlreadySent(what)
                    return await request(int(target) if target is not None else 0)
            except RetryAfter as exc:
                RATE_LIMITED.labels("telegram").inc()
                rate_tries += 1
                seconds = _seconds(exc)
                log.warning("429 on %s in %s: waiting %.1f s", what, target, seconds)
                if rate_tries > MAX_RATE_RETRIES:
                    raise
                RETRIES.labels("telegram").inc()
                self.limiter.penalize(target, seconds)
            except ChatMigrated as exc:
                assert target is not None
                new = str(exc.new_chat_id)
                log.info("chat %s moved to %s; retrying %s there", target, new, what)
                if self._on_migrate is not None:
                    await self._on_migrate(target, new)  # keeps the community's data too
                self.migrated[target] = new
                target = new
            except (BadRequest, Forbidden) as exc:
                locale = self._locale(target)
                raise ActionRefused(what, refusal_reason(locale, exc)) from exc
            except NetworkError as exc:
                if not idempotent and _maybe_sent(exc):
                    log.warning(
                        "%s in %s timed out; not sent again (it may be posted)", what, target
                    )
                    reason = t(self._locale(target), "telegram.refused.timed_out")
                    raise ActionRefused(what, reason) from exc
                network_tries += 1
                if network_tries > MAX_NETWORK_RETRIES:
                    raise
                delay = min(BACKOFF_CAP, BACKOFF_START * 2 ** (network_tries - 1))
                log.warning("network error on %s (%s); retry in %.1f s", what, exc, delay)
                await self._sleep(delay)

    # -- actions ---------------------------------------------------------------------------

    async def _delete_action(self, action: DeleteMessage) -> ActionResult:
        await self._delete(action.message)
        return ActionResult()

    async def _unban_action(self, action: Unban) -> ActionResult:
        return await self._unban(action.community.id, int(action.user.id), "Unban")

    async def send_text(
        self,
        what: str,
        chat: str,
        text: str,
        *,
        reply_to: int | None = None,
        buttons: tuple[Button, ...] = (),
        thread: int | None = None,
    ) -> list[Message]:
        """Send plain `text` (escaped, split if long); buttons go under the last part."""
        keys = keyboard(buttons)
        parts = markup.render(text)
        sent: list[Message] = []
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            reply = (
                ReplyParameters(message_id=reply_to, allow_sending_without_reply=True)
                if reply_to is not None and index == 0
                else None
            )

            async def request(
                chat_id: int,
                part: str = part,
                reply: ReplyParameters | None = reply,
                last: bool = last,
            ) -> Message:
                return await self.bot.send_message(
                    chat_id=chat_id,
                    text=part,
                    parse_mode=ParseMode.HTML,
                    link_preview_options=LinkPreviewOptions(is_disabled=True),
                    reply_parameters=reply,
                    reply_markup=keys if last else None,
                    message_thread_id=thread,
                )

            try:
                sent.append(await self.call(what, chat, request, message=True, idempotent=False))
            except AlreadySent:
                log.info(
                    "%s part %d in %s was posted before a restart; not again", what, index, chat
                )
        return sent

    async def _send(self, action: SendMessage) -> ActionResult:
        reply_to = int(action.reply_to.id) if action.reply_to is not None else None
        thread = int(action.thread_id) if action.thread_id is not None else None
        sent = await self.send_text(
            "SendMessage", action.chat.id, action.text, reply_to=reply_to,
            buttons=action.buttons, thread=thread,
        )  # fmt: skip
        refs = [message_ref(m.chat.id, m.message_id) for m in sent]
        if not refs:
            return ActionResult()  # every part went out before a restart
        expire = action.delete_after
        if action.ephemeral_to is not None and expire is None:
            expire = EPHEMERAL_TTL
        if expire is not None and self._schedule_delete is not None:
            for ref in refs:
                await self._schedule_delete(ref, expire)
        return ActionResult(message=refs[-1])

    async def _edit(self, action: EditMessage) -> ActionResult:
        parts = markup.render(action.text)
        if len(parts) > 1:
            raise ActionRefused("EditMessage", "the new text is longer than one message")
        keys = keyboard(action.buttons)

        async def request(chat_id: int) -> Message | bool | None:
            try:
                return await self.bot.edit_message_text(
                    text=parts[0],
                    chat_id=chat_id,
                    message_id=int(action.message.id),
                    parse_mode=ParseMode.HTML,
                    link_preview_options=LinkPreviewOptions(is_disabled=True),
                    reply_markup=keys,
                )
            except BadRequest as exc:
                # The same text and buttons as now: what was asked for is what it shows.
                if "message is not modified" in exc.message.lower():
                    return None
                raise

        await self.call("EditMessage", action.message.chat.id, request)
        return ActionResult(message=action.message)

    async def _topic(self, action: OpenThread) -> ActionResult:
        # Topic names are at most 128 characters; the name is plain text, never markup.
        name = action.title[:128]

        async def request(chat_id: int) -> ForumTopic:
            return await self.bot.create_forum_topic(chat_id=chat_id, name=name)

        topic = await self.call("OpenThread", action.chat.id, request, idempotent=False)
        return ActionResult(message=message_ref(action.chat.id, topic.message_thread_id))

    async def _discussion(self, action: StartThread) -> ActionResult:
        # A forum supergroup discusses in topics: one for the post, opened with `text`.
        # Elsewhere the post's reply chain is the discussion: `text` goes out as a reply.
        async def look(chat_id: int) -> bool:
            return bool((await self.bot.get_chat(chat_id)).is_forum)

        chat = action.message.chat
        if await self.call("StartThread", chat.id, look):
            topic = await self._topic(OpenThread(chat=chat, title=action.title))
            assert topic.message is not None
            await self.send_text("StartThread", chat.id, action.text, thread=int(topic.message.id))
            return topic
        await self.send_text("StartThread", chat.id, action.text, reply_to=int(action.message.id))
        return ActionResult(message=action.message)

    async def _direct(self, action: SendDirect) -> ActionResult:
        sent = await self.send_text(
            "SendDirect", action.user.id, action.text, buttons=action.buttons
        )
        if not sent:
            return ActionResult()
        last = sent[-1]
        return ActionResult(message=message_ref(last.chat.id, last.message_id))

    async def _delete(self, message: MessageRef) -> None:
        chat = self.chat_id(message.chat.id)
        batch = self._deletes.get(chat)
        if batch is None:
            batch = self._deletes[chat] = _Deletes()
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        batch.waiting.append((int(message.id), future))
        if batch.task is None:
            batch.task = asyncio.create_task(self._flush_deletes(chat))
        await future

    async def _flush_deletes(self, chat: str) -> None:
        await asyncio.sleep(0)  # let deletes asked for in the same instant join the batch
        batch = self._deletes.pop(chat)
        try:
            waiting = batch.waiting
            while waiting:
                group, waiting = waiting[:100], waiting[100:]
                try:
                    await self._delete_group(chat, [message_id for message_id, _ in group])
                except Exception as exc:
                    for _, future in group:
                        if not future.done():
                            future.set_exception(exc)
                    continue
                for _, future in group:
                    if not future.done():
                        future.set_result(None)
        finally:
            for _, future in batch.waiting:  # cancelled mid-way: nobody may wait forever
                if not future.done():
                    future.cancel()

    async def _delete_group(self, chat: str, ids: list[int]) -> None:
        """One message: deleteMessage (its refusal is precise); more: one deleteMessages."""

        async def one(chat_id: int) -> bool:
            return await self.bot.delete_message(chat_id, ids[0])

        async def many(chat_id: int) -> bool:
            return await self.bot.delete_messages(chat_id, ids)

        await self.call("DeleteMessage", chat, one if len(ids) == 1 else many)

    async def _sender_chat(self, what: str, chat: str, sender: int, *, ban: bool) -> ActionResult:
        """A channel posting in the group: Telegram bans (or unbans) it as a sender chat,
        which stops every message posted as that channel; it has no timed form."""

        async def request(chat_id: int) -> bool:
            if ban:
                return await self.bot.ban_chat_sender_chat(chat_id, sender)
            return await self.bot.unban_chat_sender_chat(chat_id, sender)

        await self.call(what, chat, request)
        return ActionResult()

    async def _restrict(self, action: Restrict) -> ActionResult:
        if _is_chat(action.user.id):  # a channel cannot be muted, only banned as a sender
            return await self._sender_chat(
                "Restrict", action.community.id, int(action.user.id), ban=True
            )
        until_date = until(self._now(), action.duration)

        async def request(chat_id: int) -> bool:
            return await self.bot.restrict_chat_member(
                chat_id,
                int(action.user.id),
                ChatPermissions.no_permissions(),
                until_date=until_date,
                use_independent_chat_permissions=True,
            )

        await self.call("Restrict", action.community.id, request)
        return ActionResult()

    async def _unrestrict(self, action: Unrestrict) -> ActionResult:
        if _is_chat(action.user.id):
            return await self._sender_chat(
                "Unrestrict", action.community.id, int(action.user.id), ban=False
            )

        async def request(chat_id: int) -> bool:
            # The Bot API lifts a restriction when every permission is granted again.
            return await self.bot.restrict_chat_member(
                chat_id,
                int(action.user.id),
                ChatPermissions.all_permissions(),
                use_independent_chat_permissions=True,
            )

        await self.call("Unrestrict", action.community.id, request)
        return ActionResult()

    async def _ban(self, action: Ban) -> ActionResult:
        if _is_chat(action.user.id):
            return await self._sender_chat(
                "Ban", action.community.id, int(action.user.id), ban=True
            )
        until_date = until(self._now(), action.duration)

        async def request(chat_id: int) -> bool:
            return await self.bot.ban_chat_member(
                chat_id, int(action.user.id), until_date=until_date, revoke_messages=False
            )

        await self.call("Ban", action.community.id, request)
        return ActionResult()

    async def _unban(self, chat: str, user_id: int, what: str) -> ActionResult:
        if user_id < 0:
            return await self._sender_chat(what, chat, user_id, ban=False)

        async def request(chat_id: int) -> bool:
            return await self.bot.unban_chat_member(chat_id, user_id, only_if_banned=True)

        await self.call(what, chat, request)
        return ActionResult()

    async def _kick(self, action: Kick) -> ActionResult:
        # Telegram has no kick: a ban lifted at once removes the member and lets them rejoin.
        if _is_chat(action.user.id):  # a channel is no member: the ban and unban still apply
            await self._sender_chat("Kick", action.community.id, int(action.user.id), ban=True)
            return await self._unban(action.community.id, int(action.user.id), "Kick")

        async def request(chat_id: int) -> bool:
            return await self.bot.ban_chat_member(chat_id, int(action.user.id))

        await self.call("Kick", action.community.id, request)
        return await self._unban(action.community.id, int(action.user.id), "Kick")

    async def _poll(self, action: SendPoll) -> ActionResult:
        quiz = action.correct_option is not None
        open_period: int | None = None
        if action.open_for is not None:
            seconds = int(action.open_for.total_seconds())
            low, high = POLL_OPEN_RANGE
            if low <= seconds <= high:
                open_period = seconds
            else:
                log.info(
                    "poll open for %s: Telegram closes polls by itself only within 10 min",
                    action.open_for,
                )

        # PTB types option indexes as literals 0-11; Telegram allows at most 12 options.
        correct = cast(Any, [action.correct_option]) if action.correct_option is not None else None

        async def request(chat_id: int) -> Message:
            return await self.bot.send_poll(
                chat_id,
                action.question,
                list(action.options),
                is_anonymous=action.anonymous,
                type="quiz" if quiz else "regular",
                allows_multiple_answers=action.multiple if not quiz else None,
                correct_option_ids=correct,
                explanation=action.explanation or None,
                open_period=open_period,
            )

        try:
            sent = await self.call(
                "SendPoll", action.chat.id, request, message=True, idempotent=False
            )
        except AlreadySent:
            return ActionResult()
        ref = message_ref(sent.chat.id, sent.message_id)
        poll_id = sent.poll.id if sent.poll is not None else None
        if poll_id is not None and self._on_poll is not None:
            await self._on_poll(poll_id, ref)
        return ActionResult(message=ref, poll_id=poll_id)

    async def _image(self, action: SendImage) -> ActionResult:
        # A caption is at most 1,024 characters after parsing: the first part of it goes.
        parts = markup.render(action.caption, CAPTION_LIMIT) if action.caption else []

        async def request(chat_id: int) -> Message:
            upload = InputFile(action.image, filename=action.filename)
            caption = parts[0] if parts else None
            if action.document:  # any file, sent as it is (no recompression)
                return await self.bot.send_document(
                    chat_id=chat_id, document=upload, caption=caption, parse_mode=ParseMode.HTML
                )
            return await self.bot.send_photo(
                chat_id=chat_id, photo=upload, caption=caption, parse_mode=ParseMode.HTML
            )

        sent = await self.call("SendImage", action.chat.id, request, message=True, idempotent=False)
        return ActionResult(message=message_ref(sent.chat.id, sent.message_id))

    async def _fetch(self, action: FetchFile) -> ActionResult:
        """getFile, then the download (Telegram serves bots files of up to 20 MB). The size
        Telegram states is checked before the download and the bytes after it."""
        limit = action.limit
        if action.attachment.size is not None and action.attachment.size > limit:
            raise file_too_big(self._locale(action.chat.id), limit)

        async def request(_: int) -> bytes | None:
            found = await self.bot.get_file(action.attachment.id)
            if found.file_size is not None and found.file_size > limit:
                return None
            return bytes(await found.download_as_bytearray())

        data = await self.call("FetchFile", None, request)
        if data is None or len(data) > limit:
            raise file_too_big(self._locale(action.chat.id), limit)
        return ActionResult(data=data)

    async def _pin(self, action: Pin) -> ActionResult:
        async def request(chat_id: int) -> bool:
            return await self.bot.pin_chat_message(
                chat_id, int(action.message.id), disable_notification=True
            )

        await self.call("Pin", action.message.chat.id, request)
        return ActionResult()

    async def answer_button(self, query_id: str) -> None:
        """Stop the button's spinner; failures (an old query) only matter to the log."""

        async def request(_: int) -> bool:
            return await self.bot.answer_callback_query(query_id)

        try:
            await self.call("AnswerCallbackQuery", None, request)
        except (ActionRefused, TelegramError) as exc:
            log.debug("could not answer callback query %s: %s", query_id, exc)


def _maybe_sent(exc: NetworkError) -> bool:
    """Whether the request may have reached Telegram: a timeout other than waiting for a
    connection (the pool) or opening one."""
    if not isinstance(exc, TimedOut):
        return False
    return not isinstance(exc.__cause__, (httpx.ConnectTimeout, httpx.PoolTimeout))


def _is_chat(user_id: str) -> bool:
    """Chats (channels, groups posting as themselves) have negative ids, users positive."""
    return user_id.startswith("-")


def _seconds(exc: RetryAfter) -> float:
    value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


# One Bot API call per Action type: the adapter registers exactly these, so they are its
# capabilities. Slow-mode is emulated by the core; roles do not exist in Telegram.
PERFORMERS: dict[type[Action], Callable[[Executor, Any], Awaitable[ActionResult]]] = {
    SendMessage: Executor._send,
    SendImage: Executor._image,
    SendDirect: Executor._direct,
    DeleteMessage: Executor._delete_action,
    EditMessage: Executor._edit,
    Restrict: Executor._restrict,
    Unrestrict: Executor._unrestrict,
    Ban: Executor._ban,
    Unban: Executor._unban_action,
    Kick: Executor._kick,
    SendPoll: Executor._poll,
    Pin: Executor._pin,
    OpenThread: Executor._topic,  # forum topics are Telegram's threads
    StartThread: Executor._discussion,  # a topic in a forum, else the reply chain
    FetchFile: Executor._fetch,  # a file a member attached to a command
}
