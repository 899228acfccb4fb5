"""Long polling: getUpdates from the watermark on, backing off on errors; new updates go in."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.error import Conflict, InvalidToken, RetryAfter, TelegramError

from bot.adapters.telegram.client import KenesBot
from bot.adapters.telegram.intake import ALLOWED_UPDATES, Intake
from bot.adapters.telegram.ratelimit import Sleep

log = logging.getLogger(__name__)

POLL_LIMIT = 100
BACKOFF_START = 0.5
BACKOFF_CAP = 30.0


def backoff(failures: int) -> float:
    """Seconds to wait after `failures` failures in a row: 0.5, 1, 2 ... up to 30."""
    return float(min(BACKOFF_CAP, BACKOFF_START * 2 ** max(0, failures - 1)))


class Poller:
    """Asks Telegram for updates after the watermark, so nothing unhandled is ever confirmed."""

    def __init__(self, bot: KenesBot, intake: Intake, *, wait: int, sleep: Sleep) -> None:
        self._bot = bot
        self._intake = intake
        self._wait = wait
        self._sleep = sleep
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="telegram-polling")

    async def stop(self) -> None:
        """End the loop; re-cancel until it ends (a cancel landing as a request completes
        can be swallowed by the HTTP stack), and the flag stops it at the next turn anyway."""
        self._stopping = True
        task, self._task = self._task, None
        if task is None:
            return
        while not task.done():
            task.cancel()
            await asyncio.wait({task}, timeout=0.5)
        if not task.cancelled() and task.exception() is not None:
            log.error("Telegram polling ended with an error", exc_info=task.exception())

    async def _loop(self) -> None:
        failures = 0
        while not self._stopping:
            try:
                updates = await self._bot.raw_updates(
                    self._intake.watermark + 1, POLL_LIMIT, self._wait, ALLOWED_UPDATES
                )
            except InvalidToken:
                log.error("Telegram rejected the token; polling stops")
                return
            except RetryAfter as exc:
                value = exc.retry_after
                seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
                await self._sleep(seconds)
                continue
            except (Conflict, TelegramError, OSError) as exc:
                failures += 1
                log.warning("getUpdates failed (%s); retry in %.1f s", exc, backoff(failures))
                await self._sleep(backoff(failures))
                continue
            except Exception:
                failures += 1
                log.exception("getUpdates failed unexpectedly; retrying")
                await self._sleep(backoff(failures))
                continue
            failures = 0
            admitted = sum(self._admit(raw) for raw in updates)
            if updates and not admitted:
                # Everything Telegram returned is still in flight: wait for progress.
                await self._intake.wait_progress(within=1.0)

    def _admit(self, raw: dict[str, Any]) -> bool:
        """Queue one update from a poll, parsing it only if it is new."""
        update_id = raw.get("update_id")
        if not isinstance(update_id, int) or not self._intake.is_new(update_id):
            return False
        try:
            update = Update.de_json(raw, self._bot)
        except Exception:
            log.exception("malformed update %s from Telegram; skipped", update_id)
            self._intake.give_up(update_id)
            return False
        return self._intake.offer(update)
