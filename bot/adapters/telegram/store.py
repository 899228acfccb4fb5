"""Storage of the Telegram adapter: the update inbox and watermark, poll chats, group moves."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import CursorResult, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import Channel, Community, InboxUpdate
from bot.db.models_telegram import TelegramOffset, TelegramPoll

log = logging.getLogger(__name__)

Sessions = async_sessionmaker[AsyncSession]

# Handled updates kept as the persistent dedupe window above the watermark's lag: enough to
# recognise any re-delivery Telegram makes after a restart (it re-sends what it holds, at
# most a day's backlog), bounded so the table never grows.
INBOX_WINDOW = 20_000

# How long an instance's claim on its unhandled inbox rows holds without renewal. Each live
# instance renews its claims every second (the watermark flush); the rows of an instance that
# died are taken over by another once this runs out.
INBOX_LEASE = timedelta(seconds=15)


@dataclass(frozen=True, slots=True)
class Stored:
    """An update from the inbox: its id, the raw JSON, and posts already started for it."""

    update_id: int
    raw: dict[str, Any]
    sent: int


async def inbox_store(
    sessions: Sessions,
    source: str,
    batch: Sequence[dict[str, Any]],
    now: datetime,
    instance: str | None = None,
    lane_of: Callable[[dict[str, Any]], str] | None = None,
) -> list[dict[str, Any]]:
    """Store one received batch in one transaction, claimed by `instance`; return the updates
    that were new.

    Called before the offset that confirms the batch is sent to Telegram: what Telegram
    forgets is already here, and a re-delivered update already here is not new (the primary
    key makes that hold across instances too: the second insert fails and is retried).
    """
    by_id = {u["update_id"]: u for u in batch if isinstance(u.get("update_id"), int)}
    if not by_id:
        return []
    async with sessions.begin() as session:
        known = set(
            (
                await session.scalars(
                    select(InboxUpdate.seq).where(
                        InboxUpdate.source == source, InboxUpdate.seq.in_(list(by_id))
                    )
                )
            ).all()
        )
        fresh = [raw for update_id, raw in sorted(by_id.items()) if update_id not in known]
        session.add_all(
            InboxUpdate(
                source=source,
                seq=raw["update_id"],
                payload=raw,
                received_at=now,
                sent=0,
                claimed_by=instance,
                lease_until=now + INBOX_LEASE,
                lane=lane_of(raw)[:64] if lane_of is not None else None,
            )
            for raw in fresh
        )
    return fresh


async def inbox_claim(
    sessions: Sessions, source: str, instance: str, now: datetime, *, own: bool = True
) -> list[Stored]:
    """Claim the unhandled updates this instance may handle, oldest first: with `own`, its own
    (the last run stopped first) and unclaimed ones; always those whose claim ran out (their
    instance died). Rows another live instance holds are left to it.

    PostgreSQL skips rows another instance is claiming at the same moment, so each row is
    taken by one instance.
    """
    mine = [InboxUpdate.lease_until < now, InboxUpdate.lease_until.is_(None)]
    if own:
        mine += [InboxUpdate.claimed_by == instance, InboxUpdate.claimed_by.is_(None)]
    async with sessions.begin() as session:
        rows = (
            await session.scalars(
                select(InboxUpdate)
                .where(InboxUpdate.source == source, InboxUpdate.handled_at.is_(None), or_(*mine))
                .order_by(InboxUpdate.seq)
                .with_for_update(skip_locked=True)
            )
        ).all()
        if not rows:
            return []
        found = [Stored(row.seq, dict(row.payload), row.sent) for row in rows]
        await session.execute(
            update(InboxUpdate)
            .where(InboxUpdate.source == source, InboxUpdate.seq.in_([s.update_id for s in found]))
            .values(claimed_by=instance, lease_until=now + INBOX_LEASE)
        )
    return found


async def inbox_earlier(
    sessions: Sessions, source: str, lane: str, seq: int, *, limit: int = 64
) -> list[int]:
    """Unhandled updates of `lane` older than `seq`, stored by any instance (oldest first)."""
    async with sessions() as session:
        rows = await session.scalars(
            select(InboxUpdate.seq)
            .where(
                InboxUpdate.source == source,
                InboxUpdate.lane == lane[:64],
                InboxUpdate.seq < seq,
                InboxUpdate.handled_at.is_(None),
            )
            .order_by(InboxUpdate.seq)
            .limit(limit)
        )
        return list(rows.all())


async def inbox_renew(sessions: Sessions, source: str, instance: str, now: datetime) -> int:
    """Extend this instance's claim on its unhandled updates (it is alive); one UPDATE."""
    async with sessions.begin() as session:
        result = await session.execute(
            update(InboxUpdate)
            .where(
                InboxUpdate.source == source,
                InboxUpdate.handled_at.is_(None),
                InboxUpdate.claimed_by == instance,
            )
            .values(lease_until=now + INBOX_LEASE)
        )
    return int(result.rowcount) if isinstance(result, CursorResult) else 0


async def inbox_handled(
    sessions: Sessions, source: str, update_ids: Sequence[int], now: datetime
) -> None:
    async with sessions.begin() as session:
        await session.execute(
            update(InboxUpdate)
            .where(InboxUpdate.source == source, InboxUpdate.seq.in_(list(update_ids)))
            .values(handled_at=now)
        )


async def inbox_sending(sessions: Sessions, source: str, update_id: int, count: int) -> None:
    """Record that the `count`-th post for an update is about to leave."""
    async with sessions.begin() as session:
        await session.execute(
            update(InboxUpdate)
            .where(InboxUpdate.source == source, InboxUpdate.seq == update_id)
            .values(sent=count)
        )


async def inbox_prune(sessions: Sessions, source: str, *, keep: int = INBOX_WINDOW) -> int:
    """Drop handled updates beyond the newest `keep` (the bounded dedupe window)."""
    async with sessions.begin() as session:
        top = await session.scalar(
            select(func.max(InboxUpdate.seq)).where(InboxUpdate.source == source)
        )
        if top is None:
            return 0
        result = await session.execute(
            delete(InboxUpdate).where(
                InboxUpdate.source == source,
                InboxUpdate.handled_at.is_not(None),
                InboxUpdate.seq <= top - keep,
            )
        )
    return int(getattr(result, "rowcount", 0) or 0)


async def inbox_forget_handled(
    sessions: Sessions, source: str, *, before: datetime | None = None
) -> None:
    """Telegram numbers updates anew (after a week without any): old handled ids would
    shadow the new ones. With `before`, only those received before then."""
    async with sessions.begin() as session:
        query = delete(InboxUpdate).where(
            InboxUpdate.source == source, InboxUpdate.handled_at.is_not(None)
        )
        if before is not None:
            query = query.where(InboxUpdate.received_at < before)
        await session.execute(query)


async def load_offset(sessions: Sessions, bot_id: str, *, since: datetime | None = None) -> int:
    """The last fully processed update_id of `bot_id`, 0 when none.

    A watermark last moved before `since` counts as none: after a week without updates
    Telegram numbers them anew, possibly below it, and they would all be skipped.
    """
    async with sessions() as session:
        row = await session.get(TelegramOffset, bot_id)
    if row is None:
        return 0
    if since is not None and row.updated_at < since:
        log.info(
            "the stored update watermark %s dates from %s; Telegram may number updates anew "
            "after so long, so it is not used",
            row.last_update_id,
            row.updated_at.isoformat(),
        )
        return 0
    return int(row.last_update_id)


async def save_offset(
    sessions: Sessions, bot_id: str, update_id: int, now: datetime, *, back: bool = False
) -> None:
    """Move the watermark forward (never back unless `back`: Telegram numbered anew)."""
    async with sessions.begin() as session:
        row = await session.get(TelegramOffset, bot_id)
        if row is None:
            session.add(TelegramOffset(bot_id=bot_id, last_update_id=update_id, updated_at=now))
        elif update_id > row.last_update_id or back:
            row.last_update_id, row.updated_at = update_id, now


async def remember_poll(
    sessions: Sessions, poll_id: str, chat_id: str, message_id: str, now: datetime
) -> None:
    async with sessions.begin() as session:
        await session.merge(
            TelegramPoll(poll_id=poll_id, chat_id=chat_id, message_id=message_id, created_at=now)
        )


async def poll_chat(sessions: Sessions, poll_id: str) -> str | None:
    async with sessions() as session:
        return await session.scalar(
            select(TelegramPoll.chat_id).where(TelegramPoll.poll_id == poll_id)
        )


async def rename_chat(sessions: Sessions, platform: str, old: str, new: str) -> None:
    """The group's chat takes the new id too: in Telegram a group is its own chat."""
    async with sessions.begin() as session:
        await session.execute(
            update(Channel)
            .where(
                Channel.community_id
                == select(Community.id)
                .where(Community.platform == platform, Community.external_id == new)
                .scalar_subquery(),
                Channel.external_id == old,
            )
            .values(external_id=new)
        )
    log.info("chat %s:%s is now %s:%s (group upgraded to supergroup)", platform, old, platform, new)
