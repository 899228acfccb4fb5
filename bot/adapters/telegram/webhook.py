"""Webhook mode: Telegram POSTs updates to us; only requests carrying our secret are taken."""

from __future__ import annotations

import asyncio
import logging
from urllib.parse import urlparse

from aiohttp import web
from telegram import Update

from bot.adapters.telegram.client import KenesBot
from bot.adapters.telegram.execute import Executor
from bot.adapters.telegram.intake import ALLOWED_UPDATES, Intake
from bot.adapters.telegram.polling import Persist
from bot.config import TelegramSection

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_CONNECTIONS = 40


class WebhookServer:
    """An aiohttp server on `webhook_listen:webhook_port`, registered with setWebhook."""

    def __init__(
        self,
        bot: KenesBot,
        intake: Intake,
        executor: Executor,
        section: TelegramSection,
        secret: str,
        persist: Persist | None = None,
    ) -> None:
        if not section.webhook_url:
            raise RuntimeError("platforms.telegram.webhook_url must be set for webhook mode")
        self._bot = bot
        self._intake = intake
        self._executor = executor
        self._section = section
        self._url = section.webhook_url
        self.secret = secret
        self._persist = persist
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post(urlparse(self._url).path or "/", self._on_update)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._section.webhook_listen, self._section.webhook_port)
        await site.start()

        async def register(_: int) -> bool:
            return await self._bot.set_webhook(
                self._url,
                secret_token=self.secret,
                allowed_updates=list(ALLOWED_UPDATES),
                max_connections=MAX_CONNECTIONS,
            )

        await self._executor.call("SetWebhook", None, register)
        log.info("Telegram: webhook listening on %s", self._url)

    async def stop(self) -> None:
        """Stop listening. The webhook stays set: Telegram keeps updates until we are back."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _on_update(self, request: web.Request) -> web.Response:
        if request.headers.get(SECRET_HEADER) != self.secret:
            return web.Response(status=403)
        try:
            raw = await request.json()
            update = Update.de_json(raw, self._bot)
        except (ValueError, TypeError, KeyError):
            return web.Response(status=400)
        if self._persist is None:
            done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._intake.offer(update, done)
            await done  # no inbox: answer once handled, or Telegram would not send it again
            return web.Response(status=200)
        if not self._intake.is_new(update.update_id):
            return web.Response(status=200)
        try:
            fresh = await self._persist([raw])
        except Exception:
            log.exception(
                "could not store update %s; Telegram will send it again", update.update_id
            )
            return web.Response(status=500)
        # Stored: answering now is safe, a crash from here on is handled from the inbox.
        if fresh:
            self._intake.offer(update)
        return web.Response(status=200)
