"""A local fake of the CAS (Combot Anti-Spam) API, behaving like https://api.cas.chat.

`GET /check?user_id=N` answers 200 with `{"ok": true, "result": {"offenses": n, "messages":
[...], "time_added": "..."}}` for a listed account and `{"ok": false, "description": "Record
not found."}` otherwise, as the real API does. `mode` makes it misbehave: `slow` (never answers
until the test ends), `error` (HTTP 500), `malformed` (200 with a body of the wrong shape).
"""

from __future__ import annotations

import asyncio
from typing import Literal

from aiohttp import web

Mode = Literal["normal", "slow", "error", "malformed"]


class FakeCas:
    def __init__(self) -> None:
        self.listed: dict[str, int] = {}
        self.mode: Mode = "normal"
        self.asked: list[str] = []
        self._release = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def __aenter__(self) -> FakeCas:
        app = web.Application()
        app.router.add_get("/check", self._check)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = (getattr(server, "sockets", None) or [])[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._release.set()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _check(self, request: web.Request) -> web.Response:
        user_id = request.query.get("user_id", "")
        self.asked.append(user_id)
        if self.mode == "slow":
            await self._release.wait()
        if self.mode == "error":
            return web.Response(status=500, text="Internal Server Error")
        if self.mode == "malformed":
            return web.json_response({"result": "maybe"})
        if not user_id.lstrip("-").isdigit():
            return web.json_response({"ok": False, "description": "Invalid user_id"})
        offenses = self.listed.get(user_id)
        if offenses is None:
            return web.json_response({"ok": False, "description": "Record not found."})
        return web.json_response(
            {
                "ok": True,
                "result": {
                    "offenses": offenses,
                    "messages": ["Buy crypto now, write me in DM"],
                    "time_added": "2025-11-02T10:21:07.000Z",
                },
            }
        )
