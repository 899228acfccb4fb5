"""A chat's lane runs its lowest update id first and, with a gate (several instances), waits
for earlier updates of the chat held elsewhere: bounded, and yielding to an earlier one that
reaches this instance meanwhile."""

from __future__ import annotations

import asyncio

from telegram import Update

from bot.adapters.telegram.intake import Intake


async def test_a_later_update_waits_for_an_earlier_one_held_elsewhere() -> None:
    handled: list[int] = []
    elsewhere = {6}  # update 6 of the chat is stored and unfinished at another instance
    looked: list[int] = []

    async def gate(lane: str, update_id: int) -> bool:
        looked.append(update_id)
        if len(looked) == 3:
            elsewhere.clear()  # the other instance finishes it
        return any(seq < update_id for seq in elsewhere)

    async def process(update: Update) -> None:
        handled.append(update.update_id)

    intake = Intake(process, lambda _: "chat", ordered=False, gate=gate)
    intake.offer(Update(7))
    await intake.lanes.drain()
    assert handled == [7]
    assert looked == [7, 7, 7], "7 looked until 6 was done elsewhere, then ran"
    assert (intake.lanes.order_waits, intake.lanes.order_timeouts) == (1, 0)


async def test_an_earlier_update_arriving_here_meanwhile_goes_first() -> None:
    handled: list[int] = []
    arrived: list[int] = []
    intake: Intake

    async def gate(lane: str, update_id: int) -> bool:
        if update_id == 9 and not arrived:
            arrived.append(8)
            intake.offer(Update(8))  # 8 reaches this instance while 9 waits for it
            return True
        return False  # 8 is here now: nothing earlier is elsewhere

    async def process(update: Update) -> None:
        handled.append(update.update_id)

    intake = Intake(process, lambda _: "chat", ordered=False, gate=gate)
    intake.offer(Update(9))
    await intake.lanes.drain()
    assert handled == [8, 9]


async def test_the_wait_is_bounded() -> None:
    handled: list[int] = []

    async def never_done(lane: str, update_id: int) -> bool:
        return True  # an earlier update that nobody finishes

    async def process(update: Update) -> None:
        handled.append(update.update_id)

    intake = Intake(process, lambda _: "chat", ordered=False, gate=never_done)
    intake.lanes._wait = 0.05
    intake.offer(Update(3))
    await asyncio.wait_for(intake.lanes.drain(), timeout=10)
    assert handled == [3], "handled anyway once the wait ran out"
    assert intake.lanes.order_timeouts == 1
