"""A local fake of the Telegram Bot API: PTB talks to it over real HTTP through `base_url`.

It serves the methods the adapter uses, records every call (method and decoded parameters),
queues updates for `getUpdates` (a long poll returns as soon as an update is pushed), and can
inject failures: HTTP 429 with `parameters.retry_after`, or 400/403 with a description.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from collections import Counter, defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.web_request import FileField

TOKEN = "123456:TEST-TOKEN"
BOT_ID = 123456
BOT_USERNAME = "kenes_bot"

# Parameters PTB sends as plain strings; every other parameter is JSON-encoded by PTB.
_RAW = frozenset(
    {
        "text",
        "question",
        "explanation",
        "callback_query_id",
        "parse_mode",
        "url",
        "secret_token",
        "language_code",
        "type",
        "caption",
    }
)

JSON = dict[str, Any]


@dataclass(frozen=True)
class Call:
    """One request the bot made."""

    method: str
    params: JSON
    at: float


@dataclass
class Failure:
    """An error to return instead of serving a method (once per queued entry)."""

    status: int
    description: str
    retry_after: int | None = None
    migrate_to_chat_id: int | None = None


def user(user_id: int, first_name: str, username: str | None = None) -> JSON:
    found: JSON = {"id": user_id, "is_bot": False, "first_name": first_name}
    if username:
        found["username"] = username
    return found


def supergroup(
    chat_id: int, title: str = "Kenes test group", forum: bool = False, username: str = ""
) -> JSON:
    """A supergroup's chat object; as Telegram's, a public one carries its `username`."""
    chat: JSON = {"id": chat_id, "type": "supergroup", "title": title}
    if forum:
        chat["is_forum"] = True
    if username:
        chat["username"] = username
    return chat


def private(who: JSON) -> JSON:
    """A user's private chat with the bot: Telegram gives it the user's own id."""
    return {"id": who["id"], "type": "private", "first_name": who["first_name"]}


def utf16_len(text: str) -> int:
    """Telegram counts entity offsets and lengths in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def auto_entities(text: str) -> list[JSON]:
    """Entities Telegram would attach: a leading bot command and `@username` mentions."""
    entities: list[JSON] = []
    position = 0
    for index, word in enumerate(text.split(" ")):
        start = utf16_len(text[:position])
        if index == 0 and word.startswith("/") and len(word) > 1:
            entities.append({"type": "bot_command", "offset": 0, "length": utf16_len(word)})
        elif word.startswith("@") and len(word) > 1:
            entities.append({"type": "mention", "offset": start, "length": utf16_len(word)})
        position += len(word) + 1
    return entities


def _permissions(allowed: bool) -> JSON:
    names = [
        "can_send_messages",
        "can_send_audios",
        "can_send_documents",
        "can_send_photos",
        "can_send_videos",
        "can_send_video_notes",
        "can_send_voice_notes",
        "can_send_polls",
        "can_send_other_messages",
        "can_add_web_page_previews",
        "can_change_info",
        "can_invite_users",
        "can_pin_messages",
        "can_manage_topics",
        "can_edit_tag",
    ]
    return dict.fromkeys(names, allowed)


def member(user_json: JSON, status: str = "member") -> JSON:
    """A ChatMember of any status with every field PTB requires."""
    found: JSON = {"status": status, "user": user_json}
    if status == "creator":
        found["is_anonymous"] = False
    elif status == "administrator":
        found.update(
            {
                "can_be_edited": False,
                "is_anonymous": False,
                "can_manage_chat": True,
                "can_delete_messages": True,
                "can_manage_video_chats": True,
                "can_restrict_members": True,
                "can_promote_members": False,
                "can_change_info": True,
                "can_invite_users": True,
                "can_post_stories": False,
                "can_edit_stories": False,
                "can_delete_stories": False,
                "can_pin_messages": True,
            }
        )
    elif status == "restricted":
        found.update(_permissions(False))
        found.update({"is_member": True, "until_date": 0})
    elif status == "kicked":
        found["until_date"] = 0
    return found


class FakeTelegram:
    """The far side of the Bot API, on 127.0.0.1 and a random port."""

    def __init__(self, *, token: str = TOKEN, clock: Callable[[], datetime] | None = None) -> None:
        self.token = token
        self.bot = {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "Kenes",
            "username": BOT_USERNAME,
            "can_join_groups": True,
            "can_read_all_group_messages": True,
            "supports_inline_queries": False,
        }
        self.calls: list[Call] = []
        self.counts: Counter[str] = Counter()
        self.updates: deque[JSON] = deque()
        self.resend: deque[JSON] = deque()
        self.sticky: list[JSON] = []  # served on every poll, whatever the offset
        self.polls: list[str] = []
        self.failures: defaultdict[str, deque[Failure]] = defaultdict(deque)
        self.stalls: defaultdict[str, deque[float]] = defaultdict(deque)
        self.admins: dict[int, list[JSON]] = {}
        self.members: dict[tuple[int, int], JSON] = {}
        self.chats: dict[int, JSON] = {}
        self.linked: dict[int, int] = {}  # group id → its linked channel id
        self.topics: dict[int, dict[int, str]] = {}  # forum chat id → topic id → name
        # (chat id, message id) → the bot's text messages as they read now (edits applied).
        self.texts: dict[tuple[int, int], JSON] = {}
        self.files: dict[str, bytes] = {}  # file id → the bytes members sent (getFile serves)
        self._file_ids = itertools.count(1)
        self.clock = clock
        self.latency = 0.0
        self._update_ids = itertools.count(1)
        self.last_update_id = 0
        self.renumbered = False
        self._message_ids: defaultdict[int, itertools.count[int]] = defaultdict(
            lambda: itertools.count(1)
        )
        self._poll_ids = itertools.count(5001)
        self._new_update = asyncio.Event()
        self._new_call = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.max_poll_wait = 0.5
        # Webhook mode: where "Telegram" reaches the bot's listener (the registered URL is a
        # public one; a test points this at 127.0.0.1). Unset, setWebhook only records.
        self.webhook_target: str | None = None
        self.webhook: JSON | None = None  # the registration in force
        self.webhook_delivered = 0
        self.webhook_refused = 0  # attempts the bot did not answer with 200
        self._webhook_task: asyncio.Task[None] | None = None

    # -- lifecycle ------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._serve)
        app.router.add_get("/bot{token}/{method}", self._serve)
        app.router.add_get("/file/bot{token}/{path:.*}", self._download)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        sockets = getattr(server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1]

    async def stop(self) -> None:
        self._new_update.set()  # end long polls in progress so shutdown does not wait
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._webhook_task
            self._webhook_task = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegram:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    # -- the harness side ------------------------------------------------------------------

    def _now(self) -> int:
        return int(self.clock().timestamp()) if self.clock else 1_767_603_600

    def next_message_id(self, chat_id: int) -> int:
        return next(self._message_ids[chat_id])

    def push(self, kind: str, payload: JSON, update_id: int | None = None) -> int:
        """Queue an update of `kind` (`message`, `chat_member`...); returns its update_id."""
        if update_id is None:
            update_id = next(self._update_ids)
        self.last_update_id = update_id
        self.updates.append({"update_id": update_id, kind: payload})
        self._new_update.set()
        return update_id

    def restart_ids(self, start: int) -> None:
        """Number the next updates from `start` on, as Telegram does after a week without
        updates (it picks a new, possibly lower, first id). An offset above every id of the
        new numbering is a stale one from the old numbering: the new updates are served anyway.
        """
        self._update_ids = itertools.count(start)
        self.renumbered = True

    def redeliver(self, update_id: int, kind: str, payload: JSON) -> None:
        """Serve an update again under the same id, as Telegram does when the bot died
        before its confirmation (the next offset) reached Telegram: served whatever the offset.
        """
        self.resend.append({"update_id": update_id, kind: payload})
        self._new_update.set()

    def message_json(
        self,
        chat: JSON,
        sender: JSON,
        text: str,
        *,
        reply_to: JSON | None = None,
        entities: list[JSON] | None = None,
        caption: bool = False,
        thread_id: int | None = None,
        **extra: Any,
    ) -> JSON:
        message: JSON = {
            "message_id": self.next_message_id(chat["id"]),
            "date": self._now(),
            "chat": chat,
            "from": sender,
        }
        found = auto_entities(text) if entities is None else entities
        if caption:
            message["caption"] = text
            if "photo" not in extra and "document" not in extra:  # a caption is on some file
                message["photo"] = [
                    {"file_id": "f", "file_unique_id": "u", "width": 1, "height": 1}
                ]
            if found:
                message["caption_entities"] = found
        else:
            message["text"] = text
            if found:
                message["entities"] = found
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        if thread_id is not None:
            message["message_thread_id"] = thread_id
            message["is_topic_message"] = True
        message.update(extra)
        return message

    def attach(self, data: bytes, name: str = "", *, photo: bool = False) -> JSON:
        """The fields of a message carrying `data`, as Telegram sends them: a photo in sizes
        (smallest first; the largest is the file as sent), or a document with its name."""
        number = next(self._file_ids)
        file_id = f"file{number}"
        self.files[file_id] = data
        if photo:
            thumb_id = f"thumb{number}"
            self.files[thumb_id] = data[:100]
            return {
                "photo": [
                    {"file_id": thumb_id, "file_unique_id": f"ut{number}", "width": 90,
                     "height": 60, "file_size": len(self.files[thumb_id])},
                    {"file_id": file_id, "file_unique_id": f"u{number}", "width": 1280,
                     "height": 853, "file_size": len(data)},
                ]
            }  # fmt: skip
        return {
            "document": {"file_id": file_id, "file_unique_id": f"u{number}", "file_name": name,
                         "file_size": len(data)}
        }  # fmt: skip

    def say(self, chat: JSON, sender: JSON, text: str, **kwargs: Any) -> tuple[int, JSON]:
        """A member posts `text`; returns (update_id, message json)."""
        message = self.message_json(chat, sender, text, **kwargs)
        return self.push("message", message), message

    def chat_member(self, chat: JSON, who: JSON, old: str, new: str) -> int:
        payload = {
            "chat": chat,
            "from": who,
            "date": self._now(),
            "old_chat_member": member(who, old),
            "new_chat_member": member(who, new),
        }
        return self.push("chat_member", payload)

    def press(self, message: JSON, who: JSON, data: str) -> int:
        """A member presses the inline button with callback data `data` under `message`."""
        payload = {
            "id": f"cq{len(self.calls)}-{data}",
            "from": who,
            "chat_instance": "ci",
            "message": message,
            "data": data,
        }
        return self.push("callback_query", payload)

    def react(self, chat: JSON, message_id: int, who: JSON, old: list[str], new: list[str]) -> int:
        payload = {
            "chat": chat,
            "message_id": message_id,
            "user": who,
            "date": self._now(),
            "old_reaction": [{"type": "emoji", "emoji": e} for e in old],
            "new_reaction": [{"type": "emoji", "emoji": e} for e in new],
        }
        return self.push("message_reaction", payload)

    def vote(self, poll_id: str, who: JSON, options: list[int]) -> int:
        payload = {
            "poll_id": poll_id,
            "user": who,
            "option_ids": options,
            "option_persistent_ids": [str(o) for o in options],
        }
        return self.push("poll_answer", payload)

    def fail(
        self,
        method: str,
        *,
        status: int = 400,
        description: str = "Bad Request",
        retry_after: int | None = None,
        times: int = 1,
        migrate_to_chat_id: int | None = None,
    ) -> None:
        """Answer the next `times` calls of `method` with an error instead."""
        for _ in range(times):
            self.failures[method].append(
                Failure(status, description, retry_after, migrate_to_chat_id)
            )

    def stall(self, method: str, seconds: float, *, times: int = 1) -> None:
        """Serve the next `times` calls of `method` only after `seconds` (the call is done
        at once, as when Telegram acts but its answer is late)."""
        for _ in range(times):
            self.stalls[method].append(seconds)

    def set_admins(self, chat_id: int, creator: JSON, *admins: JSON) -> None:
        self.admins[chat_id] = [member(creator, "creator")] + [
            member(a, "administrator") for a in admins
        ]

    def of(self, method: str) -> list[JSON]:
        """Parameters of every call of `method`, in order."""
        return [c.params for c in self.calls if c.method == method]

    def methods(self) -> list[str]:
        return [c.method for c in self.calls]

    async def wait_for(self, method: str, count: int = 1, within: float = 5.0) -> list[JSON]:
        """Wait until `method` was called at least `count` times (bounded)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while self.counts[method] < count:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(
                    f"{method} called {self.counts[method]} times, wanted {count}; "
                    f"calls: {self.methods()}"
                )
            self._new_call.clear()
            try:
                await asyncio.wait_for(self._new_call.wait(), timeout=remaining)
            except TimeoutError:
                continue
        return self.of(method)

    # -- the server side -------------------------------------------------------------------

    async def _params(self, request: web.Request) -> JSON:
        raw: dict[str, str] = {}
        if request.content_type == "application/json":
            body = await request.json()
            return dict(body) if isinstance(body, dict) else {}
        files: dict[str, int] = {}
        names: dict[str, str] = {}
        if request.can_read_body:
            form = await request.post()
            raw = {k: v for k, v in form.items() if isinstance(v, str)}
            # An uploaded file (sendPhoto): Telegram stores it; the fake keeps its size and name.
            files = {k: len(v.file.read()) for k, v in form.items() if isinstance(v, FileField)}
            names = {k: v.filename for k, v in form.items() if isinstance(v, FileField)}
        raw.update(request.query)
        params: JSON = {"_files": files, "_names": names} if files else {}
        for key, value in raw.items():
            if key in _RAW:
                params[key] = value
                continue
            try:
                params[key] = json.loads(value)
            except ValueError:
                params[key] = value
        return params

    async def _serve(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        method = request.match_info["method"]
        params = await self._params(request)
        if method != "getUpdates":
            self.calls.append(Call(method, params, asyncio.get_running_loop().time()))
            self.counts[method] += 1
            self._new_call.set()
            if self.latency:
                await asyncio.sleep(self.latency)
            stalls = self.stalls.get(method)
            if stalls:
                await asyncio.sleep(stalls.popleft())
        queued = self.failures.get(method)
        if queued:
            failure = queued.popleft()
            extra: JSON = {}
            if failure.retry_after is not None:
                extra["retry_after"] = failure.retry_after
            if failure.migrate_to_chat_id is not None:
                extra["migrate_to_chat_id"] = failure.migrate_to_chat_id
            return _error(failure.status, failure.description, extra or None)
        if method == "getUpdates":
            result = await self._get_updates(params, request)
            return web.json_response({"ok": True, "result": result})
        handler = getattr(self, "_m_" + method, None)
        if handler is None:
            return _error(404, "Not Found")
        try:
            result = await handler(params)
        except _ApiError as exc:
            return _error(exc.status, exc.description)
        return web.json_response({"ok": True, "result": result})

    async def _m_getFile(self, params: JSON) -> Any:
        # As Telegram: bots may download files of up to 20 MB; the path is served under /file.
        file_id = str(params.get("file_id", ""))
        data = self.files.get(file_id)
        if data is None:
            raise _ApiError(400, "Bad Request: invalid file_id")
        if len(data) > 20 * 1024 * 1024:
            raise _ApiError(400, "Bad Request: file is too big")
        return {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_size": len(data),
                "file_path": f"documents/{file_id}"}  # fmt: skip

    async def _download(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        self.counts["download"] += 1
        data = self.files.get(request.match_info["path"].rpartition("/")[2])
        if data is None:
            return _error(404, "Not Found")
        return web.Response(body=data, content_type="application/octet-stream")

    async def _m_getMe(self, params: JSON) -> Any:
        return self.bot

    async def _get_updates(self, params: JSON, request: web.Request) -> Any:
        offset = int(params.get("offset") or 0)
        if self.renumbered and offset > self.last_update_id + 1:
            offset = 0  # from before the renumbering: it confirms nothing of the new ids
        limit = int(params.get("limit") or 100)
        while self.updates and offset and self.updates[0]["update_id"] < offset:
            self.updates.popleft()  # confirmed by the offset: Telegram forgets them
        if not self.updates and not self.resend and not self.sticky:
            self._new_update.clear()
            wait = min(float(params.get("timeout") or 0), self.max_poll_wait)
            if wait > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._new_update.wait(), timeout=wait)
        transport = request.transport
        if transport is None or transport.is_closing():
            return []  # the poller went away while waiting (a stopped bot): serve it nothing
        self.calls.append(Call("getUpdates", params, asyncio.get_running_loop().time()))
        self.counts["getUpdates"] += 1
        served = self.sticky + list(self.resend)
        served += [u for u in self.updates if u["update_id"] >= offset]
        self.resend.clear()
        return served[:limit]

    @property
    def pending(self) -> int:
        return len(self.updates)

    async def _m_deleteWebhook(self, params: JSON) -> Any:
        self.webhook = None
        if str(params.get("drop_pending_updates", "")).lower() == "true":
            self.updates.clear()
        return True

    async def _m_setWebhook(self, params: JSON) -> Any:
        self.webhook = params
        if str(params.get("drop_pending_updates", "")).lower() == "true":
            self.updates.clear()
        if self.webhook_target is not None and (
            self._webhook_task is None or self._webhook_task.done()
        ):
            self._webhook_task = asyncio.create_task(self._deliver_to_webhook())
        return True

    async def _deliver_to_webhook(self) -> None:
        """Like Telegram with a webhook set: POST each pending update, oldest first, with the
        registered secret; forget it once answered 200, else keep it and try again later (a
        bot that is down gets its updates when it is back, for as long as Telegram keeps them)."""
        assert self.webhook_target is not None
        async with aiohttp.ClientSession() as http:
            while self.webhook is not None:
                if not self.updates:
                    await asyncio.sleep(0.02)
                    continue
                update = self.updates[0]
                secret = str(self.webhook.get("secret_token") or "")
                try:
                    async with http.post(
                        self.webhook_target,
                        json=update,
                        headers={"X-Telegram-Bot-Api-Secret-Token": secret},
                    ) as answer:
                        delivered = answer.status == 200
                except aiohttp.ClientError:
                    delivered = False
                if delivered:
                    if self.updates and self.updates[0] is update:
                        self.updates.popleft()
                    self.webhook_delivered += 1
                else:
                    self.webhook_refused += 1
                    await asyncio.sleep(0.05)  # Telegram retries a failing webhook later

    async def _m_setMyCommands(self, params: JSON) -> Any:
        return True

    async def _m_deleteMyCommands(self, params: JSON) -> Any:
        return True

    def _sent(self, chat_id: int, **fields: Any) -> JSON:
        # As on Telegram, a positive chat id is a user's private chat with the bot.
        default: JSON = (
            {"id": chat_id, "type": "private", "first_name": "u"}
            if chat_id > 0
            else {"id": chat_id, "type": "supergroup", "title": "g"}
        )
        chat = self.chats.get(chat_id) or default
        message: JSON = {
            "message_id": self.next_message_id(chat_id),
            "date": self._now(),
            "chat": chat,
            "from": self.bot,
        }
        message.update(fields)
        return message

    async def _m_sendMessage(self, params: JSON) -> Any:
        chat_id = int(params["chat_id"])
        thread = params.get("message_thread_id")
        extra: JSON = {"text": params["text"]}
        if params.get("reply_markup"):
            extra["reply_markup"] = params["reply_markup"]
        if thread is not None:
            if int(thread) not in self.topics.get(chat_id, {}):
                raise _ApiError(400, "Bad Request: message thread not found")
            extra |= {"message_thread_id": int(thread), "is_topic_message": True}
        message = self._sent(chat_id, **extra)
        self.texts[(chat_id, message["message_id"])] = message
        return message

    async def _m_editMessageText(self, params: JSON) -> Any:
        # As Telegram: only a message the bot sent can be edited; an edit that changes neither
        # the text nor the buttons is refused; buttons left out of the request are removed.
        key = (int(params["chat_id"]), int(params["message_id"]))
        message = self.texts.get(key)
        if message is None:
            raise _ApiError(400, "Bad Request: message to edit not found")
        markup = params.get("reply_markup") or None
        if message["text"] == params["text"] and message.get("reply_markup") == markup:
            raise _ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and "
                "reply markup are exactly the same as a current content and reply markup "
                "of the message",
            )
        edited = {k: v for k, v in message.items() if k != "reply_markup"}
        edited |= {"text": params["text"], "edit_date": self._now()}
        if markup is not None:
            edited["reply_markup"] = markup
        self.texts[key] = edited
        return edited

    async def _m_sendPhoto(self, params: JSON) -> Any:
        # As Telegram: the photo must be there (uploaded, or a file id) and is stored in sizes.
        chat_id = int(params["chat_id"])
        uploaded = params.get("_files", {}).get("photo")
        if uploaded is None and not isinstance(params.get("photo"), str):
            raise _ApiError(400, "Bad Request: there is no photo in the request")
        size = {"file_id": f"photo{chat_id}", "file_unique_id": "p1", "width": 800,
                "height": 400, "file_size": uploaded or 0}  # fmt: skip
        extra: JSON = {"photo": [size]}
        if params.get("caption"):
            extra["caption"] = params["caption"]
        return self._sent(chat_id, **extra)

    async def _m_sendDocument(self, params: JSON) -> Any:
        # As Telegram: the file must be there; bots upload documents of up to 50 MB.
        chat_id = int(params["chat_id"])
        uploaded = params.get("_files", {}).get("document")
        if uploaded is None and not isinstance(params.get("document"), str):
            raise _ApiError(400, "Bad Request: there is no document in the request")
        if (uploaded or 0) > 50 * 1024 * 1024:
            raise _ApiError(413, "Request Entity Too Large")
        name = str(params.get("_names", {}).get("document") or "file")
        extra: JSON = {"document": {"file_id": f"doc{chat_id}", "file_unique_id": "d1",
                                    "file_name": name, "file_size": uploaded or 0}}  # fmt: skip
        if params.get("caption"):
            extra["caption"] = params["caption"]
        return self._sent(chat_id, **extra)

    async def _m_createForumTopic(self, params: JSON) -> Any:
        # As Telegram: only a forum supergroup has topics; the topic's id is the id of the
        # service message that opens it, so it comes from the chat's message numbering.
        chat_id = int(params["chat_id"])
        if not self.chats.get(chat_id, {}).get("is_forum"):
            raise _ApiError(400, "Bad Request: the chat is not a forum")
        name = str(params["name"])
        if not 1 <= len(name) <= 128:
            raise _ApiError(400, "Bad Request: invalid forum topic name specified")
        thread = self.next_message_id(chat_id)
        self.topics.setdefault(chat_id, {})[thread] = name
        return {"message_thread_id": thread, "name": name, "icon_color": 7322096}

    async def _m_sendPoll(self, params: JSON) -> Any:
        options = [
            {
                "text": o["text"] if isinstance(o, dict) else o,
                "voter_count": 0,
                "persistent_id": str(index),
            }
            for index, o in enumerate(params["options"])
        ]
        poll_id = str(next(self._poll_ids))
        self.polls.append(poll_id)
        poll = {
            "id": poll_id,
            "question": params["question"],
            "options": options,
            "total_voter_count": 0,
            "is_closed": False,
            "is_anonymous": params.get("is_anonymous", True),
            "type": params.get("type", "regular"),
            "allows_multiple_answers": params.get("allows_multiple_answers", False),
            "allows_revoting": True,
            "members_only": False,
        }
        return self._sent(int(params["chat_id"]), poll=poll)

    async def _m_deleteMessage(self, params: JSON) -> Any:
        return True

    async def _m_deleteMessages(self, params: JSON) -> Any:
        return True

    async def _m_restrictChatMember(self, params: JSON) -> Any:
        return True

    async def _m_banChatMember(self, params: JSON) -> Any:
        return True

    async def _m_unbanChatMember(self, params: JSON) -> Any:
        return True

    async def _m_banChatSenderChat(self, params: JSON) -> Any:
        return True

    async def _m_unbanChatSenderChat(self, params: JSON) -> Any:
        return True

    async def _m_getChat(self, params: JSON) -> Any:
        chat_id = int(params["chat_id"])
        chat: JSON = dict(self.chats.get(chat_id) or {"id": chat_id, "type": "supergroup"})
        chat.update({"accent_color_id": 0, "max_reaction_count": 11})
        if chat_id in self.linked:
            chat["linked_chat_id"] = self.linked[chat_id]
        return chat

    async def _m_pinChatMessage(self, params: JSON) -> Any:
        return True

    async def _m_answerCallbackQuery(self, params: JSON) -> Any:
        return True

    async def _m_getChatAdministrators(self, params: JSON) -> Any:
        return self.admins.get(int(params["chat_id"]), [])

    async def _m_getChatMember(self, params: JSON) -> Any:
        chat_id, user_id = int(params["chat_id"]), int(params["user_id"])
        found = self.members.get((chat_id, user_id))
        if found is not None:
            return found
        for admin in self.admins.get(chat_id, []):
            if admin["user"]["id"] == user_id:
                return admin
        if user_id == BOT_ID:
            return member(self.bot, "administrator")
        return member(user(user_id, "Member"), "member")


class _ApiError(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


def _error(status: int, description: str, parameters: JSON | None = None) -> web.Response:
    body: JSON = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=status)
