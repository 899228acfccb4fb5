"""Long polling: getUpdates after the newest update received, backing off on errors and on
polls that bring nothing new; follows Telegram when it numbers updates anew.

Each batch is stored in the inbox (one transaction) before the offset that confirms it is
sent: Telegram forgets confirmed updates, so what it forgets must already be ours.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.error import Conflict, InvalidToken, RetryAfter, TelegramError

from bot.adapters.telegram import intake as intake_module
from bot.adapters.telegram.client import KenesBot
from bot.adapters.telegram.intake import ALLOWED_UPDATES, Intake
from bot.adapters.telegram.ratelimit import Sleep
from bot.core.tasks import backoff

log = logging.getLogger(__name__)

# Stores a batch durably and returns the updates in it that were not stored before.
Persist = Callable[[list[dict[str, Any]]], Awaitable[list[dict[str, Any]]]]

POLL_LIMIT = 100
STOP_TRIES = 4  # cancels, half a second apart, before a stuck poll is left


class Poller:
    """Asks Telegram for the updates after the newest one received.

    The offset sent confirms every update before it to Telegram, so updates still in flight
    are kept by the intake (polling pauses while its backlog is over `max_backlog`); asking
    from the watermark instead would let one chat's slow update (a 429 wait) hold the same
    window of 100 updates at Telegram and starve every other chat.
    """

    def __init__(
        self,
        bot: KenesBot,
        intake: Intake,
        *,
        wait: int,
        sleep: Sleep,
        max_backlog: int | None = None,
        on_reset: Callable[[], Awaitable[None]] | None = None,
        persist: Persist | None = None,
    ) -> None:
        self._bot = bot
        self._persist = persist
        self._intake = intake
        self._wait = wait
        self._sleep = sleep
        self._max_backlog = max_backlog or intake_module.MAX_BACKLOG
        self._on_reset = on_reset
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self.next_offset = 0  # the highest update_id received + 1
        self._stale: set[int] = set()  # ids below the offset that the last poll returned
        self._renumbered_from: int | None = None  # where the last renumbering started
        self.idle_polls = 0

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="telegram-polling")

    async def stop(self) -> None:
        """End the loop; re-cancel until it ends (a cancel landing as a request completes
        can be swallowed by the HTTP stack), and the flag stops it at the next turn anyway."""
        self._stopping = True
        task, self._task = self._task, None
        if task is None:
            return
        for _ in range(STOP_TRIES):
            if task.done():
                break
            task.cancel()
            await asyncio.wait({task}, timeout=0.5)
        if not task.done():
            # Stuck in a database call (a locked SQLite): the batch is not stored, so its
            # offset was never sent and Telegram still holds it.
            log.warning("Telegram polling did not stop in time; left")
            return
        if not task.cancelled() and task.exception() is not None:
            log.error("Telegram polling ended with an error", exc_info=task.exception())

    async def _loop(self) -> None:
        failures = 0
        while not self._stopping:
            if self._intake.backlog >= self._max_backlog:
                await self._intake.wait_room(self._max_backlog, within=1.0)
                continue
            offset = max(self._intake.watermark + 1, self.next_offset)
            try:
                updates = await self._bot.raw_updates(
                    offset, POLL_LIMIT, self._wait, ALLOWED_UPDATES
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
            try:
                progress = not updates or await self._take(updates, offset)
            except Exception:
                # Not stored, so not confirmed: the offset stays and the same batch is asked
                # for again (Telegram still holds it).
                failures += 1
                log.exception("could not store received updates; asking again")
                await self._sleep(backoff(failures))
                continue
            if not progress:
                # Nothing new (re-deliveries only): never ask again at once, in a tight loop.
                self.idle_polls += 1
                await self._sleep(backoff(self.idle_polls))
            else:
                self.idle_polls = 0

    async def _take(self, updates: list[dict[str, Any]], offset: int) -> bool:
        """Admit the new updates of one poll; False when it brought nothing new."""
        ids = [u["update_id"] for u in updates if isinstance(u.get("update_id"), int)]
        below = {i for i in ids if i < offset}
        if below and below & self._stale and min(below) != self._renumbered_from:
            # Confirmed by an offset above them, yet served again: after a week without
            # updates Telegram numbers them anew, below our watermark. Follow it down, once
            # per start: an update served whatever the offset must not run over and over.
            await self._intake.wait_idle(within=10.0)
            self._renumbered_from = min(below)
            floor = min(below) - 1
            log.warning(
                "Telegram numbers updates anew from %s (we had reached %s); following",
                floor + 1,
                offset - 1,
            )
            self._intake.reset(floor)
            self.next_offset = 0
            if self._on_reset is not None:
                await self._on_reset()
            below = set()
        fresh = [u for u in updates if self._wanted(u)]
        if self._persist is not None and fresh:
            fresh = await self._persist(fresh)
        self._stale = below
        admitted = sum(self._admit(raw) for raw in fresh)
        if ids:
            self.next_offset = max(self.next_offset, max(ids) + 1)
        # A new id that could not be parsed is still progress: no reason to back off.
        return admitted > 0 or any(i >= offset for i in ids)

    def _wanted(self, raw: dict[str, Any]) -> bool:
        update_id = raw.get("update_id")
        return isinstance(update_id, int) and self._intake.is_new(update_id)

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
