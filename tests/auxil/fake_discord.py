"""A local fake of Discord's REST API: discord.py's real HTTP client talks to it in tests.

It records every request (method, path, query, JSON body, audit-log reason), answers the routes
the adapter uses with payloads shaped like Discord's, and can inject failures: 403 refusals and
429 rate limits with the headers discord.py reads (`Via`, `X-RateLimit-*`, `Retry-After`).
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import discord.http
from aiohttp import web
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
    on_request: Callable[[Request], None] | None = None  # called as each request arrives
    _injected: list[_Injected] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1_400_000_000_000))

    # -- what tests use -----------------------------------------------------------------------

    def snowflake(self) -> int:
        return next(self._ids)

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
            "pinned": False,
            "flags": body.get("flags", 0),
        }
        self.created.append(message)
        return message

    def _callback(self, interaction_id: str, body: dict[str, Any]) -> dict[str, Any]:
        kind = body.get("type", 4)
        data = body.get("data") or {}
        ephemeral = bool(int(data.get("flags", 0)) & 64)
        resource: dict[str, Any] = {"type": kind}
        message_id = None
        if kind == 4:
            message = self._message("0", data)
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
    """Serve the fake on 127.0.0.1 (random port) and point discord.py at it meanwhile."""
    fake = FakeDiscord()
    app = web.Application()
    app.router.add_route("*", "/api/v10/{tail:.*}", fake.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    fake.base = f"http://{host}:{port}/api/v10"
    original = discord.http.Route.BASE
    discord.http.Route.BASE = fake.base
    try:
        yield fake
    finally:
        discord.http.Route.BASE = original
        await runner.cleanup()
