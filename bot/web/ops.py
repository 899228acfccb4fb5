"""The operators' listener: `/metrics` (Prometheus text format) and `/healthz`.

A listener of its own, so the dashboard can face the internet while these stay on a private
address (`[web.ops]`).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Mapping

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.telemetry import REGISTRY

DB_TIMEOUT = 2.0

Connected = Callable[[], Mapping[str, bool]]


def database_check(engine: AsyncEngine) -> Callable[[], Awaitable[bool]]:
    async def reachable() -> bool:
        try:
            async with asyncio.timeout(DB_TIMEOUT), engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception:
            return False
        return True

    return reachable


def ops_application(
    database: Callable[[], Awaitable[bool]], adapters: Connected
) -> web.Application:
    """`/metrics`, and `/healthz`: 503 unless the database and every adapter are up."""

    async def metrics(_: web.Request) -> web.Response:
        body = generate_latest(REGISTRY)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def healthz(_: web.Request) -> web.Response:
        connected = dict(adapters())
        report = {"process": True, "database": await database(), "adapters": connected}
        healthy = bool(report["database"]) and all(connected.values())
        return web.Response(
            text=json.dumps(report, sort_keys=True),
            status=200 if healthy else 503,
            content_type="application/json",
        )

    app = web.Application()
    app.add_routes([web.get("/metrics", metrics), web.get("/healthz", healthz)])
    return app
