"""Incoming updates: each processed once, in order within a chat, chats side by side.

The watermark is the highest update_id at and below which everything is done; it is stored,
and re-deliveries at or below it are skipped after a restart. Polling asks Telegram for updates
after the highest one received (not after the watermark), so one chat stuck behind a 429 does
not hold every other chat's updates at Telegram; updates in flight are kept here, bounded by
`MAX_BACKLOG`.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
from collections.abc import Awaitable, Callable

from telegram import Update

from bot.telemetry import QUEUE_DEPTH, QUEUED_CHATS

log = logging.getLogger(__name__)

# Asked for explicitly: several kinds (chat_member, message_reaction) are not sent by default.
ALLOWED_UPDATES = (
    "message",
    "edited_message",
    "callback_query",
    "chat_member",
    "my_chat_member",
    "message_reaction",
    "poll_answer",
)

# Updates received but not yet all done behind the watermark; polling pauses above this.
MAX_BACKLOG = 10_000

Process = Callable[[Update], Awaitable[None]]
LaneOf = Callable[[Update], str]


# With several instances: how long a chat's update waits for earlier ones of that chat stored
# by another instance (longer than the inbox lease, so a dead instance's update is taken over
# within it), and the longest step between two looks.
ORDER_WAIT = 30.0
ORDER_STEP_MAX = 0.05

# (update id, arrival, job): a lane runs its lowest update id first.
_Queued = tuple[int, int, Callable[[], Awaitable[None]]]
# Whether update `id` of lane `key` must still wait for earlier ones handled elsewhere.
Gate = Callable[[str, int], Awaitable[bool]]


class Lanes:
    """One worker per key, lowest update id first; a worker ends when its queue is empty (no
    idle tasks). With a `gate` (several instances), an update first waits, bounded by
    ORDER_WAIT, until the gate says no earlier update of its chat is unfinished elsewhere; an
    earlier one arriving here meanwhile goes first."""

    def __init__(self, gate: Gate | None = None, wait: float = ORDER_WAIT) -> None:
        self._queues: dict[str, list[_Queued]] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._arrivals = itertools.count()
        self._gate = gate
        self._wait = wait
        self.order_waits = 0  # updates that waited for an earlier one elsewhere
        self.order_timeouts = 0  # ... and gave up waiting (logged)
        # Read when /metrics is scraped, so the hot path pays nothing for it.
        QUEUE_DEPTH.labels("telegram").set_function(self.deepest)
        QUEUED_CHATS.labels("telegram").set_function(lambda: len(self._queues))

    def deepest(self) -> int:
        """Updates waiting in the longest per-chat queue."""
        return max((len(queue) for queue in self._queues.values()), default=0)

    def submit(self, key: str, job: Callable[[], Awaitable[None]], order: int = 0) -> None:
        queue = self._queues.get(key)
        if queue is None:
            queue = self._queues[key] = []
        heapq.heappush(queue, (order, next(self._arrivals), job))
        if key not in self._tasks:
            self._tasks[key] = asyncio.create_task(self._run(key), name=f"telegram-lane-{key}")

    async def _run(self, key: str) -> None:
        queue = self._queues[key]
        try:
            while queue:
                item = heapq.heappop(queue)
                if self._gate is not None and await self._wait_turn(key, item[0], queue):
                    heapq.heappush(queue, item)  # an earlier one of this chat came here
                    continue
                try:
                    await item[2]()
                except Exception:
                    log.exception("processing an update of %s failed", key)
        finally:
            del self._tasks[key]
            if not queue:
                del self._queues[key]

    async def _wait_turn(self, key: str, order: int, queue: list[_Queued]) -> bool:
        """Wait while an earlier update of `key` is unfinished elsewhere; True when an earlier
        one was queued here meanwhile (run it first)."""
        assert self._gate is not None
        loop = asyncio.get_running_loop()
        deadline, step, waited = loop.time() + self._wait, 0.005, False
        while True:
            try:
                blocked = await self._gate(key, order)
            except Exception:
                log.exception("cannot tell whether update %s of %s may run; running it", order, key)
                return False
            if not blocked:
                return False
            if not waited:
                waited = True
                self.order_waits += 1
            if queue and queue[0][0] < order:
                return True
            if loop.time() >= deadline:
                self.order_timeouts += 1
                log.warning(
                    "update %s of %s waited %.0f s for an earlier update of that chat at "
                    "another instance; handling it now",
                    order,
                    key,
                    self._wait,
                )
                return False
            await asyncio.sleep(step)
            step = min(step * 2, ORDER_STEP_MAX)

    @property
    def busy(self) -> int:
        return len(self._tasks)

    async def drain(self) -> None:
        while self._tasks:
            await asyncio.gather(*self._tasks.values(), return_exceptions=True)

    async def cancel(self) -> None:
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._queues.clear()


class Intake:
    """Admits each update id once, runs it in its lane, and tracks the watermark."""

    def __init__(
        self,
        process: Process,
        lane_of: LaneOf,
        watermark: int = 0,
        *,
        ordered: bool = True,
        gate: Gate | None = None,
    ) -> None:
        self._process = process
        # Unordered (webhook): ids arrive in any order and some at other instances, so a
        # watermark says nothing about what is done; only updates in flight are refused here.
        self._ordered = ordered
        self._lane_of = lane_of
        self.lanes = Lanes(gate)
        self._floor = watermark
        # Sets for membership, min-heaps (pruned lazily) for the lowest: both may hold thousands.
        self._in_flight: set[int] = set()
        self._in_flight_heap: list[int] = []
        self._done_above: set[int] = set()
        self._done_heap: list[int] = []
        self._highest = watermark
        self._progress = asyncio.Event()
        self._waiters: dict[int, list[asyncio.Future[None]]] = {}
        self.skipped = 0
        self.processed = 0
        self.resets = 0

    @property
    def watermark(self) -> int:
        """Every update id at or below this is processed."""
        heap = self._in_flight_heap
        while heap and heap[0] not in self._in_flight:
            heapq.heappop(heap)
        if heap:
            return max(self._floor, heap[0] - 1)
        return max(self._floor, self._highest)

    @property
    def idle(self) -> bool:
        return not self._in_flight

    @property
    def running(self) -> frozenset[int]:
        """The ids of the updates in flight."""
        return frozenset(self._in_flight)

    @property
    def backlog(self) -> int:
        """Updates received and not yet behind the watermark (in flight or done above it)."""
        return len(self._in_flight) + len(self._done_above)

    def reset(self, floor: int) -> None:
        """Telegram numbers updates anew (after a week without any): follow it down to `floor`.

        Only called when nothing is in flight, so no old id holds the new watermark.
        """
        self._floor = self._highest = floor
        self._done_above.clear()
        self._done_heap.clear()
        self._in_flight_heap = [i for i in self._in_flight_heap if i in self._in_flight]
        heapq.heapify(self._in_flight_heap)
        self.resets += 1

    def is_new(self, update_id: int) -> bool:
        """Whether `update_id` still needs handling; a re-delivery of a done one is counted.

        Updates in flight are not new either: polling from the watermark returns them again.
        """
        if update_id in self._in_flight:
            return False
        if not self._ordered:
            return True
        if update_id <= self.watermark or update_id in self._done_above:
            self.skipped += 1
            log.debug("skipping re-delivered update %s", update_id)
            return False
        return True

    def give_up(self, update_id: int) -> None:
        """Count an update that cannot be handled as done, so it does not hold the others."""
        if self.is_new(update_id):
            self._highest = max(self._highest, update_id)
            self._start(update_id)
            self._finish(update_id)

    def offer(self, update: Update, done: asyncio.Future[None] | None = None) -> bool:
        """Queue `update` unless it was seen; True when it was admitted."""
        update_id = update.update_id
        if update_id in self._in_flight:
            if done is not None:  # the same update again (webhook retry): answer when it is done
                self._waiters.setdefault(update_id, []).append(done)
            return False
        if not self.is_new(update_id):
            if done is not None and not done.done():
                done.set_result(None)
            return False
        self._start(update_id)
        self._highest = max(self._highest, update_id)

        if done is not None:
            self._waiters.setdefault(update_id, []).append(done)

        async def job() -> None:
            try:
                await self._process(update)
            finally:
                self._finish(update_id)
                for waiter in self._waiters.pop(update_id, []):
                    if not waiter.done():
                        waiter.set_result(None)

        self.lanes.submit(self._lane_of(update), job, update_id)
        return True

    def _start(self, update_id: int) -> None:
        self._in_flight.add(update_id)
        heapq.heappush(self._in_flight_heap, update_id)

    def _finish(self, update_id: int) -> None:
        self._in_flight.discard(update_id)
        self.processed += 1
        mark = self.watermark
        if update_id > mark:
            self._done_above.add(update_id)
            heapq.heappush(self._done_heap, update_id)
        heap = self._done_heap
        while heap and heap[0] <= mark:
            self._done_above.discard(heapq.heappop(heap))
        self._progress.set()

    async def wait_room(self, limit: int, within: float) -> None:
        """Wait until the backlog is under `limit` (at most `within` seconds)."""
        await self._wait(lambda: self.backlog < limit, within)

    async def wait_idle(self, within: float) -> None:
        """Wait until nothing is in flight (at most `within` seconds)."""
        await self._wait(lambda: not self._in_flight, within)

    async def _wait(self, ready: Callable[[], bool], within: float) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while not ready():
            remaining = deadline - loop.time()
            if remaining <= 0:
                return
            self._progress.clear()
            try:
                await asyncio.wait_for(self._progress.wait(), timeout=remaining)
            except TimeoutError:
                return
