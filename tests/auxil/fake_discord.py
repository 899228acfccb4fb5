"""A local fake of Discord's REST API and gateway: discord.py's real HTTP client and real
gateway code talk to it in tests.

REST: it records every request (method, path, query, JSON body, audit-log reason), answers the
routes the adapter uses with payloads shaped like Discord's, and can inject failures: 403
refusals and 429 rate limits with the headers discord.py reads (`Via`, `X-RateLimit-*`,
`Retry-After`).

Gateway (`GET /gateway`, a websocket; `/gateway` and `/gateway/bot` on the REST side name it),
as https://discord.com/developers/docs/events/gateway describes: HELLO with the heartbeat
interval; IDENTIFY answered by READY (the guilds as unavailable stubs, as Discord sends them;
their GUILD_CREATE follows, sent by the test); heartbeats ACKed; a sequence number on every
dispatch; RESUME replaying what the session missed, then RESUMED (or INVALID_SESSION when the
session is gone); close codes as Discord's (4004 bad token, 4014 privileged intents). Transport
compression: `compress=zlib-stream` in the URL is honoured (one zlib stream per connection, each
message ending in a sync flush); without it frames are plain JSON text; any other value is
refused with close code 4000 before HELLO, as an unknown query would be.

`dispatch()` sends an event and returns its sequence number; `processed(seq)` asks the client
for a heartbeat (op 1 from the server, which Discord may send) and waits until the heartbeat it
answers carries that sequence: discord.py handles gateway messages in order, so by then its
parser for the event has run. Tests need no sleeps.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import json
import re
import zlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import discord.gateway
import discord.http
import yarl
from aiohttp import WSMsgType, web
from aiohttp.web_request import FileField

BOT_ID = 900000000000000001
APPLICATION_ID = BOT_ID
BOT_USER: dict[str, Any] = {
    "id": str(BOT_ID),
    "username": "kenes",
    "discriminator": "0",
    "global_name": "Kenes",
    "avatar": None,
    "bot": True,
    "flags": 0,
}


@dataclass(frozen=True)
class Request:
    """One request as the fake saw it."""

    method: str
    path: str
    query: dict[str, str]
    json: Any
    reason: str | None


@dataclass
class _Injected:
    method: str
    pattern: re.Pattern[str]
    status: int
    body: dict[str, Any]
    headers: dict[str, str]
    times: int


TOKEN = "token"  # the bot token the fake accepts at login and IDENTIFY
HEARTBEAT_INTERVAL_MS = 41_250  # what Discord sends; no periodic beat falls inside a test
PRIVILEGED_INTENTS = (1 << 1) | (1 << 8) | (1 << 15)  # members, presences, message content

# Gateway opcodes (https://discord.com/developers/docs/topics/opcodes-and-status-codes)
DISPATCH, HEARTBEAT, IDENTIFY, RESUME, RECONNECT, INVALID_SESSION, HELLO, HEARTBEAT_ACK = (
    0, 1, 2, 6, 7, 9, 10, 11,
)  # fmt: skip


@dataclass
class GatewaySession:
    """One gateway session: its id, and every dispatch sent in it (replayed on RESUME)."""

    id: str
    sent: list[dict[str, Any]] = field(default_factory=list)

    @property
    def seq(self) -> int:
        return len(self.sent)


@dataclass
class Gateway:
    """The fake's gateway side: what the client sent and the state of its one connection."""

    url: str = ""
    # Guild ids READY lists (as unavailable stubs); their GUILD_CREATE is the test's to send,
    # or the fake's, right after READY, for each payload in `guild_creates`.
    guilds: list[int] = field(default_factory=list)
    guild_creates: list[dict[str, Any]] = field(default_factory=list)
    identifies: list[dict[str, Any]] = field(default_factory=list)
    resumes: list[dict[str, Any]] = field(default_factory=list)
    heartbeats: int = 0
    compression: list[str | None] = field(default_factory=list)  # per connection
    session: GatewaySession | None = None
    # Whether the bot's privileged intents are switched on in the developer portal; when not,
    # an IDENTIFY asking for one is closed with 4014, as Discord does.
    privileged_enabled: bool = True
    # The next IDENTIFY is answered with this close code (e.g. 4013, invalid intents).
    close_identify_with: int | None = None
    # The next RESUME is answered with INVALID_SESSION (d=false): the session is gone.
    refuse_resume: bool = False
    _socket: web.WebSocketResponse | None = None
    _live: web.WebSocketResponse | None = None  # the socket that identified or resumed
    _compressor: Any = None
    _confirmed: int = 0  # the highest sequence a client heartbeat has carried
    _changed: asyncio.Condition | None = None
    _sessions: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def connected(self) -> bool:
        """A client is connected and its session is live (READY or RESUMED sent)."""
        socket = self._socket
        return socket is not None and not socket.closed and self._live is socket

    def _condition(self) -> asyncio.Condition:
        if self._changed is None:
            self._changed = asyncio.Condition()
        return self._changed

    async def _notify(self) -> None:
        changed = self._condition()
        async with changed:
            changed.notify_all()

    async def _wait(self, what: Callable[[], bool], within: float = 10.0) -> None:
        """Until `what()` holds; the bound is a safety net against a hung test, not a sleep."""
        changed = self._condition()
        async with changed:
            await asyncio.wait_for(changed.wait_for(what), within)

    # -- what tests use -----------------------------------------------------------------------

    async def dispatch(self, event: str, data: Any) -> int:
        """Send the event `event` in the current session; its sequence number.

        While the client is away (after a drop, before it resumes) the event is kept in the
        session and replayed on RESUME, as Discord does.
        """
        if self.session is None:
            raise RuntimeError("no gateway session: the client has not identified")
        message = {"op": DISPATCH, "t": event, "s": self.session.seq + 1, "d": data}
        self.session.sent.append(message)
        if self.connected:
            await self._send(message)
        return int(message["s"])

    async def processed(self, seq: int) -> None:
        """Wait until the client has handled every dispatch up to `seq` (see the module doc)."""
        while self._confirmed < seq:
            await self.wait_connected()
            beats = self.heartbeats
            await self._send({"op": HEARTBEAT, "d": None})
            await self._wait(functools.partial(self._answered_since, beats))

    def _answered_since(self, beats: int) -> bool:
        return self.heartbeats > beats or not self.connected

    async def wait_connected(self) -> None:
        """Until a client is connected with a live session (identified or resumed)."""
        await self._wait(lambda: self.connected)

    async def drop(self, code: int = 4000) -> None:
        """Close the connection as Discord does when it drops one (4000: unknown error).

        discord.py reconnects and RESUMEs; `wait_connected()` waits for that.
        """
        socket = self._socket
        if socket is not None:
            self._socket = None
            await socket.close(code=code, message=b"dropped by the test")
            await self._notify()

    async def reconnect(self) -> None:
        """Ask the client to reconnect and resume (op 7 RECONNECT); return once it has closed
        this connection (`wait_connected()` then waits for the resumed one)."""
        socket = self._socket
        await self._send({"op": RECONNECT, "d": None})
        await self._wait(lambda: self._socket is not socket)

    # -- the websocket ------------------------------------------------------------------------

    async def serve(self, request: web.Request) -> web.StreamResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        compress = request.query.get("compress")
        if request.query.get("encoding", "json") != "json":
            await socket.close(code=4002, message=b"Error while decoding payload.")
            return socket
        if compress not in (None, "zlib-stream"):
            await socket.close(code=4000, message=b"Unknown compression.")
            return socket
        if self._socket is not None and not self._socket.closed:
            await self._socket.close(code=4000)
        self.compression.append(compress)
        self._socket = socket
        self._compressor = zlib.compressobj() if compress else None
        await self._send({"op": HELLO, "d": {"heartbeat_interval": HEARTBEAT_INTERVAL_MS}})
        try:
            async for message in socket:
                if message.type is not WSMsgType.TEXT:
                    break
                await self._received(socket, json.loads(message.data))
        finally:
            if self._socket is socket:
                self._socket = None
            await self._notify()
        return socket

    async def _received(self, socket: web.WebSocketResponse, message: dict[str, Any]) -> None:
        op, data = message.get("op"), message.get("d")
        if op == HEARTBEAT:
            self.heartbeats += 1
            self._confirmed = max(self._confirmed, int(data or 0))
            await self._send({"op": HEARTBEAT_ACK, "d": None})
            await self._notify()
        elif op in (IDENTIFY, RESUME) and not isinstance(data, dict):
            await socket.close(code=4002, message=b"Error while decoding payload.")
        elif op == IDENTIFY and isinstance(data, dict):
            await self._identify(socket, data)
        elif op == RESUME and isinstance(data, dict):
            await self._resume(data)
        # Presence updates (3), member chunk requests (8) and the like need no answer here.

    async def _identify(self, socket: web.WebSocketResponse, data: dict[str, Any]) -> None:
        self.identifies.append(data)
        code, self.close_identify_with = self.close_identify_with, None
        if data.get("token") != TOKEN:
            code = 4004  # Authentication failed
        elif not self.privileged_enabled and int(data.get("intents", 0)) & PRIVILEGED_INTENTS:
            code = 4014  # Disallowed intent(s)
        if code is not None:
            await socket.close(code=code)
            return
        self.session = GatewaySession(f"session-{next(self._sessions)}")
        self._confirmed = 0
        self._live = socket
        ready = {
            "v": 10,
            "user": BOT_USER,
            "guilds": [{"id": str(g), "unavailable": True} for g in self.guilds],
            "session_id": self.session.id,
            "resume_gateway_url": self.url,
            "application": {"id": str(APPLICATION_ID), "flags": 0},
            "private_channels": [],
        }
        await self.dispatch("READY", ready)
        for guild in self.guild_creates:
            await self.dispatch("GUILD_CREATE", guild)
        await self._notify()

    async def _resume(self, data: dict[str, Any]) -> None:
        # (Called from `serve` on the socket that sent it, which is `self._socket`.)
        self.resumes.append(data)
        session = self.session
        refused, self.refuse_resume = self.refuse_resume, False
        if refused or session is None or data.get("session_id") != session.id:
            self.session = None
            await self._send({"op": INVALID_SESSION, "d": False})
            return
        after = int(data.get("seq") or 0)
        for missed in session.sent[after:]:
            await self._send(missed)
        self._live = self._socket
        await self.dispatch("RESUMED", {})
        await self._notify()

    async def _send(self, message: dict[str, Any]) -> None:
        socket = self._socket
        if socket is None or socket.closed:
            return
        payload = {"op": message["op"], "d": message.get("d"), "s": message.get("s"),
                   "t": message.get("t")}  # fmt: skip
        text = json.dumps(payload)
        if self._compressor is None:
            await socket.send_str(text)
            return
        body = self._compressor.compress(text.encode()) + self._compressor.flush(zlib.Z_SYNC_FLUSH)
        await socket.send_bytes(body)


CDN_CHANNEL = 1_300_000_000_000  # where Discord files attachments of slash commands


@dataclass
class FakeDiscord:
    """State of the fake: recorded requests, injected failures, members it knows."""

    base: str = ""
    requests: list[Request] = field(default_factory=list)
    members: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    created: list[dict[str, Any]] = field(default_factory=list)  # messages the fake "posted"
    # Channel id → messages members posted (message payloads), served by GET …/messages.
    history: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    threads: list[dict[str, Any]] = field(default_factory=list)  # threads it opened
    dms: dict[str, str] = field(default_factory=dict)  # user id → their DM channel with the bot
    # Interaction id → the channel it came from: a public answer is a message in that channel.
    interactions: dict[str, str] = field(default_factory=dict)
    on_request: Callable[[Request], None] | None = None  # called as each request arrives
    # Files members attached (their CDN path → bytes), served as Discord's CDN serves them.
    cdn: dict[str, bytes] = field(default_factory=dict)
    cdn_base: str = ""
    downloads: int = 0
    gateway: Gateway = field(default_factory=Gateway)
    _injected: list[_Injected] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1_400_000_000_000))

    # -- what tests use -----------------------------------------------------------------------

    def snowflake(self) -> int:
        return next(self._ids)

    def attachment(self, data: bytes, filename: str) -> dict[str, Any]:
        """A file a member attached, as an interaction's resolved data describes it; its
        address serves the bytes (Discord's CDN)."""
        attachment_id = str(self.snowflake())
        path = f"attachments/{CDN_CHANNEL}/{attachment_id}/{filename}"
        self.cdn[path] = data
        return {"id": attachment_id, "filename": filename, "size": len(data),
                "url": f"{self.cdn_base}/{path}", "proxy_url": f"{self.cdn_base}/{path}",
                "content_type": "application/octet-stream"}  # fmt: skip

    async def serve_cdn(self, request: web.Request) -> web.StreamResponse:
        self.downloads += 1
        data = self.cdn.get(f"attachments/{request.match_info['tail']}")
        if data is None:
            return web.Response(status=404, text="Not Found")
        return web.Response(body=data, content_type="application/octet-stream")

    def calls(self, method: str, pattern: str = "") -> list[Request]:
        """Recorded requests with `method` whose path matches the regex `pattern`."""
        found = re.compile(pattern)
        return [r for r in self.requests if r.method == method and found.search(r.path)]

    def refuse(
        self, method: str, pattern: str, *, code: int = 50013, message: str = "Missing Permissions"
    ) -> None:
        """Answer the next matching request with 403 and Discord's error body."""
        self._inject(method, pattern, 403, {"code": code, "message": message}, {}, 1)

    def reject_token(self) -> None:
        """Answer the login (`GET /users/@me`) with 401, as Discord does for a bad token."""
        self._inject(
            "GET", r"^/users/@me$", 401, {"code": 0, "message": "401: Unauthorized"}, {}, 1
        )

    def rate_limit(self, method: str, pattern: str, *, times: int = 1) -> None:
        """Answer the next `times` matching requests with a (non-global) 429."""
        headers = {
            "Via": "1.1 google",  # without it discord.py takes a 429 for a Cloudflare ban
            "Retry-After": "0",
            "X-RateLimit-Limit": "5",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset-After": "0.000",
            "X-RateLimit-Bucket": "fakebucket",
            "X-RateLimit-Scope": "user",
        }
        body = {"message": "You are being rate limited.", "retry_after": 0.0, "global": False}
        self._inject(method, pattern, 429, body, headers, times)

    def _inject(
        self,
        method: str,
        pattern: str,
        status: int,
        body: dict[str, Any],
        headers: dict[str, str],
        times: int,
    ) -> None:
        self._injected.append(_Injected(method, re.compile(pattern), status, body, headers, times))

    # -- the server ---------------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        body: Any = None
        files: dict[str, int] = {}
        if request.content_type.startswith("multipart/"):
            # A message with attachments: JSON in `payload_json`, each file its own part.
            form = await request.post()
            payload = form.get("payload_json")
            body = json.loads(payload) if isinstance(payload, str) else {}
            for value in form.values():
                if isinstance(value, FileField):
                    files[value.filename] = len(value.file.read())
            body["_files"] = files
        elif request.can_read_body:
            raw = await request.read()
            body = json.loads(raw) if raw else None
        reason = request.headers.get("X-Audit-Log-Reason")
        seen = Request(request.method, path, dict(request.query), body, reason)
        self.requests.append(seen)
        if self.on_request is not None:
            self.on_request(seen)
        for injected in self._injected:
            if (
                injected.times > 0
                and injected.method == request.method
                and injected.pattern.search(path)
            ):
                injected.times -= 1
                return _json(injected.body, status=injected.status, headers=injected.headers)
        return self._answer(request.method, path, body or {}, dict(request.query))

    def _answer(
        self, method: str, path: str, body: Any, query: dict[str, str] | None = None
    ) -> web.StreamResponse:
        query = query or {}
        empty = web.Response(status=204)
        if path == "/users/@me":
            return _json(BOT_USER)
        if path == "/gateway":
            return _json({"url": self.gateway.url})
        if path == "/gateway/bot":
            limit = {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
            return _json({"url": self.gateway.url, "shards": 1, "session_start_limit": limit})
        if path == "/oauth2/applications/@me":
            return _json(_application())
        if method == "POST" and path == "/users/@me/channels":
            # As Discord: one DM channel per user, the same one each time it is asked for.
            recipient = str(body["recipient_id"])
            dm = {
                "id": self.dms.setdefault(recipient, str(self.snowflake())),
                "type": 1,
                "recipients": [_user(body["recipient_id"])],
            }
            return _json(dm)
        if method == "GET" and (match := re.fullmatch(r"/channels/(\d+)/messages", path)):
            return _json(self._history(int(match[1]), query))
        if method == "POST" and (match := re.fullmatch(r"/channels/(\d+)/threads", path)):
            return _json(self._thread(match[1], body), status=201)
        if method == "POST" and (
            match := re.fullmatch(r"/channels/(\d+)/messages/(\d+)/threads", path)
        ):
            return self._thread_on(match[1], match[2], body)
        if match := re.fullmatch(r"/channels/(\d+)/messages", path):
            return _json(self._message(match[1], body))
        if method == "PATCH" and (match := re.fullmatch(r"/channels/(\d+)/messages/(\d+)", path)):
            return self._edit(match[1], match[2], body)
        if match := re.fullmatch(r"/webhooks/\d+/[^/]+", path):
            return _json(self._message("0", body))
        if match := re.fullmatch(r"/interactions/(\d+)/[^/]+/callback", path):
            return _json(self._callback(match[1], body))
        if match := re.fullmatch(r"/channels/(\d+)", path):
            channel = {"id": match[1], "type": 0, "name": "general", "position": 0}
            channel["rate_limit_per_user"] = body.get("rate_limit_per_user", 0)
            return _json(channel)
        if match := re.fullmatch(r"/guilds/(\d+)/members/(\d+)", path):
            if method == "DELETE":
                return empty
            member = self.members.get((int(match[1]), int(match[2])))
            if member is None and method == "PATCH":
                member = {"user": _user(match[2]), "roles": [], "flags": 0}
            if member is None:
                return _json({"code": 10007, "message": "Unknown Member"}, status=404)
            return _json({**member, **body})
        if re.fullmatch(r"/applications/\d+(/guilds/\d+)?/commands", path):
            listed = [
                {**c, "id": str(self.snowflake()), "application_id": str(APPLICATION_ID)}
                for c in body or []
            ]
            return _json(listed)
        return empty  # deletes, bulk-delete, bans, pins: Discord answers 204

    def _history(self, channel_id: int, query: dict[str, str]) -> list[dict[str, Any]]:
        """Like Discord: with `after`, the `limit` oldest messages after it, newest first."""
        limit = min(int(query.get("limit", 50)), 100)
        after = int(query.get("after", 0))
        found = sorted(
            (m for m in self.history.get(channel_id, []) if int(m["id"]) > after),
            key=lambda m: int(m["id"]),
        )
        return list(reversed(found[:limit]))

    def _thread(self, parent_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """A thread started without a message, shaped as Discord returns the channel."""
        if body.get("type") not in (11, 12) or not 1 <= len(body.get("name") or "") <= 100:
            return {"code": 50035, "message": "Invalid Form Body"}
        thread = {
            "id": str(self.snowflake()),
            "type": body["type"],
            "parent_id": parent_id,
            "name": body["name"],
            "owner_id": str(BOT_ID),
            "rate_limit_per_user": body.get("rate_limit_per_user") or 0,
            "message_count": 0,
            "member_count": 1,
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": body.get("auto_archive_duration", 10080),
                "archive_timestamp": datetime.now(UTC).isoformat(),
                "locked": False,
                "invitable": body.get("invitable", True),
            },
        }
        self.threads.append(thread)
        return thread

    def _thread_on(self, parent_id: str, message_id: str, body: dict[str, Any]) -> web.Response:
        """A public thread started on a message, as Discord does it: the thread (a channel of
        type 11) takes the message's id, its name is 1-100 characters, one per message."""
        name = body.get("name") or ""
        if not 1 <= len(name) <= 100:
            errors = {
                "name": {
                    "_errors": [
                        {
                            "code": "BASE_TYPE_BAD_LENGTH",
                            "message": "Must be between 1 and 100 in length.",
                        }
                    ]
                }
            }
            return _json(
                {"code": 50035, "message": "Invalid Form Body", "errors": errors}, status=400
            )  # fmt: skip
        if any(t["id"] == message_id for t in self.threads):
            return _json(
                {"code": 160004, "message": "A thread has already been created for this message"},
                status=400,
            )
        thread = {
            "id": message_id,
            "type": 11,
            "parent_id": parent_id,
            "name": name,
            "owner_id": str(BOT_ID),
            "rate_limit_per_user": body.get("rate_limit_per_user") or 0,
            "message_count": 0,
            "member_count": 1,
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": body.get("auto_archive_duration", 4320),
                "archive_timestamp": datetime.now(UTC).isoformat(),
                "locked": False,
            },
        }
        self.threads.append(thread)
        return _json(thread, status=201)

    def _message(self, channel_id: str, body: dict[str, Any]) -> dict[str, Any]:
        message = {
            "id": str(self.snowflake()),
            "channel_id": channel_id,
            "type": 0,
            "content": body.get("content", ""),
            "author": BOT_USER,
            "timestamp": datetime.now(UTC).isoformat(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [
                {
                    "id": str(self.snowflake()),
                    "filename": name,
                    "size": size,
                    "url": f"https://cdn.invalid/{name}",
                    "proxy_url": f"https://cdn.invalid/{name}",
                }
                for name, size in body.get("_files", {}).items()
            ],
            "embeds": [],
            "components": body.get("components", []),
            "pinned": False,
            "flags": body.get("flags", 0),
        }
        self.created.append(message)
        return message

    def _edit(self, channel_id: str, message_id: str, body: dict[str, Any]) -> web.Response:
        """As Discord: a message of the bot in that channel, with the fields sent replaced
        (`components: []` takes the buttons away); anything else is Unknown Message."""
        for message in self.created:
            # An ephemeral answer is no channel message: only its interaction may edit it.
            if (
                message["id"] == message_id
                and message["channel_id"] == channel_id
                and not int(message["flags"]) & 64
            ):
                for name in ("content", "components", "flags"):
                    if name in body:
                        message[name] = body[name]
                message["edited_timestamp"] = datetime.now(UTC).isoformat()
                return _json(message)
        return _json({"code": 10008, "message": "Unknown Message"}, status=404)

    def _callback(self, interaction_id: str, body: dict[str, Any]) -> dict[str, Any]:
        kind = body.get("type", 4)
        data = body.get("data") or {}
        ephemeral = bool(int(data.get("flags", 0)) & 64)
        resource: dict[str, Any] = {"type": kind}
        message_id = None
        if kind == 4:
            message = self._message(self.interactions.get(interaction_id, "0"), data)
            message_id = message["id"]
            resource["message"] = message
        return {
            "interaction": {
                "id": interaction_id,
                "type": 2,
                "response_message_id": message_id,
                "response_message_loading": kind == 5,
                "response_message_ephemeral": ephemeral,
            },
            "resource": resource,
        }


def _json(data: Any, *, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    # discord.py parses JSON only when the content type is exactly `application/json`.
    return web.Response(
        body=json.dumps(data).encode(),
        status=status,
        headers={**(headers or {}), "Content-Type": "application/json"},
    )


def _user(user_id: object) -> dict[str, Any]:
    return {"id": str(user_id), "username": f"user{user_id}", "discriminator": "0", "avatar": None}


def _application() -> dict[str, Any]:
    return {
        "id": str(APPLICATION_ID),
        "name": "Kenes",
        "description": "",
        "icon": None,
        "bot_public": True,
        "bot_require_code_grant": False,
        "owner": {**BOT_USER, "id": "1", "username": "owner", "bot": False},
        "verify_key": "0" * 64,
        "flags": 0,
    }


@asynccontextmanager
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    """Serve the fake on 127.0.0.1 (random port) and point discord.py at it meanwhile.

    discord.py's REST base is `Route.BASE`; a plain Client opens its first gateway connection
    at `DiscordWebSocket.DEFAULT_GATEWAY` (later ones at READY's `resume_gateway_url`).
    """
    fake = FakeDiscord()
    app = web.Application()
    app.router.add_route("*", "/api/v10/{tail:.*}", fake.handle)
    app.router.add_get("/gateway", fake.gateway.serve)
    app.router.add_get("/attachments/{tail:.*}", fake.serve_cdn)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    fake.base = f"http://{host}:{port}/api/v10"
    fake.cdn_base = f"http://{host}:{port}"
    fake.gateway.url = f"ws://{host}:{port}/gateway"
    original = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = fake.base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway.url)
    try:
        yield fake
    finally:
        discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = original
        await runner.cleanup()
